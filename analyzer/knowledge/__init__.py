"""The knowledge base as data: typed, validated, cached access to ``analyzer/knowledge/*.toml``.

Five files, each with the same ``knowledge_version``:

- ``causes.toml``   the cause catalogue (ids, families, titles, summaries, needs, phases, remedies)
- ``codes.toml``    VMSnapshot status codes, host status values, agent error codes, portal codes
- ``versions.toml`` agent / extension / Python version knowledge
- ``weights.toml``  evidence weights, time decay and verdict thresholds
- ``collect.toml``  the ``collect_next`` commands

Every loader takes an optional ``directory`` (default: this package) so tests can point it at a
copy, validates the whole file and raises :class:`KnowledgeError` naming the file and the key on
anything malformed.  Results are frozen dataclasses, cached per directory.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "CAUSE_OS",
    "CLOUDS",
    "FAMILIES",
    "LANGS",
    "PHASES",
    "SOURCE_KINDS",
    "AgentErrorCode",
    "AgentVersions",
    "AutoUpdate",
    "BrokenExtension",
    "BrokenMatch",
    "Catalogue",
    "Cause",
    "Cloud",
    "CodeTable",
    "Collect",
    "CollectCommand",
    "DistroFamily",
    "DistroPython",
    "ExtensionVersions",
    "HostStatusCode",
    "KnowledgeError",
    "KnownBadAgent",
    "PortalCode",
    "PythonRemoval",
    "RemedyStep",
    "StatusCode",
    "Text",
    "VersionRange",
    "Versions",
    "Weights",
    "clear_cache",
    "compare_versions",
    "load_catalogue",
    "load_codes",
    "load_collect",
    "load_versions",
    "load_weights",
    "parse_version",
]

# ─────────────────────────────────────────── vocabularies ───────────────────────────────────────────

LANGS = ("en", "zh-CN")
FAMILIES = (1, 2, 3, 4)
CAUSE_OS = ("linux", "windows")
STEP_OS = ("linux", "windows", "any")
CLOUDS = ("AzureCloud", "AzureChinaCloud", "AzureUSGovernment")
STEP_CLOUDS = ("any", *CLOUDS)
#: Last-reached run phases, in run order.
PHASES = ("no-enable", "enable-failed", "before-freeze", "freeze", "snapshot", "thaw", "status", "finished")
#: Source kinds a cause may need (the bundle's kind names).
SOURCE_KINDS = (
    "waagent_log",
    "command_execution_log",
    "vmsnapshot_extension_log",
    "vmsnapshot_shell_log",
    "handler_status_file",
    "waagent_status_json",
    "extensions_config_xml",
    "goal_state_xml",
    "hosting_env_xml",
    "shared_config_xml",
    "waagent_conf",
    "vmbackup_conf",
    "dhcp_lease",
    "os_release",
    "syslog",
    "journal",
    "dmesg",
)
CODE_OUTCOMES = ("success", "failure", "in-progress", "skipped", "benign", "unused")
HEALTH = ("green", "yellow", "red")

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VERSION_RE = re.compile(r"^\s*[vV]?(\d+(?:\.\d+)*)")
_PLACEHOLDER_RE = re.compile(r"@([A-Za-z_]+)@")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_CLOUD_FIELDS = ("docs", "portal", "blob_suffix")


class KnowledgeError(ValueError):
    """A knowledge file is missing or malformed.  The message names the file and the key."""

    def __init__(self, file: str, where: str, message: str) -> None:
        self.file = file
        self.where = where
        super().__init__(f"{file}: {where}: {message}" if where else f"{file}: {message}")


# ─────────────────────────────────────────── versions ───────────────────────────────────────────


def parse_version(version: str) -> tuple[int, ...]:
    """The leading dotted number of ``version`` as integers (``"2.2.53.1"`` → ``(2, 2, 53, 1)``).

    A suffix is ignored (``"2.1.5.rc5"`` → ``(2, 1, 5)``, ``"2.2.45-0ubuntu1"`` → ``(2, 2, 45)``);
    trailing zeros are dropped so ``"1.0"`` equals ``"1.0.0"``.  Raises ``ValueError`` when the text
    does not start with a number.
    """
    if not isinstance(version, str):
        raise ValueError(f"not a version: {version!r}")
    m = _VERSION_RE.match(version)
    if m is None:
        raise ValueError(f"not a version: {version!r}")
    parts = [int(p) for p in m.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as dotted version ``a`` is lower than, equal to or higher than ``b``, numerically
    (``"2.10" > "2.9"``, ``"1.0.9225.0" > "1.0.91.0"``)."""
    pa, pb = parse_version(a), parse_version(b)
    width = max(len(pa), len(pb))
    pa += (0,) * (width - len(pa))
    pb += (0,) * (width - len(pb))
    return (pa > pb) - (pa < pb)


