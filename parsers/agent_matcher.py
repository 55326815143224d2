"""A faster matcher with :class:`parsers.patterns.PatternSet` semantics, for large pattern tables.

Used by :mod:`parsers.agent_messages`, whose tables hold several hundred literals.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import regex

from parsers.patterns import Pattern

_WORD_RE = re.compile(r"\w+")


class FastMatcher:
    """:class:`~parsers.patterns.PatternSet` semantics, faster for a table this size.

    Same rule: among the patterns one of whose literals occurs in the text, the first declared
    whose regex matches wins, its named groups becoming attrs.  The contract's single alternation
    of ~560 literals costs about half a millisecond a line; here each literal is found through
    one of its words (an interior one when it has one), looked up in the set of words of the
    line, and literals without a usable word are tested with ``in``.  One difference: a
    multi-word literal whose edge word is glued to more word characters in the text ("Clean
    protocolX") is not found; single-word literals are always tested with ``in``.  Results for
    short lines are cached, since periodic records repeat verbatim.
    """

    CACHE_MAX_LEN = 512  # long first lines (JSON env, SAS URLs) are rarely repeated: keep memory bounded

    def __init__(self, patterns: list[Pattern]) -> None:
        self.patterns = patterns
        self.compiled = [regex.compile(p.regex, p.flags) if p.regex else None for p in patterns]
        by_literal: dict[str, list[int]] = {}
        for i, p in enumerate(patterns):
            for lit in p.literals:
                by_literal.setdefault(lit, []).append(i)
        self.by_word: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
        self.plain: list[tuple[int, str, tuple[int, ...]]] = []
        for lit, idx in by_literal.items():
            words = list(_WORD_RE.finditer(lit))
            interior = [w.group() for w in words if w.start() > 0 and w.end() < len(lit)]
            # A literal's edge word may be glued to more word characters in a line ("cgroup" in
            # "cgroups"); only interior words, or edge words of multi-word literals, are anchors.
            pool = interior or ([w.group() for w in words] if len(words) > 1 else [])
            if pool:
                self.by_word.setdefault(max(pool, key=len), []).append((lit, tuple(idx)))
            else:
                self.plain.append((min(idx), lit, tuple(idx)))
        self.plain.sort()
        self._cached = functools.lru_cache(maxsize=4096)(self._match)

    def match(self, text: str) -> tuple[Pattern, tuple[tuple[str, Any], ...]] | None:
        """(pattern, attrs as item pairs) of the first pattern that matches, or None."""
        return self._cached(text) if len(text) <= self.CACHE_MAX_LEN else self._match(text)

    def _match(self, text: str) -> tuple[Pattern, tuple[tuple[str, Any], ...]] | None:
        hits: set[int] = set()
        by_word = self.by_word
        for word in set(_WORD_RE.findall(text)):
            for lit, idx in by_word.get(word, ()):
                if lit in text:
                    hits.update(idx)
        # Literals without an anchor word are tested lazily: only those of patterns declared
        # before the candidate about to be tried can change the outcome.
        plain, n_plain, checked = self.plain, len(self.plain), 0
        order: list[int] = sorted(hits)
        pos = 0
        while True:
            limit = order[pos] if pos < len(order) else len(self.patterns)
            added = False
            while checked < n_plain and plain[checked][0] < limit:
                _first, lit, idx = plain[checked]
                checked += 1
                if lit in text and not hits.issuperset(idx):
                    hits.update(idx)
                    added = True
            if added:
                order = sorted(hits)
                continue
            if pos >= len(order):
                return None
            i = order[pos]
            pos += 1
            p = self.patterns[i]
            compiled = self.compiled[i]
            if compiled is None:
                return p, tuple(p.attrs.items())
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
            return p, tuple(attrs.items())
        return None
