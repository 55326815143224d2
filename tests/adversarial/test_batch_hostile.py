"""Hostile ticket folders through the real `snapdiag batch` (design §5, §6; issues #7, #8).

One folder holds good bundles next to bombs, special files, links leading out or looping, empty and
binary files and file names built to break a slug, a CSV cell, a page or a terminal.  The batch must
finish (exit 4: some bundles fail), under the hang guards (time, peak RSS of the process tree as
``os.wait4`` reports it), write nothing outside OUTDIR and an emptied private TMPDIR, and keep every
output inert.  Smaller runs cover the OUTDIR placements, repeated INPUTs, caps reaching the workers,
a damaged OUTDIR under ``--resume``, and a bundle whose analysis used to raise.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from analyzer.batch.model import SUMMARY_FIELDS
from tests.helpers import AGENT_ISO, CliRun, make_tar, run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FSFREEZE = FIXTURES / "f4-snapshot-fsfreeze-failed" / "vm"
NETWORK = FIXTURES / "f1-network-blocked" / "vm"
GUARD_SECONDS = 120
GUARD_RSS_MB = 1024
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # what a terminal would obey (tab and newline aside)
SLUG = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,120}")

# Hostile names, each for one loose copy of a tiny agent log (same bytes: the slugs differ by name only)
NAMES = {
    "newline": "new\nline\x1b[31m.log",
    "c1": "bell\x07csi\u009b2J.log",
    "markup": "<img src=x onerror=alert(1)>.log",
    "formula": "=cmd|' calc'!A0.log",
    "backslash-dots": "a\\..\\..\\evil.log",
    "encoded-dots": "%2e%2e%2f%2e%2e%2fetc.log",
    "long": "L" * 240 + ".log",
    "space": "a b.log",  # "a b.log" and "a-b.log" slug alike: -2
    "dash": "a-b.log",
}
NON_UTF8 = b"bad\xff\xfename"  # a folder holding a log


@dataclass
class Batch:
    run: CliRun
    tickets: Path
    out: Path
    rows: list[dict[str, str]]


def batch(tmp_path: Path, args: list[str], outdir: Path | None = None) -> CliRun:
    """``snapdiag batch ARGS`` in tmp_path/cwd under the hang guards; nothing may appear there
    but OUTDIR (when it is there), and the private TMPDIR must be left empty."""
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    private_tmp = tmp_path / "tmpdir"
    private_tmp.mkdir(exist_ok=True)
    before = {p.name for p in work.iterdir()}
    run = run_cli(["batch", *args], cwd=work, timeout=GUARD_SECONDS, env={"TMPDIR": str(private_tmp)})
    assert not run.timed_out, "hang guard tripped"
    assert run.max_rss_mb < GUARD_RSS_MB, run.max_rss_mb
    assert "Traceback" not in run.stderr + run.stdout, run.stderr
    assert "internal error" not in run.stderr.replace("internal error: RuntimeError: Symlink loop", ""), run.stderr
    allowed = before | ({outdir.name} if outdir is not None and outdir.parent == work else set())
    assert {p.name for p in work.iterdir()} <= allowed
    assert list(private_tmp.iterdir()) == []
    assert not CONTROL.search(run.stderr), run.stderr  # every line terminal-safe
    return run


def rows_of(out: Path) -> list[dict[str, str]]:
    raw = (out / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def warnings_of(out: Path, row: dict[str, str]) -> str:
    report = json.loads((out / row["report"]).with_name("report.json").read_text(encoding="utf-8"))
    return "\n".join(report["bundle"]["warnings"])


def _gzip_bomb(path: Path, mib: int = 512) -> None:
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing, ~1000:1 on zeros
    zeros = b"\0" * (16 << 20)
    with open(path, "wb") as fh:
        for _ in range(mib // 16):
            fh.write(comp.compress(zeros))
        fh.write(comp.flush())


def _zip_bomb(path: Path, mib: int = 640) -> None:
    """A bundle whose syslog reads and whose waagent.log declares far more than it holds."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("var/log/syslog", "May  1 10:00:00 vm kernel: ok\n")
        with zf.open("var/log/waagent.log", "w", force_zip64=True) as fh:
            zeros = b"\0" * (16 << 20)
            for _ in range(mib // 16):
                fh.write(zeros)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _special_files(folder: Path) -> list[str]:
    """A FIFO, a socket, a /dev/zero-like device (root only), a dangling link and a link to /etc."""
    made = ["fifo", "sock", "dangling", "etc-link"]
    os.mkfifo(folder / "fifo")  # opening it for reading would block forever
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(folder / "sock"))
    (folder / "dangling").symlink_to("nowhere")
    (folder / "etc-link").symlink_to("/etc")
    if os.geteuid() == 0:
        os.mknod(folder / "zero", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # reading it never ends
        made.append("zero")
    return made


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    base = tmp_path_factory.mktemp("hostile")
    tickets = base / "tickets"
    tickets.mkdir()
    good = tickets / "good-folder"
    shutil.copytree(FSFREEZE, good)
    _special_files(good / "var" / "log")
    make_tar(tickets / "good.tar.gz", {f"vm/{k}": v for k, v in _tree(NETWORK).items()})
    _zip_bomb(tickets / "bomb.zip")
    _gzip_bomb(tickets / "bomb.log.gz")
    _special_files(tickets)
    (tickets / "loop").symlink_to("loop")
    (tickets / "empty.log").write_bytes(b"")
    (tickets / "garbage.bin").write_bytes(bytes(range(256)) * 16)
    (tickets / "garbage\x1b]0;pwned\x07.bin").write_bytes(bytes(range(256)) * 16)  # fails: its row on stderr
    for name in NAMES.values():
        (tickets / name).write_text(AGENT_ISO)
    odd = Path(os.fsdecode(bytes(tickets) + b"/" + NON_UTF8))
    odd.mkdir()
    (odd / "waagent.log").write_text(AGENT_ISO)
    out = base / "cwd" / "out"
    run = batch(base, [str(tickets), "-o", str(out), "--jobs", "2"], out)
    return Batch(run, tickets, out, rows_of(out) if (out / "summary.csv").exists() else [])


def _row(b: Batch, name: str) -> dict[str, str]:
    return next(r for r in b.rows if r["name"] == name)


def test_batch_completes_with_exit_4_and_a_row_per_bundle(hostile: Batch) -> None:
    assert hostile.run.code == 4, hostile.run.stderr
    names = sorted(r["name"] for r in hostile.rows)
    assert len(names) == 8 + len(NAMES), names  # 2 good, 2 bombs, empty, 2 garbage, non-UTF-8, the names
    assert "good-folder" in names and "good.tar.gz" in names
    assert _row(hostile, "good-folder")["top_cause"] == "snapshot-fsfreeze-failed"
    assert _row(hostile, "good.tar.gz")["top_cause"] == "network-blocked"
    assert [r["input"] for r in hostile.rows] == sorted(r["input"] for r in hostile.rows)
    assert hostile.run.seconds < 60


def test_bombs_are_an_error_row_or_a_salvaged_row_with_the_cap_named(hostile: Batch) -> None:
    gz = _row(hostile, "bomb.log.gz")  # nothing else in it: the row fails, naming the cap
    assert gz["status"] == "error" and "max_ratio=200" in gz["error"] and gz["report"] == ""
    zipped = _row(hostile, "bomb.zip")  # its syslog reads: salvaged, the bomb a named warning
    assert zipped["status"] != "error", zipped
    assert "max_ratio" in warnings_of(hostile.out, zipped) or "max_member_bytes" in warnings_of(hostile.out, zipped)


def test_special_files_and_links_are_skipped_by_name_never_followed(hostile: Batch) -> None:
    skipped = [line for line in hostile.run.stderr.splitlines() if "snapdiag: skipped" in line]
    why = {line.rsplit("/", 1)[1] for line in skipped}
    assert {
        "fifo: not a regular file or folder",
        "sock: not a regular file or folder",
        "dangling: symbolic link not followed",
        "etc-link: symbolic link not followed",
        "loop: symbolic link not followed",
    } <= why, skipped
    if os.geteuid() == 0:
        assert "zero: not a regular file or folder" in why
    summary = json.loads((hostile.out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["skipped"]) == len(skipped)
    # inside a folder bundle: named warnings, the link to /etc never read
    warnings = warnings_of(hostile.out, _row(hostile, "good-folder"))
    assert "var/log/fifo: not a regular file (device, FIFO or socket)" in warnings
    assert "var/log/sock: not a regular file (device, FIFO or socket)" in warnings
    assert "var/log/etc-link: link leaves the bundle" in warnings
    report = (hostile.out / _row(hostile, "good-folder")["report"]).with_name("report.json").read_text()
    assert "root:x:0:0" not in report and "/etc/passwd" not in report


def test_empty_and_binary_files_fail_with_one_line_each(hostile: Batch) -> None:
    for name in ("empty.log", "garbage.bin"):
        row = _row(hostile, name)
        assert row["status"] == "error" and row["error"] and row["report"] == "", row
    stderr = hostile.run.stderr
    assert "snapdiag: " + _row(hostile, "empty.log")["input"] + ": " in stderr
    failed = [r for r in hostile.rows if r["status"] == "error"]
    assert len(failed) == 4  # gzip bomb, empty, two garbage files, nothing else
    assert f"{len(failed)} failed" in stderr


def test_hostile_names_stay_inert_in_the_row_slug_and_terminal(hostile: Batch) -> None:
    shown = {r["name"]: r for r in hostile.rows}
    assert "new\\x0aline\\x1b[31m.log" in shown and "bell\\x07csi\\x9b2J.log" in shown
    assert "bad\ufffd\ufffdname" in shown  # not UTF-8: shown, not fatal
    assert shown["bad\ufffd\ufffdname"]["status"] != "error"
    garbage = shown["garbage\\x1b]0;pwned\\x07.bin"]
    assert garbage["status"] == "error"
    assert f"snapdiag: {garbage['input']}: " in hostile.run.stderr  # the failed row, escaped, on one line
    for row in hostile.rows:
        for field, cell in row.items():
            assert not CONTROL.search(cell) and "\n" not in cell, (field, cell)


def test_slugs_are_one_safe_component_each_and_collisions_get_a_suffix(hostile: Batch) -> None:
    folders = [p for p in hostile.out.iterdir() if p.is_dir() and p.name != ".snapdiag"]
    assert len(folders) == len(hostile.rows)
    for folder in folders:
        assert SLUG.fullmatch(folder.name), folder.name
    for row in hostile.rows:
        if row["report"]:
            target = (hostile.out / row["report"]).resolve()
            assert target.parent.parent == hostile.out.resolve() and target.is_file(), row["report"]
    space, dash = _row(hostile, NAMES["space"]), _row(hostile, NAMES["dash"])
    assert space["sha256"] == dash["sha256"]
    assert dash["report"].split("/")[0] == space["report"].split("/")[0] + "-2"
    long_slug = _row(hostile, NAMES["long"])["report"].split("/")[0]
    assert len(long_slug) <= 80 + 13 + 2


def test_csv_json_and_index_carry_no_live_formula_or_markup(hostile: Batch) -> None:
    for row in hostile.rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@")), cell
    assert _row(hostile, "'" + NAMES["formula"])  # neutralised, still there
    summary = json.loads((hostile.out / "summary.json").read_text(encoding="utf-8"))
    assert [r["sha256"] for r in summary["rows"]] == [r["sha256"] for r in hostile.rows]
    assert list(summary["rows"][0]) == list(SUMMARY_FIELDS)
    index = (hostile.out / "index.html").read_text(encoding="utf-8")
    assert "<img src=x" not in index and "&lt;img src=x onerror=alert(1)&gt;.log" in index
    assert "Content-Security-Policy" in index
    for sidecar in hostile.out.glob("*/.outcome.json"):
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        assert set(data) >= {"job", "row", "error"}
    for report in hostile.out.glob("*/report.html"):
        assert "<img src=x onerror" not in report.read_text(encoding="utf-8")


# --- smaller batches ------------------------------------------------------------------------------


def _two_good(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(FSFREEZE, folder / "case-a")
    (folder / "b.log").write_text(AGENT_ISO)
    return folder


def test_special_files_named_directly_as_inputs_never_block(tmp_path: Path) -> None:
    odd = tmp_path / "odd"
    odd.mkdir()
    made = _special_files(odd)
    (odd / "loop").symlink_to("loop")
    good = _two_good(tmp_path / "t") / "b.log"
    out = tmp_path / "cwd" / "out"
    args = [str(odd / n) for n in [*made, "loop"] if n != "etc-link"]  # a link named by the user is followed
    run = batch(tmp_path, [*args, str(good), "-o", str(out)], out)
    assert run.code == 0, run.stderr
    assert [r["name"] for r in rows_of(out)] == ["b.log"]
    stderr = run.stderr
    for name in ("fifo", "sock") + (("zero",) if "zero" in made else ()):
        assert f"skipped {odd / name}: not a regular file or folder" in stderr
    assert f"skipped {odd / 'dangling'}: broken link" in stderr and f"skipped {odd / 'loop'}: broken link" in stderr


def test_outdir_equal_to_input_is_refused_in_one_line(tmp_path: Path) -> None:
    tickets = _two_good(tmp_path / "t")
    before = sorted(p.name for p in tickets.iterdir())
    run = batch(tmp_path, [str(tickets), "-o", str(tickets)])
    assert run.code == 3 and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert sorted(p.name for p in tickets.iterdir()) == before  # nothing written into the tickets
    root = tickets / "case-a"  # a bundle root as its own OUTDIR: same
    run = batch(tmp_path, [str(root), "-o", str(root)])
    assert run.code == 3 and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert not (root / ".snapdiag").exists() and not (root / "summary.csv").exists()


def test_outdir_inside_the_input_folder_is_not_a_bundle(tmp_path: Path) -> None:
    tickets = _two_good(tmp_path / "t")
    out = tickets / "reports"
    for _ in range(2):  # the second run sees the first one's outputs in the folder
        run = batch(tmp_path, [str(tickets), "-o", str(out), "--resume"])
        assert run.code == 0, run.stderr
        assert [r["name"] for r in rows_of(out)] == ["b.log", "case-a"]
    # OUTDIR inside a bundle: its reports would become the bundle's logs, so that bundle is skipped
    tickets = _two_good(tmp_path / "t2")
    inner = tickets / "case-a" / "reports"
    run = batch(tmp_path, [str(tickets), "-o", str(inner)])
    assert run.code == 0, run.stderr
    assert [r["name"] for r in rows_of(inner)] == ["b.log"]
    assert f"skipped {tickets / 'case-a'}: holds the output folder" in run.stderr


def test_the_same_input_twice_is_one_bundle(tmp_path: Path) -> None:
    tickets = _two_good(tmp_path / "t")
    out = tmp_path / "cwd" / "out"
    args = [str(tickets), str(tickets) + "/", str(tickets / "b.log"), str(tickets / "case-a"), "-o", str(out)]
    run = batch(tmp_path, args, out)
    assert run.code == 0, run.stderr
    rows = rows_of(out)
    assert sorted(r["name"] for r in rows) == ["b.log", "case-a"]
    assert len({r["report"] for r in rows}) == 2


def test_member_cap_reaches_the_workers_as_a_named_warning(tmp_path: Path) -> None:
    tickets = _two_good(tmp_path / "t")
    with tarfile.open(tickets / "many.tar", "w") as tar:
        for i in range(300):
            payload = (AGENT_ISO if i == 0 else f"line {i}\n").encode()
            info = tarfile.TarInfo(f"vm/var/log/{'waagent.log' if i == 0 else f'azure/x/{i}.log'}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    out = tmp_path / "cwd" / "out"
    run = batch(tmp_path, [str(tickets), "-o", str(out), "--jobs", "2", "--limit", "max_members=100"], out)
    assert run.code == 0, run.stderr
    rows = {r["name"]: r for r in rows_of(out)}
    assert "max_members=100" in warnings_of(out, rows["many.tar"])
    assert "max_members" not in warnings_of(out, rows["case-a"])
    report = json.loads((out / rows["many.tar"]["report"]).with_name("report.json").read_text())
    assert len(report["bundle"]["sources"]) <= 100


def _damage(out: Path) -> Iterator[tuple[str, str]]:
    """Each bundle's OUTDIR folder damaged another way: (name, how)."""
    ways = {
        "cut": lambda f: (f / ".outcome.json").write_text((f / ".outcome.json").read_text()[:40]),
        "empty": lambda f: (f / ".outcome.json").write_bytes(b""),
        "nested": lambda f: (f / ".outcome.json").write_text("[" * 100_000),
        "list": lambda f: (f / ".outcome.json").write_text("[]"),
        "typed": lambda f: (f / ".outcome.json").write_text(
            json.dumps({**json.loads((f / ".outcome.json").read_text()), "row": {"input": ["x"], "status": 1}})
        ),
        "report-cut": lambda f: (f / "report.json").write_text('{"bundle": {"sha'),
        "report-gone": lambda f: (f / "report.html").unlink(),
        "fifo": lambda f: ((f / ".outcome.json").unlink(), os.mkfifo(f / ".outcome.json")),
    }
    folders = sorted(p for p in out.iterdir() if p.is_dir() and p.name != ".snapdiag")
    for folder, (how, damage) in zip(folders, ways.items(), strict=False):
        damage(folder)
        yield folder.name, how


def test_resume_over_a_damaged_outdir_reanalyses_without_a_crash(tmp_path: Path) -> None:
    tickets = tmp_path / "t"
    tickets.mkdir()
    for i in range(9):
        (tickets / f"vm{i}.log").write_text(AGENT_ISO.replace("10:00:00", f"10:00:0{i}"))
    out = tmp_path / "cwd" / "out"
    assert batch(tmp_path, [str(tickets), "-o", str(out), "--jobs", "2"], out).code == 0
    first = (out / "summary.csv").read_bytes()
    damaged = dict(_damage(out))
    assert len(damaged) == 8
    run = batch(tmp_path, [str(tickets), "-o", str(out), "--jobs", "2", "--resume"], out)
    assert run.code == 0, run.stderr
    assert "(1 resumed)" in run.stderr  # only the untouched bundle
    assert (out / "summary.csv").read_bytes() == first
    for folder in damaged:
        assert json.loads((out / folder / ".outcome.json").read_text())["error"] is None
        assert (out / folder / "report.html").is_file()
    # a damaged batch key is replaced (new stand-ins), never fatal
    (out / ".snapdiag" / "batch-key").write_text("not hex")
    assert batch(tmp_path, [str(tickets), "-o", str(out), "--resume"], out).code == 0


def _damaged_zip(path: Path) -> None:
    """A zip whose second member's local header is smashed: this crashed the reader before #8."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("vm/var/log/waagent.log", AGENT_ISO)
        zf.writestr("vm/var/log/syslog", "May  1 10:00:00 vm kernel: ok\n")
    data = bytearray(buf.getvalue())
    second = data.index(b"PK\x03\x04", 4)
    data[second : second + 4] = b"XX\x00\x00"
    path.write_bytes(bytes(data))


def test_bundles_that_broke_analysis_do_not_stop_the_batch(tmp_path: Path) -> None:
    tickets = _two_good(tmp_path / "t")
    _damaged_zip(tickets / "damaged.zip")
    looping = tickets / "looping"
    shutil.copytree(FSFREEZE, looping)
    (looping / "var" / "log" / "loop").symlink_to("loop")
    out = tmp_path / "cwd" / "out"
    run = batch(tmp_path, [str(tickets), "-o", str(out), "--jobs", "2"], out)
    rows = {r["name"]: r for r in rows_of(out)}
    assert sorted(rows) == ["b.log", "case-a", "damaged.zip", "looping"]
    assert rows["case-a"]["top_cause"] == "snapshot-fsfreeze-failed"
    assert rows["damaged.zip"]["status"] != "error"
    assert "damaged member" in warnings_of(out, rows["damaged.zip"])
    # a looping link inside a folder bundle is a named warning of that bundle, not a failure
    assert run.code == 0, run.stderr
    assert "var/log/loop: link loop" in warnings_of(out, rows["looping"])


def test_a_looping_link_inside_a_folder_bundle_is_a_warning(tmp_path: Path) -> None:
    looping = tmp_path / "t" / "looping"
    shutil.copytree(FSFREEZE, looping)
    (looping / "var" / "log" / "loop").symlink_to("loop")
    out = tmp_path / "cwd" / "out"
    run = batch(tmp_path, [str(looping), "-o", str(out)], out)
    assert run.code == 0, run.stderr
    assert rows_of(out)[0]["top_cause"] == "snapshot-fsfreeze-failed"


def test_unreadable_file_and_folder_are_skipped_or_failed_by_name(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("running as root: a file without read permission is still readable")
    tickets = _two_good(tmp_path / "t")
    (tickets / "locked.log").write_text(AGENT_ISO)
    (tickets / "locked.log").chmod(0)
    (tickets / "locked-dir").mkdir()
    (tickets / "locked-dir" / "waagent.log").write_text(AGENT_ISO)
    (tickets / "locked-dir").chmod(0)
    out = tmp_path / "cwd" / "out"
    try:
        run = batch(tmp_path, [str(tickets), "-o", str(out)], out)
    finally:
        (tickets / "locked.log").chmod(0o644)
        (tickets / "locked-dir").chmod(0o755)
    assert run.code in (0, 4), run.stderr
    assert f"skipped {tickets / 'locked.log'}: cannot read" in run.stderr
    assert {"b.log", "case-a"} <= {r["name"] for r in rows_of(out)}
