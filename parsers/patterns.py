"""Declarative message patterns with real-format samples (the lnav idea).

A :class:`Pattern` maps a message to an event kind and attrs.  Each pattern names the literal
strings that must occur in a message for it to be tried; a :class:`PatternSet` compiles all
literals into one alternation so each message is scanned once, and only the patterns of the
literals found are tried.  Samples are full lines (or multi-line records) of the real format with
the fields they must produce; ``tests/parsers/test_samples.py`` runs every registered sample.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import regex

from analyzer.model import EventKind

Converter = Callable[[str], Any]
_WORD = re.compile(r"\w+")


def literal_trie_regex(literals: Iterable[str]) -> str:
    """A regex that matches where any of ``literals`` begins (for a yes/no test: does one occur?).

    The literals are folded into a trie, so ``re`` follows one branch per character instead of
    trying every literal at every position (a flat alternation of ~150 literals is ~4x slower).
    A literal that is a prefix of another ends the branch: only existence matters, not which.
    """
    trie: dict[str, Any] = {}
    for lit in literals:
        node = trie
        for ch in lit:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        if "" in node:
            return ""  # a literal ends here: the shorter one is enough to say yes
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items())]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return build(trie) if trie else "(?!)"


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
    """Patterns tried in declaration order among those whose literal occurs in the message.

    Finding the candidate literals is the hot path (every line of a 1 GB bundle).  One regex
    alternation of hundreds of literals costs up to half a millisecond a line, so each literal is
    found through one of its interior words instead (an edge word can be glued to more word
    characters in the text: "deny" in "dec=deny_audit"), looked up in the set of words of the
    message, then confirmed with ``in``.  Literals without an interior word are tested with
    ``in``, lazily: only those of patterns declared before the next candidate can change the
    outcome.  Results for short messages are cached, since periodic records repeat verbatim.
    """

    CACHE_MAX_LEN = 512

    def __init__(self, patterns: Iterable[Pattern]) -> None:
        self.patterns = list(patterns)
        ids = [p.id for p in self.patterns]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate pattern id")
        by_literal: dict[str, list[int]] = {}
        for i, p in enumerate(self.patterns):
            if not p.literals:
                raise ValueError(f"pattern {p.id} declares no literal")
            for lit in p.literals:
                by_literal.setdefault(lit, []).append(i)
        self._compiled = [regex.compile(p.regex, p.flags) if p.regex else None for p in self.patterns]
        self._by_word: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
        plain: list[tuple[int, str, tuple[int, ...]]] = []
        for lit, idx in by_literal.items():
            words = list(_WORD.finditer(lit))
            interior = [w.group() for w in words if w.start() > 0 and w.end() < len(lit)]
            if interior:
                self._by_word.setdefault(max(interior, key=len), []).append((lit, tuple(idx)))
            else:
                plain.append((min(idx), lit, tuple(idx)))
        self._plain = sorted(plain)
        # The same, as parallel lists, so that a run of plain literals is tested by one C-level
        # ``filter`` (``firsts`` is non-decreasing: a prefix below a limit is found by bisection).
        self._plain_firsts = [first for first, _lit, _idx in self._plain]
        self._plain_lits = [lit for _first, lit, _idx in self._plain]
        self._plain_idx = {lit: idx for _first, lit, idx in self._plain}
        self._words = frozenset(self._by_word)
        # Most lines hold none of the plain literals (the bulk routine records): one C-level search
        # of their trie says so, instead of ~150 ``in`` tests; a hit falls back to the exact scan.
        self._plain_any = re.compile(literal_trie_regex(self._plain_lits)).search
        self._cached = functools.lru_cache(maxsize=4096)(self._match)

    def candidates(self, message: str) -> list[Pattern]:
        """Every pattern one of whose literals occurs in ``message``, in declaration order."""
        hits: set[int] = set()
        for word in set(_WORD.findall(message)):
            for lit, idx in self._by_word.get(word, ()):
                if lit in message:
                    hits.update(idx)
        for _first, lit, idx in self._plain:
            if lit in message:
                hits.update(idx)
        return [self.patterns[i] for i in sorted(hits)]

    def match(self, message: str) -> Match | None:
        found = self._cached(message) if len(message) <= self.CACHE_MAX_LEN else self._match(message)
        if found is None:
            return None
        index, items = found
        return Match(self.patterns[index], dict(items))

    def _match(self, text: str) -> tuple[int, tuple[tuple[str, Any], ...]] | None:
        hits: set[int] = set()
        by_word = self._by_word
        for word in self._words.intersection(_WORD.findall(text)):
            for lit, idx in by_word[word]:
                if lit in text:
                    hits.update(idx)
        firsts, lits, n_plain, checked = self._plain_firsts, self._plain_lits, len(self._plain_lits), 0
        order = sorted(hits)
        pos = 0
        while True:
            limit = order[pos] if pos < len(order) else len(self.patterns)
            added = False
            if checked == 0 and n_plain and firsts[0] < limit and self._plain_any(text) is None:
                checked = n_plain  # no plain literal anywhere in the text: nothing to scan
            if checked < n_plain and firsts[checked] < limit:
                end = bisect_left(firsts, limit, checked)
                for lit in filter(text.__contains__, lits[checked:end]):
                    idx = self._plain_idx[lit]
                    if not hits.issuperset(idx):
                        hits.update(idx)
                        added = True
                checked = end
            if added:
                order = sorted(hits)
                continue
            if pos >= len(order):
                return None
            i = order[pos]
            pos += 1
            p = self.patterns[i]
            compiled = self._compiled[i]
            if compiled is None:
                return i, tuple(p.attrs.items())
            m = compiled.search(text)
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
            return i, tuple(attrs.items())
