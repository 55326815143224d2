"""The Starlette application: drop page, streamed upload, job status, reports, history.

``create_app`` takes every setting a test needs (data folder, bound address, upload cap,
retention, worker count, the analyser run in the pool), so tests run the real server with
small caps instead of mocking it.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import secrets
import shutil
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from analyzer.serve.jobs import Analyser, JobPool, analyse_folder
from analyzer.serve.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    Csrf,
    HostAndHeaders,
    allowed_hosts,
    origin_problem,
    report_csp,
)
from analyzer.serve.store import History
from analyzer.serve.upload import UploadError, receive

TEMPLATES = Path(__file__).with_name("templates")
STATIC = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
LANGS = ("en", "zh-CN")
_ID = re.compile(r"^[0-9a-f]{16}$")
_META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
# past the cap, this much more of the body is read and dropped so the client sees the 413 instead
# of a connection reset while it is still sending
_DRAIN_AFTER_CAP = 16 << 20
_DISK_MARGIN = 256 << 20  # room left for the history and the rest of the system


@dataclass(frozen=True)
class Settings:
    data: Path
    host: str = "127.0.0.1"
    port: int = 8080
    max_upload_bytes: int = 1 << 30
    retention_days: float = 30
    workers: int = 2
    job_timeout_seconds: int = 900
    max_pending_jobs: int = 32  # each holds its upload on disk until it runs
    purge_every_seconds: float = 3600


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    env.filters["utc"] = lambda t: datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if t else ""
    return env


def _size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KiB", "MiB"):
        if value < 1024:
            return f"{value:.0f} {unit}"
        value /= 1024
    return f"{value:.0f} GiB"


class Server:
    """Request handlers sharing the history, the job pool and the CSRF secret."""

    def __init__(self, settings: Settings, analyser: Analyser, extra_hosts: Iterable[str]) -> None:
        self.settings = settings
        self.hosts = allowed_hosts(settings.host, settings.port, extra_hosts)
        self.uploads = settings.data / "uploads"
        settings.data.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.uploads.mkdir(exist_ok=True, mode=0o700)
        self.history = History(settings.data / "history.sqlite3")
        self.jobs = JobPool(self.history, settings.workers, settings.job_timeout_seconds, analyser)
        self.csrf = Csrf()
        # cookies ignore ports: two servers on one host must not overwrite each other's session
        self.cookie = f"{SESSION_COOKIE}_{settings.port}"
        self.env = _env()

    # -- housekeeping -------------------------------------------------------------------------------
    def remove_uploads(self) -> None:
        for leftover in self.uploads.iterdir():
            shutil.rmtree(leftover, ignore_errors=True)

    def clean_start(self) -> None:
        """Uploads and jobs a previous (killed) server left behind are removed or marked failed."""
        self.remove_uploads()
        self.history.abandon_unfinished()
        self.purge()

    def purge(self) -> int:
        return self.history.purge(self.settings.retention_days * 86400)

    async def purge_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.settings.purge_every_seconds)
            await asyncio.to_thread(self.purge)

    # -- helpers ------------------------------------------------------------------------------------
    def _session(self, request: Request) -> tuple[str, bool]:
        session = request.cookies.get(self.cookie)
        if session and re.fullmatch(r"[A-Za-z0-9_-]{20,64}", session):
            return session, False
        return Csrf.new_session(), True

    def _page(self, request: Request, name: str, **context: Any) -> Response:
        session, fresh = self._session(request)
        body = self.env.get_template(name).render(
            csrf=self.csrf.token(session),
            retention_days=f"{self.settings.retention_days:g}",
            max_upload=_size(self.settings.max_upload_bytes),
            langs=LANGS,
            **context,
        )
        response = Response(body, media_type="text/html; charset=utf-8")
        if fresh:
            response.set_cookie(self.cookie, session, httponly=True, samesite="strict", path="/")
        return response

    def _refuse_cross_site(self, request: Request) -> Response | None:
        problem = origin_problem(request, self.hosts)
        return JSONResponse({"error": problem}, 403) if problem else None

    def _wants_json(self, request: Request) -> bool:
        return "application/json" in request.headers.get("accept", "")

    # -- pages --------------------------------------------------------------------------------------
    async def drop_page(self, request: Request) -> Response:
        return self._page(request, "drop.html.j2")

    async def history_page(self, request: Request) -> Response:
        entries = await asyncio.to_thread(self.history.entries)
        return self._page(request, "history.html.j2", entries=entries)

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return Response("not found\n", 404, media_type="text/plain")
        return Response((TEMPLATES / name).read_bytes(), media_type=STATIC[name])

    async def favicon(self, request: Request) -> Response:
        return Response(status_code=204)  # browsers ask for one; none is better than a logged 404

    async def health(self, request: Request) -> Response:
        return JSONResponse({"ok": True})

    # -- upload -------------------------------------------------------------------------------------
    def _cannot_accept(self, declared: int) -> Response | None:
        """Refusals decided before a byte of the body is read."""
        if declared > self.settings.max_upload_bytes:
            cap = _size(self.settings.max_upload_bytes)
            return JSONResponse({"error": f"the upload is larger than the server's cap of {cap}"}, 413)
        if self.jobs.pending >= self.settings.max_pending_jobs:
            busy = f"the server already has {self.jobs.pending} analyses waiting; try again in a minute"
            return JSONResponse({"error": busy}, 503, headers={"retry-after": "60"})
        if shutil.disk_usage(self.uploads).free < declared + _DISK_MARGIN:
            return JSONResponse({"error": "the server's disk has no room for this upload"}, 507)
        return None

    async def upload(self, request: Request) -> Response:
        refused = self._refuse_cross_site(request)
        if refused:
            return refused
        session = request.cookies.get(self.cookie)
        header_ok = self.csrf.valid(session, request.headers.get(CSRF_HEADER))

        def before_first_file(fields: dict[str, str]) -> None:
            # the plain form sends its hidden token before the files (document order)
            if not header_ok and not self.csrf.valid(session, fields.get(CSRF_FIELD)):
                raise UploadError("missing or stale CSRF token: reload the page and drop again", 403)

        declared = request.headers.get("content-length", "")
        refused = self._cannot_accept(int(declared) if declared.isdigit() else 0)
        if refused:
            return refused
        entry_id = secrets.token_hex(8)
        folder = self.uploads / entry_id
        folder.mkdir(mode=0o700)
        body = request.stream()
        try:
            received = await receive(
                request.headers.get("content-type", ""),
                body,
                folder,
                self.settings.max_upload_bytes,
                before_first_file,
            )
        except UploadError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            if exc.status == 413:
                await _drain(body)
            return JSONResponse({"error": str(exc)}, exc.status)
        except ClientDisconnect:
            shutil.rmtree(folder, ignore_errors=True)
            return Response(status_code=400)
        except OSError as exc:  # the disk filled up while writing
            shutil.rmtree(folder, ignore_errors=True)
            return JSONResponse({"error": f"the server could not store the upload: {exc.strerror or exc}"}, 507)
        lang = received.fields.get("lang", "en")
        lang = lang if lang in LANGS else "en"
        await asyncio.to_thread(self.history.add, entry_id, _input_name(received.original_names), lang)
        self.jobs.submit(entry_id, folder, lang)
        if self._wants_json(request):
            return JSONResponse({"id": entry_id, "status_url": f"/api/jobs/{entry_id}"}, 202)
        return RedirectResponse("/history", 303)

    # -- jobs and reports ---------------------------------------------------------------------------
    async def job(self, request: Request) -> Response:
        entry_id = request.path_params["id"]
        entry = await asyncio.to_thread(self.history.get, entry_id) if _ID.match(entry_id) else None
        if entry is None:
            return JSONResponse({"error": "no such job"}, 404)
        answer = entry.public()
        if entry.state == "done":
            base = f"/reports/{entry.id}"
            answer["links"] = {"report": base, "json": f"{base}/report.json", "summary": f"{base}/summary.txt"}
        return JSONResponse(answer)

    async def _body(self, request: Request, kind: str) -> str | None:
        entry_id = request.path_params["id"]
        if not _ID.match(entry_id):
            return None
        return await asyncio.to_thread(self.history.body, entry_id, kind)

    async def report_html(self, request: Request) -> Response:
        text = await self._body(request, "html")
        if text is None:
            return Response("no such report\n", 404, media_type="text/plain")
        meta = _META_CSP.search(text)
        csp = report_csp(html.unescape(meta.group(1))) if meta else "default-src 'none'; sandbox"
        return Response(text, media_type="text/html; charset=utf-8", headers={"content-security-policy": csp})

    def _download(self, kind: str, filename: str, media_type: str) -> Any:
        async def handler(request: Request) -> Response:
            text = await self._body(request, kind)
            if text is None:
                return Response("no such report\n", 404, media_type="text/plain")
            disposition = f'attachment; filename="snapdiag-{request.path_params["id"]}-{filename}"'
            return Response(text, media_type=media_type, headers={"content-disposition": disposition})

        return handler

    async def delete(self, request: Request) -> Response:
        refused = self._refuse_cross_site(request)
        if refused:
            return refused
        token = request.headers.get(CSRF_HEADER)
        if token is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            body = await request.body()
            if len(body) < 4096:
                token = dict(_form_pairs(body.decode("utf-8", "replace"))).get(CSRF_FIELD)
        if not self.csrf.valid(request.cookies.get(self.cookie), token):
            return JSONResponse({"error": "missing or stale CSRF token: reload the page"}, 403)
        entry_id = request.path_params["id"]
        gone = _ID.match(entry_id) is not None and await asyncio.to_thread(self.history.delete, entry_id)
        if self._wants_json(request):
            return JSONResponse({"deleted": gone}, 200 if gone else 404)
        return RedirectResponse("/history", 303)


async def _drain(body: AsyncIterator[bytes]) -> None:
    """Read and drop what is left of a refused body (up to a bound), so the client gets the answer."""
    drained = 0
    try:
        async for chunk in body:
            drained += len(chunk)
            if drained > _DRAIN_AFTER_CAP:
                break
    except ClientDisconnect:
        pass


def _form_pairs(body: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(body, keep_blank_values=True)


def _input_name(names: list[str]) -> str:
    """How the history names a drop: its file, or its first file and how many more."""
    shown = [os.path.basename(n.replace("\\", "/")) or "file" for n in names]
    first = shown[0][:120]
    return first if len(shown) == 1 else f"{first} + {len(shown) - 1} more"


def create_app(
    data: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    max_upload_bytes: int = 1 << 30,
    retention_days: float = 30,
    workers: int = 2,
    job_timeout_seconds: int = 900,
    max_pending_jobs: int = 32,
    analyser: Analyser = analyse_folder,
    extra_hosts: Iterable[str] = (),
) -> Starlette:
    """The application for a server bound to ``host:port`` keeping its history under ``data``."""
    settings = Settings(
        data, host, port, max_upload_bytes, retention_days, workers, job_timeout_seconds, max_pending_jobs
    )
    server = Server(settings, analyser, extra_hosts)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(server.clean_start)
        purger = asyncio.create_task(server.purge_periodically())
        try:
            yield
        finally:
            purger.cancel()
            server.jobs.close()
            await asyncio.to_thread(server.remove_uploads)

    routes = [
        Route("/", server.drop_page),
        Route("/history", server.history_page),
        Route("/static/{name}", server.static),
        Route("/healthz", server.health),
        Route("/favicon.ico", server.favicon),
        Route("/upload", server.upload, methods=["POST"]),
        Route("/api/jobs/{id}", server.job),
        Route("/reports/{id}", server.report_html),
        Route("/reports/{id}/report.json", server._download("json", "report.json", "application/json")),
        Route("/reports/{id}/summary.txt", server._download("summary", "summary.txt", "text/plain; charset=utf-8")),
        Route("/reports/{id}/delete", server.delete, methods=["POST"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.server = server
    app.add_middleware(HostAndHeaders, hosts=server.hosts)
    return app
