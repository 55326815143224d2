"""What crosses process boundaries in a batch: plain, picklable, JSON-friendly records.

A worker (pool process or Dask worker) turns one ``BundleJob`` into one ``BundleOutcome``; the
parent process owns everything that needs the whole batch (cross-bundle findings, template
clusters, summary, index page).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SUMMARY_FIELDS = (
    "input",
    "name",
    "sha256",
    "layout",
    "status",
    "top_cause",
    "verdict",
    "confidence",
    "daemon_version",
    "goal_state_agent_version",
    "vmsnapshot_version",
    "os",
    "cloud",
    "window_start",
    "window_end",
    "backup_time",
    "deployment",
    "error",
    "report",
)


@dataclass(frozen=True)
class BundleJob:
    """One bundle of a batch: a file (archive or loose file) or a folder."""

    input: str  # display path as the user named it (INPUT arg joined with the entry): the sort key
    path: str  # absolute path on the machine that discovered it
    name: str  # entry name (file or folder name)
    sha256: str  # file hash, or for a folder the hash of its sorted (relpath, sha256) list
    slug: str  # output folder name: <slug of input>-<sha12>
    is_dir: bool = False
    size: int = 0  # bytes (sum of files for a folder)


@dataclass(frozen=True)
class RunSpan:
    """One VMSnapshot run of a bundle, for overlap tests across bundles."""

    seq: int | None
    start: str  # ISO UTC "…Z"
    end: str  # ISO UTC "…Z"
    outcome: str  # failed | succeeded | unfinished | unknown
    analysed: bool = False  # the run the bundle's report judges


@dataclass
class FleetFacts:
    """What one bundle tells about where and when its VM ran backups (all text already redacted)."""

    input: str
    deployment: str | None = None
    role: str | None = None
    region: str | None = None  # imds.location when known
    storage_hosts: list[str] = field(default_factory=list)  # redacted stand-ins keep the DNS suffix
    runs: list[RunSpan] = field(default_factory=list)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> FleetFacts:
        runs = [RunSpan(**r) for r in data.get("runs", [])]
        return FleetFacts(**{**data, "runs": runs})


@dataclass
class ErrorSample:
    """An ERROR/WARNING record that no rule used as evidence (redacted, one line)."""

    message: str
    level: str
    source: str  # logical path
    count: int = 1


@dataclass
class BundleOutcome:
    job: BundleJob
    row: dict[str, str]  # SUMMARY_FIELDS → text
    fleet: FleetFacts | None = None
    unexplained: list[ErrorSample] = field(default_factory=list)
    html: str | None = None  # rendered report (None when the bundle failed)
    json: str | None = None
    error: str | None = None  # one line
    facts_key: str = ""  # which cross-bundle facts the reports were made with ("" for none)
    warnings: int = 0  # the bundle's reading warnings (damaged or truncated members, caps hit)

    def sidecar(self) -> dict[str, Any]:
        """What --resume needs to rebuild the batch views without re-analysing (no report text)."""
        return {
            "job": asdict(self.job),
            "row": self.row,
            "fleet": asdict(self.fleet) if self.fleet else None,
            "unexplained": [asdict(u) for u in self.unexplained],
            "error": self.error,
            "facts_key": self.facts_key,
            "warnings": self.warnings,
        }

    @staticmethod
    def from_sidecar(data: dict[str, Any]) -> BundleOutcome:
        return BundleOutcome(
            job=BundleJob(**data["job"]),
            row=dict(data["row"]),
            fleet=FleetFacts.from_dict(data["fleet"]) if data.get("fleet") else None,
            unexplained=[ErrorSample(**u) for u in data.get("unexplained", [])],
            error=data.get("error"),
            facts_key=data.get("facts_key", ""),
            warnings=int(data.get("warnings", 0) or 0),
        )


@dataclass
class ConcurrentGroup:
    """Bundles whose runs overlap in time and share a deployment, storage account host or region."""

    shared: str  # "deployment" | "storage" | "region"
    value: str  # the shared deployment / (redacted) storage host / region
    start: str  # overlap start, ISO UTC
    end: str  # overlap end
    members: list[tuple[str, int | None]] = field(default_factory=list)  # (input, run seq)


@dataclass
class ErrorTemplate:
    """A cluster of unexplained error messages across the batch."""

    template: str  # masked text, variable parts as <*> or typed masks (<GUID>, <NUM>, …)
    count: int  # records
    bundles: list[str] = field(default_factory=list)  # inputs holding it (sorted)
    example: str = ""  # one redacted message
    level: str = "ERROR"
