"""Open any input without trusting it and yield its sources (design §1 "Bundle", §5).

Inputs: tar (plain, gz, bz2, xz), zip, single compressed files, directories, or several loose
files of one ticket.  Nested archives are opened to ``max_depth``.  Each source keeps its logical
path (where it lived on the VM) and its member address (where it is in the input).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from analyzer.archive import (
    Budget,
    CapReached,
    Extracted,
    decompress_single,
    decompressed_head,
    is_localtime,
    iter_tar,
    iter_zip,
    localtime_link_note,
    remove_tree,
    sniff_container,
)
from analyzer.limits import Limits
from analyzer.paths import logical_path, rotation_of, untruncate
from parsers import registry

_HEAD_BYTES = 8192
_COMPRESSED_SUFFIXES = (".gz", ".tgz", ".bz2", ".xz", ".txz", ".tbz2")


class BundleError(Exception):
    """No source of the input could be read (exit code 3)."""


@dataclass
class Source:
    path: str  # logical path on the VM (rotation suffix kept; see ``group``)
    member: str  # member address in the input
    kind: str
    bytes: int
    file: Path
    truncated: bool = False
    group: str = ""  # logical path of the live file of its rotation set
    age: tuple[int, int] = (0, 0)  # larger = older within the group
    read_limit: int | None = None  # loose files larger than max_member_bytes are read up to here
    also_in: list[str] = field(default_factory=list)  # member addresses of identical copies

    def open(self) -> BinaryIO:
        if self.read_limit is None:
            return open(self.file, "rb")
        return io.BufferedReader(_LimitedRaw(self.file, self.read_limit))  # type: ignore[return-value]


class _LimitedRaw(io.RawIOBase):
    """A file seen only up to ``limit`` bytes (a loose file over max_member_bytes), streamed."""

    def __init__(self, path: Path, limit: int) -> None:
        self._fh = open(path, "rb")
        self._limit = limit

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        room = self._limit - self._fh.tell()
        if room <= 0:
            return 0
        view = memoryview(buffer)[: min(len(buffer), room)]
        return self._fh.readinto(view)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            return self._fh.seek(max(0, self._limit + offset))
        return self._fh.seek(min(self._fh.seek(offset, whence), self._limit))

    def tell(self) -> int:
        return self._fh.tell()

    def close(self) -> None:
        self._fh.close()
        super().close()


@dataclass
class Bundle:
    inputs: list[str]
    sha256: str
    layout: str
    sources: list[Source]
    warnings: list[str] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)  # member addresses of archive/dir roots
    redaction_key: bytes = b""  # same input, same stand-ins (see _file_digests)
    workdir: Path | None = None

    def close(self) -> None:
        if self.workdir is not None:
            remove_tree(self.workdir)
            self.workdir = None

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class _Found:
    """A regular file found anywhere in the input, before kind detection."""

    name: str  # path relative to its root (archive or folder)
    address: str
    file: Path
    size: int
    truncated: bool
    root_prefix: str  # logical prefix for members of archives that lived on the VM (history zips)
    root_id: int
    loose: bool = False


class _Walker:
    def __init__(self, limits: Limits, workdir: Path) -> None:
        self.limits = limits
        self.budget = Budget(limits, workdir)
        self.found: list[_Found] = []
        self.roots: dict[int, dict[str, object]] = {}
        self._next_root = 0

    @property
    def warnings(self) -> list[str]:
        return self.budget.warnings

    def _root(self, address: str, kind: str) -> int:
        self._next_root += 1
        self.roots[self._next_root] = {"address": address, "kind": kind}
        return self._next_root

    def add_input(self, path: Path) -> None:
        address = shown_name(path.name or str(path))
        try:
            st = path.lstat()
        except OSError as exc:
            self.warnings.append(f"{path}: cannot be read ({exc.strerror or exc})")
            return
        if stat.S_ISLNK(st.st_mode):
            try:
                st = path.stat()
            except OSError:
                self.warnings.append(f"{path}: broken link")
                return
        if stat.S_ISDIR(st.st_mode):
            self._walk_dir(path, address)
        elif stat.S_ISREG(st.st_mode):
            root = self._root(address, "loose")
            self._add_file(path, shown_name(path.name), address, st.st_size, False, "", root, depth=0, loose=True)
        else:
            self.warnings.append(f"refused {path}: not a regular file or folder (device, FIFO or socket)")

    def _walk_dir(self, top: Path, address: str) -> None:
        root = self._root(address, "dir")
        real_top = top.resolve()
        stack = [(top, "")]
        while stack:
            folder, rel = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                self.warnings.append(f"{address}/{rel}: folder cannot be read ({exc.strerror or exc})")
                continue
            for entry in entries:
                relpath = f"{rel}/{shown_name(entry.name)}" if rel else shown_name(entry.name)
                try:
                    st = entry.stat(follow_symlinks=False)
                    if stat.S_ISLNK(st.st_mode) and is_localtime(relpath):
                        self._localtime_link(entry.path, relpath, f"{address}/{relpath}", root)
                        continue
                    if stat.S_ISLNK(st.st_mode):
                        target = Path(entry.path).resolve()
                        if not target.is_relative_to(real_top):
                            self.warnings.append(f"refused {address}/{relpath}: link leaves the bundle")
                            continue
                        st = os.stat(entry.path)
                except OSError as exc:
                    self.warnings.append(f"{address}/{relpath}: cannot be read ({exc.strerror or exc})")
                    continue
                except RuntimeError:  # Path.resolve on a link loop (Python 3.11)
                    self.warnings.append(f"refused {address}/{relpath}: link loop")
                    continue
                if stat.S_ISDIR(st.st_mode):
                    if not entry.is_symlink():
                        stack.append((Path(entry.path), relpath))
                elif stat.S_ISREG(st.st_mode):
                    self._add_file(Path(entry.path), relpath, f"{address}/{relpath}", st.st_size, False, "", root, 0)
                else:
                    self.warnings.append(f"refused {address}/{relpath}: not a regular file (device, FIFO or socket)")

    def _localtime_link(self, path: str, relpath: str, address: str, root: int) -> None:
        """etc/localtime as a link is not followed: its target's text names the zone (see archive)."""
        target = os.readlink(path)
        self.warnings.append(f"refused {address}: link to {target!r} not followed")
        note = localtime_link_note(relpath, target, self.budget)
        if note is not None:
            self._add_file(note.file, relpath, address, note.size, False, "", root, 0)

    def _add_file(
        self,
        file: Path,
        name: str,
        address: str,
        size: int,
        truncated: bool,
        root_prefix: str,
        root: int,
        depth: int,
        loose: bool = False,
    ) -> None:
        try:
            with open(file, "rb") as fh:
                head = fh.read(512)
        except OSError as exc:
            self.warnings.append(f"{address}: cannot be read ({exc.strerror or exc})")
            return
        container = sniff_container(head)
        if container is None:
            if name.lower().endswith(_ARCHIVE_SUFFIXES):
                self.warnings.append(f"{address}: named like an archive but is not one; read as a plain file")
            if depth == 0:  # archive members were counted when read
                self.budget.take_member(address)
            self.found.append(_Found(name, address, file, size, truncated, root_prefix, root, loose))
            return
        if depth >= self.limits.max_depth:
            self.warnings.append(f"max_depth={self.limits.max_depth}: {address} not opened (nested too deep)")
            return
        self._open_container(file, container, name, address, root_prefix, root, depth + 1)

    def _open_container(
        self, file: Path, container: str, name: str, address: str, root_prefix: str, root: int, depth: int
    ) -> None:
        # An archive that lived on the VM (history/*.zip) keeps its place; a ticket attachment
        # (logs.zip, case.tar.gz) starts a new root.
        vm_path = logical_path(root_prefix + name) if name else ""
        nested_prefix = ""
        if vm_path.startswith(("var/", "etc/")):
            nested_prefix = _strip_archive_suffix(vm_path) + "/"
        if container in ("gzip", "bzip2", "xz"):
            if sniff_container(decompressed_head(file, container)) == "tar":
                self._iter_members(iter_tar(file, container, self.budget, address), address, nested_prefix, depth)
                return
            single = decompress_single(file, container, self.budget, address)
            with open(single.file, "rb") as fh:
                inner = sniff_container(fh.read(512))
            if inner is not None and inner != container:
                self._add_file(
                    single.file,
                    _strip_archive_suffix(name),
                    address,
                    single.size,
                    single.truncated,
                    root_prefix,
                    root,
                    depth,
                )
                return
            self.budget.take_member(address)
            self.found.append(
                _Found(
                    _strip_archive_suffix(name), address, single.file, single.size, single.truncated, root_prefix, root
                )
            )
        elif container == "zip":
            self._iter_members(iter_zip(file, self.budget, address), address, nested_prefix, depth)
        elif container == "tar":
            self._iter_members(iter_tar(file, None, self.budget, address), address, nested_prefix, depth)

    def _iter_members(self, members: Iterable[Extracted], address: str, prefix: str, depth: int) -> None:
        root = self._root(address, "archive")
        for ex in members:
            self._add_file(ex.file, ex.name, f"{address}!/{ex.name}", ex.size, ex.truncated, prefix, root, depth)


