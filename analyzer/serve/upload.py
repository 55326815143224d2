"""A dropped bundle streamed from a multipart body straight into a private folder.

Nothing is parsed in memory beyond the small form fields: file parts go to disk chunk by chunk,
under names reduced to a safe base name, and the byte count is checked against the cap as the
body arrives.  The folder is only ever read by the analyser; it is never executed or served.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FILES = 5000
MAX_FIELD_BYTES = 4096
_UNSAFE = re.compile(r"[^\w.+@=,-]+")  # \w: letters of any script, digits, underscore


class UploadError(Exception):
    """A body that cannot be accepted; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def safe_name(raw: str) -> str:
    """A browser-supplied file name reduced to a harmless base name (no folders, no dot files)."""
    base = re.split(r"[\\/]", raw)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = _UNSAFE.sub("_", base).strip("._") or "file"
    return base[:120]


@dataclass
class Received:
    """What the body carried: small fields and the files written under ``folder``."""

    folder: Path
    fields: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # safe names, in arrival order
    original_names: list[str] = field(default_factory=list)
    size: int = 0


class _Sink:
    """python-multipart callbacks that route each part to a field buffer or a file."""

    def __init__(self, received: Received, before_first_file: object) -> None:
        self.received = received
        self.before_first_file = before_first_file  # callable(fields) raising UploadError to refuse
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._field: str | None = None
        self._field_value = bytearray()
        self._file: BinaryIO | None = None

    def on_part_begin(self) -> None:
        self._headers = {}
        self._field, self._file = None, None
        self._field_value = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            self._field = name
            return
        if name != "files":
            raise UploadError(f"unexpected file field {name[:40]!r}")
        if not options[b"filename"]:
            return  # a plain form posted with no file chosen sends an empty, nameless part: skip it
        if not self.received.files:
            self.before_first_file(self.received.fields)  # type: ignore[operator]
        if len(self.received.files) >= MAX_FILES:
            raise UploadError(f"too many files in one drop (at most {MAX_FILES})")
        original = options[b"filename"].decode("utf-8", "replace")
        target = self._unique(safe_name(original))
        self.received.files.append(target)
        self.received.original_names.append(original)
        fd = os.open(self.received.folder / target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = os.fdopen(fd, "wb")

    def _unique(self, name: str) -> str:
        if name not in self.received.files:
            return name
        stem, dot, ext = name.partition(".")
        n = 2
        while f"{stem}-{n}{dot}{ext}" in self.received.files:
            n += 1
        return f"{stem}-{n}{dot}{ext}"

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self._file.write(data[start:end])
        elif self._field is not None:
            self._field_value += data[start:end]
            if len(self._field_value) > MAX_FIELD_BYTES:
                raise UploadError(f"form field {self._field[:40]!r} is too long")

    def on_part_end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        elif self._field is not None:
            self.received.fields[self._field] = self._field_value.decode("utf-8", "replace")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


async def receive(
    content_type: str, chunks: AsyncIterator[bytes], folder: Path, max_bytes: int, before_first_file: object
) -> Received:
    """Stream a ``multipart/form-data`` body into ``folder``; UploadError(413) past ``max_bytes``."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadError("send the files as multipart/form-data", 415)
    received = Received(folder)
    sink = _Sink(received, before_first_file)
    callbacks = {name: getattr(sink, name) for name in dir(_Sink) if name.startswith("on_")}
    try:
        parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
        async for chunk in chunks:
            received.size += len(chunk)
            if received.size > max_bytes:
                raise UploadError(f"the upload is larger than the server's cap of {max_bytes} bytes", 413)
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise UploadError(f"the upload is not a well-formed form: {str(exc).splitlines()[0][:120]}") from exc
    finally:
        sink.close()
    if not received.files:
        raise UploadError("no file in the upload")
    return received
