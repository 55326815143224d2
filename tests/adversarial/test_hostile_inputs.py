"""Hostile and broken files through the real CLI (`analyze`, `timeline`): degrade or refuse, never crash.

Every input is crafted here in tmp_path.  Each run goes through ``guarded`` (hang guards on time and
peak RSS, no traceback, one stderr line at most, nothing written outside the requested outputs and
an emptied private TMPDIR).  For each case: exit 0 with a warning naming what was skipped and why,
or exit 3 with one clear line; and no live markup in HTML, JSON, CSV or the terminal table.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.adversarial.test_archives import _warnings, guarded
from tests.helpers import AGENT_ISO, CliRun, write_tree

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fsfreeze-failed"
OUTPUTS = {"out.json", "out.html"}
INJECT = "<script>alert(1)</script>"
EXT_DIR = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
STATUS_DIR = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status"


def _line(second: int, message: str) -> str:
    return f"2024-05-01T10:00:{second:02d}.000000Z INFO ExtHandler {message}\n"


@dataclass
class Outputs:
    run: CliRun
    report: dict | None
    html: str
    csv_rows: list[list[str]]
    table: str


def _everything(tmp_path: Path, target: Path, *extra: str, table: bool = False) -> Outputs:
    """analyze (JSON + HTML) and timeline (CSV, and the terminal table when asked) on one input."""
    work = tmp_path / "cwd"
    run = guarded(tmp_path, ["analyze", str(target), "--json", "out.json", "-o", "out.html", *extra], OUTPUTS)
    report = json.loads((work / "out.json").read_text()) if (work / "out.json").exists() else None
    html = (work / "out.html").read_text() if (work / "out.html").exists() else ""
    tl = guarded(tmp_path, ["timeline", str(target), "--format", "csv", *extra], OUTPUTS)
    assert tl.code == run.code, (tl.code, tl.stderr)
    csv.field_size_limit(max(csv.field_size_limit(), 64 << 20))  # a cut record is still up to 1 MiB
    rows = list(csv.reader(io.StringIO(tl.stdout)))
    text = guarded(tmp_path, ["timeline", str(target), *extra], OUTPUTS).stdout if table else ""
    if run.code == 3:
        assert run.stderr.startswith("snapdiag: ") and len(run.stderr.splitlines()) == 1
        assert report is None
    else:
        assert run.code == 0, run.stderr
        assert report is not None
    _no_live_markup(html, rows, text, run.stdout + run.stderr + tl.stderr)
    return Outputs(run, report, html, rows, text)


def _no_live_markup(html: str, rows: list[list[str]], table: str, terminal: str) -> None:
    for tag in ("<script>alert", "alert(1)</script>", "<img", "<b>x</b>", "<script>x"):
        assert tag not in html, tag
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    for text in (table, terminal):
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text


# --- single hostile files ------------------------------------------------------------------------


def test_gzip_bomb_loose_rotated_log(tmp_path: Path) -> None:
    bundle = write_tree(tmp_path / "vm", {"var/log/waagent.log": AGENT_ISO})
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)  # gzip framing
    with open(bundle / "var/log/waagent.log.1.gz", "wb") as fh:
        zeros = b"\0" * (16 << 20)
        for _ in range(32):  # 512 MiB declared, about 0.5 MB on disk
            fh.write(comp.compress(zeros))
        fh.write(comp.flush())
    out = _everything(tmp_path, bundle)
    assert out.run.code == 0
    assert "max_ratio=200" in _warnings(out.report)
    assert "waagent.log.1.gz" in _warnings(out.report)


def _long_record(tmp_path: Path, megabytes: int) -> Path:
    bundle = tmp_path / "vm"
    (bundle / "var/log").mkdir(parents=True)
    with open(bundle / "var/log/waagent.log", "wb") as fh:
        fh.write(_line(1, "before the long record").encode() + b"2024-05-01T10:00:02.000000Z INFO ExtHandler ")
        block = b"A" * (1 << 20)
        for _ in range(megabytes):
            fh.write(block)
        fh.write(b"\n" + _line(3, "after the long record").encode())
    return bundle


def _check_long_record(out: Outputs, cap: int) -> None:
    assert out.run.code == 0
    assert f"line 2 longer than max_record_bytes={cap}" in _warnings(out.report)
    messages = [row[12] for row in out.csv_rows[1:]]
    assert "before the long record" in messages and "after the long record" in messages
    assert max(len(m) for m in messages) <= cap


def test_long_record_without_newline_is_cut(tmp_path: Path) -> None:
    out = _everything(tmp_path, _long_record(tmp_path, 20), "--limit", "max_record_bytes=1M")
    _check_long_record(out, 1 << 20)


@pytest.mark.slow
def test_500mb_record_without_newline_is_cut(tmp_path: Path) -> None:
    out = _everything(tmp_path, _long_record(tmp_path, 500))
    _check_long_record(out, 1 << 20)


def test_binary_garbage_named_waagent_log_exit_3(tmp_path: Path) -> None:
    bundle = write_tree(tmp_path / "vm", {"var/log/waagent.log": bytes(range(256)) * 256})
    out = _everything(tmp_path, bundle)
    assert out.run.code == 3
    assert "waagent.log: binary content, not parsed" in out.run.stderr


def test_binary_garbage_next_to_a_good_log_is_skipped(tmp_path: Path) -> None:
    bundle = write_tree(tmp_path / "vm", {"var/log/waagent.log": bytes(range(256)) * 256, "var/log/syslog": ""})
    (bundle / "var/log/waagent.log.1").write_text(AGENT_ISO)
    out = _everything(tmp_path, bundle)
    assert out.run.code == 0
    assert "var/log/waagent.log: binary content, not parsed" in _warnings(out.report)
    assert any("Goal State Agent version 2.9.1.1" in row[12] for row in out.csv_rows)


def test_invalid_utf8_nul_bytes_and_crlf(tmp_path: Path) -> None:
    # a NUL run (zero-fill after an unclean shutdown) is removed, so the record after it keeps
    # its header; zero-fill in the first 8 KiB is covered in tests/analyzer/test_bundle.py
    head = "".join(_line(i % 60, f"filler {i}") for i in range(200)).encode()
    data = (
        head
        + b"2024-05-01T10:01:00.000000Z INFO ExtHandler bad bytes \xff\xfe\xc3( here\r\n"
        + b"\0" * 4096
        + b"2024-05-01T10:01:01.000000Z INFO ExtHandler nul \0 inside\r\n"
        + _line(2, "crlf ended").replace("\n", "\r\n").encode()
    )
    bundle = write_tree(tmp_path / "vm", {"var/log/waagent.log": data})
    out = _everything(tmp_path, bundle)
    assert out.run.code == 0
    assert "invalid UTF-8, undecodable bytes replaced" in _warnings(out.report)
    messages = [row[12] for row in out.csv_rows[1:]]
    assert "crlf ended" in messages  # the \r is gone
    assert any(m.startswith("bad bytes \ufffd") for m in messages)
    assert not any("\r" in m for m in messages)
    assert "nul  inside" in messages
    assert "zero bytes removed" in _warnings(out.report)


@pytest.mark.parametrize(
    "name,xml",
    [
        (
            "billion-laughs",
            '<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "lol">'
            + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
            + ']>\n<Extensions><Plugins><Plugin name="&j;" version="1.0"/></Plugins></Extensions>\n',
        ),
        (
            "external-entity",
            '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
            '<Extensions><Plugins><Plugin name="&e;" version="1.0"/></Plugins></Extensions>\n',
        ),
    ],
)
def test_hostile_extensions_config_xml(tmp_path: Path, name: str, xml: str) -> None:
    bundle = write_tree(
        tmp_path / "vm", {"var/log/waagent.log": AGENT_ISO, "var/lib/waagent/ExtensionsConfig.1.xml": xml}
    )
    out = _everything(tmp_path, bundle)
    assert out.run.code == 0
    assert "ExtensionsConfig.1.xml: line 1: ExtensionsConfig: refused unsafe XML" in _warnings(out.report)
    everything = out.html + json.dumps(out.report) + str(out.csv_rows)
    assert "root:x:0:0" not in everything and "lollollol" not in everything


def test_markup_and_formulas_in_lines_handlers_and_file_names(tmp_path: Path) -> None:
    bundle = write_tree(
        tmp_path / "vm",
        {
            "var/log/waagent.log": _line(1, f"[Microsoft.Evil<img src=x onerror=alert(1)>-1.0] Enable {INJECT}")
            + _line(2, "colour \x1b[31mred\x1b[0m bell \x07 csi \x9b2J")
            + _line(3, '=HYPERLINK("http://evil.example/")')
            + _line(4, "@SUM(1+1)")
            + _line(5, "+cmd|' /C calc'!A0")
            + _line(6, "-2+3"),
            "var/log/azure/Microsoft.Evil<script>x</script>/extension.log": (
                f"2024-05-01 10:00:07.000 [Microsoft.Evil<b>x</b>-1.0]PreSnapshot: Status Code: 200 {INJECT}\n"
            ),
            f"var/log/azure/{INJECT.replace('/', '_')}\x1b[2J.log": _line(8, INJECT),
        },
    )
    out = _everything(tmp_path, bundle, table=True)
    assert out.run.code == 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out.html  # there, and inert
    assert "\\x1b[31mred" in out.table and "\\x07" in out.table
    messages = {row[12] for row in out.csv_rows[1:]}
    assert '\'=HYPERLINK("http://evil.example/")' in messages
    assert {"'@SUM(1+1)", "'+cmd|' /C calc'!A0", "'-2+3"} <= messages
    paths = [s["path"] for s in out.report["bundle"]["sources"]]
    assert "var/log/azure/<script>alert(1)<_script>\x1b[2J.log" in paths  # JSON keeps the data as text


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    bundle = write_tree(tmp_path / "vm", {"var/log/waagent.log": AGENT_ISO})
    os.mkfifo(bundle / "var/log/waagent.log.1")  # opening it for reading would block forever
    out = _everything(tmp_path, bundle)
    assert out.run.code == 0
    assert "waagent.log.1: not a regular file (device, FIFO or socket)" in _warnings(out.report)


def test_unreadable_directory(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("running as root: a directory without read permission is still readable")
    bundle = write_tree(tmp_path / "vm", {"var/log/waagent.log": AGENT_ISO, "var/lib/waagent/x/mrseq": "1"})
    locked = bundle / "var/lib/waagent"
    locked.chmod(0)
    try:
        out = _everything(tmp_path, bundle)
    finally:
        locked.chmod(0o755)
    assert out.run.code == 0
    assert "var/lib/waagent" in _warnings(out.report)


def test_status_file_with_a_10mb_json_string(tmp_path: Path) -> None:
    status = [
        {
            "version": 1.0,
            "timestampUTC": "2024-05-01T10:00:00Z",
            "status": {
                "name": "VMSnapshotLinux",
                "operation": "Enable",
                "status": "error",
                "code": 1,
                "formattedMessage": {"lang": "en-US", "message": "A" * (10 << 20)},
            },
        }
    ]
    bundle = write_tree(
        tmp_path / "vm", {"var/log/waagent.log": AGENT_ISO, f"{STATUS_DIR}/0.status": json.dumps(status)}
    )
    out = _everything(tmp_path, bundle)
    assert out.run.code == 0
    assert "0.status: document larger than" in _warnings(out.report)
    assert len(out.html) < 8 << 20 and len(json.dumps(out.report)) < 8 << 20


def test_year_0000_and_9999_timestamps(tmp_path: Path) -> None:
    text = (
        "0000-01-01T00:00:00.000000Z INFO ExtHandler year zero\n"
        "9999-12-31T23:59:59.999999Z INFO ExtHandler year max\n"
        "0001-01-01T00:00:00.000000Z INFO ExtHandler year one\n"
        "2024/13/45 99:99:99.000000 INFO Daemon impossible fields\n" + AGENT_ISO
    )
    bundle = write_tree(
        tmp_path / "vm", {"var/log/waagent.log": text, "var/log/syslog": "Dec 31 23:59:60 vm k: leap\n"}
    )
    out = _everything(tmp_path, bundle, "--tz", "+14:00", table=True)
    assert out.run.code == 0
    assert "impossible timestamp '0000-01-01T00:00:00.000000Z'" in _warnings(out.report)
    assert "year max" in out.table and "Goal State Agent version" in out.table
    around = guarded(tmp_path, ["timeline", str(bundle), "--around", "9999-12-31T23:59:59Z", "--window", "1d"], OUTPUTS)
    assert around.code == 0, around.stderr


# --- a damaged member never loses the rest -------------------------------------------------------


def _damaged_members() -> dict[str, bytes]:
    agent = (EXAMPLE / "var/log/waagent.log").read_bytes()
    rotated = gzip.compress(agent[: len(agent) // 2])
    return {
        "var/log/waagent.log.1.gz": rotated[: len(rotated) // 2],  # truncated gzip
        "var/lib/waagent/ExtensionsConfig.7.xml": b"<Extensions><Plugins><Plugin name=\xff\0\0" + os.urandom(512),
        "var/lib/waagent/GoalState.7.xml": b"\x1f\x8b\x08\x00garbage",
        f"{EXT_DIR}/extension.log.3.gz": b"\x1f\x8b\x08\x00" + b"\0" * 64,
        f"{STATUS_DIR}/11.status": b'[{"status": {"status": "error", "formattedMessage": {"message": "cut',
        "var/lib/waagent/HandlerState": b"\xff\xfe\x00",
    }


def _assert_still_fsfreeze(out: Outputs) -> None:
    assert out.run.code == 0, out.run.stderr
    assert out.report["result"]["top_cause"] == "snapshot-fsfreeze-failed"
    warnings = _warnings(out.report)
    assert "waagent.log.1.gz" in warnings and "ExtensionsConfig.7.xml" in warnings


def test_damaged_members_do_not_lose_the_rest_folder(tmp_path: Path) -> None:
    bundle = tmp_path / "fsfreeze-failed"
    shutil.copytree(EXAMPLE, bundle)
    write_tree(bundle, _damaged_members())
    _assert_still_fsfreeze(_everything(tmp_path, bundle))


def test_damaged_members_do_not_lose_the_rest_archive(tmp_path: Path) -> None:
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(EXAMPLE, arcname="fsfreeze-failed")
        for name, data in _damaged_members().items():
            info = tarfile.TarInfo(f"fsfreeze-failed/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    _assert_still_fsfreeze(_everything(tmp_path, archive))
