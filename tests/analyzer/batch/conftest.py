"""A folder of ticket attachments as support gets them: cases from the corpus, packed several ways."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import make_tar, make_zip

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CASES = ("f4-snapshot-fsfreeze-failed", "f1-network-blocked", "healthy-iso-2.11", "f2-agent-outdated")


def _files(case: str) -> dict[str, str | bytes]:
    root = FIXTURES / case / "vm"
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "expected.json"
    }


@pytest.fixture
def tickets(tmp_path: Path) -> Path:
    """Four bundles (folder, tar.gz, zip, folder), a corrupt archive in the middle, OS junk, one loose log."""
    root = tmp_path / "tickets"
    root.mkdir()
    shutil.copytree(FIXTURES / CASES[0] / "vm", root / "case-a")
    make_tar(root / "case-b.tar.gz", {f"vm/{k}": v for k, v in _files(CASES[1]).items()})
    (root / "case-c-corrupt.tar.gz").write_bytes(b"\x1f\x8b\x08\x00garbage" + bytes(range(256)) * 4)
    make_zip(root / "case-d.zip", _files(CASES[2]))
    shutil.copytree(FIXTURES / CASES[3] / "vm", root / "case-e")
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / "__MACOSX").mkdir()
    (root / "__MACOSX" / "._case-a").write_bytes(b"junk")
    return root
