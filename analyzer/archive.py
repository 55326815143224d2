"""Safe, capped extraction of untrusted archives into a private work directory.

Member names are never used as file-system paths: every member is written to a numbered file in
the work directory and keeps its name only as a string.  Links, devices and FIFOs are refused (a
link at ``etc/localtime`` is not followed either, but its target's name, which names the VM's time
zone, is kept as a one-line text member: ``localtime -> <target>``);
sizes, member counts, compression ratios and nesting depth are capped (design §5).  A damaged
archive yields what could be read plus a warning.
"""

from __future__ import annotations

import bz2
import lzma
import shutil
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from analyzer.limits import Limits
from analyzer.paths import UnsafePath, normalise_member_name

_COPY_CHUNK = 1 << 20
_RATIO_SLACK = 1 << 20  # small members may legitimately compress better than max_ratio
_LINK_TARGET_MAX = 255  # a zone file path is short; anything longer is not a zone link


def is_localtime(name: str) -> bool:
    """The VM's zone link: ``etc/localtime`` at any root of the bundle."""
    return name == "etc/localtime" or name.endswith("/etc/localtime")


def localtime_link_note(name: str, target: str, budget: Budget) -> Extracted | None:
    """The text of a refused ``etc/localtime`` link (never followed) as a member of its own.

    RHEL, SUSE and Azure Linux have no /etc/timezone: the link's target (``/usr/share/zoneinfo/
    Asia/Shanghai``) is where their zone is named.  Only the text is kept, as ``ls -l`` shows it.
    """
    if not is_localtime(name) or not target or len(target) > _LINK_TARGET_MAX or not target.isprintable():
        return None
    dst = budget.new_file()
    data = f"localtime -> {target}\n".encode()
    dst.write_bytes(data)
    budget.total_bytes += len(data)
    return Extracted(name=name, file=dst, size=len(data))


class CapReached(Exception):
    """A named cap stopped the work; the message says which and where."""


@dataclass
class Extracted:
    """One regular file taken out of an archive (or a decompressed single-file stream)."""

    name: str  # normalised member path inside its archive
    file: Path
    size: int
    truncated: bool = False


@dataclass
class Budget:
    """Totals shared by one whole bundle, across nested archives."""

    limits: Limits
    workdir: Path
    total_bytes: int = 0
    members: int = 0
    counter: int = 0
    warnings: list[str] = field(default_factory=list)

    def new_file(self) -> Path:
        self.counter += 1
        return self.workdir / f"m{self.counter:06d}"

    def take_member(self, address: str) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise CapReached(f"max_members={self.limits.max_members} reached at {address}: remaining members skipped")


def sniff_container(head: bytes) -> str | None:
    """The container format from magic bytes (never from the name)."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


class _CountingReader:
    """Counts compressed bytes consumed, so decompressed output can be held to max_ratio."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.consumed = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.consumed += len(data)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()


def copy_capped(
    src: BinaryIO,
    dst_path: Path,
    budget: Budget,
    address: str,
    compressed_so_far: Callable[[], int] | None = None,
) -> tuple[int, bool]:
    """Copy a stream to ``dst_path`` within the member, total and ratio caps.

    Returns (bytes written, truncated).  Raises CapReached for the total cap (nothing more may be
    extracted); member and ratio caps cut this member only, with a warning.
    """
    limits = budget.limits
    written = 0
    truncated = False
    with open(dst_path, "wb") as dst:
        while True:
            chunk = src.read(_COPY_CHUNK)
            if not chunk:
                break
            if written + len(chunk) > limits.max_member_bytes:
                chunk = chunk[: limits.max_member_bytes - written]
                budget.warnings.append(
                    f"max_member_bytes={limits.max_member_bytes}: {address} cut after {limits.max_member_bytes} bytes"
                )
                truncated = True
            if budget.total_bytes + len(chunk) > limits.max_total_bytes:
                chunk = chunk[: max(0, limits.max_total_bytes - budget.total_bytes)]
                dst.write(chunk)
                written += len(chunk)
                budget.total_bytes += len(chunk)
                raise CapReached(
                    f"max_total_bytes={limits.max_total_bytes} reached in {address}: it and the rest are not read"
                )
            dst.write(chunk)
            written += len(chunk)
            budget.total_bytes += len(chunk)
            if truncated:
                break
            if compressed_so_far is not None:
                consumed = max(compressed_so_far(), 1)
                if written > consumed * limits.max_ratio + _RATIO_SLACK:
                    budget.warnings.append(
                        f"max_ratio={limits.max_ratio}: {address} expands more than {limits.max_ratio}x; cut"
                    )
                    truncated = True
                    break
    return written, truncated


