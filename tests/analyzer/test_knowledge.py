"""The knowledge files (analyzer/knowledge/*.toml) and their typed loader."""

from __future__ import annotations

import re
import shutil
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from analyzer import knowledge as kb
from analyzer.knowledge import KnowledgeError, compare_versions, parse_version

KNOWLEDGE_DIR = Path(kb.__file__).parent
REPO = Path(__file__).resolve().parents[2]
CAUSES_MD = REPO.parent / "shared" / "causes.md"
FILES = ("causes.toml", "codes.toml", "versions.toml", "weights.toml", "collect.toml")
CJK = re.compile(r"[\u3400-\u9fff]")


def _causes_md() -> list[tuple[str, int]]:
    """(id, family) of every catalogue row of shared/causes.md, in order."""
    rows: list[tuple[str, int]] = []
    family = None
    for line in CAUSES_MD.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^## Family (\d)\b", line)
        if m:
            family = int(m.group(1))
            continue
        m = re.match(r"^\|\s*`([a-z0-9-]+)`\s*\|", line)
        if m and family is not None:
            rows.append((m.group(1), family))
    return rows


@pytest.fixture(scope="module")
def cat() -> kb.Catalogue:
    return kb.load_catalogue()


# ───────────────────────────── catalogue ─────────────────────────────


@pytest.mark.skipif(not CAUSES_MD.is_file(), reason="shared/causes.md not present")
def test_ids_and_families_match_causes_md(cat):
    expected = _causes_md()
    assert len(expected) == 32
    assert [(c.id, c.family) for c in cat] == expected


def test_catalogue_shape(cat):
    assert cat.knowledge_version == "2026.11.1"
    assert len(cat) == 32
    assert len(set(cat.ids())) == 32
    assert cat.cause("network-blocked").family == 1
    assert "disk-full" in cat and "no-such-cause" not in cat
    with pytest.raises(KeyError, match="no-such-cause"):
        cat.cause("no-such-cause")
    assert [c.id for c in cat.family(1)] == ["network-blocked", "proxy-misconfigured", "wireserver-unreachable"]
    assert {c.family for c in cat} == {1, 2, 3, 4}


def test_every_cause_is_bilingual(cat):
    for cause in cat:
        for text in (cause.title, cause.summary, *(s.text for s in cause.remedy)):
            assert text.en.strip() and text.zh_cn.strip(), cause.id
            assert CJK.search(text.zh_cn), (cause.id, text.zh_cn)
            assert not CJK.search(text.en), (cause.id, text.en)
            assert text.get("zh-CN") == text.zh_cn and text.get("en") == text.en
        assert cause.remedy, cause.id


def test_phases_needs_and_portal_codes_are_from_the_vocabularies(cat):
    for cause in cat:
        assert cause.phases and set(cause.phases) <= set(kb.PHASES), cause.id
        for group in cause.needs:
            assert group and set(group) <= set(kb.SOURCE_KINDS), cause.id
        assert cause.portal_codes, cause.id


def test_sql_vss_conflict_is_windows_only(cat):
    sql = cat.cause("sql-vss-conflict")
    assert sql.os == "windows" and not sql.applies_to("linux")
    assert sql.remedy_for("linux") == ()
    assert all(s.os == "windows" for s in sql.remedy)
    assert [c.id for c in cat if c.os != "linux"] == ["sql-vss-conflict"]


def test_linux_causes_have_linux_steps_and_windows_steps_stay_windows(cat):
    for cause in cat:
        if cause.os == "linux":
            assert cause.remedy_for("linux"), cause.id
        for step in cause.remedy:
            if step.os == "windows":
                assert step not in cause.remedy_for("linux")
                assert step.en.startswith("(Windows)"), (cause.id, step.en)


def test_remedy_links_follow_the_cloud(cat):
    steps = cat.cause("network-blocked").remedy
    tag_links = {s.cloud: s.link for s in steps if s.link and "service-tags" in s.link}
    assert tag_links == {
        "AzureCloud": "https://learn.microsoft.com/azure/virtual-network/service-tags-overview",
        "AzureChinaCloud": "https://docs.azure.cn/zh-cn/virtual-network/service-tags-overview",
        "AzureUSGovernment": "https://learn.microsoft.com/azure/virtual-network/service-tags-overview",
    }
    china = cat.cause("network-blocked").remedy_for("linux", "AzureChinaCloud")
    assert any("blob.core.chinacloudapi.cn" in (s.command or "") for s in china)
    assert not any("portal.azure.com" in (s.link or "") for s in china)
    gov = cat.cause("agent-not-running").remedy_for("linux", "AzureUSGovernment")
    assert any(s.link == "https://portal.azure.us" for s in gov)
    # unknown cloud: global and China, not US Gov
    unknown = {s.cloud for s in cat.cause("network-blocked").remedy_for("linux", None)}
    assert unknown == {"any", "AzureCloud", "AzureChinaCloud"}


