"""Analysers for the job-pool tests, importable by the pool's spawned workers.

They wrap the real analyser and misbehave only for uploads whose file name asks them to:
``crash-*`` kills the worker process outright, ``hang-*`` never returns on its own.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from analyzer.serve.jobs import analyse_folder
from analyzer.serve.store import Finished


def misbehaving(folder: str, lang: str, timeout_seconds: int) -> Finished:
    names = [p.name for p in Path(folder).iterdir()]
    if any(n.startswith("crash-") for n in names):
        os._exit(9)  # as a segfault or the OOM killer would end it: no exception, no cleanup
    if any(n.startswith("hang-") for n in names):
        return analyse_folder_after(folder, lang, timeout_seconds, hang=True)
    # well-behaved uploads get a generous limit: on a busy machine a first analysis in a fresh
    # worker (imports included) can take longer than the tiny limit the hang test sets
    return analyse_folder(folder, lang, max(timeout_seconds, 120))


def analyse_folder_after(folder: str, lang: str, timeout_seconds: int, hang: bool) -> Finished:
    """The real analyser, entered after an endless wait so its own timeout alarm has to stop it."""
    from analyzer import produce

    original = produce.produce

    def slow(*args: object, **kwargs: object) -> object:
        while hang:
            try:
                time.sleep(1)
            except Exception:  # noqa: BLE001 - as the analysis' own per-source guards do: the alarm must get past
                pass
        return original(*args, **kwargs)  # type: ignore[arg-type]

    produce.produce = slow  # type: ignore[assignment]
    try:
        return analyse_folder(folder, lang, timeout_seconds)
    finally:
        produce.produce = original
