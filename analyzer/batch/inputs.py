"""Which bundles a batch's INPUTs hold (design §6), each with its sha256 and output folder name.

A folder is first tested as a bundle root (it holds ``var/``, ``etc/``, ``results.txt`` or
``sos_commands/``): then it is one bundle.  Otherwise each archive and each subfolder in it is one
bundle and each loose top-level file its own bundle.  Hidden and OS-junk entries and the output
folder are skipped; symbolic links are never followed (a link could lead out of the ticket).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.batch.model import BundleJob
from analyzer.bundle import input_sha256
from analyzer.redact import Redactor

_ROOT_MARKERS = ("var", "etc", "results.txt", "sos_commands")
_JUNK = frozenset({"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini", "$RECYCLE.BIN", "System Volume Information"})
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SLUG_MAX = 80
# every C0 control (tab and newline too: a name is one cell, one line), DEL and C1
_NAME_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass
class Discovery:
    jobs: list[BundleJob] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "<path>: <why>" — shown, never silent


def is_bundle_root(folder: Path) -> bool:
    try:
        return any((folder / marker).exists() for marker in _ROOT_MARKERS)
    except OSError:  # a folder we may not look into is not a bundle root; listing it says why
        return False


# Folder names are seen by everyone the output folder is shared with: a secret in an input's name
# (a file saved by wget from a SAS URL keeps its query string) is replaced before it becomes one.
# A fixed key keeps the name stable from run to run (--resume finds its folders again).
_SLUG_REDACTOR = Redactor(b"snapdiag-output-folder-names")


def slug(display: str, sha256: str) -> str:
    """Output folder name: a file-system-safe form of the input path plus 12 hex of its hash."""
    safe = _SLUG_REDACTOR(display.replace("\\", "/")) or ""
    text = _SLUG_UNSAFE.sub("-", safe).strip("-.")[:_SLUG_MAX].rstrip("-.")
    return f"{text or 'bundle'}-{sha256[:12]}"


def _text(name: str) -> str:
    """A file name as inert text: bytes that are not UTF-8 (surrogate escapes) become U+FFFD and
    control characters (newline, ESC…) are shown as ``\\xNN``, so every output that shows the name
    (CSV, JSON, HTML, terminal) can encode it and no line or colour breaks; the path keeps the bytes."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _NAME_UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _display(arg: str, child: str | None = None) -> str:
    base = _text(arg.replace("\\", "/")).rstrip("/") or "/"
    return f"{base}/{_text(child)}" if child else base


def _size(path: Path) -> int:
    if not path.is_dir():
        return path.stat().st_size
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            full = Path(dirpath) / name
            if not full.is_symlink() and full.is_file():
                total += full.stat().st_size
    return total


def job_for(path: Path, display: str) -> BundleJob:
    digest = input_sha256(path)
    return BundleJob(
        input=display,
        path=str(path.resolve()),
        name=_text(path.name),
        sha256=digest,
        slug=slug(display, digest),
        is_dir=path.is_dir(),
        size=_size(path),
    )


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        return path.resolve() == folder or folder in path.resolve().parents
    except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop (Python 3.11)
        return False


def discover(inputs: list[Path], outdir: Path | None = None) -> Discovery:
    """Every bundle of the INPUTs, sorted by display path; unreadable entries are listed, not raised."""
    out = Discovery()
    resolved_out = outdir.resolve() if outdir is not None else None
    seen: set[str] = set()

    def add(path: Path, display: str) -> None:
        if path.is_dir() and resolved_out is not None and _inside(resolved_out, path.resolve()):
            # its reports would be written into the bundle and read back as its logs next time
            out.skipped.append(f"{display}: holds the output folder; choose -o outside it")
            return
        try:
            job = job_for(path, display)
        except OSError as exc:
            out.skipped.append(f"{display}: cannot read ({exc.strerror or exc})")
            return
        if job.path not in seen:
            seen.add(job.path)
            out.jobs.append(job)

    for arg in inputs:
        if arg.is_symlink() and not arg.exists():
            out.skipped.append(f"{_display(str(arg))}: broken link")
            continue
        if not arg.is_dir() and not arg.is_file():  # a FIFO would block the hash, a device never end
            out.skipped.append(f"{_display(str(arg))}: not a regular file or folder")
            continue
        if resolved_out is not None and arg.resolve() == resolved_out:
            out.skipped.append(f"{_display(str(arg))}: is the output folder (-o)")
            continue
        if not arg.is_dir() or is_bundle_root(arg):
            add(arg, _display(str(arg)))
            continue
        try:
            entries = sorted(os.scandir(arg), key=lambda e: e.name)
        except OSError as exc:
            out.skipped.append(f"{arg}: cannot list ({exc.strerror or exc})")
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".") or entry.name in _JUNK:
                continue
            if entry.is_symlink():  # before resolving anything: a link may loop or lead out of the ticket
                out.skipped.append(f"{_display(str(arg), entry.name)}: symbolic link not followed")
                continue
            if _inside(path, resolved_out):
                continue
            if entry.is_dir() or entry.is_file():
                add(path, _display(str(arg), entry.name))
            else:
                out.skipped.append(f"{_display(str(arg), entry.name)}: not a regular file or folder")
    out.jobs.sort(key=lambda j: j.input)
    return out
