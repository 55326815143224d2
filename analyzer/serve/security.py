"""Request checks and response headers for the local server.

- Host allow-list: a page on an attacker's domain that re-points its DNS name at 127.0.0.1 (DNS
  rebinding) still sends its own name as ``Host``; only the names this server is reached by pass.
- Unsafe methods need a same-origin ``Origin`` (when the browser sends one, which it does for every
  cross-site POST), no cross-site ``Sec-Fetch-Site``, and a CSRF token: an HMAC, under a per-process
  secret, of a random session cookie.  Another site cannot read the token, and a cookie planted by
  another local port (cookies ignore ports) is useless without the secret.
- Every response carries nosniff, no-referrer and a Content-Security-Policy that forbids framing.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
from collections.abc import Iterable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "snapdiag_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

# our own pages: scripts and styles only from our own /static files
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"
)
BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
}


def is_wildcard(host: str) -> bool:
    """0.0.0.0 or :: (bracketed or not): every interface."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def machine_addresses() -> list[str]:
    """This machine's own addresses (those its name resolves to, and the one it reaches out from),
    so colleagues can open the page by IP when the server listens on every interface."""
    found: set[str] = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.add(str(info[4][0]).split("%")[0])
    except OSError:
        pass
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:  # a UDP "connect" sends nothing; it only picks the outgoing address
            with socket.socket(family, socket.SOCK_DGRAM) as udp:
                udp.connect((probe, 9))
                found.add(str(udp.getsockname()[0]))
        except OSError:
            pass
    return sorted(a for a in found if not ipaddress.ip_address(a).is_unspecified)


def allowed_hosts(bound_host: str, port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """The ``Host`` header values this server answers: the bound name and the loopback names.

    Bound to a wildcard address (0.0.0.0, ::), the machine's own host names are added, so that
    colleagues can reach it by name; any other name is still refused.
    """
    names = {"localhost", "127.0.0.1", "[::1]", _bracketed(bound_host.lower()), *(e.lower() for e in extra)}
    if is_wildcard(bound_host):
        names.discard(_bracketed(bound_host.lower()))
        names.update({socket.gethostname().lower(), socket.getfqdn().lower()})
        names.update(_bracketed(a) for a in machine_addresses())
    values = {f"{name}:{port}" for name in names}
    if port == 80:  # browsers leave the default port out of Host
        values.update(names)
    return frozenset(values)


class HostAndHeaders:
    """ASGI middleware: refuse foreign Host headers (400) and add the safety headers to every answer."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "").lower()
        if host not in self.hosts:
            await _plain(send, 400, "unknown Host header: this server answers only its own address\n")
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in BASE_HEADERS.items() if k.encode() not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", PAGE_CSP.encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in BASE_HEADERS.items()]
    headers.append((b"content-security-policy", PAGE_CSP.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Csrf:
    """Session cookies and the tokens derived from them."""

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(32)

    @staticmethod
    def new_session() -> str:
        return secrets.token_urlsafe(24)

    def token(self, session: str) -> str:
        return hmac.new(self.secret, session.encode(), hashlib.sha256).hexdigest()

    def valid(self, session: str | None, token: str | None) -> bool:
        if not session or not token:
            return False
        return hmac.compare_digest(self.token(session), token)


def origin_problem(request: Request, hosts: frozenset[str]) -> str | None:
    """Why a state-changing request must be refused as cross-site, or None."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"cross-site request refused (Sec-Fetch-Site: {site[:20]})"
    origin = request.headers.get("origin")
    if origin is None:
        return None  # not a browser, or an old one: the CSRF token still has to match
    if origin == "null":
        # with Referrer-Policy no-referrer a browser sends "null" even for our own form posts;
        # Sec-Fetch-Site (which page scripts cannot set) then tells whether it came from our page
        return None if site == "same-origin" else "cross-origin request refused (Origin: null)"
    scheme, sep, rest = origin.partition("://")
    same = rest.lower() == request.headers.get("host", "").lower()
    if not sep or scheme != "http" or rest.lower() not in hosts or not same:
        return "cross-origin request refused (Origin does not match this server)"
    return None


def report_csp(meta_csp: str) -> str:
    """The header for a stored report page: what its own meta CSP allows, no framing, and a
    sandbox (scripts only), so the page runs with an opaque origin and cannot call this server."""
    return f"{meta_csp}; frame-ancestors 'none'; sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox"
