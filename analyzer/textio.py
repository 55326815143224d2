"""Line reading that survives hostile bytes: capped record length, any line ending, bad encodings.

Every parser reads through a :class:`LineReader`, so the caps and decoding rules live here once.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

DEFAULT_MAX_RECORD_BYTES = 1 << 20
# C0 controls but tab and newline, DEL and C1: escape sequences a terminal would obey
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CHUNK = 1 << 16
_CHECKPOINT_EVERY = 4096


_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]+-----")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]+-----")
# The base64 tail of a body line (a log header may precede it): long, or padded, or with a digit or
# +/ — an ordinary word ("enabled") is not key material and ends the block (an END lost in a cut
# line, or a record logged in between, must not hide the log text that follows)
_PEM_BODY = re.compile(
    r"(?<![A-Za-z0-9+/=])(?:[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9+/]{2,}={1,2}|"
    r"(?=[A-Za-z0-9+/]*[0-9+/])[A-Za-z0-9+/]{4,})\s*$"
)
PEM_BODY_MASK = "<pem-body>"
_PEM_MAX_LINES = 500  # a BEGIN without its END does not hide the rest of the file
_PEM_TAIL = 1 << 12  # how much of a cut line's end is looked at for a key block's BEGIN / END


class PemBodyMask:
    """Hides the base64 body of a PEM block (key, certificate) that spans several lines of a file.

    The redactor replaces a block inside one text, but a log that writes every physical line as its
    own record (the 2.0.x agent, an extension logging line by line) leaves the body lines with no
    marker of their own.  The line reader knows the order of lines, so it masks them there, before
    any parser, event or report sees them, and remembers where, so re-reads of a slice (evidence
    context) mask the same lines."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []  # (first, last) body line numbers found by the full pass
        self._open: int | None = None  # line number of the BEGIN line of the block being read

    def scan(self, lineno: int, text: str) -> str:
        """Full pass, in line order: mask body lines and record their range."""
        if self._open is None:
            if "-----BEGIN" in text and _PEM_BEGIN.search(text) and not _PEM_END.search(text):
                self._open = lineno
            return text
        if _PEM_END.search(text) or lineno - self._open > _PEM_MAX_LINES or not _PEM_BODY.search(text):
            if lineno - 1 > self._open:
                self.ranges.append((self._open + 1, lineno - 1))
            self._open = None
            return text
        return _PEM_BODY.sub(PEM_BODY_MASK, text)

    def cut_line(self, lineno: int, opens: bool) -> None:
        """A line cut at max_record_bytes whose dropped part held a BEGIN (or an END) marker."""
        if opens and self._open is None:
            self._open = lineno
        elif not opens and self._open is not None:
            if lineno - 1 > self._open:
                self.ranges.append((self._open + 1, lineno - 1))
            self._open = None

    def finish(self, last_line: int) -> None:
        if self._open is not None and last_line > self._open:
            self.ranges.append((self._open + 1, last_line))
        self._open = None

    def mask_known(self, lineno: int, text: str) -> str:
        """Re-read of a slice: mask the lines the full pass found inside a block."""
        if any(lo <= lineno <= hi for lo, hi in self.ranges):
            return _PEM_BODY.sub(PEM_BODY_MASK, text)
        return text