@dataclass(frozen=True)
class VersionRange:
    """``min`` ≤ v ≤ ``max`` / v < ``max_exclusive``; a missing bound is open."""

    min: str | None = None
    max: str | None = None
    max_exclusive: str | None = None

    def contains(self, version: str) -> bool:
        if self.min is not None and compare_versions(version, self.min) < 0:
            return False
        if self.max is not None and compare_versions(version, self.max) > 0:
            return False
        return not (self.max_exclusive is not None and compare_versions(version, self.max_exclusive) >= 0)

    def __str__(self) -> str:
        low = f">={self.min}" if self.min else ""
        high = f"<={self.max}" if self.max else (f"<{self.max_exclusive}" if self.max_exclusive else "")
        return ",".join(p for p in (low, high) if p) or "any"


# ─────────────────────────────────────────── reading ───────────────────────────────────────────


def _key(directory: str | os.PathLike[str] | None) -> str | None:
    return None if directory is None else str(Path(directory).resolve())


def _read(key: str | None, name: str) -> dict[str, Any]:
    try:
        if key is None:
            data = resources.files(__name__).joinpath(name).read_bytes()
        else:
            data = Path(key, name).read_bytes()
    except FileNotFoundError:
        raise KnowledgeError(name, "", "file not found") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise KnowledgeError(name, "", f"not valid TOML: {exc}") from None


