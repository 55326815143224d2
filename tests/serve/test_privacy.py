"""What the server keeps: only redacted reports in the history, nothing of the upload itself."""

from __future__ import annotations

import sqlite3
import uuid
import zlib
from pathlib import Path

from tests.serve.harness import EXAMPLE, folder_files, leftovers, serve

SAS_HOST = "cnstorage7.blob.core.chinacloudapi.cn"


def _seeded(secret: str) -> list[tuple[str, bytes]]:
    """The example's files with a SAS signature in a waagent.log line inside the backup window."""
    files = []
    for name, content in folder_files(EXAMPLE):
        if name == "waagent.log":
            content += (
                "2026-10-02T08:01:10.000000Z WARNING ExtHandler ExtHandler [HTTP Retry] PUT "
                f"https://{SAS_HOST}/$system/vm1.status?sv=2018-03-28&sr=b&sig=CANARY{secret}&sp=rw"
                " -- IOError timed out -- 1 attempts\n"
            ).encode()
        files.append((name, content))
    return files


def _stored_text(database: Path) -> str:
    """Every column of every row, report bodies decompressed, as one string."""
    out = []
    with sqlite3.connect(database) as db:
        for row in db.execute("SELECT * FROM reports"):
            for value in row:
                if isinstance(value, bytes):
                    out.append(zlib.decompress(value).decode())
                elif value is not None:
                    out.append(str(value))
    return "\n".join(out)


def test_history_holds_redacted_reports_and_no_upload(tmp_path: Path) -> None:
    secret = uuid.uuid4().hex
    data = tmp_path / "data"
    with serve(data) as running, running.client() as client:
        job = client.wait(client.upload(_seeded(secret)).json()["id"])
        assert job["top_cause"] == "snapshot-fsfreeze-failed"
        served = [client.get(job["links"][kind]).text for kind in ("report", "json", "summary")]
    stored = _stored_text(data / "history.sqlite3")
    # the seeded line reached the reports (the storage suffix is kept as evidence), its secrets did not
    assert ".blob.core.chinacloudapi.cn" in served[0] and ".blob.core.chinacloudapi.cn" in stored
    assert "cnstorage7" not in stored
    for text in [*served, stored]:
        assert secret not in text
    assert secret.encode() not in b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    assert leftovers(data) == []
