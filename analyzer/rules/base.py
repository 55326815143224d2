"""What a rule sees and what it returns.

A rule is a function ``judge(ctx: RuleContext) -> Judgement`` registered under a cause id.  It
reads the timeline, the runs and the facts only (never a file), and always leaves a trace: the
evidence it found for the cause, the evidence against it, and in words why.  Weights, verdict
thresholds, time decay and phase logic are the engine's, from ``analyzer/knowledge/``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from analyzer.knowledge import Cause, CodeTable, Text, Versions, load_catalogue
from analyzer.model import Event, EventKind, Fact
from analyzer.runs import Run
from analyzer.timeline import Timeline


@dataclass
class Evidence:
    """One piece of evidence: a log line, a fact, or the absence of an expected record."""

    kind: str  # "line" | "fact" | "absence"
    text: Message  # a line's own text; for facts and absences a sentence, in both languages where possible
    source: str | None = None
    member: str | None = None
    line: int | None = None
    time: datetime | None = None
    weight: float | None = None  # None: the engine's base weight for this kind and time
    note: str = ""  # why it matters, in a few words (shown next to the line)
    in_window: bool = False


# A sentence for the report: plain English, or both languages through say(en=..., zh=...).
Message = str | Text


def say(en: str, zh: str) -> Text:
    """One sentence in English and Simplified Chinese (reports pick the one asked for)."""
    return Text(en=en, zh_cn=zh)


def localize(message: Message | None, lang: str) -> str:
    if message is None:
        return ""
    return message.get(lang) if isinstance(message, Text) else message


@dataclass
class Judgement:
    """A rule's answer.  With no support the engine rules the cause out (with ``reason``)."""

    support: list[Evidence] = field(default_factory=list)
    counter: list[Evidence] = field(default_factory=list)
    summary: Message = ""  # specific explanation when the cause is found, for a customer
    reason: Message = ""  # why it is ruled out (or why at most possible)
    cap: str | None = None  # "possible": the conditions of causes.md allow no more
    not_evaluable: list[Message] | None = None  # what the rule itself finds missing (e.g. "needs batch")


@dataclass(frozen=True)
class EventRef:
    index: int
    event: Event
    time: datetime | None


@dataclass
class RuleContext:
    cause: Cause
    timeline: Timeline
    runs: list[Run]
    run: Run | None
    window: tuple[datetime, datetime] | None
    facts: list[Fact]
    kinds: frozenset[str]  # source kinds present in the bundle
    codes: CodeTable
    versions: Versions
    job_error: str | None = None
    backup_time: tuple[datetime, datetime] | None = None
    _by_key: dict[str, list[Fact]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for fact in self.facts:
            self._by_key.setdefault(fact.key, []).append(fact)

    # -- time -------------------------------------------------------------------------------------
    def in_window(self, when: datetime | None) -> bool:
        if when is None or self.window is None:
            return False
        return self.window[0] <= when <= self.window[1]

    def minutes_outside(self, when: datetime | None) -> float:
        if when is None or self.window is None:
            return float("inf")
        if when < self.window[0]:
            return (self.window[0] - when) / timedelta(minutes=1)
        if when > self.window[1]:
            return (when - self.window[1]) / timedelta(minutes=1)
        return 0.0

    # -- events -----------------------------------------------------------------------------------
    def events(
        self,
        kinds: EventKind | Iterable[EventKind] | None = None,
        *,
        in_window: bool | None = None,
        handler: str | None = None,
        parsers: Iterable[str] | None = None,
        levels: Iterable[str] | None = None,
        text: str | None = None,
        where: Callable[[Event], bool] | None = None,
    ) -> Iterator[EventRef]:
        """Kept events, in time order, filtered.  ``handler`` matches a substring of the handler."""
        wanted = {kinds} if isinstance(kinds, EventKind) else (set(kinds) if kinds is not None else None)
        parser_set = set(parsers) if parsers is not None else None
        level_set = set(levels) if levels is not None else None
        tl = self.timeline
        for index, (ev, when) in enumerate(zip(tl.events, tl.times, strict=True)):
            if wanted is not None and ev.kind not in wanted:
                continue
            if parser_set is not None and ev.parser not in parser_set:
                continue
            if level_set is not None and ev.level not in level_set:
                continue
            if handler is not None and handler not in (ev.handler or ""):
                continue
            if text is not None and text not in ev.message:
                continue
            if in_window is not None and self.in_window(when) != in_window:
                continue
            if where is not None and not where(ev):
                continue
            yield EventRef(index, ev, when)

    def run_events(self) -> list[EventRef]:
        if self.run is None:
            return []
        tl = self.timeline
        return [EventRef(i, tl.events[i], tl.times[i]) for i in self.run.events]

    # -- facts ------------------------------------------------------------------------------------
    def facts_for(self, key: str) -> list[Fact]:
        return self._by_key.get(key, [])

    def fact(self, key: str, default: Any = None) -> Any:
        values = self._by_key.get(key)
        return values[-1].value if values else default

    def has_kind(self, *kinds: str) -> bool:
        return any(k in self.kinds for k in kinds)

    def can_evaluate(self, cause_id: str) -> bool:
        """Whether the bundle holds the sources ``cause_id`` needs: a cause that cannot be judged here
        must not take over evidence another rule would otherwise count."""
        return not load_catalogue().cause(cause_id).missing(self.kinds)

    # -- evidence builders ------------------------------------------------------------------------
    def line(self, ref: EventRef, note: str = "", weight: float | None = None) -> Evidence:
        ev = ref.event
        return Evidence(
            kind="line",
            text=ev.message,
            source=ev.source,
            member=ev.member,
            line=ev.line,
            time=ref.time,
            weight=weight,
            note=note,
            in_window=self.in_window(ref.time),
        )

    def from_fact(self, fact: Fact, text: str, weight: float | None = None, note: str = "") -> Evidence:
        return Evidence(
            kind="fact", text=text, source=fact.source, member=fact.member, line=fact.line, weight=weight, note=note
        )

    def absence(self, text: Message, source: str | None = None, weight: float | None = None) -> Evidence:
        return Evidence(kind="absence", text=text, source=source, weight=weight)
