"""The knowledge base as data: typed, validated, cached access to ``analyzer/knowledge/*.toml``.

Five files, each with the same ``knowledge_version``:

- ``causes.toml``   the cause catalogue (ids, families, titles, summaries, needs, phases, remedies)
- ``codes.toml``    VMSnapshot status codes, host status values, agent error codes, portal codes
- ``versions.toml`` agent / extension / Python version knowledge
- ``weights.toml``  evidence weights, time decay and verdict thresholds
- ``collect.toml``  the ``collect_next`` commands

Every loader takes an optional ``directory`` (default: this package) so tests can point it at a
copy, validates the whole file and raises :class:`KnowledgeError` naming the file and the key on
anything malformed.  Results are frozen dataclasses, cached per directory.
"""

from __future__ import annotations

import os
from functools import cache

from analyzer.knowledge._base import (
    CAUSE_OS,
    CLOUDS,
    FAMILIES,
    LANGS,
    PHASES,
    SOURCE_KINDS,
    KnowledgeError,
    Text,
    VersionRange,
    _key,
    _read,
    compare_versions,
    parse_version,
)
from analyzer.knowledge.catalogue import Catalogue, Cause, Cloud, RemedyStep, _build_catalogue
from analyzer.knowledge.codes import AgentErrorCode, CodeTable, HostStatusCode, PortalCode, StatusCode, _build_codes
from analyzer.knowledge.collect import Collect, CollectCommand, DistroFamily, _build_collect
from analyzer.knowledge.versions import (
    AgentVersions,
    AutoUpdate,
    BrokenExtension,
    BrokenMatch,
    DistroPython,
    ExtensionVersions,
    KnownBadAgent,
    PythonRemoval,
    Versions,
    _build_versions,
)
from analyzer.knowledge.weights import Weights, _build_weights

__all__ = [
    "CAUSE_OS",
    "CLOUDS",
    "FAMILIES",
    "LANGS",
    "PHASES",
    "SOURCE_KINDS",
    "AgentErrorCode",
    "AgentVersions",
    "AutoUpdate",
    "BrokenExtension",
    "BrokenMatch",
    "Catalogue",
    "Cause",
    "Cloud",
    "CodeTable",
    "Collect",
    "CollectCommand",
    "DistroFamily",
    "DistroPython",
    "ExtensionVersions",
    "HostStatusCode",
    "KnowledgeError",
    "KnownBadAgent",
    "PortalCode",
    "PythonRemoval",
    "RemedyStep",
    "StatusCode",
    "Text",
    "VersionRange",
    "Versions",
    "Weights",
    "clear_cache",
    "compare_versions",
    "load_catalogue",
    "load_codes",
    "load_collect",
    "load_versions",
    "load_weights",
    "parse_version",
]


@cache
def _catalogue(key: str | None) -> Catalogue:
    return _build_catalogue(_read(key, "causes.toml"))


@cache
def _codes(key: str | None) -> CodeTable:
    return _build_codes(_read(key, "codes.toml"), _catalogue(key))


@cache
def _versions(key: str | None) -> Versions:
    return _build_versions(_read(key, "versions.toml"), _catalogue(key))


@cache
def _weights(key: str | None) -> Weights:
    return _build_weights(_read(key, "weights.toml"), _catalogue(key))


@cache
def _collect(key: str | None) -> Collect:
    return _build_collect(_read(key, "collect.toml"), _catalogue(key))


def load_catalogue(directory: str | os.PathLike[str] | None = None) -> Catalogue:
    """The cause catalogue of ``directory`` (default: the packaged knowledge files)."""
    return _catalogue(_key(directory))


def load_codes(directory: str | os.PathLike[str] | None = None) -> CodeTable:
    """Status, host, agent and portal codes; every candidate is checked against the catalogue."""
    return _codes(_key(directory))


def load_versions(directory: str | os.PathLike[str] | None = None) -> Versions:
    return _versions(_key(directory))


def load_weights(directory: str | os.PathLike[str] | None = None) -> Weights:
    return _weights(_key(directory))


def load_collect(directory: str | os.PathLike[str] | None = None) -> Collect:
    return _collect(_key(directory))


def clear_cache() -> None:
    """Forget every loaded file (after editing knowledge files in a long-lived process)."""
    for fn in (_catalogue, _codes, _versions, _weights, _collect):
        fn.cache_clear()
