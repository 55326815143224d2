"""Redaction through `snapdiag batch` (design §5, §6): the canaries of test_redaction, seeded in every
secret-carrying source kind of three bundles of one batch (two folders, one tar.gz), must not
reach any file under OUTDIR (reports, sidecars, summary.csv/json, index.html) nor the terminal.

The batch key makes one secret one stand-in across the whole batch, and a resumed batch keeps it;
another batch (another OUTDIR, another key) gives other stand-ins.  Each stand-in is also asserted
present, so a pass cannot come from secrets that never reached the output.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.adversarial.test_redaction import C, _bundle, _forms
from tests.helpers import CliRun, make_tar, run_cli

# One secret, one stand-in: whole values only (a title cut at 160 characters may show a prefix's)
STAND_INS = {
    "sig": r"sig=(<sig-[0-9a-f]{6}>)&se=",
    "se": r"&se=(<se-[0-9a-f]{6}>)&sp=",
    "acct": r"(<acct-[0-9a-f]{4}>)\.blob\.core\.chinacloudapi\.cn",
    "settings": r'(<settings-[0-9a-f]{6}>)\\*"*[,}]',
    "key": r"AccountKey=(<key-[0-9a-f]{6}>);",
    "pem": r"PRIVATE KEY----- (<pem-[0-9a-f]{6}>)",
}
# the ticket note's password: not evidence, so in no report, but an unexplained error of the batch
PASSWORD = r"password=(<password-[0-9a-f]{6}>)"
BUNDLES = ("vm-a", "vm-b", "vm-c.tar.gz")


def _tickets(root: Path) -> Path:
    """Three bundles holding the same canaries: a folder, the same plus a note (other bytes), a tar.gz."""
    root.mkdir(parents=True)
    _bundle(root / "vm-a")
    _bundle(root / "vm-b")
    (root / "vm-b" / "var" / "log" / "note.txt").write_text("second VM of the deployment\n")
    packed = _bundle(root.parent / "packed")
    files = {p.relative_to(packed).as_posix(): p.read_bytes() for p in sorted(packed.rglob("*")) if p.is_file()}
    make_tar(root / "vm-c.tar.gz", {f"vm/{k}": v for k, v in files.items()})
    return root


def _batch(cwd: Path, tickets: Path, out: Path, *extra: str) -> CliRun:
    run = run_cli(["batch", str(tickets), "-o", str(out), "--jobs", "2", *extra], cwd=cwd, timeout=120)
    assert not run.timed_out and run.code == 0, (run.code, run.stderr)
    return run


def _texts(out: Path, run: CliRun) -> dict[str, str]:
    """Every file under OUTDIR (the key aside: random hex, no log text) and the terminal."""
    texts = {
        p.relative_to(out).as_posix(): p.read_bytes().decode("utf-8", "replace")
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "batch-key"
    }
    texts["stdout"], texts["stderr"] = run.stdout, run.stderr
    return texts


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    base = tmp_path_factory.mktemp("batch-redaction")
    tickets = _tickets(base / "tickets")
    cwd = base / "cwd"
    cwd.mkdir()
    first = _batch(cwd, tickets, cwd / "out-1")
    second = _batch(cwd, tickets, cwd / "out-2")
    texts = {"first": _texts(cwd / "out-1", first), "second": _texts(cwd / "out-2", second)}
    key = cwd / "out-1" / ".snapdiag" / "batch-key"
    texts["key-mode"] = {"mode": oct(key.stat().st_mode & 0o777)}
    # a changed bundle under --resume is analysed again with the stored key
    (tickets / "vm-a" / "var" / "log" / "note.txt").write_text("changed after the first run\n")
    resumed = _batch(cwd, tickets, cwd / "out-1", "--resume")
    assert "(2 resumed)" in resumed.stderr, resumed.stderr
    texts["resumed"] = _texts(cwd / "out-1", resumed)
    return texts


def _reports(texts: dict[str, str]) -> dict[str, str]:
    """Each bundle's report.json and report.html together, by bundle name, as summary.csv links them
    (a bundle changed before --resume leaves its old folder behind)."""
    rows = list(csv.DictReader(io.StringIO(texts["summary.csv"].lstrip("\ufeff"), newline="")))
    assert sorted(r["name"] for r in rows) == sorted(BUNDLES)
    return {r["name"]: texts[r["report"]] + texts[r["report"].replace("report.html", "report.json")] for r in rows}


def _stand_ins(text: str) -> dict[str, set[str]]:
    return {kind: set(re.findall(pattern, text)) for kind, pattern in STAND_INS.items()}


def test_every_output_was_written(batches: dict[str, dict[str, str]]) -> None:
    for run in ("first", "second", "resumed"):
        names = set(batches[run])
        assert {"summary.csv", "summary.json", "index.html", "stderr"} <= names, names
        assert sorted(_reports(batches[run])) == sorted(BUNDLES)
        # the changed bundle's superseded folder is removed on resume: one folder per bundle
        assert sum(n.endswith("/.outcome.json") for n in names) == len(BUNDLES)


@pytest.mark.parametrize("kind", sorted(C))
def test_canary_absent_from_every_file_and_the_terminal(batches: dict[str, dict[str, str]], kind: str) -> None:
    forms = _forms(C[kind]) | {quote(C[kind], safe="")}
    for run in ("first", "second", "resumed"):
        for name, text in batches[run].items():
            for form in forms:
                assert form not in text, f"{kind} canary ({form}) leaked into {run}:{name}"


def test_seeded_prefixes_and_encoded_forms_absent(batches: dict[str, dict[str, str]]) -> None:
    for run in ("first", "second", "resumed"):
        for name, text in batches[run].items():
            for form in ("CANARY", "%2Bab%3D", "AAAACANARYSSH", "root:CANARY", C["proxy_user"], C["sys_user"]):
                assert form not in text, f"{form} leaked into {run}:{name}"


def test_one_secret_one_stand_in_across_the_batch(batches: dict[str, dict[str, str]]) -> None:
    reports = _reports(batches["first"])
    seen = {bundle: _stand_ins(text) for bundle, text in reports.items()}
    for kind in STAND_INS:
        per_bundle = [seen[b][kind] for b in BUNDLES]
        # present, and one per secret (three settings values are seeded, one of each other kind)
        assert all(1 <= len(s) <= (3 if kind == "settings" else 1) for s in per_bundle), (kind, per_bundle)
        assert per_bundle[0] == per_bundle[1] == per_bundle[2], (kind, per_bundle)
    # the batch-wide views and the sidecars use the same stand-ins as the reports
    views = batches["first"]["summary.json"] + batches["first"]["index.html"]
    for kind, hits in _stand_ins(views).items():
        assert hits <= seen[BUNDLES[0]][kind], (kind, hits)
    sidecars = [t for n, t in batches["first"].items() if n.endswith("/.outcome.json")]
    passwords = [set(re.findall(PASSWORD, t)) for t in sidecars]
    assert len(passwords) == 3 and all(len(p) == 1 for p in passwords) and len(set().union(*passwords)) == 1
    assert set(re.findall(PASSWORD, batches["first"]["summary.json"])) == passwords[0]


def test_another_batch_gives_other_stand_ins_a_resumed_one_the_same(batches: dict[str, dict[str, str]]) -> None:
    first = _stand_ins(_reports(batches["first"])[BUNDLES[0]])
    second = _stand_ins(_reports(batches["second"])[BUNDLES[0]])
    resumed = _stand_ins(_reports(batches["resumed"])[BUNDLES[0]])  # vm-a changed: analysed again
    assert all(second[k] for k in STAND_INS)
    for kind in ("sig", "se", "settings", "key", "pem"):  # 6 hex each: a chance equality is 1 in 16 M
        assert first[kind].isdisjoint(second[kind]), (kind, first[kind], second[kind])
    assert first == resumed
    first_pw, second_pw = (set(re.findall(PASSWORD, batches[r]["summary.json"])) for r in ("first", "second"))
    assert first_pw and second_pw and first_pw.isdisjoint(second_pw)


def test_batch_key_is_private(batches: dict[str, dict[str, str]]) -> None:
    assert batches["key-mode"]["mode"] == "0o600"
