"""The members of a zip whose central directory is gone, read from their local headers.

An upload cut short is the usual way a ticket attachment is damaged, and the agent's log collector
writes zips.  The central directory sits at the end, so a cut zip cannot be opened by ``zipfile``
at all, although every member before the cut is whole: each starts with a local header that
names it and says how it is stored.  Reading forward from those headers keeps those members (and
the readable part of the one that was cut), as a cut tarball is salvaged.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from analyzer.archive import Budget, Extracted, copy_capped
from analyzer.paths import UnsafePath, normalise_member_name

_LOCAL = b"PK\x03\x04"
_DESCRIPTOR = b"PK\x07\x08"
# signature, version, flags, method, time, date, crc, compressed size, size, name length, extra length
_HEADER = struct.Struct("<4sHHHHHIIIHH")
_STORED, _DEFLATED = 0, 8
_ENCRYPTED, _HAS_DESCRIPTOR, _UTF8 = 0x1, 0x8, 0x800
_CHUNK = 1 << 16


class _MemberData:
    """A member's data as a stream: inflated (its end is the deflate stream's end) or stored."""

    def __init__(self, fh: BinaryIO, method: int, size: int) -> None:
        self._fh = fh
        self._inflate = zlib.decompressobj(-15) if method == _DEFLATED else None
        self._left = size  # stored: bytes still to read
        self.consumed = 0  # compressed bytes read, for the ratio cap
        self.complete = False  # the member's data ended where its format says it ends
        self.damaged: str | None = None

    def read(self, n: int = _CHUNK) -> bytes:
        if self._inflate is None:
            if self._left <= 0:
                self.complete = True
                return b""
            data = self._fh.read(min(n, self._left))
            self._left -= len(data)
            self.consumed += len(data)
            return data
        while not self._inflate.eof:
            raw = self._fh.read(_CHUNK)
            if not raw:
                return b""  # cut inside this member: the readable part is kept
            self.consumed += len(raw)
            try:
                out = self._inflate.decompress(raw)
            except zlib.error as exc:
                self.damaged = str(exc)
                return b""
            if self._inflate.eof:
                # the next member's header was read along: step back to it
                self._fh.seek(-len(self._inflate.unused_data), 1)
                self.consumed -= len(self._inflate.unused_data)
                self.complete = True
            if out:
                return out
        return b""


def salvage_zip(path: Path, budget: Budget, address: str) -> Iterator[Extracted]:
    """Members of a zip without a readable central directory, in the order they were written."""
    with open(path, "rb") as fh:
        while True:
            head = fh.read(_HEADER.size)
            if len(head) < _HEADER.size or head[:4] != _LOCAL:
                return
            _sig, _ver, flags, method, _t, _d, _crc, csize, _usize, name_len, extra_len = _HEADER.unpack(head)
            raw_name = fh.read(name_len)
            fh.read(extra_len)
            text = raw_name.decode("utf-8" if flags & _UTF8 else "cp437", "replace")
            member_address = f"{address}!/{text}"
            unbounded = method == _STORED and flags & _HAS_DESCRIPTOR  # nothing says where it ends
            if flags & _ENCRYPTED or method not in (_STORED, _DEFLATED) or unbounded:
                # and without its end the members after it cannot be found either
                budget.warnings.append(f"{member_address}: cannot be salvaged (stored without sizes, or encrypted)")
                return
            data = _MemberData(fh, method, csize)
            try:
                name = normalise_member_name(text)
            except UnsafePath as exc:
                budget.warnings.append(f"refused {member_address}: {exc}")
                name = ""
            if not name or text.endswith("/"):
                while data.read():  # skip its data to reach the next header
                    pass
            else:
                budget.take_member(member_address)
                dst = budget.new_file()
                size, truncated = copy_capped(data, dst, budget, member_address, lambda d=data: d.consumed)
                while data.read():  # a member cut by a cap: its rest is skipped to reach the next header
                    pass
                if not data.complete:
                    why = data.damaged or "the archive ends inside it"
                    budget.warnings.append(f"{member_address}: damaged member ({why}); readable part kept")
                    yield Extracted(name=name, file=dst, size=size, truncated=True)
                    return
                yield Extracted(name=name, file=dst, size=size, truncated=truncated)
            if not data.complete:
                return
            if flags & _HAS_DESCRIPTOR:
                marker = fh.read(4)
                fh.read(12 if marker == _DESCRIPTOR else 8)  # crc, sizes (after an optional signature)

