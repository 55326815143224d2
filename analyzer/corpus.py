"""Regression corpus (design §7): cases as folders of text files, packed into real layouts on the fly."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXPECTED = "expected.json"
EXPECTED_SCHEMA = "snapdiag.expected/1"
PACKS = ("none", "tar.gz", "zip", "logcollector-zip", "nested")


class CaseError(ValueError):
    """An unreadable case: bad expected.json, unknown pack, missing bundle."""


@dataclass
class Case:
    name: str
    folder: Path
    cause: str
    accept: list[str] = field(default_factory=list)
    bundle: str | None = None
    pack: str = "none"
    must_rule_out: list[str] = field(default_factory=list)
    backup_time: str | None = None
    job_error: str | None = None
    bundles: list[dict[str, Any]] | None = None  # multi-bundle (batch-only) cases

    @property
    def accepted(self) -> set[str]:
        return {self.cause, *self.accept}


def load_case(folder: Path) -> Case:
    try:
        raw = json.loads((folder / EXPECTED).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CaseError(f"{folder.name}: unreadable {EXPECTED} ({exc})") from exc
    if not isinstance(raw, dict) or raw.get("schema") != EXPECTED_SCHEMA:
        raise CaseError(f"{folder.name}: {EXPECTED} must have schema {EXPECTED_SCHEMA}")
    pack = raw.get("pack", "none")
    if pack not in PACKS:
        raise CaseError(f"{folder.name}: unknown pack {pack!r}")
    if "bundles" not in raw and not isinstance(raw.get("cause"), str):
        raise CaseError(f'{folder.name}: {EXPECTED} needs a cause (an id or "none")')
    return Case(
        name=folder.name,
        folder=folder,
        cause=raw.get("cause", "none"),
        accept=list(raw.get("accept", [])),
        bundle=raw.get("bundle"),
        pack=pack,
        must_rule_out=list(raw.get("must_rule_out", [])),
        backup_time=raw.get("backup_time"),
        job_error=raw.get("job_error"),
        bundles=raw.get("bundles"),
    )


def discover(corpus: Path) -> list[Path]:
    """Case folders: every folder below ``corpus`` holding an expected.json, sorted by path."""
    return sorted(p.parent for p in corpus.rglob(EXPECTED))


def _files(root: Path) -> list[tuple[str, Path]]:
    if root.is_file():
        return [(root.name, root)]
    return sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file() and p.name != EXPECTED)


def _content_root(case: Case) -> Path:
    root = case.folder / case.bundle if case.bundle else case.folder
    if not root.exists():
        raise CaseError(f"{case.name}: bundle {case.bundle!r} not found")
    return root


def _tar(files: list[tuple[str, Path]], prefix: str = "") -> bytes:
    """A .tar.gz whose bytes depend only on the files (gzip mtime 0), so packed cases hash the same."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, path in files:
            data = path.read_bytes()
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0)


def _zip(files: list[tuple[str, Path]], extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, path in files:
            zf.writestr(zipfile.ZipInfo(name, date_time=(2023, 11, 14, 22, 13, 20)), path.read_bytes())
        for name, data in (extra or {}).items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2023, 11, 14, 22, 13, 20)), data)
    return buf.getvalue()


_RESULTS_TXT = (
    "2024-01-01T00:00:00Z INFO Starting log collection at 2024-01-01T00:00:00Z\n"
    "2024-01-01T00:00:00Z INFO Using log collection mode normal\n"
)


def pack(case: Case, workdir: Path) -> list[Path]:
    """The INPUTs to analyse for a case, packed into ``workdir`` as its ``pack`` says."""
    root = _content_root(case)
    files = _files(root)
    if not files:
        raise CaseError(f"{case.name}: empty bundle")
    if case.pack == "none":
        if root.is_file():
            return [root]
        return sorted(root.iterdir()) if case.bundle is None else [root]
    target = workdir / case.name
    target.mkdir(parents=True, exist_ok=True)
    if case.pack == "tar.gz":
        out = target / f"{case.name}.tar.gz"
        out.write_bytes(_tar(files, prefix=f"{case.name}/"))
    elif case.pack == "zip":
        out = target / f"{case.name}.zip"
        out.write_bytes(_zip(files))
    elif case.pack == "logcollector-zip":
        out = target / "logs.zip"
        have_results = any(name == "results.txt" for name, _ in files)
        out.write_bytes(_zip(files, None if have_results else {"results.txt": _RESULTS_TXT.encode()}))
    else:  # nested: ticket.tar.gz!/case/logs.zip!/...
        inner = target / "logs.zip"
        inner.write_bytes(_zip(files))
        out = target / "ticket.tar.gz"
        out.write_bytes(_tar([("case/logs.zip", inner)]))
        inner.unlink()
    return [out]
