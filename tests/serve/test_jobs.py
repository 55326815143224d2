"""The job pool under failure: a worker that dies, a job that never ends, over the real server."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

from tests.serve.harness import EXAMPLE, folder_files, leftovers, serve
from tests.serve.workers import misbehaving


def test_a_dying_worker_fails_only_its_job_and_the_pool_recovers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serve(data, analyser=misbehaving, workers=2) as running, running.client() as client:
        bundle = folder_files(EXAMPLE)
        ids: list[str] = []
        lock = threading.Lock()

        def one(files: list[tuple[str, bytes]]) -> None:
            with running.client() as own:
                job_id = own.upload(files).json()["id"]
            with lock:
                ids.append(job_id)

        crash_id = client.upload([("crash-me.log", b"x")]).json()["id"]
        threads = [threading.Thread(target=one, args=(bundle,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        crashed = client.wait(crash_id)
        assert crashed["state"] == "failed"
        assert "stopped unexpectedly" in crashed["error"]
        others = [client.wait(job_id) for job_id in ids]
        assert [(j["state"], j["top_cause"]) for j in others] == [("done", "snapshot-fsfreeze-failed")] * 4
        assert client.get("/healthz").json() == {"ok": True}
        after = client.wait(client.upload(bundle).json()["id"])
        assert after["top_cause"] == "snapshot-fsfreeze-failed"
    assert leftovers(data) == []


def test_a_job_past_its_time_limit_is_stopped_in_its_worker(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serve(data, analyser=misbehaving, workers=1, job_timeout_seconds=1) as running, running.client() as client:
        hung = client.wait(client.upload([("hang-forever.log", b"x")]).json()["id"], timeout=30)
        assert hung["state"] == "failed"
        assert "longer than 1 s" in hung["error"]
        # the same single worker then serves the next job
        after = client.wait(client.upload(folder_files(EXAMPLE)).json()["id"])
        assert after["top_cause"] == "snapshot-fsfreeze-failed", after["error"]
    assert leftovers(data) == []


def test_stopping_the_server_stops_a_running_analysis_at_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serve(data, analyser=misbehaving, workers=1, job_timeout_seconds=600) as running, running.client() as client:
        job_id = client.upload([("hang-forever.log", b"x")]).json()["id"]
        deadline = time.monotonic() + 30
        while client.get(f"/api/jobs/{job_id}").json()["state"] != "running":
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.1)
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 4  # the worker was stopped, not waited for (600 s)
    assert multiprocessing.active_children() == []
    with serve(data) as again, again.client() as client:
        stopped = client.get(f"/api/jobs/{job_id}").json()
        assert stopped["state"] == "failed" and "server stopped" in stopped["error"]
    assert leftovers(data) == []


def test_a_full_queue_refuses_new_uploads_with_503(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = {"analyser": misbehaving, "workers": 1, "job_timeout_seconds": 600, "max_pending_jobs": 2}
    with serve(data, **settings) as running, running.client() as client:
        first = client.upload([("hang-1.log", b"x")])
        second = client.upload([("hang-2.log", b"x")])
        assert (first.status_code, second.status_code) == (202, 202)
        busy = client.upload([("third.log", b"x")])
        assert busy.status_code == 503 and busy.headers["retry-after"] == "60"
        assert "waiting" in busy.json()["error"]
        assert len(list((data / "uploads").iterdir())) == 2  # the refused body was never stored
