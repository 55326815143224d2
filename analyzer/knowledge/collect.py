"""collect.toml: the commands that would fill the missing sources."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from analyzer.knowledge._base import SOURCE_KINDS, Text, _check_version_header, _Table, compare_versions
from analyzer.knowledge.catalogue import Catalogue


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

    def select(
        self, agent_version: str | None = None, os_id: str | None = None, missing: Iterable[str] | None = None
    ) -> tuple[CollectCommand, ...]:
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
            id=t.text("id"),
            slot=t.text("slot"),
            distro=distro,
            command=t.text("command"),
            output=t.text("output"),
            fills=fills,
            why=t.localized("why"),
            agent_min=t.version("agent_min", required=False),
            agent_max_exclusive=t.version("agent_max_exclusive", required=False),
            then=t.text("then", required=False),
        )
        t.done()
        commands.append(cmd)
    ids = [c.id for c in commands]
    if len(set(ids)) != len(ids):
        raise top.err("command", "duplicate id")
    top.done()
    return Collect(kv, placeholders, tuple(families), tuple(commands))


# ─────────────────────────────────────────── public loaders ───────────────────────────────────────────