class _Table:
    """A TOML table being validated: typed getters, and a check that no unknown key is left."""

    def __init__(self, file: str, where: str, raw: Any) -> None:
        if not isinstance(raw, dict):
            raise KnowledgeError(file, where, f"expected a table, got {type(raw).__name__}")
        self.file, self.where, self.raw = file, where, raw
        self._seen: set[str] = set()

    def err(self, key: str | None, message: str) -> KnowledgeError:
        where = f"{self.where}.{key}" if key and self.where else (key or self.where)
        return KnowledgeError(self.file, where, message)

    def has(self, key: str) -> bool:
        return key in self.raw

    def get(self, key: str, kind: type | tuple[type, ...], *, required: bool = True, default: Any = None) -> Any:
        self._seen.add(key)
        if key not in self.raw:
            if required:
                raise self.err(key, "missing")
            return default
        value = self.raw[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            raise self.err(key, f"expected {'/'.join(k.__name__ for k in kinds)}, got bool")
        if not isinstance(value, kinds):
            raise self.err(key, f"expected {'/'.join(k.__name__ for k in kinds)}, got {type(value).__name__}")
        return value

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.get(key, str, required=required)
        if value is not None and not value.strip():
            raise self.err(key, "empty")
        return value

    def strings(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.get(key, list, required=required, default=[])
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.err(f"{key}[{i}]", "expected a non-empty string")
        return tuple(value)

    def version(self, key: str, *, required: bool = True) -> str | None:
        value = self.text(key, required=required)
        if value is not None:
            try:
                parse_version(value)
            except ValueError:
                raise self.err(key, f"not a dotted version: {value!r}") from None
        return value

    def localized(self, key: str | None = None) -> Text:
        """``key = { en, zh-CN }``, or (key None) the ``en`` / ``zh-CN`` keys of this table."""
        sub = self if key is None else _Table(self.file, f"{self.where}.{key}" if self.where else key,
                                              self.get(key, dict))
        values = {}
        for lang in LANGS:
            value = sub.raw.get(lang)
            sub._seen.add(lang)
            if not isinstance(value, str) or not value.strip():
                raise sub.err(lang, "missing" if value is None else "expected a non-empty string")
            values[lang] = value.strip()
        if not _CJK_RE.search(values["zh-CN"]):
            raise sub.err("zh-CN", "contains no Chinese text (a placeholder or untranslated copy?)")
        if key is not None:
            sub.done()
        return Text(values["en"], values["zh-CN"])

    def choice(self, key: str, allowed: Iterable[Any], *, required: bool = True, kind: type = str) -> Any:
        value = self.get(key, kind, required=required)
        allowed = tuple(allowed)
        if value is not None and value not in allowed:
            raise self.err(key, f"unknown value {value!r}; expected one of {', '.join(map(str, allowed))}")
        return value

    def array_of_tables(self, key: str, *, required: bool = True) -> list[_Table]:
        value = self.get(key, list, required=required, default=[])
        base = f"{self.where}.{key}" if self.where else key
        return [_Table(self.file, f"{base}[{i}]", item) for i, item in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self._seen)
        if unknown:
            raise self.err(None, f"unknown key(s): {', '.join(unknown)}")


def _check_version_header(t: _Table, expected: str | None = None) -> str:
    kv = t.text("knowledge_version")
    if not re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", kv):
        raise t.err("knowledge_version", f"expected YYYY.M.N, got {kv!r}")
    if expected is not None and kv != expected:
        raise t.err("knowledge_version", f"{kv!r} differs from causes.toml ({expected!r})")
    return kv


# ─────────────────────────────────────────── catalogue ───────────────────────────────────────────


@dataclass(frozen=True)
class Text:
    """A text in every supported language."""

    en: str
    zh_cn: str

    def get(self, lang: str = "en") -> str:
        return self.zh_cn if lang.lower().startswith("zh") else self.en

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "zh-CN": self.zh_cn}


@dataclass(frozen=True)
class Cloud:
    name: str
    docs: str
    portal: str
    blob_suffix: str


@dataclass(frozen=True)
class RemedyStep:
    """One remedy step.  ``cloud`` is ``any`` or one cloud; links and commands are literal."""

    text: Text
    os: str
    cloud: str
    command: str | None = None
    link: str | None = None

    @property
    def en(self) -> str:
        return self.text.en

    @property
    def zh_cn(self) -> str:
        return self.text.zh_cn

    def applies_to_os(self, os_name: str) -> bool:
        return self.os in ("any", os_name)

    def applies_to_cloud(self, cloud: str | None) -> bool:
        """Unknown cloud (None / "unknown"): global and China steps both apply (causes.md)."""
        if self.cloud == "any":
            return True
        if cloud in (None, "unknown"):
            return self.cloud in ("AzureCloud", "AzureChinaCloud")
        return self.cloud == cloud


@dataclass(frozen=True)
class Cause:
    id: str
    family: int
    os: str
    title: Text
    summary: Text
    #: "Any of" groups: every group must be satisfied by at least one present source kind.
    needs: tuple[tuple[str, ...], ...]
    phases: tuple[str, ...]
    portal_codes: tuple[str, ...]
    remedy: tuple[RemedyStep, ...]
    cross_bundle: bool = False

    def missing(self, present_kinds: Iterable[str]) -> tuple[tuple[str, ...], ...]:
        """The ``needs`` groups that none of ``present_kinds`` satisfies (empty when evaluable)."""
        present = set(present_kinds)
        return tuple(group for group in self.needs if present.isdisjoint(group))

    def evaluable(self, present_kinds: Iterable[str]) -> bool:
        return not self.missing(present_kinds)

    def explains(self, phase: str) -> bool:
        if phase not in PHASES:
            raise ValueError(f"unknown phase {phase!r}")
        return phase in self.phases

    def applies_to(self, os_name: str) -> bool:
        return self.os == os_name

    def remedy_for(self, os_name: str | None = "linux", cloud: str | None = None) -> tuple[RemedyStep, ...]:
        """Steps for ``os_name`` (None: every OS) and ``cloud`` (None / "unknown": global and China)."""
        return tuple(
            s for s in self.remedy
            if (os_name is None or s.applies_to_os(os_name)) and s.applies_to_cloud(cloud)
        )


@dataclass(frozen=True)
class Catalogue:
    knowledge_version: str
    causes: tuple[Cause, ...]
    clouds: tuple[Cloud, ...]
    _index: Mapping[str, Cause] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {c.id: c for c in self.causes})

    def cause(self, cause_id: str) -> Cause:
        try:
            return self._index[cause_id]
        except KeyError:
            raise KeyError(f"unknown cause id {cause_id!r}") from None

    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.causes)

    def family(self, number: int) -> tuple[Cause, ...]:
        return tuple(c for c in self.causes if c.family == number)

    def for_portal_code(self, code: str) -> tuple[Cause, ...]:
        return tuple(c for c in self.causes if code in c.portal_codes)

    def cloud(self, name: str) -> Cloud:
        for c in self.clouds:
            if c.name == name:
                return c
        raise KeyError(f"unknown cloud {name!r}")

    def __iter__(self) -> Iterator[Cause]:
        return iter(self.causes)

    def __len__(self) -> int:
        return len(self.causes)

    def __contains__(self, cause_id: object) -> bool:
        return cause_id in self._index


