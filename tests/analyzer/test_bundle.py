"""Bundles of every layout, built in tmp_path: layout, kinds, logical paths, members, order."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from analyzer.bundle import BundleError, open_bundle
from analyzer.limits import Limits
from analyzer.pipeline import analyse
from tests.helpers import AGENT_ISO, AGENT_LEGACY, EXT_PY3, make_tar, make_zip, tar_bytes, write_tree, zip_bytes

VMSNAP = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


def _by_path(bundle):
    return {s.path: s for s in bundle.sources}


@pytest.mark.parametrize("mode,suffix", [("w:gz", "tar.gz"), ("w:bz2", "tar.bz2"), ("w:xz", "tar.xz"), ("w", "tar")])
def test_tar_variants_tar_root(tmp_path: Path, mode: str, suffix: str) -> None:
    archive = make_tar(
        tmp_path / f"ticket.{suffix}",
        {"vm1/var/log/waagent.log": AGENT_ISO, f"vm1/{VMSNAP}/extension.log": EXT_PY3, "vm1/etc/waagent.conf": "x=y\n"},
        mode,
    )
    with open_bundle([archive]) as b:
        assert b.layout == "tar-root"
        src = _by_path(b)
        assert src["var/log/waagent.log"].member == f"ticket.{suffix}!/vm1/var/log/waagent.log"
        assert src["var/log/waagent.log"].kind == "waagent_log"
        assert src[f"{VMSNAP}/extension.log"].kind == "vmsnapshot_extension_log"
        assert len(b.sha256) == 64


def test_nested_zip_in_tar_in_zip(tmp_path: Path) -> None:
    inner = zip_bytes({"var/log/waagent.log": AGENT_ISO})
    middle = tar_bytes({"case/logs.zip": inner})
    outer = make_zip(tmp_path / "ticket.zip", {"attachments/case.tar.gz": middle})
    with open_bundle([outer]) as b:
        (s,) = [s for s in b.sources if s.path == "var/log/waagent.log"]
        assert s.member == "ticket.zip!/attachments/case.tar.gz!/case/logs.zip!/var/log/waagent.log"
        assert s.kind == "waagent_log"


def test_history_zip_keeps_its_place(tmp_path: Path) -> None:
    hist = zip_bytes({"GoalState.xml": "<GoalState/>", "ExtensionsConfig.xml": "<Extensions/>"})
    archive = make_tar(
        tmp_path / "b.tgz",
        {"var/lib/waagent/history/2024-05-01T10-00-00__3.zip": hist, "var/log/waagent.log": AGENT_ISO},
    )
    with open_bundle([archive]) as b:
        paths = {s.path for s in b.sources}
        assert "var/lib/waagent/history/2024-05-01T10-00-00__3/GoalState.xml" in paths


def test_loose_files_are_one_flat_bundle(tmp_path: Path) -> None:
    a = tmp_path / "waagent.log"
    a.write_text(AGENT_LEGACY)
    b_ = tmp_path / "notes-from-customer.txt"
    b_.write_text(AGENT_ISO * 3)
    with open_bundle([a, b_]) as b:
        assert b.layout == "flat"
        kinds = {s.path: s.kind for s in b.sources}
        assert kinds["waagent.log"] == "waagent_log"
        # a pasted excerpt is recognised by its lines, not its name
        assert kinds["notes-from-customer.txt"] == "waagent_log"


def test_logcollector_zip_truncated_members(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "logs.zip",
        {
            "results.txt": "2024-05-01T10:00:00Z INFO Starting log collection at 2024-05-01T10:00:00Z\n",
            "var/log/waagent.log": AGENT_ISO,
            "truncated__var_log_syslog.1": "May  1 10:00:00 vm1 kernel: hello\n",
            "truncated_var_log_azure_Microsoft.Azure.RecoveryServices.VMSnapshotLinux_extension.log": EXT_PY3,
        },
    )
    with open_bundle([archive]) as b:
        assert b.layout == "agent-logcollector"
        src = _by_path(b)
        assert src["var/log/syslog.1"].truncated
        assert src["var/log/syslog.1"].group == "var/log/syslog"
        assert src[f"{VMSNAP}/extension.log"].truncated
        assert not src["var/log/waagent.log"].truncated


def test_rotated_logs_grouped_oldest_first(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "vm",
        {
            "var/log/waagent.log": AGENT_ISO,
            "var/log/waagent.log.1": AGENT_ISO,
            "var/log/waagent.log.2.gz": AGENT_ISO,
            "var/log/waagent.log-2024-04-01-1711929600.gz": AGENT_ISO.replace("05-01", "04-01"),
            "var/log/waagent.log-2024-03-01-1709251200.gz": AGENT_ISO.replace("05-01", "03-01"),
        },
    )
    with open_bundle([root]) as b:
        order = [s.path for s in b.sources if s.group == "var/log/waagent.log"]
    assert order[-1] == "var/log/waagent.log"
    assert order.index("var/log/waagent.log.2") < order.index("var/log/waagent.log.1")
    assert order.index("var/log/waagent.log-2024-03-01-1709251200") < order.index(
        "var/log/waagent.log-2024-04-01-1711929600"
    )


def test_sosreport_layout(tmp_path: Path) -> None:
    archive = make_tar(
        tmp_path / "sosreport-vm1-2024.tar.xz",
        {
            "sosreport-vm1-2024/sos_commands/date/date": "Wed May  1 18:00:00 CST 2024\n",
            "sosreport-vm1-2024/var/log/waagent.log": AGENT_ISO,
            "sosreport-vm1-2024/etc/waagent.conf": "Extensions.Enabled=y\n",
        },
        "w:xz",
    )
    with open_bundle([archive]) as b:
        assert b.layout == "sosreport"
        assert "sos_commands/date/date" in {s.path for s in b.sources}


def test_single_gz_file(tmp_path: Path) -> None:
    p = tmp_path / "waagent.log.1.gz"
    p.write_bytes(gzip.compress(AGENT_ISO.encode()))
    with open_bundle([p]) as b:
        (s,) = b.sources
        assert s.path == "waagent.log.1"
        assert s.group == "waagent.log"
        assert s.kind == "waagent_log"
        assert s.open().read() == AGENT_ISO.encode()


def test_identical_copies_read_once(tmp_path: Path) -> None:
    inner = zip_bytes({"var/log/waagent.log": AGENT_ISO})
    archive = make_tar(tmp_path / "t.tgz", {"logs.zip": inner, "vm/var/log/waagent.log": AGENT_ISO})
    with open_bundle([archive]) as b:
        (s,) = [s for s in b.sources if s.path == "var/log/waagent.log"]
        assert len(s.also_in) == 1


def test_mixed_layout(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "vm", {"var/log/waagent.log": AGENT_ISO})
    loose = tmp_path / "portal.txt"
    loose.write_text("GuestAgentSnapshotTaskStatusError\n")
    with open_bundle([tree, loose]) as b:
        assert b.layout == "mixed"


def test_workdir_removed_on_close(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "t.tgz", {"var/log/waagent.log": AGENT_ISO})
    b = open_bundle([archive])
    workdir = b.workdir
    assert workdir is not None and workdir.exists()
    b.close()
    assert not workdir.exists()


def test_nothing_readable_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.tar.gz"
    empty.write_bytes(b"")
    with pytest.raises(BundleError):
        open_bundle([empty])


def test_limits_parse() -> None:
    limits = Limits.parse(["max_members=10", "max_total_bytes=5M"])
    assert limits.max_members == 10
    assert limits.max_total_bytes == 5 << 20
    with pytest.raises(ValueError):
        Limits.parse(["max_nothing=1"])
    with pytest.raises(ValueError):
        Limits.parse(["max_members=lots"])


def test_diskinspect_layout(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "inspect-output.zip",
        {
            "results.txt": (
                "15:52:59  Listing contents of /var/log:\n\ntotal 4\n"
                "-rw-r--r-- 1 0 0 12 Nov 21 15:53 waagent.log\n"
            ),
            "diskinfo.txt": (
                "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda1       127G   15G  113G  12% /\n"
            ),
            "var/log/waagent.log": AGENT_ISO,
            "var/lib/waagent/GoalState.1.xml": "<GoalState/>",
        },
    )
    with open_bundle([archive]) as b:
        assert b.layout == "diskinspect"
        assert "var/log/waagent.log" in {s.path for s in b.sources}


def test_loose_file_over_member_cap_is_streamed_up_to_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "waagent.log"
    big.write_text(AGENT_ISO * 2000)
    cap = 10_000
    with open_bundle([big], Limits(max_member_bytes=cap)) as b:
        (s,) = b.sources
        assert s.truncated and s.bytes == cap
        with s.open() as fh:
            data = fh.read()
        assert len(data) == cap
        assert any(f"max_member_bytes={cap}" in w for w in b.warnings)


def test_a_folder_name_that_is_not_utf8_is_shown_not_fatal(tmp_path: Path) -> None:
    import os

    from tests.helpers import run_cli

    folder = Path(os.fsdecode(bytes(tmp_path) + b"/case-\xff\xfe"))
    (folder / "var" / "log").mkdir(parents=True)
    (folder / "var" / "log" / "waagent.log").write_text("2024-01-01T00:00:00.000000Z INFO Daemon Daemon hello\n")
    bundle = open_bundle([folder], Limits())
    try:
        shown = [bundle.inputs[0], *(s.member for s in bundle.sources)]
        for text in shown:
            text.encode("utf-8")  # strict: no surrogate escape left
        assert any("case-\ufffd\ufffd/var/log/waagent.log" in m for m in shown)
    finally:
        bundle.close()
    run = run_cli(["analyze", str(folder), "--json", "-"], cwd=tmp_path)
    assert run.code == 0, run.stderr


ZERO_FILL = b"\0" * 20_000


@pytest.mark.parametrize(
    "data",
    [
        AGENT_ISO.encode() + ZERO_FILL + AGENT_ISO.encode(),  # zero-fill inside the first 8 KiB
        ZERO_FILL + AGENT_ISO.encode(),  # zero-fill before the first line (truncated under its writer)
    ],
    ids=["inside", "leading"],
)
def test_a_zero_filled_log_is_text_and_detected_by_its_content(tmp_path: Path, data: bytes) -> None:
    tree = write_tree(tmp_path / "vm", {"var/log/waagent.log.1": data})
    with open_bundle([tree]) as b:
        (source,) = b.sources
        assert source.kind == "waagent_log"
        assert not any("binary" in w for w in b.warnings)


def test_isolated_nul_bytes_still_mean_binary(tmp_path: Path) -> None:
    structs = b"".join(i.to_bytes(4, "little") + b"ab" for i in range(2000))  # NULs between bytes, no runs
    tree = write_tree(tmp_path / "vm", {"var/log/waagent.log": structs, "var/log/waagent.log.1": AGENT_ISO})
    with open_bundle([tree]) as b:
        assert any(w.endswith("waagent.log: binary content, not parsed") for w in b.warnings)


def test_a_file_of_only_zero_bytes_is_named_and_not_parsed(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "vm", {"var/log/waagent.log": ZERO_FILL, "var/log/waagent.log.1": AGENT_ISO})
    with open_bundle([tree]) as b:
        assert any(w.endswith("waagent.log: only zero bytes, not parsed") for w in b.warnings), b.warnings
        assert [s.kind for s in b.sources if s.path == "var/log/waagent.log"] == ["binary"]


def test_a_binary_zone_file_copied_to_etc_localtime_is_read_for_its_tz_rule(tmp_path: Path) -> None:
    # TZif: header and binary tables, then the POSIX TZ string as the text footer (RHEL, SUSE: no /etc/timezone)
    tzif = b"TZif2" + b"\0" * 15 + bytes(range(1, 40)) + b"TZif2" + b"\0" * 15 + b"\x08LMT\0CST\0\nCST-8\n"
    tree = write_tree(tmp_path / "vm", {"etc/localtime": tzif, "var/log/waagent.log": AGENT_LEGACY})
    with open_bundle([tree]) as b:
        (source,) = [s for s in b.sources if s.path == "etc/localtime"]
        assert source.kind != "binary"
        assert not any("binary" in w for w in b.warnings)
    with analyse([tree], Limits()) as analysis:
        assert analysis.timeline.time_zone.offset_text() == "+08:00"
        warnings = analysis.bundle.warnings + [w for st in analysis.parsed.stats for w in st.warnings]
    assert not any("localtime" in w for w in warnings)
