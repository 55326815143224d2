"""Context lines around evidence: the ±5 lines a reader needs to trust a quoted line."""

from __future__ import annotations

from analyzer.parse import ParseOutput
from analyzer.textio import SliceReader

CONTEXT_LINES = 5


class ContextReader:
    """Reads lines around a record of a parsed source (through the parse pass's seek checkpoints)."""

    def __init__(self, parsed: ParseOutput) -> None:
        self._stats = {st.source.member: st for st in parsed.stats}

    def around(self, member: str | None, line: int | None, record_lines: int = 1) -> tuple[list[str], list[str]]:
        stats = self._stats.get(member or "")
        if stats is None or stats.reader is None or not line:
            return [], []
        first = max(1, line - CONTEXT_LINES)
        last_of_record = line + max(record_lines, 1) - 1
        try:
            rows = list(SliceReader(stats.reader, first, last_of_record + CONTEXT_LINES).lines())
        except OSError:
            return [], []
        before = [text for n, text in rows if n < line]
        after = [text for n, text in rows if n > last_of_record]
        return before[-CONTEXT_LINES:], after[:CONTEXT_LINES]
