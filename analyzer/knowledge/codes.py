"""codes.toml: VMSnapshot status codes, host status values, agent error codes, portal codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.knowledge._base import CODE_OUTCOMES, HEALTH, KnowledgeError, _check_version_header, _Table
from analyzer.knowledge.catalogue import Catalogue


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
        status.append(
            StatusCode(
                code=t.get("code", int),
                name=t.text("name"),
                outcome=t.choice("outcome", CODE_OUTCOMES),
                terminal=t.get("terminal", bool),
                meaning=t.text("meaning"),
                candidates=_candidates(t, catalogue),
                health=t.choice("health", HEALTH, required=False),
                aliases=t.strings("aliases", required=False),
                note=t.text("note", required=False),
                ext_error_only=t.get("ext_error_only", bool, required=False, default=False),
            )
        )
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
                raise KnowledgeError(
                    "causes.toml", f"causes.{cause.id}.portal_codes", f"{code!r} is not a [[portal]] code of {name}"
                )
    return table


# ─────────────────────────────────────────── versions ───────────────────────────────────────────
