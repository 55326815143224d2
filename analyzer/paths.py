"""Member names → logical VM paths: normalisation, refusal of hostile names, rotation, truncation."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Components where a VM path starts inside an archive ("host-1/var/log/…", "sosreport-x/etc/…").
_ANCHORS = ("var", "etc", "run", "usr", "sos_commands", "boot", "proc")

_ROTATED = re.compile(
    r"^(?P<base>.+?\.log|syslog|messages|kern\.log|daemon\.log|dmesg|auth\.log|secure|cron|boot\.log)"
    r"(?:\.(?P<num>\d+)|-(?P<ymd>\d{8})|-(?P<dated>\d{4}-\d{2}-\d{2})-(?P<epoch>\d+))?"
    r"(?:\.(?:gz|bz2|xz))?$"
)
_TRUNCATED_PREFIXES = (
    # (flattened prefix, real directory) — the log collector replaces "/" by "_" in the path
    ("var_log_azure_", "var/log/azure/"),
    ("var_lib_waagent_", "var/lib/waagent/"),
    ("var_log_", "var/log/"),
    ("etc_", "etc/"),
)


class UnsafePath(ValueError):
    """A member name that must not be used: absolute, drive-qualified or climbing out with '..'."""


def normalise_member_name(name: str) -> str:
    """The member name with '/' separators and no '.' parts; raises UnsafePath for hostile names."""
    raw = name.replace("\\", "/")
    if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
        raise UnsafePath(f"absolute path {name!r}")
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise UnsafePath(f"path traversal in {name!r}")
    if any("\x00" in p for p in parts):
        raise UnsafePath(f"NUL byte in {name!r}")
    return "/".join(parts)


def untruncate(name: str) -> tuple[str, bool]:
    """Map a log collector ``truncated_var_log_syslog.1`` member back to ``var/log/syslog.1``."""
    base = name.rsplit("/", 1)[-1]
    if not base.startswith("truncated_"):
        return name, False
    flat = base[len("truncated_") :].lstrip("_")
    for prefix, real in _TRUNCATED_PREFIXES:
        if flat.startswith(prefix):
            rest = flat[len(prefix) :]
            if real == "var/log/azure/" and "_" in rest:
                handler, _, filename = rest.partition("_")
                return f"{real}{handler}/{filename}", True
            return real + rest, True
    return flat, True


def logical_path(member_path: str) -> str:
    """Where the file lived on the VM, as far as the member path tells."""
    parts = member_path.split("/")
    for i, part in enumerate(parts[:-1]):
        if part in _ANCHORS:
            if part == "var" and i + 1 < len(parts) - 1 and parts[i + 1] not in ("log", "lib", "run", "tmp"):
                continue
            return "/".join(parts[i:])
    return member_path


@dataclass(frozen=True)
class Rotation:
    group: str  # logical path of the current file of this rotation set
    age: tuple[int, int]  # larger = older; (0, 0) = the live file


def rotation_of(path: str) -> Rotation:
    """Group rotated siblings (``.1``, ``.2.gz``, ``-20240101``, ``-2024-05-01-1714521600.gz``)."""
    head, _, name = path.rpartition("/")
    m = _ROTATED.match(name)
    if not m:
        return Rotation(path, (0, 0))
    group = f"{head}/{m.group('base')}" if head else m.group("base")
    if m.group("num"):
        return Rotation(group, (1, int(m.group("num"))))
    if m.group("ymd"):
        return Rotation(group, (2, -int(m.group("ymd"))))
    if m.group("epoch"):
        return Rotation(group, (2, -int(m.group("epoch"))))
    return Rotation(group, (0, 0))