class _Decompressed:
    """A read()-able decompressed view that gives out every byte decoded before damage.

    The stdlib file objects raise on a truncated stream and drop the output of that read call;
    driving the decompressor objects directly salvages the readable part exactly, and
    ``max_length`` keeps one call from expanding a bomb in memory.  Concatenated members
    (``cat a.gz b.gz``) are followed.
    """

    _RAW_CHUNK = 1 << 16

    def __init__(self, kind: str, raw: _CountingReader) -> None:
        self.kind = kind
        self.raw = raw
        self._dec = self._new()
        self._pending = b""  # compressed bytes not yet given to the decompressor
        self.damaged: str | None = None
        self._done = False

    def _new(self) -> Any:
        if self.kind == "gzip":
            return zlib.decompressobj(wbits=47)
        if self.kind == "bzip2":
            return bz2.BZ2Decompressor()
        return lzma.LZMADecompressor()

    def _input(self) -> bytes | None:
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        data = self.raw.read(self._RAW_CHUNK)
        return data or None

    def _next_member(self) -> bool:
        rest = self._dec.unused_data
        if not rest.strip(b"\0"):
            return False
        self._dec = self._new()
        self._pending = rest
        return True

    def read(self, n: int = -1) -> bytes:
        want = _COPY_CHUNK if n is None or n < 0 else n
        try:
            while not self._done:
                if self._dec.eof and not self._next_member():
                    self._done = True
                    break
                if self.kind == "gzip":
                    data = self._input() if not self._dec.unconsumed_tail else self._dec.unconsumed_tail
                    if data is None:
                        self._finish()
                        break
                    out = self._dec.decompress(data, want)
                elif self._dec.needs_input:
                    data = self._input()
                    if data is None:
                        self._finish()
                        break
                    out = self._dec.decompress(data, want)
                else:
                    out = self._dec.decompress(b"", want)
                if out:
                    return out
        except (zlib.error, OSError, lzma.LZMAError, EOFError, ValueError) as exc:
            self.damaged = _short(exc)
            self._done = True
        return b""

    def _finish(self) -> None:
        if not self._dec.eof:
            self.damaged = "stream ended before its end marker"
        self._done = True


_STREAM_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError, tarfile.TarError, ValueError)


def decompress_single(path: Path, kind: str, budget: Budget, address: str) -> Extracted:
    """Decompress a .gz/.bz2/.xz stream (not a tar) to a new work file; damaged tails are salvaged."""
    dst = budget.new_file()
    with open(path, "rb") as fh:
        counter = _CountingReader(fh)
        stream = _Decompressed(kind, counter)
        size, truncated = copy_capped(stream, dst, budget, address, lambda: counter.consumed)  # type: ignore[arg-type]
    if stream.damaged:
        budget.warnings.append(f"{address}: damaged or truncated {kind} stream ({stream.damaged}); readable part kept")
        truncated = True
    return Extracted(name="", file=dst, size=size, truncated=truncated)


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def decompressed_head(path: Path, kind: str, size: int = 512) -> bytes:
    """The first bytes of a compressed stream's content (to tell a .tar.gz from a .log.gz)."""
    with open(path, "rb") as fh:
        stream = _Decompressed(kind, _CountingReader(fh))
        head = b""
        while len(head) < size:
            chunk = stream.read(size - len(head))
            if not chunk:
                break
            head += chunk
    return head


