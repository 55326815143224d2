"""PatternSet's fast paths (word index, plain-literal trie prefilter) against the plain definition."""

from __future__ import annotations

import random
import re

import pytest

from analyzer.model import EventKind
from parsers import registry
from parsers.agent_messages import _table, all_samples
from parsers.patterns import Pattern, PatternSet, literal_trie_regex

LITERALS = ["Exception: ", "Exc", "swap", "swapfile", "[", "a.b*c", "Retry [", "******** ", "dvd", "DVD", "x\\y"]


def _reference(ps: PatternSet, text: str) -> int | None:
    """The definition: the first pattern, in declaration order, with a literal in the text and a matching regex."""
    for i, pattern in enumerate(ps.patterns):
        if any(lit in text for lit in pattern.literals):
            compiled = ps._compiled[i]
            if compiled is None or compiled.search(text) is not None:
                return i
    return None


def _index(ps: PatternSet, text: str) -> int | None:
    got = ps._match(text)
    return None if got is None else got[0]


def test_trie_regex_says_whether_any_literal_occurs() -> None:
    rx = re.compile(literal_trie_regex(LITERALS))
    rng = random.Random(7)
    alphabet = "aExcpiton: [swapfdvDVy.b*\\R"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    texts += ["Retry [3]", "no hit here", "a.b*c", "x\\y", "", "Ex", "DV"]
    for text in texts:
        assert (rx.search(text) is not None) == any(lit in text for lit in LITERALS), text


def test_trie_regex_of_no_literal_never_matches() -> None:
    assert re.compile(literal_trie_regex([])).search("anything") is None


def test_trie_regex_with_an_empty_literal_always_matches() -> None:
    assert re.compile(literal_trie_regex(["", "abc"])).search("zzz") is not None


def test_plain_literal_prefilter_gives_the_reference_result() -> None:
    k = EventKind
    ps = PatternSet(
        [
            Pattern("word", k.OTHER, ("Failed to start",), r"Failed to start (?P<unit>\S+)"),
            Pattern("plain_a", k.ROUTINE, ("swap",)),
            Pattern("plain_b", k.ROUTINE, ("[x]",), r"\[x\] (?P<n>\d+)"),
            Pattern("last", k.ROUTINE, ("HTTP connection [",)),
        ]
    )
    expected = {"HTTP connection [GET]": 3, "swap on; HTTP connection [": 1, "[x] 12 HTTP connection [": 2,
                "[x] no HTTP connection [": 3, "Failed to start a.service": 0, "nothing": None}  # fmt: skip
    for text, index in expected.items():
        assert _index(ps, text) == _reference(ps, text) == index, text


@pytest.mark.parametrize("table", ["agent", "registered"])
def test_real_tables_match_the_reference_on_their_samples(table: str) -> None:
    """Every sample message and line of the real tables gives the same result as the plain definition."""
    texts: list[str] = []
    if table == "agent":
        sets = [_table()]
        texts = [s.text for s in all_samples()]
    else:
        sets = []
        for spec in registry.specs():
            texts.extend(s.text for s in spec.samples)
        import gc

        sets = [obj for obj in gc.get_objects() if isinstance(obj, PatternSet)]
    # whole texts, first lines, and each line's tail after the first space (the message part)
    variants = set(texts)
    for text in texts:
        for line in text.splitlines():
            variants.add(line)
            variants.add(line.partition(" ")[2])
    for ps in sets:
        for text in variants:
            assert _index(ps, text) == _reference(ps, text), text
