"""`snapdiag serve`: start the drop-a-bundle web page (analyzer/serve) under uvicorn.

The listening socket is bound here, before the application is built, so ``--port 0`` (any free
port) works: the real port goes into the Host allow-list and the printed address.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path
from types import FrameType

from analyzer.cli import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, Fail

HINT = "snapdiag serve needs the [serve] extra: pip install 'snapdiag[serve]'"


def default_data_folder() -> Path:
    """Per-user data folder: $XDG_DATA_HOME/snapdiag, else ~/.local/share/snapdiag."""
    base = os.environ.get("XDG_DATA_HOME")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "share"
    return root / "snapdiag"


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0 = any free port); Fail(2) when that is impossible."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (OSError, UnicodeError) as exc:
        raise Fail(f"cannot resolve --host {host!r}: {exc}", EXIT_USAGE) from exc
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise Fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", EXIT_USAGE) from exc
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    from analyzer.serve.security import is_wildcard

    if is_wildcard(host):
        host = socket.gethostname() or socket.getfqdn()  # 0.0.0.0 is no address to open; the machine's name is
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def run_serve(host: str, port: int, data: Path | None) -> int:
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError as exc:
        raise Fail(HINT, EXIT_USAGE) from exc
    from analyzer.serve.app import TEMPLATES, create_app

    if not (TEMPLATES / "drop.html.j2").is_file():
        raise Fail(f"this installation lacks the serve page files ({TEMPLATES}); reinstall snapdiag", EXIT_INTERNAL)

    folder = (data or default_data_folder()).expanduser().resolve()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        probe = folder / ".write-probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise Fail(f"cannot use --data {folder}: {exc.strerror or exc}", EXIT_USAGE) from exc
    sock = bind(host, port)
    actual_port = sock.getsockname()[1]
    app = create_app(folder, host=host, port=actual_port)
    retention = app.state.server.settings.retention_days
    print(
        f"snapdiag serve: {_url(host, actual_port)} (history in {folder}, kept {retention:g} days; Ctrl+C stops)",
        file=sys.stderr,
        flush=True,
    )
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        proxy_headers=False,  # nothing sits in front of it: never trust X-Forwarded-* from a client
        server_header=False,
        limit_concurrency=100,  # beyond this many open connections: 503, not an exhausted process
        lifespan="on",
    )
    # uvicorn shuts down gracefully on SIGINT/SIGTERM and then re-raises the signal; stopping the
    # server is its normal end, so both become exit 0 instead of 130 or death by SIGTERM
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
    print("snapdiag serve: stopped", file=sys.stderr, flush=True)
    if not app.state.server.jobs.clean:
        sys.stdout.flush()
        os._exit(EXIT_OK)  # a pool thread stuck on a killed worker would hold a normal exit forever
    return EXIT_OK


class _Stopped(Exception):
    """SIGTERM, re-raised by uvicorn after its graceful shutdown."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped
