"""Stopping a ProcessPoolExecutor's running work without leaving the process unable to exit.

The executor has no way to stop a running task.  Killing a worker is the usual answer, but a
worker killed while it sends its result leaves half a message in the pool's result pipe; the
pool's manager thread then waits for the rest forever and the interpreter, which joins that thread
at exit, never ends (seen in CI: a batch printed "interrupted", then hung).  So a stop is a signal
that interrupts the task's own work only, never the send: a stop that lands while the worker is
between tasks or sending is noted and taken before the next task starts.  Killing stays the last
resort, after which the caller learns that the process must end without the interpreter's exit
steps.

Used by the batch pool (fork) and the serve pool (spawn): a worker runs ``install_stop_handler``
as its initializer and every task through ``stoppable``.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")

# SIGTERM stays the executor's own (it terminates the workers of a broken pool).
STOP_SIGNAL = signal.SIGUSR1
STOP_SECONDS = 10


class WorkerStopped(BaseException):
    """Raised inside a worker's task when its pool is stopped.  A BaseException, so the analysis'
    own ``except Exception`` guards do not turn it into an error result and run on."""


# Per worker process: is a task running (where a stop may interrupt it), and was a stop asked for.
_state = {"running": False, "stop": False}


_RETRY_SECONDS = 0.05


def _stop_requested(_signum: int, frame: FrameType | None) -> None:
    _state["stop"] = True
    if not _state["running"]:
        return
    if frame is not None and frame.f_code.co_name == "__del__":
        # an exception raised in a finaliser is printed ("Exception ignored in ...") and dropped, and
        # the task would run on: ask again in a moment, from ordinary code
        threading.Timer(_RETRY_SECONDS, os.kill, (os.getpid(), STOP_SIGNAL)).start()
        return
    raise WorkerStopped


def install_stop_handler() -> None:
    """A worker's initializer (or part of it)."""
    signal.signal(STOP_SIGNAL, _stop_requested)


def stoppable(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` in a worker so that ``stop_pool`` can interrupt it, and only it."""
    if _state["stop"]:
        raise WorkerStopped
    _state["running"] = True
    try:
        return fn(*args)
    finally:
        _state["running"] = False


def _signal(process: Any, signum: int) -> None:
    try:
        if process.pid is not None and process.is_alive():
            os.kill(process.pid, signum)
    except (OSError, ValueError):  # already gone
        pass


def stop_pool(pool: ProcessPoolExecutor, seconds: float = STOP_SECONDS) -> bool:
    """Cancel what waits, stop what runs, and end the pool within ``seconds``.

    True when the pool ended cleanly.  False when a worker had to be killed and the pool's manager
    thread did not end: the process must then leave with ``os._exit`` (every result it has is
    already where it belongs), as a normal exit would wait for that thread forever."""
    # the executor has no public handle on its workers; its process table is the only one
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        _signal(process, STOP_SIGNAL)
    deadline = time.monotonic() + seconds
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(1)
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is None:
        return True
    manager.join(max(1.0, deadline - time.monotonic()))
    return not manager.is_alive()
