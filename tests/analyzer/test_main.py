"""The entry point: a Ctrl-C while the program is still importing ends like a later one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

_SCRIPT = """
import builtins, os, signal, sys
real_import = builtins.__import__
def interrupting_import(name, *args, **kwargs):
    if name == "analyzer.cli":  # Ctrl-C pressed while the heavy imports run
        os.kill(os.getpid(), signal.SIGINT)
    return real_import(name, *args, **kwargs)
builtins.__import__ = interrupting_import
from analyzer.__main__ import main
sys.argv = ["snapdiag", "--help"]
main()
"""


def test_ctrl_c_during_start_up_is_exit_130_without_a_traceback() -> None:
    run = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[2]
    )
    assert run.returncode == 130, run.stderr
    assert run.stderr == "snapdiag: interrupted\n"


def test_after_start_up_ctrl_c_is_the_cli_s_again(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    from analyzer.__main__ import main

    monkeypatch.setattr(sys, "argv", ["snapdiag", "--version"])
    previous = signal.getsignal(signal.SIGINT)
    try:
        try:
            main()
        except SystemExit:
            pass
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
