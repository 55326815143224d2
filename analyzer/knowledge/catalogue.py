"""causes.toml: the cause catalogue with per-OS, per-cloud remedies."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from analyzer.knowledge._base import (
    _CLOUD_FIELDS,
    _ID_RE,
    _PLACEHOLDER_RE,
    CAUSE_OS,
    CLOUDS,
    FAMILIES,
    PHASES,
    SOURCE_KINDS,
    STEP_CLOUDS,
    STEP_OS,
    Text,
    _check_version_header,
    _Table,
)


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
            s for s in self.remedy if (os_name is None or s.applies_to_os(os_name)) and s.applies_to_cloud(cloud)
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
        # @since@ is the finding's own time, filled when the report is built (report_parts.remedy_command)
        return m.group(0) if m.group(1) in _RENDER_TIME else getattr(cloud, m.group(1))

    for name in _PLACEHOLDER_RE.findall(text):
        if name not in _CLOUD_FIELDS and name not in _RENDER_TIME:
            known = ", ".join((*_CLOUD_FIELDS, *_RENDER_TIME))
            raise t.err(key, f"unknown placeholder @{name}@ (known: {known})")
    return _PLACEHOLDER_RE.sub(sub, text)


_RENDER_TIME = ("since",)


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
    return Cause(
        cause_id, family, os_name, title, summary, needs, tuple(phases), portal_codes, tuple(steps), cross_bundle
    )


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
            raise ct.err(
                "family",
                f"causes must be grouped by family in order; {cause_id!r} (family "
                f"{cause.family}) follows family {causes[-1].family}",
            )
        causes.append(cause)
    if not causes:
        raise causes_t.err(None, "no causes")
    causes_t.done()
    top.done()
    return Catalogue(kv, tuple(causes), tuple(clouds.values()))


# ─────────────────────────────────────────── codes ───────────────────────────────────────────
