"""The batch index page in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Sorting, filtering and chart-bar filters are the script's; reading must work without it.  Every test
also watches for CSP violations, console errors and network requests.  Skipped when Chromium or
Playwright is missing, except under CI=true where that is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analyzer.batch.model import SUMMARY_FIELDS, ConcurrentGroup, ErrorTemplate
from reports.batch_index import render_batch_index
from tests.browser import VIEWPORT, chromium_browser, open_offline

# Records every CSP violation the page causes (the init script runs outside the page's CSP).
WATCH_CSP = """window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) { window.__csp.push(e.violatedDirective); });"""

pytestmark = pytest.mark.browser

CAUSES = ["fsfreeze-failed", "network-blocked", "agent-outdated", "none"]
CONFIDENCES = ["0.9", "0.35", "", "0.9", "0.6", "1.0", "0.35", "0.05"]


def _row(i: int) -> dict[str, str]:
    row = {key: "" for key in SUMMARY_FIELDS}
    row.update({
        "input": f"tickets/vm-{i:03d}.tar.gz", "name": f"vm-{i:03d}.tar.gz", "sha256": f"{i:064x}",
        "status": "diagnosed" if i % 4 == 0 else "inconclusive", "top_cause": CAUSES[i % 4],
        "verdict": "likely", "confidence": CONFIDENCES[i % len(CONFIDENCES)], "daemon_version": f"2.2.{40 + i % 3}",
        "goal_state_agent_version": f"2.{8 + i % 5}.0.1", "vmsnapshot_version": "1.0.9225.0",
        "report": f"tickets-vm-{i:03d}-tar-gz-{i:012x}/report.html",
    })  # fmt: skip
    return row


ROWS = [_row(i) for i in range(40)]
ROWS[13] = {**ROWS[13], "status": "", "top_cause": "", "confidence": "", "report": "", "error": "bad gzip"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium_browser() as chromium:
        yield chromium


def _write(tmp_path_factory: pytest.TempPathFactory, lang: str) -> Path:
    group = ConcurrentGroup("region", "eastus", "2026-03-01T10:00:00Z", "2026-03-01T10:05:00Z",
                            [(ROWS[0]["input"], 3), (ROWS[1]["input"], None)])  # fmt: skip
    template = ErrorTemplate("Timed out after <NUM> s", 4, [ROWS[2]["input"]], example="Timed out after 30 s")
    path = tmp_path_factory.mktemp("batch") / f"index-{lang}.html"
    path.write_text(render_batch_index(ROWS, [group], [template], lang=lang), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory, "en")


class Page:
    """The index page in a fresh context, with everything it logged, violated and requested."""

    def __init__(self, browser: Any, path: Path, javascript: bool = True) -> None:
        self.url = path.as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport=VIEWPORT, java_script_enabled=javascript)
        self.context.add_init_script(WATCH_CSP)
        self.page = self.context.new_page()
        open_offline(self.page, self.url, self.requests, self.errors)

    def visible_inputs(self) -> list[str]:
        return self.page.locator("#bundle-table tbody tr:visible td.c-input").evaluate_all(
            "cells => cells.map(c => c.firstChild.textContent)"
        )

    def visible_keys(self, column: int) -> list[str]:
        return self.page.locator(f"#bundle-table tbody tr:visible td:nth-child({column})").evaluate_all(
            "cells => cells.map(c => c.getAttribute('data-key'))"
        )

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__csp")

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.violations() == []
        assert set(self.requests) <= {self.url, "route:" + self.url}

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser: Any, index: Path) -> Iterator[Page]:
    p = Page(browser, index)
    yield p
    p.close()


ALL = [r["input"] for r in ROWS]


def test_sort_by_confidence_is_numeric_and_stable(page: Page) -> None:
    assert page.visible_inputs() == ALL  # default order: by input
    header = page.page.locator("#bundle-table th button", has_text="Confidence")
    header.click()
    keys = page.visible_keys(5)
    numbers = [float(k) for k in keys if k]
    assert numbers == sorted(numbers) and keys[len(numbers) :] == [""] * (len(keys) - len(numbers))  # empty last
    assert "1.0" in keys[len(numbers) - 1]  # numeric, not text order ("1.0" < "0.9" would not hold as text)
    inputs = page.visible_inputs()
    ties = [i for i in inputs if ROWS[ALL.index(i)]["confidence"] == "0.9"]
    assert ties == sorted(ties)  # equal keys keep the input order
    header.click()
    keys = page.visible_keys(5)
    numbers = [float(k) for k in keys if k]
    assert numbers == sorted(numbers, reverse=True) and keys[-1] == ""
    assert page.page.locator("#bundle-table th[aria-sort=descending]").inner_text().startswith("Confidence")
    page.page.locator("#bundle-table th button", has_text="Bundle").click()
    assert page.visible_inputs() == ALL
    page.assert_clean()


def test_filter_by_text_and_by_cause(page: Page) -> None:
    assert page.page.locator("#filters").is_visible()  # the script ran
    page.page.fill("#filters input[name=q]", "VM-007")
    assert page.visible_inputs() == ["tickets/vm-007.tar.gz"]
    assert page.page.locator("#shown-count").inner_text() == "1"
    page.page.fill("#filters input[name=q]", "")
    page.page.select_option("#filters select[name=cause]", "network-blocked")
    expected = [r["input"] for r in ROWS if r["top_cause"] == "network-blocked"]
    assert page.visible_inputs() == expected and len(expected) == 9  # vm-013 failed: no cause
    page.page.select_option("#filters select[name=status]", "diagnosed")
    assert page.visible_inputs() == []  # network-blocked rows are all inconclusive
    page.page.select_option("#filters select[name=status]", "error")
    page.page.select_option("#filters select[name=cause]", "")
    assert page.visible_inputs() == ["tickets/vm-013.tar.gz"]
    page.assert_clean()


def test_cause_bar_filters_the_table(page: Page) -> None:
    page.page.locator("svg.chart a[data-cause=agent-outdated]").click()
    page.page.wait_for_function("() => document.getElementById('shown-count').textContent === '10'")
    assert page.page.locator("#filters select[name=cause]").input_value() == "agent-outdated"
    assert page.visible_inputs() == [r["input"] for r in ROWS if r["top_cause"] == "agent-outdated"]
    page.page.fill("#filters input[name=q]", "vm-0")
    page.page.locator("#counts a[data-status=diagnosed]").click()  # shows exactly that count: other filters reset
    page.page.wait_for_function("() => document.querySelector('#filters select[name=status]').value === 'diagnosed'")
    assert page.visible_inputs() == [r["input"] for r in ROWS if r["status"] == "diagnosed"]
    # The same link again, while the address already ends with it (no hashchange event).
    page.page.select_option("#filters select[name=status]", "")
    assert len(page.visible_inputs()) == len(ROWS)
    page.page.locator("#counts a[data-status=diagnosed]").click()
    assert page.page.locator("#shown-count").inner_text() == "10"
    page.assert_clean()


def test_report_links_are_relative_files(page: Page) -> None:
    link = page.page.locator("#bundle-table tbody tr td.c-input a").first
    assert link.get_attribute("href") == ROWS[0]["report"]
    assert page.page.evaluate("el => el.href", link.element_handle()) == (
        page.url.rsplit("/", 1)[0] + "/" + ROWS[0]["report"]
    )
    assert page.page.locator("#concurrent-table a").count() == 2
    page.assert_clean()


def test_csp_watcher_sees_a_violation(page: Page) -> None:
    # Proves the watcher of the other tests works: an inline style attribute is refused by the page's CSP.
    page.page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.page.wait_for_function("() => window.__csp.length > 0")
    assert page.violations()[0].startswith("style-src")


def test_readable_without_javascript(browser: Any, index: Path) -> None:
    p = Page(browser, index, javascript=False)
    try:
        assert p.visible_inputs() == ALL
        assert not p.page.locator("#filters").is_visible()
        assert p.page.locator("svg.chart").count() == 4
        assert p.page.locator("svg.chart rect").first.is_visible()
        assert p.page.locator("#internal").is_visible()
        assert set(p.requests) <= {p.url, "route:" + p.url} and p.errors == []
    finally:
        p.close()


def test_chinese_page_in_the_browser(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    p = Page(browser, _write(tmp_path_factory, "zh-CN"))
    try:
        assert p.page.locator("html").get_attribute("lang") == "zh-CN"
        assert "内部" in p.page.locator("#internal").inner_text()
        p.page.locator("#bundle-table th button", has_text="置信度").click()
        assert p.page.locator("#bundle-table th[aria-sort=ascending]").count() == 1
        p.page.fill("#filters input[name=q]", "vm-02")
        assert len(p.visible_inputs()) == 10
        p.assert_clean()
    finally:
        p.close()
