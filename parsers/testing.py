"""Helpers for parser tests: run one registered format over text and get events and context."""

from __future__ import annotations

from typing import Any

from analyzer.model import Event
from analyzer.textio import StringLineReader
from parsers import registry
from parsers.base import ParseContext


def parse_text(
    kind: str, text: str, path: str = "", hints: dict[str, Any] | None = None
) -> tuple[list[Event], ParseContext]:
    spec = registry.get(kind)
    if spec is None:
        raise KeyError(f"no parser registered for kind {kind!r}")
    ctx = ParseContext(path=path or kind, member=path or kind, kind=kind, hints=dict(hints or {}))
    events = list(spec.parse(StringLineReader(text), ctx))
    return events, ctx