def _strip_archive_suffix(name: str) -> str:
    lower = name.lower()
    for suffix in (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".txz", ".tbz2", ".zip", ".tar", *_COMPRESSED_SUFFIXES):
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


_KEY_DOMAIN = b"snapdiag-redaction-key\0"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_digests(path: Path) -> tuple[str, str]:
    """(sha256, private digest) of a file in one read.

    The private digest (sha256 with a domain prefix) keys the redaction stand-ins: it is the same
    for the same input, so reports are deterministic, yet it cannot be derived from the sha256
    a report publishes, so a reader without the input cannot test guesses of a secret.
    """
    public, private = hashlib.sha256(), hashlib.sha256(_KEY_DOMAIN)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            public.update(chunk)
            private.update(chunk)
    return public.hexdigest(), private.hexdigest()


def _input_digests(path: Path) -> tuple[str, str]:
    if not path.is_dir():
        return _file_digests(path)
    public_rows, private_rows = [], []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for fn in sorted(filenames):
            full = Path(dirpath) / fn
            try:
                if full.is_file() and not full.is_symlink():
                    rel = full.relative_to(path).as_posix()
                    pub, priv = _file_digests(full)
                    public_rows.append(f"{rel}\t{pub}\n")
                    private_rows.append(f"{rel}\t{priv}\n")
            except OSError:
                continue
    return (
        hashlib.sha256("".join(sorted(public_rows)).encode()).hexdigest(),
        hashlib.sha256(_KEY_DOMAIN + "".join(sorted(private_rows)).encode()).hexdigest(),
    )


