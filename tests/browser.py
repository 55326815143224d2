"""Headless Chromium for the browser tests (Debian's /usr/bin/chromium, driven by Playwright).

One place for the launch settings: no sandbox (root in CI), no GPU, and none of Chromium's own
background traffic, which this machine's closed network would refuse.  Missing Chromium or
Playwright skips the test, except under CI=true where it is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]  # fmt: skip
VIEWPORT = {"width": 1280, "height": 900}


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason}")
    pytest.skip(reason)


def _playwright() -> Any:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    return sync_playwright()


@contextmanager
def chromium_context(profile: Path) -> Iterator[Any]:
    """A persistent browser context with a fresh profile folder."""
    with _playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=ARGS, viewport=VIEWPORT
        )
        try:
            yield context
        finally:
            context.close()


@contextmanager
def chromium_browser() -> Iterator[Any]:
    """A browser from which tests open their own contexts (e.g. with JavaScript off)."""
    with _playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_offline(page: Any, url: str, requests: list[str], errors: list[str]) -> None:
    """Open ``url`` recording console errors (CSP violations land there) and every request; any
    request but the page itself is aborted, so a page that needs the network shows it."""
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))

    def handler(route: Any) -> None:
        requests.append("route:" + route.request.url)
        if route.request.url == url:
            route.continue_()
        else:
            route.abort()

    page.route("**/*", handler)
    page.goto(url)
    page.wait_for_load_state("load")
