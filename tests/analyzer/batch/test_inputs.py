from __future__ import annotations

import os
from pathlib import Path

from analyzer.batch.inputs import discover, is_bundle_root, slug
from analyzer.bundle import input_sha256


def test_a_folder_of_attachments_is_one_bundle_per_entry_without_junk(tickets: Path) -> None:
    found = discover([tickets])
    assert [j.name for j in found.jobs] == [
        "case-a",
        "case-b.tar.gz",
        "case-c-corrupt.tar.gz",
        "case-d.zip",
        "case-e",
    ]
    assert all(j.input == f"{tickets}/{j.name}" for j in found.jobs)
    assert found.jobs[0].is_dir and not found.jobs[1].is_dir


def test_a_bundle_root_is_one_bundle(tickets: Path) -> None:
    assert is_bundle_root(tickets / "case-a")
    found = discover([tickets / "case-a"])
    assert [j.name for j in found.jobs] == ["case-a"]


def test_folder_hash_is_the_hash_of_its_sorted_relpath_hash_list(tickets: Path) -> None:
    import hashlib

    folder = tickets / "case-a"
    rows = sorted(
        f"{p.relative_to(folder).as_posix()}\t{hashlib.sha256(p.read_bytes()).hexdigest()}\n"
        for p in folder.rglob("*")
        if p.is_file()
    )
    expected = hashlib.sha256("".join(rows).encode()).hexdigest()
    job = discover([tickets]).jobs[0]
    assert job.sha256 == expected == input_sha256(folder)
    assert job.slug == f"{slug(job.input, expected)}" and job.slug.endswith(expected[:12])


def test_outdir_links_and_hidden_entries_are_skipped(tickets: Path, tmp_path: Path) -> None:
    out = tickets / "reports"
    out.mkdir()
    (out / "old.log").write_text("x")
    os.symlink("/etc", tickets / "escape")
    (tickets / ".hidden.log").write_text("x")
    found = discover([tickets], out)
    names = [j.name for j in found.jobs]
    assert "reports" not in names and "escape" not in names and ".hidden.log" not in names
    assert any("escape: symbolic link not followed" in s for s in found.skipped)


def test_slug_is_file_system_safe() -> None:
    s = slug("../tickets/Case #1 (copy)/über.tar.gz", "ab" * 32)
    assert s == "tickets-Case-1-copy-ber.tar.gz-abababababab"
    assert slug("...", "cd" * 32) == "bundle-cdcdcdcdcdcd"


def test_a_secret_in_an_input_name_never_reaches_its_output_folder_name() -> None:
    # wget keeps a SAS URL's query string in the saved file's name
    name = "tickets/logs.zip?sv=2020-08-04&sr=b&sig=FOLDERSIG0123abcd&se=2026-12-01&sp=r"
    made = slug(name, "a" * 64)
    assert "FOLDERSIG0123abcd" not in made and made.endswith("-" + "a" * 12)
    assert made == slug(name, "a" * 64)  # stable from run to run: --resume finds it again