def test_no_placeholder_survives_loading(cat):
    for cause in cat:
        for step in cause.remedy:
            for value in (step.link, step.command):
                assert value is None or "@" not in value.replace("user@", "").replace("@since@", ""), (cause.id, value)
            assert step.link is None or step.link.startswith("https://"), (cause.id, step.link)


def test_agent_restart_step_names_both_unit_names(cat):
    steps = [s for c in cat for s in c.remedy if s.command == "sudo systemctl restart walinuxagent"]
    assert steps
    for step in steps:
        assert "waagent" in step.en.replace("walinuxagent", "") and "RHEL" in step.en


def test_needs_semantics(cat):
    cause = cat.cause("extension-invoked-too-late")
    assert len(cause.needs) == 2
    assert not cause.evaluable({"vmsnapshot_extension_log"})
    assert cause.missing({"vmsnapshot_extension_log"}) == (("waagent_log", "command_execution_log"),)
    assert cause.evaluable({"handler_status_file", "command_execution_log"})
    assert cat.cause("sql-vss-conflict").evaluable(set())


def test_phase_helpers(cat):
    assert cat.cause("extensions-disabled").explains("no-enable")
    assert not cat.cause("extensions-disabled").explains("freeze")
    assert cat.cause("snapshot-freeze-hang").explains("freeze")
    with pytest.raises(ValueError):
        cat.cause("disk-full").explains("frozen")
    assert cat.cause("concurrent-backups").cross_bundle
    assert {c.id for c in cat.for_portal_code("UserErrorFsFreezeFailed")} == {"snapshot-fsfreeze-failed"}


# ───────────────────────────── codes ─────────────────────────────


def test_every_code_candidate_is_a_known_id(cat):
    codes = kb.load_codes()
    ids = set(cat.ids())
    for entry in (*codes.status_codes, *codes.host_codes, *codes.agent_codes):
        assert set(entry.candidates) <= ids, entry


def test_status_code_table():
    codes = kb.load_codes()
    assert codes.status("4").terminal is False
    assert codes.status(4).outcome == "in-progress"
    assert all(e.terminal for e in codes.status_codes if e.code != 4)
    assert codes.status(1).is_success and codes.status(1).candidates == ()
    assert codes.status(316).candidates == () and codes.status(316).outcome == "benign"
    assert set(codes.candidates(76)) >= {"network-blocked", "wireserver-unreachable", "host-snapshot-service-error",
                                         "extension-outdated"}
    assert codes.candidates("402")[0] == "extension-invoked-too-late"
    assert codes.status(761).ext_error_only
    assert codes.status("FailedFsFreezeFailed").code == 121
    assert codes.status(556).health is None
    assert codes.status(999) is None and codes.status("x") is None
    for number in [*range(300, 319), *range(500, 513)]:
        assert codes.status(number) is not None, number


def test_agent_error_codes():
    codes = kb.load_codes()
    numbers = {e.code for e in codes.agent_codes}
    assert numbers >= set(range(1000, 1013)) - {1006}
    assert 1006 not in numbers
    assert codes.agent(1011).name == "PluginHandlerScriptTimedout"
    assert codes.host(555).candidates == ("wireserver-unreachable",)


def test_portal_codes(cat):
    codes = kb.load_codes()
    assert codes.portal("guestagentsnapshottaskstatuserror").code == "GuestAgentSnapshotTaskStatusError"
    assert codes.portal("Snapshot VM sub task timed out").code == "GuestAgentSnapshotTaskStatusError"
    for cause in cat:
        for code in cause.portal_codes:
            assert codes.portal(code) is not None, (cause.id, code)


