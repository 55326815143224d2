"""Version and Python knowledge of family 3: which VMSnapshot version ran, on which Python.

The ``-1.0`` of ``[…VMSnapshotLinux-1.0]`` is the HandlerEnvironment version and "Guest Agent
Version is :WALinuxAgent-2.0.16" a constant of the extension's bundled library, so a handler version
is only taken from a four-part number (``1.0.9225.0``).  The Python that matters is the one
``handle.sh`` picked (shell.log, traceback paths, the extension's telemetry, else the distribution
default from versions.toml), never the agent's.  Removed standard-library modules are data
(versions.toml ``python.removed``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from analyzer.knowledge import compare_versions
from analyzer.model import EventKind
from analyzer.rules.base import RuleContext

VMS = "VMSnapshotLinux"
K = EventKind

_MODULE = re.compile(r"No module named '?([\w.]+)'?")
_CANNOT_IMPORT = re.compile(r"cannot import name '?(\w+)'? from '?([\w.]+)'?")
_PY_PATH = re.compile(r"/python(\d+\.\d+)/")
_INTERPRETER = re.compile(r"python ?(\d+(?:\.\d+)?)")
_VERSION_ONLY = re.compile(r"\d+\.\d+")
_FOUR_PART = re.compile(r"\d+\.\d+\.\d+\.\d+")


def real_version(value: object) -> str | None:
    """A real extension version (``1.0.9225.0``), never the HandlerEnvironment ``1.0`` or ``2.0.16``."""
    m = _FOUR_PART.match(str(value or "").strip())
    return m.group(0) if m else None


def handler_version(ctx: RuleContext) -> str | None:
    """The VMSnapshot version of the analysed run, else the last one the bundle names before its end."""
    if ctx.run is not None and (v := real_version(ctx.run.handler_version)):
        return v
    for ref in reversed(list(ctx.events(handler=VMS, in_window=True))):
        if v := real_version(ref.event.handler_version or ref.event.attrs.get("version")):
            return v
    found = None
    for fact in ctx.facts_for("extension.version"):
        if (v := real_version(fact.value)) is not None:
            found = v
    return found


def min_python_for(ctx: RuleContext, module: str | None) -> str | None:
    """The first Python without ``module`` (data: versions.toml ``python.removed``)."""
    if not module:
        return None
    found = [r.version for r in ctx.versions.python_removed if module in r.modules]
    return min(found, key=lambda v: tuple(int(p) for p in v.split("."))) if found else None


def extension_python(
    ctx: RuleContext, texts: Iterable[str] = (), at_least: str | None = None
) -> tuple[str | None, str]:
    """(Python version, where it was read) of the interpreter handle.sh picked — never the agent's.

    Candidates in order: a ``/pythonX.Y/`` path in the failing output, a versioned interpreter in
    shell.log, the extension's own facts (telemetry, tracebacks; newest first), the distribution's
    default python3.  ``at_least`` (implied by a removed-module import error) discards candidates that
    contradict it — e.g. a telemetry value written before an OS upgrade.
    """
    candidates: list[tuple[str, str]] = []
    for text in texts:
        if m := _PY_PATH.search(text):
            candidates.append((m.group(1), "traceback path"))
    for ref in reversed(list(ctx.events(K.EXT_COMMAND_RESULT, in_window=True, parsers=("vmsnapshot_shell_log",)))):
        if (m := _INTERPRETER.search(str(ref.event.attrs.get("interpreter", "")))) and "." in m.group(1):
            candidates.append((m.group(1), "shell.log"))
    # shell.log names the interpreter ("python3"), the extension's telemetry and tracebacks its version;
    # a value written before the window (an earlier run, maybe before an OS upgrade) ranks below the
    # distribution default of the OS the bundle shows now
    older: list[tuple[str, str]] = []
    for fact in reversed(ctx.facts_for("extension.python")):
        if _VERSION_ONLY.match(str(fact.value)):
            where = f"{fact.source or 'extension'} ({fact.attrs.get('basis', 'fact')})"
            when = _raw_time(fact.time_raw)
            recent = when is not None and ctx.window is not None and when >= ctx.window[0]
            (candidates if recent else older).append((str(fact.value), where))
    os_id, os_version = ctx.fact("os.id"), ctx.fact("os.version")
    if os_id and os_version and (default := ctx.versions.default_python(str(os_id), str(os_version))):
        candidates.append((default, f"default python3 of {os_id} {os_version}"))
    candidates += older
    for version, where in candidates:
        if at_least is None or compare_versions(version, at_least) >= 0:
            return version, where
    if at_least is not None:
        return at_least, "implied by the removed module"
    return None, ""


def _raw_time(raw: str) -> datetime | None:
    """A fact's written time when it is an ISO / extension-log stamp (naive, as the window)."""
    try:
        return datetime.fromisoformat(raw.strip().replace("/", "-").rstrip("Z")[:26])
    except ValueError:
        return None


def short_python(version: str | None) -> str | None:
    if not version:
        return None
    parts = version.split(".")
    return ".".join(parts[:2])


def removed_module(ctx: RuleContext, text: str) -> str | None:
    """The removed standard-library module (data: versions.toml) an import error names, if any."""
    removed = ctx.versions.removed_modules("99")
    for m in _MODULE.finditer(text):
        if m.group(1).split(".")[0] in removed:
            return m.group(1).split(".")[0]
    for m in _CANNOT_IMPORT.finditer(text):
        if m.group(2).split(".")[0] in removed:
            return m.group(2).split(".")[0]
    return None
