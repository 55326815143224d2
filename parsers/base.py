"""The parser contract: a pure function of a text stream to events, facts and warnings.

A parser module declares one :class:`ParserSpec` with :func:`parsers.registry.register`:
its source kind, the logical paths it owns (glob patterns), an optional content sniffer used for
loose files, and the parse function.  The parse function never opens files and never decides a
cause: it reads ``reader.lines()`` (or ``reader.read_text()`` for documents), yields
:class:`~analyzer.model.Event` objects and records facts and warnings on ``ctx``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from analyzer.model import Event, Fact


class LineReader(Protocol):
    """What a parse function may read: numbered lines (no newline) or the whole capped text."""

    def lines(self) -> Iterator[tuple[int, str]]: ...

    def read_text(self, max_bytes: int | None = None) -> str: ...


@dataclass
class ParseWarning:
    message: str
    line: int | None = None


@dataclass
class ParseContext:
    """Collects what a parser learns besides events.  One per source."""

    path: str = ""
    member: str = ""
    kind: str = ""
    facts: list[Fact] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    # Lines of a known format that no pattern classified (design: counted, shown in inventory).
    unclassified: int = 0
    records: int = 0
    # Context the driver knows and a format lacks, e.g. ``year`` (int: the year the newest dated
    # record of the bundle or the member's mtime falls in) for year-less syslog stamps.
    hints: dict[str, Any] = field(default_factory=dict)
    # Set by a parser that will not look at ``hints`` again (the rest of its parse cannot depend on
    # them): the driver may then use what a parse without hints gave so far (analyzer.parse).
    hints_done: bool = False

    def fact(self, key: str, value: Any, line: int | None = None, time_raw: str = "", **attrs: Any) -> None:
        self.facts.append(Fact(key=key, value=value, line=line, attrs=attrs, time_raw=time_raw))

    def warn(self, message: str, line: int | None = None) -> None:
        self.warnings.append(ParseWarning(message, line))


ParseFn = Callable[[LineReader, ParseContext], Iterable[Event]]
SniffFn = Callable[[str], bool]


@dataclass(frozen=True)
class ParserSpec:
    """Declaration of one source format.

    ``paths`` are ``fnmatch`` patterns on the logical path (``var/log/waagent.log``; rotation
    suffixes already removed by the bundle reader), matched case-sensitively; ``sniff`` gets the
    first few KiB of a file whose path matched nothing.  Higher ``priority`` is tried first, so
    specific formats win over generic ones.
    """

    name: str
    kind: str
    parse: ParseFn
    paths: tuple[str, ...] = ()
    sniff: SniffFn | None = None
    priority: int = 0
    description: str = ""
    samples: tuple[Any, ...] = ()  # parsers.patterns.Sample: real-format lines with expected fields
