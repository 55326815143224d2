"""The named caps of design §5, settable with ``--limit NAME=VALUE``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

_UNITS = {
    "": 1,
    "k": 1 << 10,
    "kb": 1 << 10,
    "kib": 1 << 10,
    "m": 1 << 20,
    "mb": 1 << 20,
    "mib": 1 << 20,
    "g": 1 << 30,
    "gb": 1 << 30,
    "gib": 1 << 30,
}
_VALUE = re.compile(r"^\s*(\d+)\s*([a-zA-Z]*)\s*$")


class LimitError(ValueError):
    """A ``--limit`` argument that names no cap or carries no usable value."""


@dataclass(frozen=True)
class Limits:
    max_total_bytes: int = 4 << 30
    max_member_bytes: int = 2 << 30
    max_members: int = 100_000
    max_ratio: int = 200
    max_depth: int = 4
    max_record_bytes: int = 1 << 20

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def parse(cls, items: Iterable[str]) -> Limits:
        limits = cls()
        for item in items:
            name, sep, raw = item.partition("=")
            name = name.strip()
            if not sep or name not in cls.names():
                raise LimitError(f"unknown limit {item!r}; known: {', '.join(cls.names())}")
            m = _VALUE.match(raw)
            if not m or m.group(2).lower() not in _UNITS:
                raise LimitError(f"limit {name} needs a whole number (units K, M, G allowed), got {raw!r}")
            value = int(m.group(1)) * _UNITS[m.group(2).lower()]
            if value <= 0:
                raise LimitError(f"limit {name} must be positive")
            limits = replace(limits, **{name: value})
        return limits
