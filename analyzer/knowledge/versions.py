"""versions.toml: agent, extension and Python version knowledge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analyzer.knowledge._base import VersionRange, _check_version_header, _Table, compare_versions
from analyzer.knowledge.catalogue import Catalogue


def _range(t: _Table) -> VersionRange:
    r = VersionRange(
        t.version("min", required=False), t.version("max", required=False), t.version("max_exclusive", required=False)
    )
    if r.max is not None and r.max_exclusive is not None:
        raise t.err("max", "give max or max_exclusive, not both")
    high = r.max or r.max_exclusive
    if r.min is not None and high is not None and compare_versions(r.min, high) > 0:
        raise t.err("min", f"{r.min} is above the upper bound {high}")
    return r


@dataclass(frozen=True)
class KnownBadAgent:
    range: VersionRange
    reason: str
    source: str
    fixed_in: str | None = None
    condition: str | None = None

    def matches(self, version: str) -> bool:
        return self.range.contains(version)


@dataclass(frozen=True)
class AutoUpdate:
    keys: tuple[str, ...]
    default: bool
    precedence: str
    enabled_off: str
    update_to_latest_off: str
    banner: str
    blacklist_rule: str

    def effective(self, conf: Mapping[str, str]) -> bool:
        """Whether auto-update is on for a parsed waagent.conf (``AutoUpdate.UpdateToLatestVersion`` if
        present, else ``AutoUpdate.Enabled``, else the default)."""
        for key in self.keys:
            if key in conf:
                return str(conf[key]).strip().lower() in ("y", "yes", "true", "1", "on")
        return self.default


@dataclass(frozen=True)
class PythonSupport:
    since: str
    python: str
    note: str


@dataclass(frozen=True)
class AgentVersions:
    minimum_supported: str
    minimum_source: str
    local_heartbeat_from: str
    iso_utc_timestamps_from: str
    log_collector_from: str
    update_to_latest_key_from: str
    auto_update: AutoUpdate
    known_bad: tuple[KnownBadAgent, ...]
    python_support: tuple[PythonSupport, ...]

    def is_supported(self, version: str) -> bool:
        return compare_versions(version, self.minimum_supported) >= 0

    def known_bad_for(self, version: str) -> tuple[KnownBadAgent, ...]:
        return tuple(e for e in self.known_bad if e.matches(version))


@dataclass(frozen=True)
class BrokenMatch:
    entry: BrokenExtension
    #: confirmed · conditional (a condition the data cannot check) · suspect (Python only in the
    #: suspect range) · python-unknown (version matches, the Python is not known)
    certainty: str


@dataclass(frozen=True)
class BrokenExtension:
    id: str
    range: VersionRange
    reason: str
    source: str
    python_min: str | None = None
    suspect_python_min: str | None = None
    fixed_in: str | None = None
    fixed_by: str | None = None
    fixed_date: str | None = None
    condition: str | None = None
    removed_modules: tuple[str, ...] = ()
    os_examples: tuple[str, ...] = ()
    versions_seen: tuple[str, ...] = ()

    def match(self, version: str, python: str | None = None) -> BrokenMatch | None:
        if not self.range.contains(version):
            return None
        if self.python_min is not None:
            if python is None:
                return BrokenMatch(self, "python-unknown")
            if compare_versions(python, self.python_min) < 0:
                if self.suspect_python_min and compare_versions(python, self.suspect_python_min) >= 0:
                    return BrokenMatch(self, "suspect")
                return None
        return BrokenMatch(self, "conditional" if self.condition else "confirmed")


@dataclass(frozen=True)
class ExtensionVersions:
    name: str
    legacy_names: tuple[str, ...]
    seed_latest_claim: str
    latest_seen: str
    stale_below: str
    bundled_agent_constant: str
    handler_environment_version: str
    known_broken: tuple[BrokenExtension, ...]

    def broken_for(self, version: str, python: str | None = None) -> tuple[BrokenMatch, ...]:
        """Every known-broken entry matching ``version`` on ``python`` (the one handle.sh picked)."""
        return tuple(m for e in self.known_broken if (m := e.match(version, python)) is not None)

    def is_stale(self, version: str) -> bool:
        return compare_versions(version, self.stale_below) < 0


@dataclass(frozen=True)
class PythonRemoval:
    version: str
    modules: tuple[str, ...]
    functions: tuple[str, ...]


@dataclass(frozen=True)
class DistroPython:
    os: str
    version: str
    python: str


@dataclass(frozen=True)
class Versions:
    knowledge_version: str
    agent: AgentVersions
    extension: ExtensionVersions
    python_removed: tuple[PythonRemoval, ...]
    distro_python: tuple[DistroPython, ...]

    def removed_modules(self, python: str) -> frozenset[str]:
        """Standard-library modules absent from ``python`` (cumulative over earlier removals)."""
        return frozenset(m for r in self.python_removed if compare_versions(python, r.version) >= 0 for m in r.modules)

    def removed_functions(self, python: str) -> frozenset[str]:
        return frozenset(
            f for r in self.python_removed if compare_versions(python, r.version) >= 0 for f in r.functions
        )

    def default_python(self, os_id: str, version_id: str) -> str | None:
        """The distribution's default python3 (os-release ID and VERSION_ID; ``"8.10"`` matches ``"8"``)."""
        os_id = os_id.strip().lower()
        for d in self.distro_python:
            if d.os == os_id and (version_id == d.version or version_id.startswith(d.version + ".")):
                return d.python
        return None


