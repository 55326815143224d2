"""The drop page in headless Chromium (Debian's /usr/bin/chromium via Playwright), against the real server.

Launch settings are those of tests/reports/test_browser.py.  Skipped when Chromium or Playwright
is missing, except under CI=true where that is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import chromium_context
from tests.serve.harness import EXAMPLE, Running, leftovers, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serve(tmp_path_factory.mktemp("serve-browser") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium_context(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


class Tab:
    """A page that records console errors (CSP violations land there) and every request's URL."""

    def __init__(self, context: Any) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))


@pytest.fixture
def tab(browser_context: Any) -> Iterator[Tab]:
    t = Tab(browser_context)
    yield t
    t.page.close()


DONE = ".job[data-state=done] .verdict[data-cause=snapshot-fsfreeze-failed]"


def test_choosing_files_shows_the_verdict_and_the_report_runs_its_script(tab: Tab, server: Running) -> None:
    page = tab.page
    page.goto(server.url + "/")
    page.set_input_files("#file-input", [str(p) for p in sorted(EXAMPLE.rglob("*")) if p.is_file()])
    page.wait_for_selector(DONE, timeout=60_000)
    card = page.locator(".job").first
    assert "A file system could not be frozen" in card.inner_text()
    assert "99%" in card.inner_text()
    downloads = card.locator("a[download]")
    assert downloads.count() == 2

    card.get_by_text("Open the report").click()
    page.wait_for_load_state("load")
    assert "/reports/" in page.url
    assert page.locator("#filters").is_visible()  # the report's own script ran under the served CSP
    total = page.locator("#event-table tbody tr:visible").count()
    page.fill("#filters input[name=q]", "FIFREEZE")
    assert 0 < page.locator("#event-table tbody tr:visible").count() < total
    assert tab.errors == []
    assert all(url.startswith(server.url) for url in tab.requests)


def test_a_synthetic_drop_uploads_the_dropped_files_as_one_bundle(tab: Tab, server: Running) -> None:
    page = tab.page
    page.goto(server.url + "/")
    files = [{"name": p.name, "text": p.read_text()} for p in sorted(EXAMPLE.rglob("*")) if p.is_file()]
    page.evaluate(
        """files => {
            const transfer = new DataTransfer();
            for (const f of files) { transfer.items.add(new File([f.text], f.name)); }
            const zone = document.getElementById("dropzone");
            zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
            zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }""",
        files,
    )
    page.wait_for_selector(DONE, timeout=60_000)
    title = page.locator(".job h2").first.inner_text()
    assert title == f"{files[0]['name']} + {len(files) - 1} more"
    assert tab.errors == []
    assert leftovers(server.data) == []


def test_a_refused_drop_says_why_and_history_delete_works(tab: Tab, server: Running) -> None:
    page = tab.page
    page.goto(server.url + "/")
    page.evaluate(
        """() => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array([0, 159, 146, 150, 0, 1, 2, 3])], "garbage.bin"));
            document.getElementById("dropzone").dispatchEvent(
                new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }"""
    )
    page.wait_for_selector(".job[data-state=failed] .error", timeout=60_000)
    assert "garbage.bin" in page.locator(".job .error").first.inner_text()

    # a readable file that explains nothing: an honest "no cause", not a cause called "none"
    page.set_input_files("#file-input", str(EXAMPLE / "etc" / "waagent.conf"))
    page.wait_for_selector(".job[data-state=done] .verdict[data-cause=none]", timeout=60_000)
    assert page.locator(".job .verdict").first.inner_text().startswith("No cause identified (")
    assert not page.locator("#upload-button").is_visible()  # choosing files uploads them at once

    page.goto(server.url + "/history")
    rows = page.locator("#history tbody tr")
    before = rows.count()
    assert before >= 3
    first_id = rows.first.get_attribute("id")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    rows.first.get_by_role("button", name="Delete").click()  # dismissed: nothing is deleted
    page.wait_for_timeout(300)
    assert asked and "cannot be undone" in asked[0]
    assert rows.count() == before
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation(url=server.url + "/history"):
        rows.first.get_by_role("button", name="Delete").click()
    assert page.locator(f"#{first_id}").count() == 0
    assert page.locator("#history tbody tr").count() == before - 1
    assert tab.errors == []