def _expand(text: str | None, cloud: Cloud, t: _Table, key: str) -> str | None:
    if text is None:
        return None

    def sub(m: re.Match[str]) -> str:
        return getattr(cloud, m.group(1))

    for name in _PLACEHOLDER_RE.findall(text):
        if name not in _CLOUD_FIELDS:
            raise t.err(key, f"unknown placeholder @{name}@ (known: {', '.join(_CLOUD_FIELDS)})")
    return _PLACEHOLDER_RE.sub(sub, text)


def _parse_step(t: _Table, clouds: Mapping[str, Cloud]) -> list[RemedyStep]:
    text = t.localized()
    os_name = t.choice("os", STEP_OS)
    cloud = t.choice("cloud", STEP_CLOUDS)
    command = t.text("command", required=False)
    link = t.text("link", required=False)
    t.done()
    if link is not None and not (link.startswith("https://") or _PLACEHOLDER_RE.match(link)):
        raise t.err("link", f"expected an https:// link or a cloud placeholder, got {link!r}")
    templated = any(_PLACEHOLDER_RE.search(v or "") for v in (command, link))
    if cloud == "any" and templated:
        targets = [clouds[name] for name in CLOUDS]
    elif cloud == "any":
        return [RemedyStep(text, os_name, cloud, command, link)]
    else:
        targets = [clouds[cloud]]
    return [
        RemedyStep(text, os_name, c.name, _expand(command, c, t, "command"), _expand(link, c, t, "link"))
        for c in targets
    ]


def _parse_needs(t: _Table) -> tuple[tuple[str, ...], ...]:
    raw = t.get("needs", list)
    groups: list[tuple[str, ...]] = []
    for i, group in enumerate(raw):
        items = [group] if isinstance(group, str) else group
        if not isinstance(items, list) or not items:
            raise t.err(f"needs[{i}]", "expected a source kind or a non-empty list of source kinds")
        for kind in items:
            if kind not in SOURCE_KINDS:
                raise t.err(f"needs[{i}]", f"unknown source kind {kind!r}; expected one of {', '.join(SOURCE_KINDS)}")
        groups.append(tuple(items))
    return tuple(groups)


def _parse_cause(cause_id: str, t: _Table, clouds: Mapping[str, Cloud]) -> Cause:
    if not _ID_RE.match(cause_id):
        raise t.err(None, "cause ids are lower-case words joined by '-'")
    family = t.get("family", int)
    if family not in FAMILIES:
        raise t.err("family", f"unknown family {family}; expected one of {', '.join(map(str, FAMILIES))}")
    os_name = t.choice("os", CAUSE_OS)
    title = t.localized("title")
    summary = t.localized("summary")
    needs = _parse_needs(t)
    phases = t.strings("phases")
    if not phases:
        raise t.err("phases", "must name at least one phase")
    for phase in phases:
        if phase not in PHASES:
            raise t.err("phases", f"unknown phase {phase!r}; expected one of {', '.join(PHASES)}")
    if len(set(phases)) != len(phases):
        raise t.err("phases", "duplicate phase")
    portal_codes = t.strings("portal_codes")
    cross_bundle = t.get("cross_bundle", bool, required=False, default=False)
    steps: list[RemedyStep] = []
    raw_steps = t.array_of_tables("remedy")
    if not raw_steps:
        raise t.err("remedy", "at least one step is required")
    for step in raw_steps:
        steps.extend(_parse_step(step, clouds))
    if not any(s.applies_to_os(os_name) for s in steps):
        raise t.err("remedy", f"no step applies to the cause's OS ({os_name})")
    t.done()
    return Cause(cause_id, family, os_name, title, summary, needs, tuple(phases), portal_codes, tuple(steps),
                 cross_bundle)