def _build_versions(raw: dict[str, Any], catalogue: Catalogue, name: str = "versions.toml") -> Versions:
    top = _Table(name, "", raw)
    kv = _check_version_header(top, catalogue.knowledge_version)

    at = _Table(name, "agent", top.get("agent", dict))
    au = _Table(name, "agent.auto_update", at.get("auto_update", dict))
    auto = AutoUpdate(
        au.strings("keys"),
        au.get("default", bool),
        au.text("precedence"),
        au.text("enabled_off"),
        au.text("update_to_latest_off"),
        au.text("banner"),
        au.text("blacklist_rule"),
    )
    au.done()
    bad = []
    for t in at.array_of_tables("known_bad"):
        bad.append(
            KnownBadAgent(
                _range(t),
                t.text("reason"),
                t.text("source"),
                t.version("fixed_in", required=False),
                t.text("condition", required=False),
            )
        )
        t.done()
    support = []
    for t in at.array_of_tables("python_support", required=False):
        support.append(PythonSupport(t.version("from"), t.version("python"), t.text("note")))
        t.done()
    agent = AgentVersions(
        at.version("minimum_supported"),
        at.text("minimum_source"),
        at.version("local_heartbeat_from"),
        at.version("iso_utc_timestamps_from"),
        at.version("log_collector_from"),
        at.version("update_to_latest_key_from"),
        auto,
        tuple(bad),
        tuple(support),
    )
    at.done()

    et = _Table(name, "extension", top.get("extension", dict))
    broken = []
    for t in et.array_of_tables("known_broken"):
        entry = BrokenExtension(
            id=t.text("id"),
            range=_range(t),
            reason=t.text("reason"),
            source=t.text("source"),
            python_min=t.version("python_min", required=False),
            suspect_python_min=t.version("suspect_python_min", required=False),
            fixed_in=t.version("fixed_in", required=False),
            fixed_by=t.text("fixed_by", required=False),
            fixed_date=t.text("fixed_date", required=False),
            condition=t.text("condition", required=False),
            removed_modules=t.strings("removed_modules", required=False),
            os_examples=t.strings("os_examples", required=False),
            versions_seen=t.strings("versions_seen", required=False),
        )
        if entry.suspect_python_min and not entry.python_min:
            raise t.err("suspect_python_min", "needs python_min")
        if entry.suspect_python_min and compare_versions(entry.suspect_python_min, entry.python_min) >= 0:
            raise t.err("suspect_python_min", "must be below python_min")
        for seen in entry.versions_seen:
            if not entry.range.contains(seen):
                raise t.err("versions_seen", f"{seen} is outside the entry's range {entry.range}")
        t.done()
        broken.append(entry)
    ids = [b.id for b in broken]
    if len(set(ids)) != len(ids):
        raise et.err("known_broken", "duplicate id")
    extension = ExtensionVersions(
        et.text("name"),
        et.strings("legacy_names", required=False),
        et.version("seed_latest_claim"),
        et.version("latest_seen"),
        et.version("stale_below"),
        et.version("bundled_agent_constant"),
        et.version("handler_environment_version"),
        tuple(broken),
    )
    et.done()

    pt = _Table(name, "python", top.get("python", dict))
    removed = []
    for t in pt.array_of_tables("removed"):
        removed.append(PythonRemoval(t.version("version"), t.strings("modules"), t.strings("functions")))
        t.done()
    distro = []
    for t in pt.array_of_tables("distro_default", required=False):
        distro.append(DistroPython(t.text("os"), t.text("version"), t.version("python")))
        t.done()
    pt.done()
    top.done()
    return Versions(kv, agent, extension, tuple(removed), tuple(distro))


# ─────────────────────────────────────────── weights ───────────────────────────────────────────
