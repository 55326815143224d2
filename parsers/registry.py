"""Registry of source formats: which parser owns a kind, and kind detection by path and content."""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
from functools import cache

from parsers.base import ParserSpec

_SPECS: dict[str, ParserSpec] = {}
_LOAD_ERRORS: dict[str, str] = {}

TEXT_KIND = "text"


def register(spec: ParserSpec) -> ParserSpec:
    if spec.kind in _SPECS and _SPECS[spec.kind] is not spec:
        raise ValueError(f"kind {spec.kind!r} registered twice")
    _SPECS[spec.kind] = spec
    return spec


@cache
def _load_all() -> None:
    import parsers

    for info in pkgutil.iter_modules(parsers.__path__):
        if not info.name.startswith("_") and info.name not in {"base", "registry", "testing", "patterns"}:
            try:
                importlib.import_module(f"parsers.{info.name}")
            except Exception as exc:  # one broken format must not take the others down  # noqa: BLE001
                _LOAD_ERRORS[info.name] = f"{type(exc).__name__}: {exc}"


def load_errors() -> dict[str, str]:
    """Modules that failed to import (a test asserts this is empty)."""
    _load_all()
    return dict(_LOAD_ERRORS)


def specs() -> list[ParserSpec]:
    """All registered formats, most specific (highest priority) first."""
    _load_all()
    return sorted(_SPECS.values(), key=lambda s: (-s.priority, s.kind))


def get(kind: str) -> ParserSpec | None:
    _load_all()
    return _SPECS.get(kind)


def kind_from_path(path: str) -> str | None:
    """The kind whose path patterns match the logical path, or None."""
    name = path.rsplit("/", 1)[-1]
    for spec in specs():
        for pattern in spec.paths:
            target = path if "/" in pattern else name
            if fnmatch.fnmatchcase(target, pattern):
                return spec.kind
    return None


def kind_from_content(head: str) -> str | None:
    """The kind whose sniffer recognises the first KiB of a file, or None."""
    for spec in specs():
        if spec.sniff is not None and spec.kind != TEXT_KIND:
            try:
                if spec.sniff(head):
                    return spec.kind
            except Exception:  # a sniffer must never break detection  # noqa: BLE001
                continue
    return None


def detect_kind(path: str, head: str) -> str:
    """Path first (where the file lived says most), then content, else generic text."""
    return kind_from_path(path) or kind_from_content(head) or TEXT_KIND