def _build_catalogue(raw: dict[str, Any], name: str = "causes.toml") -> Catalogue:
    top = _Table(name, "", raw)
    kv = _check_version_header(top)
    clouds_t = _Table(name, "clouds", top.get("clouds", dict))
    clouds: dict[str, Cloud] = {}
    for cloud_name in CLOUDS:
        ct = _Table(name, f"clouds.{cloud_name}", clouds_t.get(cloud_name, dict))
        docs, portal = ct.text("docs"), ct.text("portal")
        for key, value in (("docs", docs), ("portal", portal)):
            if not value.startswith("https://") or value.endswith("/"):
                raise ct.err(key, "expected an https:// URL without a trailing slash")
        clouds[cloud_name] = Cloud(cloud_name, docs, portal, ct.text("blob_suffix"))
        ct.done()
    clouds_t.done()
    causes_t = _Table(name, "causes", top.get("causes", dict))
    causes: list[Cause] = []
    for cause_id in causes_t.raw:
        ct = _Table(name, f"causes.{cause_id}", causes_t.get(cause_id, dict))
        cause = _parse_cause(cause_id, ct, clouds)
        if causes and cause.family < causes[-1].family:
            raise ct.err("family", f"causes must be grouped by family in order; {cause_id!r} (family "
                                   f"{cause.family}) follows family {causes[-1].family}")
        causes.append(cause)
    if not causes:
        raise causes_t.err(None, "no causes")
    causes_t.done()
    top.done()
    return Catalogue(kv, tuple(causes), tuple(clouds.values()))


# ─────────────────────────────────────────── codes ───────────────────────────────────────────


@dataclass(frozen=True)
class StatusCode:
    code: int
    name: str
    outcome: str
    terminal: bool
    meaning: str
    candidates: tuple[str, ...]
    health: str | None = None
    aliases: tuple[str, ...] = ()
    note: str | None = None
    ext_error_only: bool = False

    @property
    def is_success(self) -> bool:
        return self.outcome == "success"

    @property
    def is_failure(self) -> bool:
        return self.outcome == "failure"


@dataclass(frozen=True)
class HostStatusCode:
    code: int
    meaning: str
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class AgentErrorCode:
    code: int
    name: str
    meaning: str
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class PortalCode:
    code: str
    message: str
    aliases: tuple[str, ...] = ()