def shown_name(name: str) -> str:
    """A file name as text for reports: bytes that are not UTF-8 (kept by Python as surrogate
    escapes, which no UTF-8 writer accepts) become U+FFFD; the file is still opened by its real name."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def input_sha256(path: Path) -> str:
    """sha256 of a file, or of a folder's sorted (relpath, sha256) list (design §6)."""
    return _input_digests(path)[0]


def _bundle_digests(inputs: list[Path]) -> tuple[str, bytes]:
    """The bundle's published sha256 and the redaction key derived from the same bytes."""
    if len(inputs) == 1:
        try:
            public, private = _input_digests(inputs[0])
            return public, bytes.fromhex(private)
        except OSError:
            return "", os.urandom(32)
    public_rows, private_rows = [], []
    for p in inputs:
        try:
            pub, priv = _input_digests(p)
        except OSError:
            continue
        public_rows.append(f"{p.name}\t{pub}\n")
        private_rows.append(f"{p.name}\t{priv}\n")
    return (
        hashlib.sha256("".join(sorted(public_rows)).encode()).hexdigest(),
        hashlib.sha256(_KEY_DOMAIN + "".join(sorted(private_rows)).encode()).digest(),
    )


_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tar.xz", ".gz", ".bz2", ".xz")


def _head_text(file: Path) -> tuple[str, str | None]:
    """The first text of a file, for format detection, and why it cannot be read as text, if so.

    Runs of zero bytes are zero-fill, not binary: a log written when the VM lost power (or
    truncated under its writer) holds blocks of NULs between, or before, good lines, and those
    are often the logs of the very backup that failed.  Isolated NULs among other bytes (binary
    structures, UTF-16 without a byte-order mark) still make a file binary."""
    with open(file, "rb") as fh:
        head = fh.read(_HEAD_BYTES)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return head.decode("utf-16", "replace"), None
        text = _ZERO_FILL.sub(b"", head)
        scanned = len(head)
        while not text.strip(b"\0") and head and scanned < _ZERO_FILL_SCAN:
            head = fh.read(_ZERO_FILL_BLOCK)  # zero-fill at the start: the first text is further on
            scanned += len(head)
            text = _ZERO_FILL.sub(b"", head)[:_HEAD_BYTES]
    if scanned and not text.strip(b"\0"):
        return "", f"only zero bytes{' in its first 64 MiB' if scanned >= _ZERO_FILL_SCAN else ''}, not parsed"
    if b"\0" in text or (len(text) > 0 and _non_text_ratio(text) > 0.3):
        return text.decode("utf-8", "replace"), "binary content, not parsed"
    return text.decode("utf-8", "replace"), None


# eight or more zero bytes in a row: zero-fill (isolated NULs are left to the binary test)
_ZERO_FILL = re.compile(rb"\0{8,}")
_ZERO_FILL_SCAN = 64 << 20  # how far past leading zero-fill the first text is looked for
_ZERO_FILL_BLOCK = 1 << 20


def _non_text_ratio(head: bytes) -> float:
    bad = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bad / len(head)


_DISKINSPECT_LINE = re.compile(rb"^\s*\d{2}:\d{2}:\d{2}\s+(?:Listing contents of|Copying|Skipping|Processing)", re.M)


def _results_flavour(found: list[_Found]) -> str | None:
    """Who wrote a results.txt at a bundle root: the agent's log collector or Azure Disk Inspect."""
    for f in found:
        if f.name.rsplit("/", 1)[-1] != "results.txt":
            continue
        try:
            with open(f.file, "rb") as fh:
                head = fh.read(4096)
        except OSError:
            continue
        if b"log collection" in head or b"Adding file" in head:
            return "agent-logcollector"
        if _DISKINSPECT_LINE.search(head):
            return "diskinspect"
    return None


