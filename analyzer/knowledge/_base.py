"""Shared vocabularies, version arithmetic and the validating TOML table reader."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

# ─────────────────────────────────────────── vocabularies ───────────────────────────────────────────

LANGS = ("en", "zh-CN")
FAMILIES = (1, 2, 3, 4)
CAUSE_OS = ("linux", "windows")
STEP_OS = ("linux", "windows", "any")
CLOUDS = ("AzureCloud", "AzureChinaCloud", "AzureUSGovernment")
STEP_CLOUDS = ("any", *CLOUDS)
#: Last-reached run phases, in run order.
PHASES = ("no-enable", "enable-failed", "before-freeze", "freeze", "snapshot", "thaw", "status", "finished")
#: Source kinds a cause may need (the bundle's kind names).
SOURCE_KINDS = (
    "waagent_log",
    "command_execution_log",
    "vmsnapshot_extension_log",
    "vmsnapshot_shell_log",
    "handler_status_file",
    "waagent_status_json",
    "extensions_config_xml",
    "goal_state_xml",
    "hosting_env_xml",
    "shared_config_xml",
    "waagent_conf",
    "vmbackup_conf",
    "dhcp_lease",
    "os_release",
    "syslog",
    "journal",
    "dmesg",
)
CODE_OUTCOMES = ("success", "failure", "in-progress", "skipped", "benign", "unused")
HEALTH = ("green", "yellow", "red")

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VERSION_RE = re.compile(r"^\s*[vV]?(\d+(?:\.\d+)*)")
_PLACEHOLDER_RE = re.compile(r"@([A-Za-z_]+)@")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_CLOUD_FIELDS = ("docs", "portal", "blob_suffix")


class KnowledgeError(ValueError):
    """A knowledge file is missing or malformed.  The message names the file and the key."""

    def __init__(self, file: str, where: str, message: str) -> None:
        self.file = file
        self.where = where
        super().__init__(f"{file}: {where}: {message}" if where else f"{file}: {message}")


# ─────────────────────────────────────────── versions ───────────────────────────────────────────


def parse_version(version: str) -> tuple[int, ...]:
    """The leading dotted number of ``version`` as integers (``"2.2.53.1"`` → ``(2, 2, 53, 1)``).

    A suffix is ignored (``"2.1.5.rc5"`` → ``(2, 1, 5)``, ``"2.2.45-0ubuntu1"`` → ``(2, 2, 45)``);
    trailing zeros are dropped so ``"1.0"`` equals ``"1.0.0"``.  Raises ``ValueError`` when the text
    does not start with a number.
    """
    if not isinstance(version, str):
        raise ValueError(f"not a version: {version!r}")
    m = _VERSION_RE.match(version)
    if m is None:
        raise ValueError(f"not a version: {version!r}")
    parts = [int(p) for p in m.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as dotted version ``a`` is lower than, equal to or higher than ``b``, numerically
    (``"2.10" > "2.9"``, ``"1.0.9225.0" > "1.0.91.0"``)."""
    pa, pb = parse_version(a), parse_version(b)
    width = max(len(pa), len(pb))
    pa += (0,) * (width - len(pa))
    pb += (0,) * (width - len(pb))
    return (pa > pb) - (pa < pb)


@dataclass(frozen=True)
class VersionRange:
    """``min`` ≤ v ≤ ``max`` / v < ``max_exclusive``; a missing bound is open."""

    min: str | None = None
    max: str | None = None
    max_exclusive: str | None = None

    def contains(self, version: str) -> bool:
        if self.min is not None and compare_versions(version, self.min) < 0:
            return False
        if self.max is not None and compare_versions(version, self.max) > 0:
            return False
        return not (self.max_exclusive is not None and compare_versions(version, self.max_exclusive) >= 0)

    def __str__(self) -> str:
        low = f">={self.min}" if self.min else ""
        high = f"<={self.max}" if self.max else (f"<{self.max_exclusive}" if self.max_exclusive else "")
        return ",".join(p for p in (low, high) if p) or "any"


# ─────────────────────────────────────────── reading ───────────────────────────────────────────


def _key(directory: str | os.PathLike[str] | None) -> str | None:
    return None if directory is None else str(Path(directory).resolve())