def _int_code(code: int | str) -> int | None:
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    try:
        return int(str(code).strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class CodeTable:
    knowledge_version: str
    status_codes: tuple[StatusCode, ...]
    host_codes: tuple[HostStatusCode, ...]
    agent_codes: tuple[AgentErrorCode, ...]
    portal_codes: tuple[PortalCode, ...]

    def status(self, code: int | str) -> StatusCode | None:
        """A VMSnapshot code by number (``76`` or ``"76"``, as in ``.status`` files) or by name / alias."""
        number = _int_code(code)
        for entry in self.status_codes:
            if entry.code == number or code == entry.name or code in entry.aliases:
                return entry
        return None

    def host(self, code: int | str) -> HostStatusCode | None:
        number = _int_code(code)
        return next((e for e in self.host_codes if e.code == number), None)

    def agent(self, code: int | str) -> AgentErrorCode | None:
        number = _int_code(code)
        return next((e for e in self.agent_codes if e.code == number or code == e.name), None)

    def portal(self, code: str) -> PortalCode | None:
        """A portal / job error code by code or alias, case-insensitively."""
        wanted = code.strip().casefold()
        for entry in self.portal_codes:
            if wanted == entry.code.casefold() or wanted in (a.casefold() for a in entry.aliases):
                return entry
        return None

    def candidates(self, code: int | str) -> tuple[str, ...]:
        entry = self.status(code)
        return entry.candidates if entry else ()


def _candidates(t: _Table, known: Catalogue) -> tuple[str, ...]:
    ids = t.strings("candidates")
    for cause_id in ids:
        if cause_id not in known:
            raise t.err("candidates", f"{cause_id!r} is not a cause id of causes.toml")
    if len(set(ids)) != len(ids):
        raise t.err("candidates", "duplicate id")
    return ids


def _unique(entries: list[Any], attr: str, t: _Table, key: str) -> None:
    seen: set[Any] = set()
    for e in entries:
        value = getattr(e, attr)
        if value in seen:
            raise t.err(key, f"duplicate code {value!r}")
        seen.add(value)


def _build_codes(raw: dict[str, Any], catalogue: Catalogue, name: str = "codes.toml") -> CodeTable:
    top = _Table(name, "", raw)
    kv = _check_version_header(top, catalogue.knowledge_version)
    status: list[StatusCode] = []
    for t in top.array_of_tables("status"):
        status.append(StatusCode(
            code=t.get("code", int), name=t.text("name"), outcome=t.choice("outcome", CODE_OUTCOMES),
            terminal=t.get("terminal", bool), meaning=t.text("meaning"), candidates=_candidates(t, catalogue),
            health=t.choice("health", HEALTH, required=False), aliases=t.strings("aliases", required=False),
            note=t.text("note", required=False), ext_error_only=t.get("ext_error_only", bool, required=False,
                                                                      default=False)))
        t.done()
    _unique(status, "code", top, "status")
    host = []
    for t in top.array_of_tables("host_status"):
        host.append(HostStatusCode(t.get("code", int), t.text("meaning"), _candidates(t, catalogue)))
        t.done()
    _unique(host, "code", top, "host_status")
    agent = []
    for t in top.array_of_tables("agent"):
        agent.append(AgentErrorCode(t.get("code", int), t.text("name"), t.text("meaning"), _candidates(t, catalogue)))
        t.done()
    _unique(agent, "code", top, "agent")
    portal = []
    for t in top.array_of_tables("portal"):
        portal.append(PortalCode(t.text("code"), t.text("message"), t.strings("aliases", required=False)))
        t.done()
    _unique(portal, "code", top, "portal")
    top.done()
    table = CodeTable(kv, tuple(status), tuple(host), tuple(agent), tuple(portal))
    for cause in catalogue:
        for code in cause.portal_codes:
            if table.portal(code) is None:
                raise KnowledgeError("causes.toml", f"causes.{cause.id}.portal_codes",
                                     f"{code!r} is not a [[portal]] code of {name}")
    return table


# ─────────────────────────────────────────── versions ───────────────────────────────────────────


def _range(t: _Table) -> VersionRange:
    r = VersionRange(t.version("min", required=False), t.version("max", required=False),
                     t.version("max_exclusive", required=False))
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
        return frozenset(m for r in self.python_removed if compare_versions(python, r.version) >= 0
                         for m in r.modules)

    def removed_functions(self, python: str) -> frozenset[str]:
        return frozenset(f for r in self.python_removed if compare_versions(python, r.version) >= 0
                         for f in r.functions)

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
    auto = AutoUpdate(au.strings("keys"), au.get("default", bool), au.text("precedence"), au.text("enabled_off"),
                      au.text("update_to_latest_off"), au.text("banner"), au.text("blacklist_rule"))
    au.done()
    bad = []
    for t in at.array_of_tables("known_bad"):
        bad.append(KnownBadAgent(_range(t), t.text("reason"), t.text("source"), t.version("fixed_in", required=False),
                                 t.text("condition", required=False)))
        t.done()
    support = []
    for t in at.array_of_tables("python_support", required=False):
        support.append(PythonSupport(t.version("from"), t.version("python"), t.text("note")))
        t.done()
    agent = AgentVersions(at.version("minimum_supported"), at.text("minimum_source"),
                          at.version("local_heartbeat_from"), at.version("iso_utc_timestamps_from"),
                          at.version("log_collector_from"), at.version("update_to_latest_key_from"), auto,
                          tuple(bad), tuple(support))
    at.done()

    et = _Table(name, "extension", top.get("extension", dict))
    broken = []
    for t in et.array_of_tables("known_broken"):
        entry = BrokenExtension(
            id=t.text("id"), range=_range(t), reason=t.text("reason"), source=t.text("source"),
            python_min=t.version("python_min", required=False),
            suspect_python_min=t.version("suspect_python_min", required=False),
            fixed_in=t.version("fixed_in", required=False), fixed_by=t.text("fixed_by", required=False),
            fixed_date=t.text("fixed_date", required=False), condition=t.text("condition", required=False),
            removed_modules=t.strings("removed_modules", required=False),
            os_examples=t.strings("os_examples", required=False),
            versions_seen=t.strings("versions_seen", required=False))
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
    extension = ExtensionVersions(et.text("name"), et.strings("legacy_names", required=False),
                                  et.version("seed_latest_claim"), et.version("latest_seen"), et.version("stale_below"),
                                  et.version("bundled_agent_constant"), et.version("handler_environment_version"),
                                  tuple(broken))
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


@dataclass(frozen=True)
class Weights:
    knowledge_version: str
    line_in_window: float
    line_outside_window: float
    fact: float
    absence: float
    half_life_minutes: float
    decay_floor: float
    likely: float
    possible: float
    cap_without_window_evidence: float
    portal_prior: float
    counter_weight: float

    def base(self, strength: str) -> float:
        """Base weight of ``line_in_window``, ``line_outside_window``, ``fact`` or ``absence``."""
        if strength not in ("line_in_window", "line_outside_window", "fact", "absence"):
            raise ValueError(f"unknown evidence strength {strength!r}")
        return getattr(self, strength)

    def decayed(self, minutes_outside: float) -> float:
        """Weight of a line ``minutes_outside`` minutes from the nearer window edge (0 = inside)."""
        if minutes_outside <= 0:
            return self.line_in_window
        w = self.line_outside_window * 0.5 ** (minutes_outside / self.half_life_minutes)
        return max(w, self.decay_floor)

    def combine(self, weights: Iterable[float], *, counter: int = 0, window_evidence: bool = True,
                portal_prior: bool = False) -> float:
        """Noisy-OR of ``weights`` (plus the portal prior), scaled by counter-evidence, capped below
        ``likely`` without evidence inside the window; rounded to 2 decimals."""
        miss = 1.0
        for w in (*weights, *((self.portal_prior,) if portal_prior else ())):
            miss *= 1.0 - min(max(w, 0.0), 1.0)
        confidence = (1.0 - miss) * (1.0 - self.counter_weight) ** max(counter, 0)
        if not window_evidence:
            confidence = min(confidence, self.cap_without_window_evidence)
        return round(confidence, 2)

    def verdict(self, confidence: float) -> str | None:
        if confidence >= self.likely:
            return "likely"
        if confidence >= self.possible:
            return "possible"
        return None


def _unit(t: _Table, key: str) -> float:
    value = float(t.get(key, (int, float)))
    if not 0.0 <= value <= 1.0:
        raise t.err(key, f"expected a number from 0 to 1, got {value}")
    return value


def _build_weights(raw: dict[str, Any], catalogue: Catalogue, name: str = "weights.toml") -> Weights:
    top = _Table(name, "", raw)
    kv = _check_version_header(top, catalogue.knowledge_version)
    ev = _Table(name, "evidence", top.get("evidence", dict))
    de = _Table(name, "decay", top.get("decay", dict))
    ve = _Table(name, "verdict", top.get("verdict", dict))
    pr = _Table(name, "prior", top.get("prior", dict))
    co = _Table(name, "counter", top.get("counter", dict))
    half_life = float(de.get("half_life_minutes", (int, float)))
    if half_life <= 0:
        raise de.err("half_life_minutes", "must be positive")
    w = Weights(kv, _unit(ev, "line_in_window"), _unit(ev, "line_outside_window"), _unit(ev, "fact"),
                _unit(ev, "absence"), half_life, _unit(de, "floor"), _unit(ve, "likely"), _unit(ve, "possible"),
                _unit(ve, "cap_without_window_evidence"), _unit(pr, "portal_code"), _unit(co, "weight"))
    for t in (ev, de, ve, pr, co, top):
        t.done()
    if not w.possible < w.likely:
        raise ve.err("possible", "must be below likely")
    if not w.cap_without_window_evidence < w.likely:
        raise ve.err("cap_without_window_evidence", "must be below likely")
    if w.line_outside_window > w.line_in_window:
        raise ev.err("line_outside_window", "must not exceed line_in_window")
    return w


# ─────────────────────────────────────────── collect ───────────────────────────────────────────


@dataclass(frozen=True)
class DistroFamily:
    name: str
    os_ids: tuple[str, ...]
    agent_unit: str


@dataclass(frozen=True)
class CollectCommand:
    id: str
    slot: str
    distro: tuple[str, ...]
    command: str
    output: str
    fills: tuple[str, ...]
    why: Text
    agent_min: str | None = None
    agent_max_exclusive: str | None = None
    then: str | None = None

    def matches(self, agent_version: str | None, family: str | None) -> bool:
        if "any" not in self.distro and family not in self.distro:
            return False
        if agent_version is not None:
            if self.agent_min and compare_versions(agent_version, self.agent_min) < 0:
                return False
            if self.agent_max_exclusive and compare_versions(agent_version, self.agent_max_exclusive) >= 0:
                return False
        return True

    def render(self, start: datetime | str = "", end: datetime | str = "") -> str:
        """The command with ``{start}`` / ``{end}`` filled (datetimes are converted to UTC)."""

        def fmt(value: datetime | str) -> str:
            if isinstance(value, datetime):
                if value.tzinfo is not None:
                    value = value.astimezone(UTC)
                return value.strftime("%Y-%m-%d %H:%M:%S")
            return value

        return self.command.replace("{start}", fmt(start)).replace("{end}", fmt(end))


@dataclass(frozen=True)
class Collect:
    knowledge_version: str
    placeholders: tuple[tuple[str, str], ...]
    families: tuple[DistroFamily, ...]
    commands: tuple[CollectCommand, ...]

    def family_of(self, os_id: str | None) -> str | None:
        if not os_id:
            return None
        os_id = os_id.strip().lower()
        return next((f.name for f in self.families if os_id in f.os_ids), None)

    def select(self, agent_version: str | None = None, os_id: str | None = None,
               missing: Iterable[str] | None = None) -> tuple[CollectCommand, ...]:
        """One command per slot (the first that matches), in file order; with ``missing``, only
        the slots whose command fills at least one of those source kinds."""
        family = self.family_of(os_id)
        wanted = None if missing is None else set(missing)
        chosen: dict[str, CollectCommand] = {}
        for cmd in self.commands:
            if cmd.slot in chosen or not cmd.matches(agent_version, family):
                continue
            chosen[cmd.slot] = cmd
        return tuple(c for c in chosen.values() if wanted is None or not wanted.isdisjoint(c.fills))


def _build_collect(raw: dict[str, Any], catalogue: Catalogue, name: str = "collect.toml") -> Collect:
    top = _Table(name, "", raw)
    kv = _check_version_header(top, catalogue.knowledge_version)
    ph = _Table(name, "placeholders", top.get("placeholders", dict))
    placeholders = (("start", ph.text("start")), ("end", ph.text("end")))
    ph.done()
    ft = _Table(name, "distro_family", top.get("distro_family", dict))
    families = []
    for fam in ft.raw:
        t = _Table(name, f"distro_family.{fam}", ft.get(fam, dict))
        families.append(DistroFamily(fam, tuple(i.lower() for i in t.strings("os_ids")), t.text("agent_unit")))
        t.done()
    ft.done()
    family_names = {f.name for f in families}
    commands = []
    for t in top.array_of_tables("command"):
        distro = t.strings("distro")
        for d in distro:
            if d != "any" and d not in family_names:
                raise t.err("distro", f"unknown distro family {d!r}; expected any or {', '.join(sorted(family_names))}")
        fills = t.strings("fills")
        for kind in fills:
            if kind not in SOURCE_KINDS:
                raise t.err("fills", f"unknown source kind {kind!r}")
        cmd = CollectCommand(
            id=t.text("id"), slot=t.text("slot"), distro=distro, command=t.text("command"), output=t.text("output"),
            fills=fills, why=t.localized("why"), agent_min=t.version("agent_min", required=False),
            agent_max_exclusive=t.version("agent_max_exclusive", required=False), then=t.text("then", required=False))
        t.done()
        commands.append(cmd)
    ids = [c.id for c in commands]
    if len(set(ids)) != len(ids):
        raise top.err("command", "duplicate id")
    top.done()
    return Collect(kv, placeholders, tuple(families), tuple(commands))


# ─────────────────────────────────────────── public loaders ───────────────────────────────────────────


@cache
def _catalogue(key: str | None) -> Catalogue:
    return _build_catalogue(_read(key, "causes.toml"))


@cache
def _codes(key: str | None) -> CodeTable:
    return _build_codes(_read(key, "codes.toml"), _catalogue(key))


@cache
def _versions(key: str | None) -> Versions:
    return _build_versions(_read(key, "versions.toml"), _catalogue(key))


@cache
def _weights(key: str | None) -> Weights:
    return _build_weights(_read(key, "weights.toml"), _catalogue(key))


@cache
def _collect(key: str | None) -> Collect:
    return _build_collect(_read(key, "collect.toml"), _catalogue(key))


def load_catalogue(directory: str | os.PathLike[str] | None = None) -> Catalogue:
    """The cause catalogue of ``directory`` (default: the packaged knowledge files)."""
    return _catalogue(_key(directory))


def load_codes(directory: str | os.PathLike[str] | None = None) -> CodeTable:
    """Status, host, agent and portal codes; every candidate is checked against the catalogue."""
    return _codes(_key(directory))


def load_versions(directory: str | os.PathLike[str] | None = None) -> Versions:
    return _versions(_key(directory))


def load_weights(directory: str | os.PathLike[str] | None = None) -> Weights:
    return _weights(_key(directory))


def load_collect(directory: str | os.PathLike[str] | None = None) -> Collect:
    return _collect(_key(directory))


def clear_cache() -> None:
    """Forget every loaded file (after editing knowledge files in a long-lived process)."""
    for fn in (_catalogue, _codes, _versions, _weights, _collect):
        fn.cache_clear()
