"""/etc/localtime as the zone source: a link's target text (never followed) and a TZ rule's offset."""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from analyzer.bundle import open_bundle
from analyzer.cli import main
from analyzer.model import Fact
from analyzer.timezone import infer, posix_offset

ZONE_LINK = "/usr/share/zoneinfo/Asia/Shanghai"  # what `tar czf b.tgz /etc /var/log` stores on RHEL
DAEMON_LOG = b"2024/03/10 09:00:01.123456 INFO Daemon Azure Linux Agent Version:2.2.45\n"


def _tar(path: Path, link_name: str = "etc/localtime", target: str = ZONE_LINK) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        link = tarfile.TarInfo(link_name)
        link.type, link.linkname = tarfile.SYMTYPE, target
        tar.addfile(link)
        log = tarfile.TarInfo("var/log/waagent.log")
        log.size = len(DAEMON_LOG)
        tar.addfile(log, io.BytesIO(DAEMON_LOG))
    return path


def _time_zone(bundle: Path) -> dict[str, object]:
    result = CliRunner().invoke(main, ["analyze", str(bundle), "--json", "-"])
    return json.loads(result.stdout)["vm"]["time_zone"]


def test_zone_named_by_a_refused_tar_link(tmp_path: Path) -> None:
    tz = _time_zone(_tar(tmp_path / "b.tgz"))
    assert tz["offset"] == "Asia/Shanghai" and tz["basis"] == "zone-file"
    assert "etc/localtime" in str(tz["evidence"])


def test_the_link_is_recorded_as_text_and_still_reported_as_not_followed(tmp_path: Path) -> None:
    with open_bundle([_tar(tmp_path / "b.tgz", target="../usr/share/zoneinfo/Europe/Berlin")]) as bundle:
        notes = [s for s in bundle.sources if s.path.endswith("etc/localtime")]
        assert len(notes) == 1
        with notes[0].open() as fh:
            assert fh.read() == b"localtime -> ../usr/share/zoneinfo/Europe/Berlin\n"
        assert any("etc/localtime: link to" in w and "not followed" in w for w in bundle.warnings)


def test_other_links_and_odd_targets_leave_no_member(tmp_path: Path) -> None:
    for name, target in (("var/log/waagent.log.1", "/var/log/syslog"), ("etc/localtime", "x" * 300)):
        with open_bundle([_tar(tmp_path / "b.tgz", name, target)]) as bundle:
            assert [s.path for s in bundle.sources] == ["var/log/waagent.log"]


def test_zone_named_by_a_link_in_a_folder_bundle(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "var" / "log").mkdir(parents=True)
    (tmp_path / "var" / "log" / "waagent.log").write_bytes(DAEMON_LOG)
    os.symlink(ZONE_LINK, tmp_path / "etc" / "localtime")
    assert _time_zone(tmp_path)["offset"] == "Asia/Shanghai"


def test_zone_named_by_a_link_in_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w") as zf:
        link = zipfile.ZipInfo("etc/localtime")
        link.external_attr = 0o120777 << 16  # how `zip --symlinks` stores a link: its target as the data
        zf.writestr(link, ZONE_LINK)
        zf.writestr("var/log/waagent.log", DAEMON_LOG)
    assert _time_zone(path)["offset"] == "Asia/Shanghai"


def test_posix_rule_offsets() -> None:
    # the last line of a TZif file (tzfile(5)); the sign is the reverse of ISO's
    assert posix_offset("CST-8") == timedelta(hours=8)
    assert posix_offset("<+0530>-5:30") == timedelta(hours=5, minutes=30)
    assert posix_offset("EST5") == timedelta(hours=-5)
    assert posix_offset("UTC0") == timedelta(0)
    assert posix_offset("CET-1CEST,M3.5.0,M10.5.0/3") is None  # daylight saving: no single offset
    assert posix_offset("<+15>-15") is None


def test_a_posix_rule_fact_gives_the_offset_but_a_zone_name_wins() -> None:
    rule = Fact("time_zone.posix", "CST-8", line=2, member="etc/localtime", attrs={"source": "etc/localtime"})
    tz = infer([rule], [])
    assert (tz.offset, tz.basis) == (timedelta(hours=8), "zone-file") and "CST-8" in tz.evidence[0]
    name = Fact("time_zone.name", "Asia/Tokyo", member="etc/timezone", attrs={"source": "etc/timezone"})
    assert infer([rule, name], []).offset_text() == "Asia/Tokyo"