# ───────────────────────────── versions ─────────────────────────────


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2.10", "2.9", 1),
        ("2.9", "2.10", -1),
        ("2.2.53.1", "2.2.53", 1),
        ("2.2.53.0", "2.2.53", 0),
        ("1.0", "1.0.0.0", 0),
        ("1.0.9225.0", "1.0.91.0", 1),
        ("1.0.9220.0", "1.0.9225.0", -1),
        ("2.2.45", "2.2.46", -1),
        ("2.11.1.12", "2.9.1.1", 1),
        ("2.1.5.rc5", "2.1.5", 0),
        ("v2.15.0.1", "2.15.0.1", 0),
        ("3.12.3", "3.12", 1),
    ],
)
def test_compare_versions(a, b, expected):
    assert compare_versions(a, b) == expected
    assert compare_versions(b, a) == -expected


def test_parse_version():
    assert parse_version("2.2.53.1") == (2, 2, 53, 1)
    assert parse_version("2.2.45-0ubuntu1") == (2, 2, 45)
    assert parse_version("1.0.9225.0") == (1, 0, 9225)
    for bad in ("", "WALinuxAgent-2.2.45", "abc", None):
        with pytest.raises(ValueError):
            parse_version(bad)


def test_agent_versions():
    v = kb.load_versions()
    assert v.agent.minimum_supported == "2.2.53.1"
    assert not v.agent.is_supported("2.2.53") and v.agent.is_supported("2.2.53.1") and v.agent.is_supported("2.10")
    assert v.agent.known_bad_for("2.0.16")
    assert not v.agent.known_bad_for("2.15.0.1")
    assert all(e.reason and e.source for e in v.agent.known_bad)
    au = v.agent.auto_update
    assert au.effective({}) is True
    assert au.effective({"AutoUpdate.Enabled": "n"}) is False
    assert au.effective({"AutoUpdate.Enabled": "n", "AutoUpdate.UpdateToLatestVersion": "y"}) is True
    assert au.effective({"AutoUpdate.Enabled": "y", "AutoUpdate.UpdateToLatestVersion": "n"}) is False


def test_extension_known_broken():
    ext = kb.load_versions().extension
    assert ext.name == "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
    py312 = ext.broken_for("1.0.9218.0", "3.12.3")
    assert [(m.entry.id, m.certainty, m.entry.fixed_in) for m in py312] == [
        ("python312-before-9220", "confirmed", "1.0.9220.0")]
    assert ext.broken_for("1.0.9218.0", "3.10") == ()
    assert ext.broken_for("1.0.9220.0", "3.12") == ()
    py314 = ext.broken_for("1.0.9225.0", "3.14")
    assert [(m.entry.id, m.certainty) for m in py314] == [("python314-9225", "confirmed")]
    assert py314[0].entry.fixed_in is None  # fixed by #2177, release version unknown
    assert set(py314[0].entry.removed_modules) == {"imp", "crypt", "distutils"}
    assert [m.certainty for m in ext.broken_for("1.0.9225.0", "3.13")] == ["suspect"]
    assert [m.certainty for m in ext.broken_for("1.0.9225.0")] == ["python-unknown"]
    assert [m.certainty for m in ext.broken_for("1.0.9147.0", "2.7")] == ["conditional"]
    # the seed article's "latest 1.0.91.0" must never flag a real version
    assert compare_versions("1.0.9103.0", ext.seed_latest_claim) > 0
    assert ext.is_stale("1.0.9170.0") and not ext.is_stale("1.0.9220.0")


def test_python_knowledge():
    v = kb.load_versions()
    assert {"imp", "distutils"} <= v.removed_modules("3.12") and "crypt" not in v.removed_modules("3.12")
    assert {"imp", "crypt", "distutils"} <= v.removed_modules("3.14")
    assert v.removed_modules("3.11") == frozenset()
    assert "platform.dist" in v.removed_functions("3.8")
    assert v.default_python("ubuntu", "24.04") == "3.12"
    assert v.default_python("rhel", "8.10") == "3.6"
    assert v.default_python("gentoo", "1") is None


# ───────────────────────────── weights ─────────────────────────────


def test_weights():
    w = kb.load_weights()
    assert (w.likely, w.possible) == (0.7, 0.35)
    assert w.verdict(0.7) == "likely" and w.verdict(0.69) == "possible" and w.verdict(0.2) is None
    assert w.decayed(0) == w.line_in_window
    assert w.decayed(w.half_life_minutes) == pytest.approx(w.line_outside_window / 2)
    assert w.decayed(10_000) == w.decay_floor
    assert w.combine([]) == 0.0
    assert w.combine([w.line_in_window]) < w.likely  # one line alone is not enough
    assert w.verdict(w.combine([w.line_in_window, w.fact])) == "likely"
    assert w.combine([0.9, 0.9], window_evidence=False) == w.cap_without_window_evidence
    assert w.combine([0.6, 0.4], counter=1) < w.combine([0.6, 0.4])
    assert w.verdict(w.combine([], portal_prior=True)) is None  # a prior alone decides nothing
    assert w.base("absence") == w.absence
    with pytest.raises(ValueError):
        w.base("rumour")


