"""Where a batch's bundles are analysed: a local process pool, or an existing Dask cluster.

Both run the same task (``worker.analyse_job``) with the same settings, so their outputs are
identical; neither schedules anything itself (the pool and Dask do).
"""

from __future__ import annotations

import multiprocessing
import secrets
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from analyzer import __version__
from analyzer.batch.model import BundleJob, BundleOutcome
from analyzer.batch.worker import WorkerSettings, analyse_job, error_row, pack_folder, probe_token
from analyzer.model import Fact

# Without a shared file system a bundle travels as bytes; beyond this it is refused (design §6).
MAX_PAYLOAD = 64 << 20


class Interrupted:
    """Ctrl-C, taken at a safe point: a KeyboardInterrupt raised inside the pool's own locks and
    queue threads can leave the interpreter unable to exit, so the handler only sets a flag that
    the engines check between results."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._previous: Any = None

    def __enter__(self) -> Interrupted:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, lambda *_: self._event.set())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def check(self) -> None:
        if self._event.is_set():
            raise KeyboardInterrupt


NEVER = Interrupted()  # an engine used without a handler (tests, benchmarks)


class EngineError(Exception):
    """The engine cannot start (Dask missing, scheduler unreachable): a one-line usage-level error."""


@dataclass(frozen=True)
class Task:
    job: BundleJob
    extra_facts: list[Fact] = field(default_factory=list)


class Engine(Protocol):
    interrupted: Interrupted
    settings: WorkerSettings

    def run(self, tasks: list[Task]) -> Iterator[BundleOutcome]: ...
    def close(self, cancel: bool = False) -> None: ...


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group; the parent alone decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _warm() -> int:
    return 0


def _failed(job: BundleJob, message: str) -> BundleOutcome:
    return BundleOutcome(job, error_row(job, message), error=message)


class LocalEngine:
    """A pool of worker processes on this machine."""

    def __init__(self, jobs: int, settings: WorkerSettings) -> None:
        self.jobs = jobs
        self.settings = settings
        self.interrupted = NEVER
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        """A pool with every worker forked now, from this process alone, with Ctrl-C blocked.

        Fork, not spawn or forkserver: the analyser is already imported here, so a worker starts in
        milliseconds, and a forked worker keeps the blocked SIGINT (an exec'd helper process does
        not, and a Ctrl-C during its imports would kill it and break the pool).  The workers are
        forked before the pool's own thread starts, so no lock is copied held.
        """
        context = multiprocessing.get_context("fork")
        # Blocked, not ignored: a Ctrl-C pressed meanwhile stays pending here and is taken when unblocked.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context, initializer=_ignore_sigint)
            for future in [pool.submit(_warm) for _ in range(self.jobs)]:
                future.result()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        return pool

    def run(self, tasks: list[Task]) -> Iterator[BundleOutcome]:
        pending = list(tasks)
        retried: set[str] = set()
        while pending:
            futures: dict[Future[BundleOutcome], Task] = {
                self._pool.submit(analyse_job, t.job, self.settings, t.extra_facts): t for t in pending
            }
            pending = []
            broken = False
            waiting = set(futures)
            while waiting:
                done, waiting = wait(waiting, timeout=0.2, return_when=FIRST_COMPLETED)
                self.interrupted.check()
                for future in sorted(done, key=lambda f: futures[f].job.input):
                    task = futures[future]
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        # A worker died (killed, out of memory): retry its bundles once in a new pool.
                        broken = True
                        if task.job.slug in retried:
                            yield _failed(task.job, "worker process died while analysing this bundle")
                        else:
                            retried.add(task.job.slug)
                            pending.append(task)
            if broken:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()

    def close(self, cancel: bool = False) -> None:
        if cancel:
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.terminate()
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)


class DaskEngine:
    """The same tasks on an existing Dask cluster (``dask.distributed``, extra ``[dask]``)."""

    def __init__(self, address: str, settings: WorkerSettings, outdir: Path) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise EngineError("--scheduler needs Dask: pip install 'snapdiag[dask]'") from exc
        self.settings = settings
        self.interrupted = NEVER
        _reachable(address)
        try:
            self._client: Any = Client(address, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        self.shared_filesystem = self._probe(outdir)

    def _probe(self, outdir: Path) -> bool:
        """Do the workers see this machine's files?  Ask one to read a token written just now."""
        token = secrets.token_hex(16)
        probe = outdir / f".snapdiag-probe-{token[:8]}"
        probe.write_text(token, encoding="ascii")
        try:
            versions = self._client.run(lambda: __import__("analyzer").__version__)
            other = sorted({v for v in versions.values() if v != __version__})
            if other:
                raise EngineError(f"Dask workers run snapdiag {', '.join(other)}, this is {__version__}")
            seen = self._client.submit(probe_token, str(probe.resolve()), pure=False).result()
        finally:
            probe.unlink(missing_ok=True)
        return seen == token

    def _payload(self, job: BundleJob) -> bytes | None:
        if self.shared_filesystem:
            return None
        if job.size > MAX_PAYLOAD:
            raise ValueError(f"larger than {MAX_PAYLOAD >> 20} MB and the Dask workers do not share this file system")
        return pack_folder(Path(job.path)) if job.is_dir else Path(job.path).read_bytes()

    def run(self, tasks: list[Task]) -> Iterator[BundleOutcome]:
        futures = {}
        for task in tasks:
            try:
                payload = self._payload(task.job)
            except (OSError, ValueError) as exc:
                yield _failed(task.job, str(exc))
                continue
            data = self._client.scatter(payload) if payload is not None else None
            future = self._client.submit(analyse_job, task.job, self.settings, task.extra_facts, data, pure=False)
            futures[future] = task
        waiting = set(futures)
        while waiting:
            done = {f for f in waiting if f.done()}  # polled, so Ctrl-C is seen within 0.1 s
            waiting -= done
            if not done:
                time.sleep(0.1)
            self.interrupted.check()
            for future in sorted(done, key=lambda f: futures[f].job.input):
                task = futures[future]
                try:
                    yield future.result()
                except Exception as exc:  # noqa: BLE001 — a lost worker or a task error fails this bundle only
                    yield _failed(task.job, f"Dask task failed: {type(exc).__name__}: {str(exc)[:200]}")

    def close(self, cancel: bool = False) -> None:
        if cancel:
            self._client.cancel(list(self._client.futures.values()), force=True)
        self._client.close()


def _reachable(address: str) -> None:
    """Fail in a moment, not after Dask's connect retries, when nothing listens at the address."""
    hostport = address.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise EngineError(f"--scheduler {address}: expected tcp://host:port")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as exc:
        raise EngineError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}") from exc
