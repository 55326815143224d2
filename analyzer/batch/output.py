"""What a batch writes into OUTDIR: per-bundle folders, the batch key, summary.csv and summary.json.

Reports are written first and the bundle's sidecar last, each by rename, so an interrupted batch
never leaves a half-written bundle that ``--resume`` would take for finished.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import secrets
from dataclasses import asdict
from pathlib import Path
from typing import Any

from analyzer.batch.model import SUMMARY_FIELDS, BundleJob, BundleOutcome, ConcurrentGroup, ErrorTemplate
from analyzer.commands.timeline import neutralise_csv

STATE_DIR = ".snapdiag"
KEY_FILE = "batch-key"
SIDECAR = ".outcome.json"
SUMMARY_SCHEMA = "snapdiag.batch-summary/1"


def _atomic_write(path: Path, text: str, encoding: str = "utf-8") -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # "replace": a file name that is not UTF-8 reaches a report as surrogate escapes; it is shown, not fatal
    tmp.write_bytes(text.encode(encoding, "replace"))
    os.replace(tmp, path)


def batch_key(outdir: Path) -> bytes:
    """The batch's redaction key: kept in OUTDIR so a resumed batch gives the same stand-ins (design §5)."""
    state = outdir / STATE_DIR
    state.mkdir(parents=True, exist_ok=True)
    path = state / KEY_FILE
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        if len(key) >= 16:
            return key
    except (OSError, ValueError):
        pass
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a damaged key file already there
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex())
    return key


def key_id(key: bytes) -> str:
    """Which batch key made a report (a hash of the key; the key itself stays in its file)."""
    return hashlib.sha256(b"snapdiag batch key id\0" + key).hexdigest()[:16]


def load_finished(outdir: Path, job: BundleJob, key: str = "") -> BundleOutcome | None:
    """A bundle finished by an earlier run of this batch for the same bytes and key, or None.

    A report made with another key (the key file was lost and made anew) has other stand-ins, so
    it is made again rather than mixed into a batch whose stand-ins must agree."""
    folder = outdir / job.slug
    try:
        # damaged files in OUTDIR (cut, emptied, edited, a FIFO) mean "analyse again", never a crash
        if not (folder / SIDECAR).is_file() or not (folder / "report.html").is_file():
            return None
        sidecar = json.loads((folder / SIDECAR).read_text(encoding="utf-8"))
        if sidecar.get("key_id", "") != key:
            return None
        outcome = BundleOutcome.from_sidecar(sidecar)
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        if not all(isinstance(outcome.row.get(k, ""), str) for k in SUMMARY_FIELDS):
            return None
        if report["bundle"]["sha256"] != job.sha256:
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    if outcome.error or outcome.job.sha256 != job.sha256:
        return None
    # the display path may differ (the same attachment moved): the row follows the current job
    outcome.job = job
    outcome.row.update(input=job.input, name=job.name)
    return outcome


def write_outcome(outdir: Path, outcome: BundleOutcome, key: str = "") -> None:
    """Write a bundle's reports and sidecar, then drop the report text from memory."""
    folder = outdir / outcome.job.slug
    folder.mkdir(parents=True, exist_ok=True)
    if outcome.error:
        for stale in ("report.html", "report.json"):
            (folder / stale).unlink(missing_ok=True)
    if outcome.json is not None:
        _atomic_write(folder / "report.json", outcome.json)
    if outcome.html is not None:
        _atomic_write(folder / "report.html", outcome.html)
    sidecar = {**outcome.sidecar(), "key_id": key}
    _atomic_write(folder / SIDECAR, json.dumps(sidecar, ensure_ascii=False, sort_keys=True))
    outcome.html = outcome.json = None


def remove_stale(outdir: Path, current: dict[str, str]) -> int:
    """Remove the report folders of an input whose bytes changed since (its new folder replaces
    them), so OUTDIR never ships a superseded report.  Only our own files go; a folder holding
    anything else is left as it is."""
    removed = 0
    for sidecar in sorted(outdir.glob(f"*/{SIDECAR}")):
        folder = sidecar.parent
        try:
            name = json.loads(sidecar.read_text(encoding="utf-8"))["job"]["input"]
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            continue
        if name not in current or current[name] == folder.name:
            continue
        ours = [folder / n for n in ("report.html", "report.json", SIDECAR)]
        if any(p not in ours for p in folder.iterdir()):
            continue
        for path in ours:
            path.unlink(missing_ok=True)
        folder.rmdir()
        removed += 1
    return removed


def summary_csv(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(SUMMARY_FIELDS), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise_csv(row.get(k, "")) for k in SUMMARY_FIELDS})
    return "\ufeff" + buf.getvalue()


def summary_document(
    rows: list[dict[str, str]],
    groups: list[ConcurrentGroup],
    templates: list[ErrorTemplate],
    skipped: list[str],
    warnings: dict[str, int] | None = None,
) -> dict[str, Any]:
    """summary.json: the CSV's rows, plus what the fixed CSV header has no column for."""
    return {
        "schema": SUMMARY_SCHEMA,
        "internal": True,
        "rows": rows,
        "concurrent_backups": [asdict(g) for g in groups],
        "unexplained_errors": [asdict(t) for t in templates],
        "skipped": skipped,
        "warnings": dict(sorted((warnings or {}).items())),  # input -> reading warnings (see its report)
    }


def write_summaries(outdir: Path, document: dict[str, Any], index_html: str) -> None:
    _atomic_write(outdir / "summary.csv", summary_csv(document["rows"]))
    _atomic_write(outdir / "summary.json", json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False) + "\n")
    _atomic_write(outdir / "index.html", index_html)