def _read(key: str | None, name: str) -> dict[str, Any]:
    try:
        if key is None:
            data = resources.files("analyzer.knowledge").joinpath(name).read_bytes()
        else:
            data = Path(key, name).read_bytes()
    except FileNotFoundError:
        raise KnowledgeError(name, "", "file not found") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise KnowledgeError(name, "", f"not valid TOML: {exc}") from None


class _Table:
    """A TOML table being validated: typed getters, and a check that no unknown key is left."""

    def __init__(self, file: str, where: str, raw: Any) -> None:
        if not isinstance(raw, dict):
            raise KnowledgeError(file, where, f"expected a table, got {type(raw).__name__}")
        self.file, self.where, self.raw = file, where, raw
        self._seen: set[str] = set()

    def err(self, key: str | None, message: str) -> KnowledgeError:
        where = f"{self.where}.{key}" if key and self.where else (key or self.where)
        return KnowledgeError(self.file, where, message)

    def has(self, key: str) -> bool:
        return key in self.raw

    def get(self, key: str, kind: type | tuple[type, ...], *, required: bool = True, default: Any = None) -> Any:
        self._seen.add(key)
        if key not in self.raw:
            if required:
                raise self.err(key, "missing")
            return default
        value = self.raw[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            raise self.err(key, f"expected {'/'.join(k.__name__ for k in kinds)}, got bool")
        if not isinstance(value, kinds):
            raise self.err(key, f"expected {'/'.join(k.__name__ for k in kinds)}, got {type(value).__name__}")
        return value

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.get(key, str, required=required)
        if value is not None and not value.strip():
            raise self.err(key, "empty")
        return value

    def strings(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.get(key, list, required=required, default=[])
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.err(f"{key}[{i}]", "expected a non-empty string")
        return tuple(value)

    def version(self, key: str, *, required: bool = True) -> str | None:
        value = self.text(key, required=required)
        if value is not None:
            try:
                parse_version(value)
            except ValueError:
                raise self.err(key, f"not a dotted version: {value!r}") from None
        return value

    def localized(self, key: str | None = None) -> Text:
        """``key = { en, zh-CN }``, or (key None) the ``en`` / ``zh-CN`` keys of this table."""
        sub = (
            self
            if key is None
            else _Table(self.file, f"{self.where}.{key}" if self.where else key, self.get(key, dict))
        )
        values = {}
        for lang in LANGS:
            value = sub.raw.get(lang)
            sub._seen.add(lang)
            if not isinstance(value, str) or not value.strip():
                raise sub.err(lang, "missing" if value is None else "expected a non-empty string")
            values[lang] = value.strip()
        if not _CJK_RE.search(values["zh-CN"]):
            raise sub.err("zh-CN", "contains no Chinese text (a placeholder or untranslated copy?)")
        if key is not None:
            sub.done()
        return Text(values["en"], values["zh-CN"])

    def choice(self, key: str, allowed: Iterable[Any], *, required: bool = True, kind: type = str) -> Any:
        value = self.get(key, kind, required=required)
        allowed = tuple(allowed)
        if value is not None and value not in allowed:
            raise self.err(key, f"unknown value {value!r}; expected one of {', '.join(map(str, allowed))}")
        return value

    def array_of_tables(self, key: str, *, required: bool = True) -> list[_Table]:
        value = self.get(key, list, required=required, default=[])
        base = f"{self.where}.{key}" if self.where else key
        return [_Table(self.file, f"{base}[{i}]", item) for i, item in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self._seen)
        if unknown:
            raise self.err(None, f"unknown key(s): {', '.join(unknown)}")


def _check_version_header(t: _Table, expected: str | None = None) -> str:
    kv = t.text("knowledge_version")
    if not re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", kv):
        raise t.err("knowledge_version", f"expected YYYY.M.N, got {kv!r}")
    if expected is not None and kv != expected:
        raise t.err("knowledge_version", f"{kv!r} differs from causes.toml ({expected!r})")
    return kv


# ─────────────────────────────────────────── catalogue ───────────────────────────────────────────


@dataclass(frozen=True)
class Text:
    """A text in every supported language."""

    en: str
    zh_cn: str

    def get(self, lang: str = "en") -> str:
        return self.zh_cn if lang.lower().startswith("zh") else self.en

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "zh-CN": self.zh_cn}
