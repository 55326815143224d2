"""The real server for tests: uvicorn in a thread on 127.0.0.1 with a random free port.

A socket is bound first (port 0) so the port is known before the app is built, exactly as
``snapdiag serve --port 0`` does.  ``Client`` is an httpx client that first loads the drop page
to get its session cookie and CSRF token, as a browser would.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from analyzer.commands.serve import bind
from analyzer.serve.app import create_app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fsfreeze-failed"
FIXTURES = ROOT / "tests" / "fixtures"


class Running:
    def __init__(self, url: str, data: Path, port: int, app: Any) -> None:
        self.url = url
        self.data = data
        self.port = port
        self.app = app

    def client(self, **kwargs: Any) -> Client:
        return Client(self.url, **kwargs)


@contextmanager
def serve(data: Path, **settings: Any) -> Iterator[Running]:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    app = create_app(data, host="127.0.0.1", port=port, **settings)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield Running(f"http://127.0.0.1:{port}", data, port, app)
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


class Client(httpx.Client):
    """A browser-like client: session cookie and CSRF token from the drop page."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(base_url=url, timeout=60, **kwargs)
        self.token = ""

    def __enter__(self) -> Client:
        super().__enter__()
        page = self.get("/")
        page.raise_for_status()
        found = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page.text)
        assert found, "the drop page carries no CSRF token"
        self.token = found.group(1)
        return self

    def upload(self, files: list[tuple[str, bytes]], lang: str = "en", **kwargs: Any) -> httpx.Response:
        headers = {"Accept": "application/json", "X-CSRF-Token": self.token, **kwargs.pop("headers", {})}
        parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
        return self.post("/upload", data={"lang": lang}, files=parts, headers=headers, **kwargs)

    def wait(self, job_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(f"/api/jobs/{job_id}").json()
            if job["state"] in ("done", "failed"):
                return job
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s")
            time.sleep(0.1)


def folder_files(folder: Path) -> list[tuple[str, bytes]]:
    """A bundle folder as loose files (base names), as a browser drop of its files sends them."""
    return [(p.name, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()]


def leftovers(data: Path) -> list[str]:
    """Everything under --data except the history database."""
    return sorted(
        str(p.relative_to(data)) for p in data.rglob("*") if p.is_file() and not p.name.startswith("history.sqlite3")
    )
