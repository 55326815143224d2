"""Where a batch's bundles are analysed: a local process pool, or an existing Dask cluster.

Both run the same task (``worker.analyse_job``) with the same settings, so their outputs are
identical; neither schedules anything itself (the pool and Dask do).
"""

from __future__ import annotations

import multiprocessing
import secrets
import signal
import socket
import sys
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
from analyzer.batch.worker import WorkerSettings, analyse_job, failed_outcome, pack_folder, probe_token
from analyzer.model import Fact
from analyzer.pool_stop import install_stop_handler, stop_pool, stoppable

# Without a shared file system a bundle travels as bytes; beyond this it is refused (design §6).
MAX_PAYLOAD = 64 << 20
CONNECT_SECONDS = 10
WORKER_WAIT_SECONDS = 30


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
    def close(self, cancel: bool = False) -> bool: ...


def _init_worker() -> None:
    # Ctrl-C reaches the whole process group; the parent alone decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    install_stop_handler()


def _warm() -> int:
    return 0


def _version() -> str:
    return __version__


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
            pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context, initializer=_init_worker)
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
                self._pool.submit(stoppable, analyse_job, t.job, self.settings, t.extra_facts): t for t in pending
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
                            yield failed_outcome(task.job, "worker process died while analysing this bundle")
                        else:
                            retried.add(task.job.slug)
                            pending.append(task)
            if broken:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()

    def close(self, cancel: bool = False) -> bool:
        """Shut the pool down; with ``cancel``, stop the running analyses first.  False when the
        process must end with ``os._exit`` (see ``pool_stop.stop_pool``)."""
        if cancel:
            return stop_pool(self._pool)
        self._pool.shutdown(wait=True)
        return True


class DaskEngine:
    """The same tasks on an existing Dask cluster (``dask.distributed``, extra ``[dask]``)."""

    def __init__(self, address: str, settings: WorkerSettings, outdir: Path, interrupted: Interrupted = NEVER) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise EngineError("--scheduler needs Dask: pip install 'snapdiag[dask]'") from exc
        self.settings = settings
        self.interrupted = interrupted
        self.address = address
        _reachable(address)
        self._client: Any = self._connect(Client)
        try:
            self.shared_filesystem = self._probe(outdir)
        except BaseException:
            self.close()
            raise

    def _connect(self, client_class: Any) -> Any:
        """The client, made in a thread: a port that accepts and never answers (or answers
        something else) must give a one-line error in seconds, and Ctrl-C must still work."""
        box: dict[str, Any] = {}

        def connect() -> None:
            try:
                box["client"] = client_class(self.address, timeout=f"{CONNECT_SECONDS}s", set_as_default=False)
            except BaseException as exc:  # noqa: BLE001 — whatever the peer made the client raise
                box["error"] = exc

        thread = threading.Thread(target=connect, name="snapdiag-dask-connect", daemon=True)
        thread.start()
        self._wait(thread.is_alive, CONNECT_SECONDS + 5, f"no answer from a Dask scheduler at {self.address}")
        if "error" in box:
            _quiet_dask_client_teardown()
            exc = box["error"]
            first = (str(exc).splitlines() or [""])[0][:160]
            raise EngineError(f"{self.address} is not a Dask scheduler we can use: {type(exc).__name__}: {first}")
        return box["client"]

    def _wait(self, busy: Any, seconds: float, message: str) -> None:
        deadline = time.monotonic() + seconds
        while busy():
            if time.monotonic() > deadline:
                raise EngineError(f"{message} within {seconds:g} s")
            time.sleep(0.1)
            self.interrupted.check()

    def _result(self, future: Any, seconds: float, message: str) -> Any:
        self._wait(lambda: not future.done(), seconds, message)
        return future.result()

    def _probe(self, outdir: Path) -> bool:
        """Are there workers, do they run this version, and do they see this machine's files?
        (One reads a token written just now.)"""
        self._wait(
            lambda: not self._client.scheduler_info().get("workers"),
            WORKER_WAIT_SECONDS,
            f"the Dask scheduler at {self.address} has no worker",
        )
        version = self._result(
            self._client.submit(_version, pure=False), WORKER_WAIT_SECONDS, "no Dask worker answered"
        )
        if version != __version__:
            raise EngineError(f"Dask workers run snapdiag {version}, this is {__version__}")
        token = secrets.token_hex(16)
        probe = outdir / f".snapdiag-probe-{token[:8]}"
        probe.write_text(token, encoding="ascii")
        try:
            future = self._client.submit(probe_token, str(probe.resolve()), pure=False)
            seen = self._result(future, WORKER_WAIT_SECONDS, "no Dask worker answered")
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
                yield failed_outcome(task.job, str(exc))
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
                    yield failed_outcome(task.job, f"Dask task failed: {type(exc).__name__}: {str(exc)[:200]}")

    def close(self, cancel: bool = False) -> bool:
        try:
            if cancel:
                self._client.cancel(list(self._client.futures.values()), force=True)
            self._client.close(timeout=10)
        except Exception:  # noqa: BLE001 — a scheduler already gone: nothing left to close
            pass
        return True


def _quiet_dask_client_teardown() -> None:
    """A client whose constructor failed still closes itself when collected, and on a peer that is
    not a scheduler that close times out with a traceback on the terminal: keep it off."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if "Client.__del__" not in repr(unraisable.object):
            previous(unraisable)

    sys.unraisablehook = hook


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