def terminal_safe(text: str) -> str:
    """Log text made inert for a terminal: control characters (ESC, BEL, CR...) shown as ``\\xNN``."""
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _decoder_for(head: bytes) -> tuple[str, int]:
    """Pick the codec from a byte-order mark; UTF-8 (with replacement) otherwise."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8)
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", 0
    return "utf-8", 0


class StreamLineReader:
    """Reads numbered text lines from a binary stream factory.

    A line longer than ``max_record_bytes`` is cut there; the rest of it is skipped without being
    held in memory, and a warning names the line.  ``\\r\\n``, ``\\n`` and lone ``\\r`` all end lines.
    """

    def __init__(
        self,
        open_stream: Callable[[], BinaryIO],
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
        warn: Callable[[str, int | None], None] | None = None,
    ) -> None:
        self._open = open_stream
        self.max_record_bytes = max_record_bytes
        self._warn = warn or (lambda message, line: None)
        self.bytes_read = 0
        self.lines_read = 0
        self.decode_errors = 0
        self.zero_bytes = 0
        self._zero_warned = False
        self.checkpoints: list[tuple[int, int]] = []  # (line number, byte offset of its start)
        self.pem = PemBodyMask()
        self.pem_cut_open: bool | None = None  # a line cut at the cap ended inside (True) or after a key block
        self._checkpointing = False

    def _raw_lines(self, stream: BinaryIO, first_lineno: int) -> Iterator[tuple[int, bytes]]:
        """(physical line number, bytes) pairs; every few thousand lines a seek checkpoint is kept."""
        cap = self.max_record_bytes
        lineno = first_lineno - 1
        while True:
            if lineno % _CHECKPOINT_EVERY == 0 and self._checkpointing:
                self.checkpoints.append((lineno + 1, stream.tell()))
            raw = stream.readline(cap + 1)
            if not raw:
                return
            lineno += 1
            self.bytes_read += len(raw)
            if len(raw) > cap and not raw.endswith(b"\n"):
                skipped = 0
                tail = raw[max(0, cap - 16) :]  # cut off, not kept; a key block opening there (or across) counts
                while True:
                    rest = stream.readline(_CHUNK)
                    if not rest:
                        break
                    skipped += len(rest)
                    tail = (tail + rest)[-_PEM_TAIL:]
                    if b"-----BEGIN" in tail or b"-----END" in tail:
                        self.pem_cut_open = tail.rfind(b"-----BEGIN") > tail.rfind(b"-----END")
                    if rest.endswith(b"\n"):
                        break
                if b"-----BEGIN" in tail or b"-----END" in tail:
                    self.pem_cut_open = tail.rfind(b"-----BEGIN") > tail.rfind(b"-----END")
                self.bytes_read += skipped
                self._warn(
                    f"line {lineno} longer than max_record_bytes={cap}: cut, {skipped + len(raw) - cap} bytes skipped",
                    lineno,
                )
                raw = raw[:cap]
            yield lineno, raw

    def lines(self, start: int = 1, end: int | None = None) -> Iterator[tuple[int, str]]:
        """Numbered lines; ``start``/``end`` (inclusive) re-read a slice using the seek checkpoints.

        Line numbers count ``\n``-terminated physical lines; a lone ``\r`` inside one splits it
        into several logical lines that share its number.
        """
        with self._open() as stream:
            head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
            encoding, skip = _decoder_for(head)
            if encoding == "utf-16":
                for lineno, text in self._utf16_lines(stream):
                    if lineno >= start and (end is None or lineno <= end):
                        yield lineno, text
                return
            first = 1
            self._checkpointing = start == 1 and not self.checkpoints
            full_pass = start == 1 and end is None
            pem = self.pem
            if full_pass:
                pem.ranges.clear()
            pem_scan = pem.scan
            if start > 1 and self.checkpoints:
                first, offset = max((c for c in self.checkpoints if c[0] <= start), default=(1, 0))
                stream.seek(offset)
            elif skip:
                stream.read(skip)
            for lineno, raw in self._raw_lines(stream, first):
                if end is not None and lineno > end:
                    return
                if lineno < start:
                    continue
                if b"\0" in raw:
                    raw = self._without_zero_bytes(raw, lineno)
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    self.decode_errors += 1
                    if self.decode_errors == 1:
                        self._warn(f"line {lineno}: invalid UTF-8, undecodable bytes replaced", lineno)
                    text = raw.decode("utf-8", "replace")
                text = text.rstrip("\n")
                if text.endswith("\r"):
                    text = text[:-1]
                self.lines_read = max(self.lines_read, lineno)
                if full_pass:
                    if pem._open is not None or "-----BEGIN" in text:
                        text = pem_scan(lineno, text)
                    if self.pem_cut_open is not None:  # the cut part of this line opened or closed a block
                        pem.cut_line(lineno, self.pem_cut_open)
                        self.pem_cut_open = None
                elif pem.ranges:
                    text = pem.mask_known(lineno, text)
                if "\r" in text:
                    for part in text.split("\r"):
                        yield lineno, part
                else:
                    yield lineno, text
            if full_pass:
                pem.finish(self.lines_read)

    def _without_zero_bytes(self, raw: bytes, lineno: int) -> bytes:
        """NUL bytes carry nothing in a log; a run of them (zero-fill after an unclean shutdown)
        glued to the next record would hide its header."""
        kept = raw.replace(b"\0", b"")
        self.zero_bytes += len(raw) - len(kept)
        if not self._zero_warned:
            self._zero_warned = True
            self._warn(
                f"line {lineno}: zero bytes removed (a zero-filled stretch, as an unclean shutdown or a "
                "truncation while the file was written leaves)",
                lineno,
            )
        return kept

    def _utf16_lines(self, stream: BinaryIO) -> Iterator[tuple[int, str]]:
        wrapper = io.TextIOWrapper(stream, encoding="utf-16", errors="replace", newline=None)
        for lineno, text in enumerate(wrapper, 1):
            if len(text) > self.max_record_bytes:
                self._warn(f"line {lineno} longer than max_record_bytes: cut", lineno)
                text = text[: self.max_record_bytes]
            self.lines_read = lineno
            yield lineno, text.rstrip("\r\n")

    def read_text(self, max_bytes: int | None = None) -> str:
        """The whole text (documents: XML, JSON, conf), at most ``max_bytes`` of it."""
        limit = max_bytes if max_bytes is not None else self.max_record_bytes * 16
        with self._open() as stream:
            data = stream.read(limit + 1)
        if len(data) > limit:
            self._warn(f"document larger than {limit} bytes: only the first {limit} read", None)
            data = data[:limit]
        self.bytes_read = len(data)
        self.lines_read = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        encoding, skip = _decoder_for(data[:4])
        try:
            return data[skip:].decode(encoding)
        except UnicodeDecodeError:
            self.decode_errors += 1
            self._warn("invalid UTF-8, undecodable bytes replaced", None)
            return data[skip:].decode(encoding, "replace")


class StringLineReader:
    """A reader over in-memory text: for tests and for pasted snippets."""

    def __init__(self, text: str) -> None:
        self._text = text

    def lines(self, start: int = 1, end: int | None = None) -> Iterator[tuple[int, str]]:
        for lineno, line in enumerate(self._text.splitlines(), 1):
            if lineno >= start and (end is None or lineno <= end):
                yield lineno, line

    def read_text(self, max_bytes: int | None = None) -> str:
        return self._text if max_bytes is None else self._text[:max_bytes]


class SliceReader:
    """A reader limited to lines ``start..end`` of another: re-parsing one window of a big file."""

    def __init__(self, base: StreamLineReader, start: int, end: int | None) -> None:
        self._base = base
        self._start = start
        self._end = end

    def lines(self) -> Iterator[tuple[int, str]]:
        return self._base.lines(self._start, self._end)

    def read_text(self, max_bytes: int | None = None) -> str:
        return self._base.read_text(max_bytes)
