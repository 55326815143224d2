"""Hostile archives through the real CLI: right exit code, one-line errors, nothing escapes.

Every archive is crafted here in tmp_path.  Each run is guarded (time, peak RSS via os.wait4);
speed itself is judged in bench/, not here.
"""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.helpers import AGENT_ISO, CliRun, run_cli, tar_bytes, zip_bytes

GUARD_SECONDS = 120
GUARD_RSS_MB = 1024


def guarded(tmp_path: Path, args: list[str], outputs: set[str]) -> CliRun:
    """Run the CLI in tmp_path/cwd under the hang guards; only ``outputs`` may appear there.

    TMPDIR is a private folder that must be empty afterwards; no traceback, at most one stderr line.
    """
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    private_tmp = tmp_path / "tmpdir"
    private_tmp.mkdir(exist_ok=True)
    run = run_cli(args, cwd=work, timeout=GUARD_SECONDS, env={"TMPDIR": str(private_tmp)})
    assert not run.timed_out, "hang guard tripped"
    assert run.max_rss_mb < GUARD_RSS_MB, run.max_rss_mb
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    assert len(run.stderr.strip().splitlines()) <= 1, run.stderr
    # nothing written outside the requested outputs and the private temp dir, which is left empty
    assert {p.name for p in work.iterdir()} <= outputs
    assert list(private_tmp.iterdir()) == []
    return run


def _analyze(tmp_path: Path, target: Path, *extra: str) -> tuple[CliRun, dict | None]:
    run = guarded(tmp_path, ["analyze", str(target), "--json", "out.json", *extra], {"out.json"})
    out = tmp_path / "cwd" / "out.json"
    report = json.loads(out.read_text()) if out.exists() else None
    return run, report


def _tar_with(members: list[tuple[tarfile.TarInfo, bytes | None]], path: Path, mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return path


def _file(name: str, text: str = AGENT_ISO) -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), text.encode()


