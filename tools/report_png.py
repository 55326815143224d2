"""Render a bundle's HTML report to a PNG (for looking at it; the PNG is never committed).

    .venv/bin/python tools/report_png.py [BUNDLE] [-o report.png] [--lang zh-CN] [--full-page]

Uses Playwright's Python package driving Debian's /usr/bin/chromium (no browser download).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", default=str(ROOT / "examples" / "fsfreeze-failed"))
    parser.add_argument("-o", "--out", default="report.png")
    parser.add_argument("--lang", default="en", choices=["en", "zh-CN"])
    parser.add_argument("--full-page", action="store_true")
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("report_png: install the test extra (playwright) first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "report.html"
        subprocess.run(
            [sys.executable, "-m", "analyzer", "analyze", args.bundle, "-o", str(html), "--lang", args.lang],
            check=True,
        )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.goto(html.as_uri())
            page.screenshot(path=args.out, full_page=args.full_page)
            browser.close()
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