def iter_tar(path: Path, compression: str | None, budget: Budget, address: str) -> Iterator[Extracted]:
    """Stream a tar (optionally compressed) member by member; stop cleanly at damage."""
    with open(path, "rb") as fh:
        counter = _CountingReader(fh)
        source: Any = counter if compression is None else _Decompressed(compression, counter)
        try:
            tar = tarfile.open(fileobj=source, mode="r|")
        except _STREAM_ERRORS as exc:
            budget.warnings.append(f"{address}: not a readable tar ({_short(exc)})")
            return
        try:
            for info in tar:
                member_address = f"{address}!/{info.name}"
                try:
                    name = normalise_member_name(info.name)
                except UnsafePath as exc:
                    budget.warnings.append(f"refused {member_address}: {exc}")
                    continue
                if info.isdir():
                    continue
                if info.issym() or info.islnk():
                    budget.warnings.append(f"refused {member_address}: link to {info.linkname!r} not followed")
                    note = localtime_link_note(name, info.linkname, budget) if info.issym() else None
                    if note is not None:
                        budget.take_member(member_address)
                        yield note
                    continue
                if not info.isfile():
                    budget.warnings.append(f"refused {member_address}: not a regular file (device, FIFO or special)")
                    continue
                budget.take_member(member_address)
                src = tar.extractfile(info)
                if src is None:
                    continue
                dst = budget.new_file()
                size, truncated = copy_capped(src, dst, budget, member_address, lambda: counter.consumed)
                yield Extracted(name=name, file=dst, size=size, truncated=truncated)
        except CapReached:
            raise
        except _STREAM_ERRORS as exc:
            budget.warnings.append(f"{address}: archive damaged or truncated ({_short(exc)}); members read so far kept")
        finally:
            if isinstance(source, _Decompressed) and source.damaged:
                budget.warnings.append(
                    f"{address}: damaged or truncated {compression} stream ({source.damaged}); members read so far kept"
                )
            try:
                tar.close()
            except _STREAM_ERRORS:
                pass


def iter_zip(path: Path, budget: Budget, address: str) -> Iterator[Extracted]:
    """Read a zip member by member; declared sizes and ratios are checked before reading."""
    limits = budget.limits
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, *_STREAM_ERRORS) as exc:
        with open(path, "rb") as fh:
            starts_like_a_zip = fh.read(4) == b"PK\x03\x04"
        if not starts_like_a_zip:
            budget.warnings.append(f"{address}: not a readable zip ({_short(exc)})")
            return
        from analyzer.zip_salvage import salvage_zip  # lazy: it builds on this module

        budget.warnings.append(
            f"{address}: zip without its central directory (cut short?): members read from their local headers"
        )
        yield from salvage_zip(path, budget, address)
        return
    with zf:
        for info in zf.infolist():
            member_address = f"{address}!/{info.filename}"
            try:
                name = normalise_member_name(info.filename)
            except UnsafePath as exc:
                budget.warnings.append(f"refused {member_address}: {exc}")
                continue
            if info.is_dir():
                continue
            mode = (info.external_attr >> 16) & 0o170000
            if mode and mode != 0o100000:
                budget.warnings.append(f"refused {member_address}: not a regular file (link or special)")
                note = _zip_link_note(zf, info, name, budget) if mode == 0o120000 else None
                if note is not None:
                    budget.take_member(member_address)
                    yield note
                continue
            budget.take_member(member_address)
            if info.file_size > limits.max_total_bytes - budget.total_bytes:
                raise CapReached(
                    f"max_total_bytes={limits.max_total_bytes}: {member_address} declares {info.file_size} bytes; "
                    "it and the rest are not read"
                )
            if info.compress_size and info.file_size > info.compress_size * limits.max_ratio + _RATIO_SLACK:
                budget.warnings.append(
                    f"max_ratio={limits.max_ratio}: {member_address} declares {info.file_size} bytes from "
                    f"{info.compress_size}; skipped"
                )
                continue
            dst = budget.new_file()
            try:
                with zf.open(info) as src:
                    compressed = max(info.compress_size, 1)
                    size, truncated = copy_capped(src, dst, budget, member_address, lambda c=compressed: c)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, *_STREAM_ERRORS) as exc:
                if not dst.exists():  # its local header is damaged: nothing of it could be read
                    budget.warnings.append(f"{member_address}: damaged member ({_short(exc)}); not read")
                    continue
                budget.warnings.append(f"{member_address}: damaged member ({_short(exc)}); readable part kept")
                size, truncated = dst.stat().st_size, True
            yield Extracted(name=name, file=dst, size=size, truncated=truncated)


def _zip_link_note(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: Budget) -> Extracted | None:
    """A zip stores a link's target as the member's data: read it (a few bytes) as text, never follow it."""
    if not is_localtime(name) or info.file_size > _LINK_TARGET_MAX:
        return None
    try:
        with zf.open(info) as src:
            target = src.read(_LINK_TARGET_MAX + 1).decode("utf-8")
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, UnicodeDecodeError, *_STREAM_ERRORS):
        return None
    return localtime_link_note(name, target, budget)


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
