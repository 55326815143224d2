"""One bundle of a batch, analysed where the work runs (a pool process or a Dask worker).

Everything here is a module-level function of picklable arguments, so the same call runs in a
local process pool and on a Dask cluster.  A worker never raises for a bad bundle: the outcome
carries a one-line error instead, so one bad attachment never stops the batch.
"""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.batch.fleet import fleet_facts
from analyzer.batch.model import SUMMARY_FIELDS, BundleJob, BundleOutcome, ErrorSample, FleetFacts
from analyzer.batch.unexplained import collect_unexplained
from analyzer.bundle import BundleError
from analyzer.limits import Limits
from analyzer.model import Fact
from analyzer.pipeline import Analysis
from analyzer.produce import ReportRequest, produce
from analyzer.redact import Redactor
from analyzer.textio import terminal_safe

VMSNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
_ERROR_MAX = 300


@dataclass(frozen=True)
class WorkerSettings:
    """What every task of one batch shares."""

    key: bytes  # the batch's redaction key (design §5)
    lang: str = "en"
    limits: Limits = field(default_factory=Limits)


def _line(text: str) -> str:
    # a member's name inside the message may carry ESC or other controls: inert in CSV and on a terminal
    first = (text.splitlines() or [""])[0].strip()
    return terminal_safe(first[:_ERROR_MAX])


def summary_row(job: BundleJob, result: dict[str, Any], redactor: Redactor, deployment: str | None) -> dict[str, str]:
    """The design §6 row of one analysed bundle (text redacted; CSV neutralising is the writer's)."""
    top = result["findings"][0] if result["findings"] else None
    vm, window = result["vm"], result["window"]
    snapshot = next((e for e in vm["extensions"] if e["name"] == VMSNAPSHOT), None)
    values: dict[str, Any] = {
        "input": job.input,
        "name": job.name,
        "sha256": job.sha256,
        "layout": result["bundle"]["layout"],
        "status": result["result"]["status"],
        "top_cause": result["result"]["top_cause"],
        "verdict": top["verdict"] if top else "",
        "confidence": f"{top['confidence']:.2f}" if top else "",
        "daemon_version": vm["agent"]["daemon"],
        "goal_state_agent_version": vm["agent"]["goal_state"],
        "vmsnapshot_version": snapshot["version"] if snapshot else None,
        "os": vm["os"],
        "cloud": vm["cloud"],
        "window_start": window["start"] if window else None,
        "window_end": window["end"] if window else None,
        "backup_time": window["backup_time"] if window else None,
        "deployment": deployment,
        "error": "",
        "report": f"{job.slug}/report.html",
    }
    return {k: redactor(str(values[k])) if values[k] is not None else "" for k in SUMMARY_FIELDS}


def error_row(job: BundleJob, error: str) -> dict[str, str]:
    row = dict.fromkeys(SUMMARY_FIELDS, "")
    row.update(input=job.input, name=job.name, sha256=job.sha256, status="error", error=error)
    return row


def _cross_bundle(analysis: Analysis, result: dict[str, Any], redactor: Redactor, job: BundleJob) -> dict[str, Any]:
    """The facts only the whole batch can use: where and when this VM ran backups, unused errors."""
    return {
        "fleet": fleet_facts(analysis, result, redactor, job.input),
        "unexplained": collect_unexplained(analysis, result, redactor),
    }


def failed_outcome(job: BundleJob, error: str) -> BundleOutcome:
    """The outcome of a bundle that could not be analysed: its row carries the one-line error."""
    return BundleOutcome(job, error_row(job, error), error=error)


def _failed(job: BundleJob, message: str, path: Path, redactor: Redactor) -> BundleOutcome:
    """A one-line error naming the bundle as the batch's input does, not as this machine's path."""
    # the row and the terminal line already name the bundle: "no readable source: <why>"
    text = message.replace(f"no readable source in {path}: ", "no readable source: ").replace(str(path), job.input)
    return failed_outcome(job, redactor(_line(text)))


def _materialise(job: BundleJob, payload: bytes, into: Path) -> Path:
    """Bytes sent to a worker without the client's file system, back into a file or folder of the same name."""
    target = into / job.name
    if not job.is_dir:
        target.write_bytes(payload)
        return target
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:") as tar:
        tar.extractall(into, filter="data")  # our own tar of the folder, still read as untrusted
    # pack_folder names the folder as the client's file system does (job.name is that name as text)
    return into / Path(job.path).name


def pack_folder(path: Path) -> bytes:
    """A folder bundle as an uncompressed tar (regular files only, links never followed)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:") as tar:
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames.sort()
            for fn in sorted(filenames):
                full = Path(dirpath) / fn
                if full.is_file() and not full.is_symlink():
                    tar.add(full, arcname=f"{path.name}/{full.relative_to(path).as_posix()}", recursive=False)
    return buf.getvalue()


def analyse_job(
    job: BundleJob,
    settings: WorkerSettings,
    extra_facts: list[Fact] | None = None,
    payload: bytes | None = None,
) -> BundleOutcome:
    """Analyse one bundle and render its reports; never raises for a bad bundle."""
    redactor = Redactor(settings.key)
    request = ReportRequest(lang=settings.lang, key=settings.key, extra_facts=list(extra_facts or []))
    path = Path(job.path)
    try:
        with tempfile.TemporaryDirectory(prefix="snapdiag-job-") as tmp:
            if payload is not None:
                path = _materialise(job, payload, Path(tmp))
            if not path.exists():
                return _failed(job, "input not found on the worker", path, redactor)
            produced = produce([path], settings.limits, request, lambda a, r, red: _cross_bundle(a, r, red, job))
    except BundleError as exc:
        return _failed(job, str(exc), path, redactor)
    except MemoryError:
        return _failed(job, "out of memory", path, redactor)
    except Exception as exc:  # noqa: BLE001 — one bad bundle never stops the batch; the row says what broke
        return _failed(job, f"internal error: {type(exc).__name__}: {exc}", path, redactor)
    fleet: FleetFacts = produced.extras["fleet"]
    unexplained: list[ErrorSample] = produced.extras["unexplained"]
    row = summary_row(job, produced.result, redactor, fleet.deployment)
    warnings = len(produced.result["bundle"]["warnings"])
    return BundleOutcome(
        job, row, fleet=fleet, unexplained=unexplained, html=produced.html, json=produced.json, warnings=warnings
    )


def probe_token(path: str) -> str | None:
    """Run on a Dask worker: the content of a file the client wrote, if this worker can see it."""
    try:
        return Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
