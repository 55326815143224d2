"""The same batch on a real Dask cluster (scheduler and worker processes on 127.0.0.1, started here)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer.batch.engines import DaskEngine, Task
from analyzer.batch.inputs import discover
from analyzer.batch.worker import WorkerSettings
from tests.helpers import run_cli

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _same_key(*outdirs: Path) -> None:
    key = secrets.token_hex(32)
    for out in outdirs:
        (out / ".snapdiag").mkdir(parents=True)
        (out / ".snapdiag" / "batch-key").write_text(key)


def _reports(out: Path) -> dict[str, dict]:
    docs = {}
    for path in sorted(out.glob("*/report.json")):
        doc = json.loads(path.read_text())
        doc.pop("generated_at")
        docs[path.parent.name] = doc
    return docs


def test_pool_and_dask_give_identical_summaries_and_reports(scheduler: str, tickets: Path, tmp_path: Path) -> None:
    pool_out, dask_out = tmp_path / "pool", tmp_path / "dask"
    _same_key(pool_out, dask_out)
    pool = run_cli(["batch", str(tickets), "-o", str(pool_out), "--jobs", "2"], cwd=tmp_path)
    dask = run_cli(["batch", str(tickets), "-o", str(dask_out), "--scheduler", scheduler], cwd=tmp_path)
    assert pool.code == dask.code == 4, dask.stderr  # the corrupt bundle fails on both
    assert (pool_out / "summary.csv").read_bytes() == (dask_out / "summary.csv").read_bytes()
    pool_reports, dask_reports = _reports(pool_out), _reports(dask_out)
    assert len(pool_reports) == 4 and pool_reports == dask_reports


def test_without_a_shared_file_system_bundles_travel_as_bytes(scheduler: str, tickets: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    settings = WorkerSettings(key=b"k" * 32)
    engine = DaskEngine(scheduler, settings, out)
    try:
        assert engine.shared_filesystem  # the probe saw the token: same machine
        jobs = discover([tickets]).jobs
        by_path = {o.job.input: o for o in engine.run([Task(j) for j in jobs])}
        engine.shared_filesystem = False  # as if the workers were elsewhere
        by_bytes = {o.job.input: o for o in engine.run([Task(j) for j in jobs])}
    finally:
        engine.close()
    assert sorted(by_path) == sorted(by_bytes) == sorted(j.input for j in jobs)
    for name, outcome in by_path.items():
        other = by_bytes[name]
        assert outcome.row == other.row, name
        if outcome.json:
            a, b = json.loads(outcome.json), json.loads(other.json or "{}")
            a.pop("generated_at"), b.pop("generated_at")
            assert a == b


@pytest.fixture
def peer() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP port that accepts and then says nothing, or says something that is not Dask."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    said: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            if said:
                conn.sendall(said[0])

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}", said
    finally:
        server.close()


def test_a_peer_that_never_answers_or_is_not_dask_is_a_one_line_engine_error(
    peer: tuple[str, list[bytes]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analyzer.batch import engines

    monkeypatch.setattr(engines, "CONNECT_SECONDS", 2)
    address, said = peer
    with pytest.raises(engines.EngineError, match="no answer from a Dask scheduler"):
        DaskEngine(address, WorkerSettings(key=b"k" * 32), tmp_path)
    said.append(b"SSH-2.0-OpenSSH_9.2\r\n" + b"\xff" * 64)
    with pytest.raises(engines.EngineError, match="not a Dask scheduler"):
        DaskEngine(address, WorkerSettings(key=b"k" * 32), tmp_path)


def test_a_scheduler_without_workers_is_an_engine_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.batch import engines

    monkeypatch.setattr(engines, "WORKER_WAIT_SECONDS", 2)
    cluster = distributed.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None, silence_logs=40)
    try:
        with pytest.raises(engines.EngineError, match="has no worker"):
            DaskEngine(cluster.scheduler_address, WorkerSettings(key=b"k" * 32), tmp_path)
    finally:
        cluster.close()
    assert not list(tmp_path.glob(".snapdiag-probe-*"))
