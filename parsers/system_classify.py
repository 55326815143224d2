"""What one system-log message means: unit lines, then kernel/daemon patterns, then defaults.

See :mod:`parsers.system_messages` for the layers.  Framing-free: the syslog, journal, dmesg and
text parsers call :func:`classify_message` with the message after their own header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import regex

from analyzer.model import EventKind
from parsers.patterns import literal_trie_regex
from parsers.system_kernel import SYSTEM_PATTERNS, post_process
from parsers.system_units import UNIT_PATTERNS, unit_kind

K = EventKind

# --------------------------------------------------------------------------------------------
# 3. defaults by program, and the error-word test for the rest.
# --------------------------------------------------------------------------------------------
_PROGRAM_DEFAULTS: dict[str, tuple[EventKind, dict[str, Any]]] = {
    "fapolicyd": (K.OTHER, {"event": "fapolicyd"}),
    "dhclient": (K.DHCP, {"dhcp_event": "client"}),
    "dhcpcd": (K.DHCP, {"dhcp_event": "client"}),
}
_ERROR_WORDS = regex.compile(
    r"(?i)\b(?:errors?\b(?!=)|fail|failed|failure|denied|timed out|timeout|panic(?!=)|segfault|oops|fatal|critical"
    r"|unable|cannot|can't|refused|unreachable|corrupt\w*|abort\w*)\b"
)
_ANSI = r"(?:\x1b\[[\d;]*m)?"
_CONSOLE_STATUS = regex.compile(
    rf"^\[{_ANSI}\s*(?:OK|FAILED|DEPEND|TIME|\*+)\s*{_ANSI}\] |^\s+(?=Start|Stop|Reach|Fail)"
)


@dataclass(slots=True)
class Classified:
    kind: EventKind
    attrs: dict[str, Any]
    pattern_id: str | None  # None: the default (routine / unclassified other)
    unclassified: bool = False
    agent_unit: str | None = None  # "walinuxagent" / "waagent" when the line names the agent unit


def _systemd_like(program: str) -> bool:
    return not program or program.startswith("systemd") or program == "init"


_UNIT_VERBS = ("Started ", "Starting ", "Stopped ", "Stopping ", "Failed to start ", "Unit ")
_UNIT_SUFFIXES = (".service", ".scope", ".slice", ".mount", ".socket", ".timer", ".target", ".path", ".swap")


def _unit_gate(text: str) -> bool:
    """Cheap test before the unit patterns: a systemd verb first, or "<unit>:" / "<unit> failed."."""
    if text.startswith(_UNIT_VERBS):
        return True
    head = text.split(" ", 1)[0].rstrip(":")
    return head.endswith(_UNIT_SUFFIXES) or head == "walinuxagent"


def _gate(literals: list[str]) -> re.Pattern[str]:
    # One stdlib-re scan over all pattern literals before the PatternSet: most system-log lines hit
    # nothing.  The literals as a trie: `re` is several times faster on it than on a flat alternation
    # (and than `regex` on either); it only says whether some literal occurs, which is all we ask.
    return re.compile(literal_trie_regex(set(literals)))


_SYSTEM_GATE = _gate([lit for p in SYSTEM_PATTERNS.patterns for lit in p.literals])
# Substrings of the error words: a cheap first test before the word-boundary regex.
_ERROR_STEMS = (
    "error",
    "fail",
    "denied",
    "time",
    "panic",
    "segfault",
    "oops",
    "fatal",
    "critical",
    "unable",
    "cannot",
    "can't",
    "refused",
    "unreachable",
    "corrupt",
    "abort",
)


def _has_error_word(message: str) -> bool:
    low = message.lower()
    return any(stem in low for stem in _ERROR_STEMS) and _ERROR_WORDS.search(message) is not None


def classify_message(message: str, program: str = "", unit: str | None = None, level: str | None = None) -> Classified:
    """Meaning of one system-log message (no agent header: see :func:`split_embedded`)."""
    systemd_like = _systemd_like(program)
    if systemd_like:
        text = message
        if text.startswith(("[", " ")):
            # serial console: "[  OK  ] Started Azure Linux Agent." / "         Stopping …"
            m = _CONSOLE_STATUS.match(text)
            if m:
                text = text[m.end() :]
        if _unit_gate(text):
            um = UNIT_PATTERNS.match(text)
            if um is not None:
                attrs = um.attrs
                kind, agent_unit = unit_kind(attrs, unit)
                return Classified(kind, attrs, um.pattern.id, agent_unit=agent_unit)
    if _SYSTEM_GATE.search(message) is not None:
        m = SYSTEM_PATTERNS.match(message)
        if m is not None:
            attrs = m.attrs
            post_process(m.pattern.id, message, attrs)
            return Classified(m.pattern.kind, attrs, m.pattern.id)
    default = _PROGRAM_DEFAULTS.get(program)
    if default is not None:
        return Classified(default[0], dict(default[1]), f"program:{program}")
    if level == "ERROR" or _has_error_word(message):
        return Classified(K.OTHER, {}, None, unclassified=True)
    return Classified(K.ROUTINE, {}, None)
