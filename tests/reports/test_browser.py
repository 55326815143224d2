"""The real HTML report in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Skipped when Chromium or Playwright is missing, except under CI=true where that is a failure.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import VIEWPORT, chromium_context, open_offline

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fsfreeze-failed"

pytestmark = pytest.mark.browser


def _render(tmp_path_factory: pytest.TempPathFactory, lang: str) -> Path:
    out = tmp_path_factory.mktemp("html") / f"report-{lang}.html"
    subprocess.run(
        [sys.executable, "-m", "analyzer", "analyze", str(EXAMPLE), "-o", str(out), "--lang", lang, "--quiet"],
        check=True,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    return out


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _render(tmp_path_factory, "en")


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium_context(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


class Page:
    """A page of the report with everything it logged and requested."""

    def __init__(self, context: Any, report: Path) -> None:
        self.url = report.as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = context.new_page()
        open_offline(self.page, self.url, self.requests, self.errors)

    def visible_rows(self) -> int:
        return self.page.locator("#event-table tbody tr:visible").count()

    def in_viewport(self, selector: str) -> bool:
        box = self.page.locator(selector).first.bounding_box()
        return box is not None and 0 <= box["y"] and box["y"] + min(box["height"], 40) <= VIEWPORT["height"]


@pytest.fixture
def page(browser_context: Any, report: Path) -> Iterator[Page]:
    p = Page(browser_context, report)
    yield p
    p.page.close()


def test_verdict_in_first_viewport(page: Page) -> None:
    assert page.in_viewport("#verdict")
    assert page.in_viewport(".top-cause")
    assert "A file system could not be frozen" in page.page.locator(".top-cause").inner_text()


def test_filters_change_the_table(page: Page) -> None:
    assert page.page.locator("#filters").is_visible()  # the script ran
    total = page.visible_rows()
    assert total > 10
    page.page.select_option("#filters select[name=level]", "WARNING")
    warnings = page.visible_rows()
    assert 0 < warnings < total
    page.page.select_option("#filters select[name=level]", "")
    assert page.visible_rows() == total
    page.page.fill("#filters input[name=q]", "FIFREEZE")
    found = page.visible_rows()
    assert 0 < found < total
    assert page.page.locator("#shown-count").inner_text() == str(found)
    page.page.fill("#filters input[name=q]", "")
    page.page.select_option("#filters select[name=kind]", "freeze")
    assert 0 < page.visible_rows() < total


def test_evidence_link_scrolls_to_its_row(page: Page) -> None:
    # Filter the row away first: following the link must still reveal it.
    page.page.fill("#filters input[name=q]", "no such text anywhere")
    assert page.visible_rows() == 0
    link = page.page.locator(".verdict-card a.ev-link").first
    target = link.get_attribute("href")
    assert target and target.startswith("#ev")
    link.click()
    page.page.wait_for_function("id => { const r = document.getElementById(id); return r && !r.hidden; }",
                                arg=target[1:])  # fmt: skip
    assert page.in_viewport(target)
    assert "hit" in (page.page.locator(target).get_attribute("class") or "")


def test_the_same_evidence_link_followed_again_after_filtering_reveals_its_row(page: Page) -> None:
    """The second click changes no URL hash, so the row stayed hidden behind the filter (review H3)."""
    link = page.page.locator(".verdict-card a.ev-link").first
    target = link.get_attribute("href")
    assert target
    link.click()
    page.page.fill("#filters input[name=q]", "no such text anywhere")
    assert page.visible_rows() == 0
    link.click()
    page.page.wait_for_function("id => { const r = document.getElementById(id); return r && !r.hidden; }",
                                arg=target[1:])  # fmt: skip


def test_swimlane_mark_links_to_a_row(page: Page) -> None:
    mark = page.page.locator("svg.swim a").first
    href = mark.get_attribute("href")
    assert href and page.page.locator(href).count() == 1


def test_no_console_errors_and_no_requests(page: Page) -> None:
    page.page.select_option("#filters select[name=level]", "WARNING")
    page.page.locator("a.ev-link").first.click()
    page.page.wait_for_timeout(200)
    assert page.errors == []
    assert set(page.requests) <= {page.url, "route:" + page.url}


def test_chinese_report_in_the_browser(browser_context: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    p = Page(browser_context, _render(tmp_path_factory, "zh-CN"))
    try:
        assert p.page.locator("html").get_attribute("lang") == "zh-CN"
        assert p.in_viewport("#verdict")
        assert "已诊断" in p.page.locator("#verdict").inner_text()
        p.page.fill("#filters input[name=q]", "FIFREEZE")
        assert p.visible_rows() > 0
        assert p.errors == []
        assert set(p.requests) <= {p.url, "route:" + p.url}
    finally:
        p.page.close()
