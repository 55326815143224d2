"""The whole-result memo of match_message: same results as classifying afresh, attrs never shared."""

from __future__ import annotations

from parsers import agent_messages
from parsers.agent_messages import _match_message, all_samples, match_message
from parsers.agent_record import split_header


def test_memo_gives_the_fresh_result_and_a_private_attrs_dict() -> None:
    agent_messages._MEMO.clear()
    messages = []
    for sample in all_samples():
        header = split_header(sample.text.split("\n", 1)[0])
        message = sample.text if header is None else sample.text.split("\n", 1)[0][-len(header.message) :]
        if header is not None and "\n" in sample.text:
            message += "\n" + sample.text.split("\n", 1)[1]
        messages.append((message, header.level if header else None))
    for message, level in messages * 2:  # the second round is answered from the memo
        got = match_message(message, level)
        fresh = _match_message(message, level, False)
        assert (got.kind, got.attrs, got.pattern_id) == (fresh.kind, fresh.attrs, fresh.pattern_id)
        assert list(got.attrs) == list(fresh.attrs)  # same key order: the JSON output keeps it
        got.attrs["mutated_by_caller"] = True
    assert agent_messages._MEMO, "short sample messages are memoised"
    assert all("mutated_by_caller" not in hit.attrs for hit in agent_messages._MEMO.values())


def test_results_with_nested_attrs_are_not_memoised() -> None:
    agent_messages._MEMO.clear()
    nested = 0
    for sample in all_samples():
        header = split_header(sample.text.split("\n", 1)[0])
        if header is None or "\n" in sample.text:
            continue
        result = match_message(header.message, header.level)
        if any(isinstance(v, dict | list) for v in result.attrs.values()):
            nested += 1
            assert (header.message, header.level, False) not in agent_messages._MEMO
            again = match_message(header.message, header.level)
            assert again.attrs == result.attrs and again.attrs is not result.attrs
    assert nested, "the samples include records with nested attrs (extension summaries, Event: records)"
