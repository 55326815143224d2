"""Analyses of uploads, run in a small process pool so the server stays responsive.

A job that raises becomes a failed history row.  A worker that dies outright (out of memory, a
crash in a C extension) breaks the whole pool: it is replaced, jobs that had not started are
requeued, and jobs that were running are re-run one at a time in a pool of their own, so the
culprit fails alone and bystanders finish.  A job longer than ``timeout_seconds`` is stopped inside
its worker by an alarm.
Uploaded files are deleted as soon as their job ends, however it ends.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import shutil
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import FrameType

from analyzer.pool_stop import WorkerStopped, install_stop_handler, stop_pool, stoppable
from analyzer.serve.store import Finished, History

Analyser = Callable[[str, str, int], Finished]


CRASHED = Finished(error="the analysis worker stopped unexpectedly (out of memory or a crash)")
STOPPED = Finished(error="the server stopped before this analysis finished; drop the bundle again")


class JobTimeout(BaseException):
    """Raised inside a worker when a job has run longer than allowed.

    A BaseException so that the analysis' own ``except Exception`` guards (a parser bug degrades
    one source only) cannot swallow it and run on."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise JobTimeout


def _one_line(text: str, folder: str) -> str:
    from analyzer.redact import Redactor

    # messages name the private upload folder; the user knows the files by their own names.
    # An exception's text may quote log content: it is redacted like every other output.
    text = text.replace(folder + "/", "").replace(folder, "upload")
    return (Redactor()((text.splitlines() or [""])[0]) or "")[:300]


def analyse_folder(folder: str, lang: str, timeout_seconds: int) -> Finished:
    """Runs in a worker: analyse the uploaded files in ``folder`` and render every report."""
    from analyzer.bundle import BundleError
    from analyzer.limits import Limits
    from analyzer.produce import ReportRequest, produce

    inputs = sorted(str(p) for p in Path(folder).iterdir())
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(max(1, timeout_seconds))
    try:
        produced = produce(inputs, Limits(), ReportRequest(lang=lang, html=True, json=True, summary="text"))
    except BundleError as exc:
        return Finished(error=_one_line(str(exc), folder))
    except JobTimeout:
        return Finished(error=f"the analysis took longer than {timeout_seconds} s and was stopped")
    except MemoryError:
        return Finished(error="the analysis ran out of memory")
    except Exception as exc:  # noqa: BLE001 - one bad bundle must not take the server down: report it as the job's error
        return Finished(error=_one_line(f"internal error: {type(exc).__name__}: {exc}", folder))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    summary = produced.result.get("result", {})
    top = next(
        (f for f in produced.result.get("findings", []) if f.get("cause") == summary.get("top_cause")),
        None,
    )
    redact = produced.redactor
    return Finished(
        status=summary.get("status"),
        top_cause=summary.get("top_cause"),
        title=redact(top.get("title")) if top else None,
        verdict=top.get("verdict") if top else None,
        confidence=top.get("confidence") if top else None,
        headline=redact(top.get("summary")) if top else None,
        html=produced.html,
        json=produced.json,
        summary=produced.summary,
    )


def run_job(analyser: Analyser, db_path: str, entry_id: str, folder: str, lang: str, timeout_seconds: int) -> Finished:
    """The worker's entry point: mark the row running (so the page can say so), then analyse."""
    History(Path(db_path), create=False).mark_running(entry_id)
    return analyser(folder, lang, timeout_seconds)


class JobPool:
    """Queues analyses on a process pool and records their outcome in the history."""

    # a job still queued when its pool broke is requeued in a fresh pool (this many times at most,
    # in case workers die before they start anything); a job that was running is retried alone
    REQUEUES = 5

    def __init__(
        self,
        history: History,
        workers: int = 2,
        timeout_seconds: int = 900,
        analyser: Analyser = analyse_folder,
    ) -> None:
        self.history = history
        self.workers = workers
        self.timeout_seconds = timeout_seconds
        self.analyser = analyser
        # spawn, not fork: the server runs threads (uvicorn, SQLite calls) that fork would copy mid-flight
        self._context = multiprocessing.get_context("spawn")
        self._pool: ProcessPoolExecutor | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._quarantine = asyncio.Lock()
        self._closed = False
        self._alone_pool: ProcessPoolExecutor | None = None
        # False once a stopped pool left a thread the interpreter would wait for at exit forever
        self.clean = True

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=self._context, initializer=install_stop_handler
            )
        return self._pool

    def _replace_broken(self, broken: ProcessPoolExecutor) -> None:
        if self._pool is broken:
            self._pool = None
            broken.shutdown(wait=False, cancel_futures=True)

    @property
    def pending(self) -> int:
        """Jobs accepted and not yet finished (running or waiting for a worker)."""
        return len(self._tasks)

    def submit(self, entry_id: str, folder: Path, lang: str) -> None:
        """Start the job in the background; the upload folder is removed when it ends."""
        task = asyncio.get_running_loop().create_task(self._run(entry_id, folder, lang))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, entry_id: str, folder: Path, lang: str) -> None:
        try:
            outcome = await self._analyse(entry_id, folder, lang)
        finally:
            await asyncio.to_thread(shutil.rmtree, folder, True)
        await asyncio.to_thread(self.history.finish, entry_id, outcome)

    async def _analyse(self, entry_id: str, folder: Path, lang: str) -> Finished:
        args = (self.analyser, str(self.history.path), entry_id, str(folder), lang, self.timeout_seconds)
        for _attempt in range(self.REQUEUES):
            if self._closed:
                return STOPPED
            executor = self._executor()
            try:
                return await asyncio.wrap_future(executor.submit(stoppable, run_job, *args))
            except BrokenProcessPool:
                self._replace_broken(executor)
            except WorkerStopped:
                return STOPPED
            except Exception as exc:  # noqa: BLE001 - e.g. a result that could not be sent back
                first = (str(exc).splitlines() or [""])[0][:200]
                return Finished(error=f"internal error: {type(exc).__name__}: {first}")
            if self._closed:
                return STOPPED
            entry = await asyncio.to_thread(self.history.get, entry_id)
            if entry is None or entry.state != "queued":
                break  # it had started: it may be what broke the pool
        return await self._alone(args)

    async def _alone(self, args: tuple[object, ...]) -> Finished:
        """A job that was running when its pool broke runs again by itself, one suspect at a time:
        if it is the culprit it breaks only its own pool and fails; a bystander finishes."""
        async with self._quarantine:
            if self._closed:
                return STOPPED
            pool = self._alone_pool = ProcessPoolExecutor(
                max_workers=1, mp_context=self._context, initializer=install_stop_handler
            )
            try:
                return await asyncio.wrap_future(pool.submit(stoppable, run_job, *args))
            except BrokenProcessPool:
                return STOPPED if self._closed else CRASHED
            except WorkerStopped:
                return STOPPED
            except Exception as exc:  # noqa: BLE001 - e.g. a result that could not be sent back
                first = (str(exc).splitlines() or [""])[0][:200]
                return Finished(error=f"internal error: {type(exc).__name__}: {first}")
            finally:
                self._alone_pool = None
                pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the workers now: a long analysis must not hold up Ctrl+C (its row is marked
        failed at the next start, and its upload removed)."""
        self._closed = True
        pools = [self._pool, self._alone_pool]
        self._pool = self._alone_pool = None
        for pool in pools:
            if pool is not None and not stop_pool(pool):
                self.clean = False