# ───────────────────────────── collect ─────────────────────────────


def test_collect_selection():
    col = kb.load_collect()
    modern = col.select("2.9.1.1", "ubuntu")
    assert [c.id for c in modern] == ["agent-log-collector", "vmbackup-extra", "journal"]
    assert modern[0].command == "sudo waagent -collect-logs -full"
    assert "/var/lib/waagent/logcollector/logs.zip" in modern[0].output
    assert [c.id for c in col.select("2.2.45", "ubuntu")] == ["tar-debian", "journal"]
    assert col.select("2.2.45", "rhel")[0].id == "tar-rhel"
    assert col.select("2.2.45", "sles")[0].id == "tar-suse"
    assert col.select("2.2.45", None)[0].id == "tar-generic"
    assert col.select(None, None)[0].id == "agent-log-collector"
    assert [c.id for c in col.select("2.10", "ubuntu", missing={"journal"})] == ["journal"]
    assert "/var/log/messages" in col.select("2.2.40", "centos")[0].command
    assert col.family_of("Ubuntu") == "debian" and col.family_of("plan9") is None


def test_collect_commands_are_complete():
    col = kb.load_collect()
    for cmd in col.commands:
        assert set(cmd.fills) <= set(kb.SOURCE_KINDS), cmd.id
        assert CJK.search(cmd.why.zh_cn) and cmd.why.en, cmd.id
    tar = next(c for c in col.commands if c.id == "tar-debian")
    for path in ("/var/log/waagent*", "/var/log/azure", "/var/lib/waagent/*/status", "/var/lib/waagent/*/config",
                 "/etc/waagent.conf", "/etc/azure/vmbackup.conf"):
        assert path in tar.command
    journal = next(c for c in col.commands if c.id == "journal")
    start = datetime(2026, 5, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    rendered = journal.render(start, datetime(2026, 5, 1, 2, 30, tzinfo=UTC))
    assert "--since '2026-05-01 00:00:00' --until '2026-05-01 02:30:00'" in rendered
    assert "{start}" not in rendered and "{end}" not in rendered


# ───────────────────────────── loader ─────────────────────────────


def test_loaders_are_cached_and_package_data_is_declared():
    assert kb.load_catalogue() is kb.load_catalogue()
    assert kb.load_codes() is kb.load_codes()
    assert kb.load_catalogue(KNOWLEDGE_DIR) is kb.load_catalogue(str(KNOWLEDGE_DIR))
    assert kb.load_catalogue(KNOWLEDGE_DIR).ids() == kb.load_catalogue().ids()
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "knowledge/*.toml" in pyproject["tool"]["setuptools"]["package-data"]["analyzer"]
    for name in FILES:
        assert (KNOWLEDGE_DIR / name).is_file()


def test_every_file_carries_the_same_knowledge_version():
    versions = {tomllib.loads((KNOWLEDGE_DIR / n).read_text(encoding="utf-8"))["knowledge_version"] for n in FILES}
    assert versions == {"2026.11.1"}


@pytest.fixture
def kdir(tmp_path):
    target = tmp_path / "knowledge"
    target.mkdir()
    for name in FILES:
        shutil.copy(KNOWLEDGE_DIR / name, target / name)
    return target


def _break(kdir: Path, name: str, old: str, new: str, count: int = 1) -> None:
    path = kdir / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_copy_loads_cleanly(kdir):
    assert kb.load_catalogue(kdir).ids() == kb.load_catalogue().ids()
    assert kb.load_codes(kdir).status(76) is not None
    kb.load_versions(kdir)
    kb.load_weights(kdir)
    kb.load_collect(kdir)


@pytest.mark.parametrize(
    ("name", "old", "new", "loader", "message"),
    [
        ("causes.toml", 'phases = ["snapshot", "status", "finished"]', 'phases = ["snapshot", "frozen"]',
         "load_catalogue", r"causes\.network-blocked\.phases: unknown phase 'frozen'"),
        ("causes.toml", "family = 1\n", "family = 5\n", "load_catalogue",
         r"causes\.network-blocked\.family: unknown family 5"),
        ("causes.toml", 'title.zh-CN = "到 Azure 存储的出站流量被阻止"\n', "", "load_catalogue",
         r"causes\.network-blocked\.title\.zh-CN: missing"),
        ("causes.toml", 'title.zh-CN = "到 Azure 存储的出站流量被阻止"', 'title.zh-CN = "TODO"', "load_catalogue",
         r"title\.zh-CN: contains no Chinese text"),
        ("causes.toml", 'needs = [["vmsnapshot_extension_log"]]', 'needs = [["extension_log"]]', "load_catalogue",
         r"needs\[0\]: unknown source kind 'extension_log'"),
        ("causes.toml", 'os = "linux"\nneeds', 'os = "linux"\nseverity = 3\nneeds', "load_catalogue",
         r"causes\.network-blocked: unknown key\(s\): severity"),
        ("causes.toml", 'os = "linux"\ncloud = "any"', 'os = "linux"\ncloud = "AzureGermany"', "load_catalogue",
         r"causes\.network-blocked\.remedy\[0\]\.cloud: unknown value 'AzureGermany'"),
        ("causes.toml", "@docs@/virtual-network", "@learn@/virtual-network", "load_catalogue",
         r"unknown placeholder @learn@"),
        ("causes.toml", "[causes.proxy-misconfigured]\nfamily = 1", "[causes.proxy-misconfigured]\nfamily = 4",
         "load_catalogue", r"grouped by family"),
        ("causes.toml", 'knowledge_version = "2026.11.1"', "", "load_catalogue", r"knowledge_version: missing"),
        ("causes.toml", "[clouds.AzureCloud]", "[clouds.AzureCloud", "load_catalogue", r"not valid TOML"),
        ("codes.toml", 'candidates = ["duplicate-task-skipped"]', 'candidates = ["task-skipped"]', "load_codes",
         r"'task-skipped' is not a cause id"),
        ("codes.toml", 'outcome = "benign"', 'outcome = "fine"', "load_codes", r"outcome: unknown value 'fine'"),
        ("codes.toml", 'code = "UserErrorFsFreezeFailed"', 'code = "UserErrorFsFreeze"', "load_codes",
         r"causes\.snapshot-fsfreeze-failed\.portal_codes: 'UserErrorFsFreezeFailed' is not a \[\[portal\]\] code"),
        ("codes.toml", 'knowledge_version = "2026.11.1"', 'knowledge_version = "2026.12.1"', "load_codes",
         r"differs from causes\.toml"),
        ("versions.toml", 'minimum_supported = "2.2.53.1"', 'minimum_supported = "latest"', "load_versions",
         r"agent\.minimum_supported: not a dotted version"),
        ("versions.toml", 'min = "1.0.9220.0"\nmax = "1.0.9225.0"', 'min = "1.0.9226.0"\nmax = "1.0.9225.0"',
         "load_versions", r"above the upper bound"),
        ("weights.toml", "likely = 0.70", "likely = 0.30", "load_weights", r"possible: must be below likely"),
        ("weights.toml", "portal_code = 0.15", "portal_code = 1.5", "load_weights", r"from 0 to 1"),
        ("collect.toml", 'fills = ["journal"]', 'fills = ["journald"]', "load_collect",
         r"unknown source kind 'journald'"),
        ("collect.toml", 'distro = ["debian"]', 'distro = ["gentoo"]', "load_collect",
         r"unknown distro family 'gentoo'"),
        ("collect.toml", 'why.zh-CN = "作业前后', 'why.zh = "作业前后', "load_collect", r"why\.zh-CN: missing"),
    ],
)
def test_loader_rejects_broken_files(kdir, name, old, new, loader, message):
    _break(kdir, name, old, new)
    with pytest.raises(KnowledgeError, match=message):
        getattr(kb, loader)(kdir)


def test_missing_file_is_reported(kdir):
    (kdir / "weights.toml").unlink()
    with pytest.raises(KnowledgeError, match=r"weights\.toml: file not found"):
        kb.load_weights(kdir)


def test_knowledge_error_is_a_value_error():
    assert issubclass(KnowledgeError, ValueError)


def test_source_kinds_named_by_the_knowledge_exist_as_parsers() -> None:
    from analyzer.knowledge import SOURCE_KINDS
    from parsers import registry

    kinds = {spec.kind for spec in registry.specs()}
    assert set(SOURCE_KINDS) <= kinds, set(SOURCE_KINDS) - kinds