def _special(name: str, kind: bytes, linkname: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info, None


def _warnings(report: dict) -> str:
    return "\n".join(report["bundle"]["warnings"])


def test_traversal_and_absolute_paths_refused(tmp_path: Path) -> None:
    escape = tmp_path / "escaped.txt"
    archive = _tar_with(
        [_file("../../escaped.txt"), _file(str(escape)), _file("C:/windows/evil.txt"), _file("vm/var/log/waagent.log")],
        tmp_path / "t.tar.gz",
    )
    run, report = _analyze(tmp_path, archive)
    assert run.code == 0
    assert not escape.exists()
    assert "path traversal" in _warnings(report)
    assert "absolute path" in _warnings(report)
    assert [s["path"] for s in report["bundle"]["sources"]] == ["var/log/waagent.log"]


def test_links_devices_fifos_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    archive = _tar_with(
        [
            _special("vm/var/log/link", tarfile.SYMTYPE, "/etc/passwd"),
            _special("vm/var/log/hard", tarfile.LNKTYPE, "/etc/shadow"),
            _special("vm/dev/sda", tarfile.CHRTYPE),
            _special("vm/var/log/fifo", tarfile.FIFOTYPE),
            # a link to a folder outside, then a file "through" it
            _special("vm/var/lib", tarfile.SYMTYPE, str(outside)),
            _file("vm/var/lib/waagent/evil.txt", "owned\n"),
            _file("vm/var/log/waagent.log"),
        ],
        tmp_path / "t.tar.gz",
    )
    run, report = _analyze(tmp_path, archive)
    assert run.code == 0
    assert not outside.exists()
    text = _warnings(report)
    assert text.count("not followed") == 3
    assert text.count("not a regular file") == 2
    # the file "written through the link" was read as data from the archive, never written there
    assert "var/lib/waagent/evil.txt" in [s["path"] for s in report["bundle"]["sources"]]


@pytest.fixture(scope="session")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More than 2 GiB of zeros declared in one member (built in a few seconds with level 1)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("var/log/syslog", "May  1 10:00:00 vm kernel: ok\n")
        with zf.open("var/log/waagent.log", "w", force_zip64=True) as fh:
            chunk = b"\0" * (16 << 20)
            for _ in range(136):  # 2.125 GiB
                fh.write(chunk)
    return path


def test_zip_bomb_is_refused_quickly(tmp_path: Path, zip_bomb: Path) -> None:
    run, report = _analyze(tmp_path, zip_bomb)
    assert run.code == 0
    assert "max_ratio" in _warnings(report) or "max_member_bytes" in _warnings(report)
    sizes = {s["path"]: s["bytes"] for s in report["bundle"]["sources"]}
    assert sizes.get("var/log/waagent.log", 0) < (1 << 30)


def test_deep_nesting_stops_at_max_depth(tmp_path: Path) -> None:
    data = zip_bytes({"var/log/waagent.log": AGENT_ISO})
    for level in range(40):
        data = zip_bytes({f"level{level}.zip": data, f"notes{level}.txt": "GuestAgentSnapshotTaskStatusError\n"})
    archive = tmp_path / "deep.zip"
    archive.write_bytes(data)
    run, report = _analyze(tmp_path, archive)
    assert run.code == 0
    assert "max_depth=4" in _warnings(report)


def test_many_members_and_member_cap(tmp_path: Path) -> None:
    archive = tmp_path / "many.tar"
    with tarfile.open(archive, "w") as tar:
        for i in range(30_000):
            info = tarfile.TarInfo(f"vm/var/log/azure/x/{i}.log")
            payload = f"line {i}\n".encode()
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    run, _ = _analyze(tmp_path, archive)
    assert run.code == 0
    run, report = _analyze(tmp_path, archive, "--limit", "max_members=1000")
    assert run.code == 0
    assert "max_members=1000" in _warnings(report)
    assert len(report["bundle"]["sources"]) == 1000


def test_total_bytes_cap_tripped_cheaply(tmp_path: Path) -> None:
    archive = tmp_path / "t.tar.gz"
    archive.write_bytes(tar_bytes({f"vm/var/log/f{i}.log": "x" * 10_000 for i in range(20)}))
    run, report = _analyze(tmp_path, archive, "--limit", "max_total_bytes=50000")
    assert run.code == 0
    assert "max_total_bytes=50000" in _warnings(report)


@pytest.mark.parametrize(
    "name,content",
    [
        ("garbage.tar.gz", bytes(range(256)) * 64),
        ("empty.tar.gz", b""),
        ("fake.zip", b"PK\x03\x04" + b"\xff" * 100),
        ("bad.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 40),
    ],
)
def test_unreadable_inputs_exit_3(tmp_path: Path, name: str, content: bytes) -> None:
    target = tmp_path / name
    target.write_bytes(content)
    run, _ = _analyze(tmp_path, target)
    assert run.code == 3, run.stderr
    assert run.stderr.startswith("snapdiag: ")


def test_missing_path_exit_3(tmp_path: Path) -> None:
    run, _ = _analyze(tmp_path, tmp_path / "does-not-exist.tgz")
    assert run.code == 3
    assert "not found" in run.stderr


def test_truncated_targz_is_salvaged(tmp_path: Path) -> None:
    files = {"vm/var/log/waagent.log": AGENT_ISO * 50}
    files.update({f"vm/var/log/azure/x/filler{i}.log": str(i) * 20_000 for i in range(20)})
    full = tar_bytes(files)
    archive = tmp_path / "cut.tar.gz"
    archive.write_bytes(full[: len(full) // 2])
    run, report = _analyze(tmp_path, archive)
    assert run.code == 0, run.stderr
    assert "var/log/waagent.log" in [s["path"] for s in report["bundle"]["sources"]]
    assert "truncated" in _warnings(report) or "damaged" in _warnings(report)


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "w.log"
    target.write_text(AGENT_ISO)
    run = run_cli(["analyze", str(target), "--limit", "max_bogus=1"], cwd=tmp_path)
    assert run.code == 2
    assert "unknown limit" in run.stderr


@pytest.mark.parametrize("streamed", [False, True], ids=["sizes-in-headers", "data-descriptors"])
def test_a_zip_cut_before_its_central_directory_is_salvaged(tmp_path: Path, streamed: bool) -> None:
    """An upload cut short leaves a zip without its central directory: the members before the cut
    are whole and are read from their local headers, the cut one as far as it goes."""
    files = {"var/log/waagent.log": AGENT_ISO * 50}
    files.update({f"var/log/azure/x/filler{i}.log": str(i) * 20_000 for i in range(6)})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            if streamed:  # written as a stream: sizes only in a data descriptor after the data
                with zf.open(name, "w") as fh:
                    fh.write(text.encode())
            else:
                zf.writestr(name, text)
    full = buf.getvalue()
    archive = tmp_path / "cut.zip"
    archive.write_bytes(full[: len(full) - len(full) // 5])
    run, report = _analyze(tmp_path, archive)
    assert run.code == 0, run.stderr
    assert report is not None
    paths = [s["path"] for s in report["bundle"]["sources"]]
    assert "var/log/waagent.log" in paths and len(paths) >= 4
    assert "members read from their local headers" in _warnings(report)


def test_a_file_named_like_an_archive_that_is_not_one_says_so(tmp_path: Path) -> None:
    target = tmp_path / "logs.zip"
    target.write_text(AGENT_ISO)
    run, report = _analyze(tmp_path, target)
    assert run.code == 0, run.stderr
    assert report is not None and "named like an archive but is not one" in _warnings(report)
