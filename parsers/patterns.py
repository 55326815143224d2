"""Declarative message patterns with real-format samples (the lnav idea).

A :class:`Pattern` maps a message to an event kind and attrs.  Each pattern names the literal
strings that must occur in a message for it to be tried; a :class:`PatternSet` compiles all
literals into one alternation so each message is scanned once, and only the patterns of the
literals found are tried.  Samples are full lines (or multi-line records) of the real format with
the fields they must produce; ``tests/parsers/test_samples.py`` runs every registered sample.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import regex

from analyzer.model import EventKind

Converter = Callable[[str], Any]


@dataclass(frozen=True)
class Sample:
    """A real-format line or record and what parsing it must give (attrs: a subset to match)."""

    text: str
    kind: EventKind
    level: str | None = None
    component: str | None = None
    handler: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    # When the kind's parser needs a logical path to interpret the text (e.g. a status file).
    path: str = ""


@dataclass(frozen=True)
class Pattern:
    """One message shape.  Named groups of ``regex`` become attrs (converted by ``convert``)."""

    id: str
    kind: EventKind
    literals: tuple[str, ...]
    regex: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    convert: dict[str, Converter] = field(default_factory=dict)
    flags: int = 0


@dataclass
class Match:
    pattern: Pattern
    attrs: dict[str, Any]


class PatternSet:
    """Patterns tried in declaration order among those whose literal occurs in the message."""

    def __init__(self, patterns: Iterable[Pattern]) -> None:
        self.patterns = list(patterns)
        ids = [p.id for p in self.patterns]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate pattern id")
        self._order = {p.id: i for i, p in enumerate(self.patterns)}
        self._by_literal: dict[str, list[Pattern]] = {}
        for p in self.patterns:
            if not p.literals:
                raise ValueError(f"pattern {p.id} declares no literal")
            for lit in p.literals:
                self._by_literal.setdefault(lit, []).append(p)
        literals = sorted(self._by_literal, key=len, reverse=True)
        self._prefilter = regex.compile("|".join(regex.escape(lit) for lit in literals))
        self._compiled = {p.id: regex.compile(p.regex, p.flags) if p.regex else None for p in self.patterns}

    def candidates(self, message: str) -> list[Pattern]:
        found: dict[str, Pattern] = {}
        for m in self._prefilter.finditer(message, overlapped=True):
            for p in self._by_literal.get(m.group(), ()):
                found.setdefault(p.id, p)
        return sorted(found.values(), key=lambda p: self._order[p.id])

    def match(self, message: str) -> Match | None:
        if self._prefilter.search(message) is None:
            return None
        for p in self.candidates(message):
            compiled = self._compiled[p.id]
            if compiled is None:
                return Match(p, dict(p.attrs))
            m = compiled.search(message)
            if m is None:
                continue
            attrs = dict(p.attrs)
            for name, value in m.groupdict().items():
                if value is None:
                    continue
                conv = p.convert.get(name)
                try:
                    attrs[name] = conv(value) if conv else value
                except (ValueError, TypeError):
                    attrs[name] = value
            return Match(p, attrs)
        return None