def _layout(found: list[_Found], paths: list[str], roots: dict[int, dict[str, object]]) -> str:
    layouts: set[str] = set()
    names = [f.name for f in found]
    flavour = _results_flavour(found)
    if flavour == "agent-logcollector" or (
        flavour is None
        and any(n.rsplit("/", 1)[-1] == "results.txt" for n in names)
        and any(n.startswith("truncated_") for n in names)
    ):
        layouts.add("agent-logcollector")
    if (
        flavour == "diskinspect"
        or any(n.rsplit("/", 1)[-1] == "diskinfo.txt" for n in names)
        or any("diskinspect" in str(r["address"]).lower() for r in roots.values())
    ):
        layouts.add("diskinspect")
    if any("sos_commands/" in n or n.startswith("sos_commands") for n in names):
        layouts.add("sosreport")
    if not layouts and any(p.startswith(("var/log/", "var/lib/waagent/", "etc/")) for p in paths):
        layouts.add("tar-root")
    if any("/" not in p and p not in ("results.txt", "diskinfo.txt") for p in paths):
        layouts.add("mixed" if layouts else "flat")
    if len(layouts) > 1:
        return "mixed"
    return layouts.pop() if layouts else "flat"


def _drop_identical_copies(sources: list[Source]) -> list[Source]:
    """The same file reached twice (a tree and a zip of it in one ticket) is read once."""
    by_key: dict[tuple[str, int], list[Source]] = {}
    for s in sources:
        by_key.setdefault((s.path, s.bytes), []).append(s)
    kept: list[Source] = []
    for group in by_key.values():
        if len(group) == 1:
            kept.append(group[0])
            continue
        seen: dict[str, Source] = {}
        for s in sorted(group, key=lambda x: x.member):
            digest = _sha256_file(s.file)
            if digest in seen:
                seen[digest].also_in.append(s.member)
            else:
                seen[digest] = s
                kept.append(s)
    return kept


def open_bundle(inputs: Iterable[str | Path], limits: Limits | None = None) -> Bundle:
    """Open the inputs as one bundle.  Raises BundleError when not one source could be read."""
    limits = limits or Limits()
    paths = [Path(p) for p in inputs]
    workdir = Path(tempfile.mkdtemp(prefix="snapdiag-"))
    walker = _Walker(limits, workdir)
    try:
        for p in paths:
            walker.add_input(p)
    except CapReached as exc:
        walker.warnings.append(str(exc))
    except BaseException:
        remove_tree(workdir)
        raise

    sources: list[Source] = []
    for f in walker.found:
        name, truncated_member = untruncate(f.name)
        vm_path = logical_path(f.root_prefix + name) if f.root_prefix else logical_path(name)
        rot = rotation_of(vm_path)
        head, unreadable = _head_text(f.file)
        if unreadable and is_localtime(vm_path) and head.startswith("TZif"):
            unreadable = None  # a binary zone file: its POSIX TZ footer is text the sos_date parser reads
        kind = "binary" if unreadable else registry.detect_kind(rot.group, head)
        if unreadable:
            walker.warnings.append(f"{f.address}: {unreadable}")
        read_limit = limits.max_member_bytes if f.loose and f.size > limits.max_member_bytes else None
        if read_limit is not None:
            walker.warnings.append(f"max_member_bytes={limits.max_member_bytes}: {f.address} read only up to the cap")
        sources.append(
            Source(
                path=vm_path,
                member=f.address,
                kind=kind,
                bytes=min(f.size, read_limit) if read_limit else f.size,
                file=f.file,
                truncated=f.truncated or truncated_member or read_limit is not None,
                group=rot.group,
                age=rot.age,
                read_limit=read_limit,
            )
        )
    sources = _drop_identical_copies(sources)
    # Oldest first within a rotation set, sets in path order: the timeline reads in this order.
    sources.sort(key=lambda s: (s.group, -s.age[0], -s.age[1], s.member))
    layout = _layout(walker.found, [s.path for s in sources], walker.roots)
    sha, key = _bundle_digests(paths)
    bundle = Bundle(
        inputs=[shown_name(str(p)) for p in paths],
        sha256=sha,
        redaction_key=key,
        layout=layout,
        sources=sources,
        warnings=walker.warnings,
        roots=[str(r["address"]) for r in walker.roots.values()],
        workdir=workdir,
    )
    if not any(s.kind != "binary" and s.bytes > 0 for s in sources):
        reason = "; ".join(walker.warnings[:3]) or "no readable file in it"
        bundle.close()
        raise BundleError(f"no readable source in {', '.join(map(str, paths))}: {reason}")
    return bundle
