"""The real server over HTTP: uploads, reports, history, downloads, caps and request checks."""

from __future__ import annotations

import io
import json
import os
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serve.harness import EXAMPLE, FIXTURES, Running, folder_files, leftovers, serve

CAP = 2 << 20  # small, so the 413 tests send little


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serve(tmp_path_factory.mktemp("serve") / "data", max_upload_bytes=CAP) as running:
        yield running


def _packed_fixture(case: str) -> tuple[str, bytes]:
    """A tests/fixtures case's bundle folder packed into a tar.gz, as a ticket attachment is."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(FIXTURES / case / "vm", arcname="vm")
    return f"{case}.tar.gz", buf.getvalue()


def test_example_files_give_the_fsfreeze_report_downloads_and_history(server: Running) -> None:
    files = folder_files(EXAMPLE)
    with server.client() as client:
        answer = client.upload(files)
        assert answer.status_code == 202, answer.text
        job = client.wait(answer.json()["id"])
        assert job["state"] == "done", job
        assert job["top_cause"] == "snapshot-fsfreeze-failed"
        assert job["status"] == "diagnosed"
        assert "/data" in job["headline"]

        page = client.get(job["links"]["report"])
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "snapshot-fsfreeze-failed" in page.text
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "sandbox allow-scripts" in csp
        assert "'sha256-" in csp and "unsafe-inline" not in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"

        report = client.get(job["links"]["json"])
        assert report.headers["content-disposition"].startswith("attachment;")
        assert json.loads(report.text)["result"]["top_cause"] == "snapshot-fsfreeze-failed"
        summary = client.get(job["links"]["summary"])
        assert summary.headers["content-disposition"].startswith("attachment;")
        assert summary.headers["content-type"].startswith("text/plain")
        assert "snapshot-fsfreeze-failed" in summary.text

        history = client.get("/history")
        assert f'id="entry-{job["id"]}"' in history.text
        row = history.text.split(f'id="entry-{job["id"]}"', 1)[1].split("</tr>", 1)[0]
        assert "snapshot-fsfreeze-failed" in row and "diagnosed" in row and f"{files[0][0]} + 7 more" in row
    assert leftovers(server.data) == []


def test_packed_fixture_case_and_chinese_report(server: Running) -> None:
    with server.client() as client:
        job = client.wait(client.upload([_packed_fixture("f1-network-blocked")], lang="zh-CN").json()["id"])
        assert (job["state"], job["top_cause"]) == ("done", "network-blocked")
        assert job["input_name"] == "f1-network-blocked.tar.gz"
        page = client.get(job["links"]["report"]).text
        assert '<html lang="zh-CN"' in page


def test_garbage_upload_is_a_failed_job_and_the_server_stays_healthy(server: Running) -> None:
    with server.client() as client:
        job = client.wait(client.upload([("garbage.bin", os.urandom(40_000))]).json()["id"])
        assert job["state"] == "failed"
        assert "garbage.bin" in job["error"] and "\n" not in job["error"]
        assert str(server.data) not in job["error"]  # the private upload folder is not shown
        assert client.get(f"/reports/{job['id']}").status_code == 404
        assert client.get("/healthz").json() == {"ok": True}
        again = client.wait(client.upload(folder_files(EXAMPLE)).json()["id"])
        assert again["top_cause"] == "snapshot-fsfreeze-failed"
    assert leftovers(server.data) == []


def test_ten_concurrent_uploads_all_complete(server: Running) -> None:
    bundle = folder_files(EXAMPLE)
    ids: list[str] = []
    errors: list[str] = []

    def one() -> None:
        try:
            with server.client() as client:
                answer = client.upload(bundle)
                assert answer.status_code == 202, answer.text
                ids.append(answer.json()["id"])
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=one) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(set(ids)) == 10
    with server.client() as client:
        jobs = [client.wait(job_id, timeout=90) for job_id in ids]
    assert {(j["state"], j["top_cause"]) for j in jobs} == {("done", "snapshot-fsfreeze-failed")}
    assert leftovers(server.data) == []


def test_oversized_upload_is_413_by_content_length_and_while_streaming(server: Running) -> None:
    with server.client() as client:
        declared = client.upload([("big.tar.gz", b"\0" * (CAP + 1))])
        assert declared.status_code == 413
        assert "cap" in declared.json()["error"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: only the streaming count can stop it
            boundary = b"--snapdiagtest\r\n"
            yield boundary + b'Content-Disposition: form-data; name="files"; filename="big.bin"\r\n\r\n'
            for _ in range(CAP // 65536 + 96):  # 6 MiB past the cap: read and dropped, then the 413
                yield b"\1" * 65536
            yield b"\r\n--snapdiagtest--\r\n"

        headers = {"X-CSRF-Token": client.token, "Content-Type": "multipart/form-data; boundary=snapdiagtest"}
        streamed = client.post("/upload", content=chunks(), headers=headers)
        assert streamed.status_code == 413
        assert "content-length" not in streamed.request.headers  # the streaming count stopped it
        assert client.get("/healthz").status_code == 200
    assert leftovers(server.data) == []


def test_foreign_host_header_is_refused(server: Running) -> None:
    with httpx.Client(base_url=server.url) as raw:
        for host in ("evil.example", f"evil.example:{server.port}", f"127.0.0.1:{server.port + 1}"):
            assert raw.get("/", headers={"Host": host}).status_code == 400
        for host in (f"localhost:{server.port}", f"127.0.0.1:{server.port}", f"[::1]:{server.port}"):
            assert raw.get("/healthz", headers={"Host": host}).status_code == 200


def test_foreign_origin_and_missing_token_are_refused(server: Running) -> None:
    with server.client() as client:
        files = [("a.log", b"hello")]
        assert client.upload(files, headers={"Origin": "http://evil.example"}).status_code == 403
        assert client.upload(files, headers={"Origin": f"http://localhost:{server.port + 1}"}).status_code == 403
        assert client.upload(files, headers={"Origin": "null"}).status_code == 403
        assert client.upload(files, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
        assert client.upload(files, headers={"X-CSRF-Token": "0" * 64}).status_code == 403
        same = client.upload(files, headers={"Origin": server.url})
        assert same.status_code == 202
        client.wait(same.json()["id"])
        # a browser's own form post under Referrer-Policy no-referrer: Origin null, same-origin fetch
        own = client.upload(files, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
        assert own.status_code == 202
        client.wait(own.json()["id"])
    with server.client() as other:  # a token is bound to its own session cookie
        other.cookies.clear()
        other.cookies.set(f"snapdiag_session_{server.port}", "A" * 32)
        assert other.upload(files).status_code == 403
    assert leftovers(server.data) == []


def test_plain_form_upload_with_token_field(server: Running) -> None:
    """Without JavaScript the form posts its hidden token before the files and is redirected."""
    with server.client() as client:
        parts = [("files", ("waagent.log", (EXAMPLE / "var/log/waagent.log").read_bytes(), "text/plain"))]
        answer = client.post("/upload", data={"csrf": client.token, "lang": "en"}, files=parts)
        assert answer.status_code == 303 and answer.headers["location"] == "/history"
        refused = client.post("/upload", data={"lang": "en"}, files=parts)
        assert refused.status_code == 403


def test_delete_removes_the_history_entry(server: Running) -> None:
    with server.client() as client:
        job = client.wait(client.upload(folder_files(EXAMPLE)).json()["id"])
        assert client.post(f"/reports/{job['id']}/delete").status_code == 403  # no token
        form = client.post(f"/reports/{job['id']}/delete", data={"csrf": client.token})
        assert form.status_code == 303
        assert f"entry-{job['id']}" not in client.get("/history").text
        assert client.get(f"/reports/{job['id']}").status_code == 404
        assert client.get(f"/reports/{job['id']}/report.json").status_code == 404
        assert client.get(f"/api/jobs/{job['id']}").status_code == 404
        again = client.post(
            f"/reports/{job['id']}/delete", headers={"X-CSRF-Token": client.token, "Accept": "application/json"}
        )
        assert again.status_code == 404


def test_pages_carry_a_strict_policy_and_static_files_only_by_name(server: Running) -> None:
    with server.client() as client:
        for path in ("/", "/history", "/static/app.js", "/api/jobs/0000000000000000"):
            answer = client.get(path)
            csp = answer.headers["content-security-policy"]
            assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp
            assert answer.headers["x-content-type-options"] == "nosniff"
        assert client.get("/static/..%2Fapp.py").status_code == 404
        assert client.get("/static/drop.html.j2").status_code == 404
        assert client.get("/reports/../history.sqlite3").status_code == 404


def test_a_restart_keeps_history_fails_unfinished_jobs_and_purges_old_reports(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serve(data) as first, first.client() as client:
        kept = client.wait(client.upload(folder_files(EXAMPLE)).json()["id"])
    server = first.app.state.server
    server.history.add("00000000000000aa", "stuck.tar.gz", "en")  # as a killed server leaves it
    (data / "uploads" / "00000000000000aa").mkdir()
    (data / "uploads" / "00000000000000aa" / "stuck.tar.gz").write_bytes(b"x")
    with serve(data) as second, second.client() as client:
        assert client.get(f"/api/jobs/{kept['id']}").json()["top_cause"] == "snapshot-fsfreeze-failed"
        stuck = client.get("/api/jobs/00000000000000aa").json()
        assert stuck["state"] == "failed" and "drop the bundle again" in stuck["error"]
        assert leftovers(data) == []
    with serve(data, retention_days=0) as third, third.client() as client:
        assert client.get(f"/api/jobs/{kept['id']}").status_code == 404
