"""Pack a written tree into the layout of a real bundle: a folder, a ``tar.gz`` with one root
folder (``tar-root``), or the zip of ``waagent -collect-logs`` (``agent-logcollector``: members
named by their VM path, ``results.txt``, files over 30 MB tail-truncated as ``truncated_*``, a
150 MB total cap in the collector's priority order; reference ``waagent-formats.md`` §4.1)."""

from __future__ import annotations

import os
import shutil
import tarfile
import zipfile
from datetime import datetime
from pathlib import Path

from analyzer.simulate.clock import iso_s_z

LAYOUTS = ("dir", "tar.gz", "logcollector-zip")
TRUNCATE_AT = 30 * 1024 * 1024
TOTAL_CAP = 150 * 1024 * 1024
# The log collector's manifest (normal mode): what it copies, in priority order.
_PRIORITY = (
    "var/log/waagent.log",
    "var/lib/waagent/waagent_status.json",
    "var/log/azure/",
    "var/log/waagent.log.",
    "etc/",
    "var/log/",
    "var/lib/waagent/",
)
_NOT_COLLECTED = ("etc/azure/", "etc/timezone", "/mrseq", "/HandlerManifest.json")


def _files(root: Path) -> list[str]:
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            found.append(Path(folder, name).relative_to(root).as_posix())
    return sorted(found)


def pack_tar_gz(tree: Path, target: Path, root_name: str, mtime: datetime) -> None:
    stamp = int((mtime - datetime(1970, 1, 1)).total_seconds())
    tmp = target.with_name(target.name + ".part")
    with tarfile.open(tmp, "w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
        for rel in _files(tree):
            info = tar.gettarinfo(str(tree / rel), arcname=f"{root_name}/{rel}")
            info.mtime, info.uid, info.gid, info.uname, info.gname = stamp, 0, 0, "root", "root"
            info.mode = 0o644
            with open(tree / rel, "rb") as fh:
                tar.addfile(info, fh)
    os.replace(tmp, target)


def _priority(rel: str) -> tuple[int, str]:
    for i, prefix in enumerate(_PRIORITY):
        if rel == prefix or rel.startswith(prefix):
            return i, rel
    return len(_PRIORITY), rel


def pack_logcollector_zip(tree: Path, target: Path, when: datetime) -> None:
    """The agent's log collector archive, with its ``results.txt``."""
    stamp = iso_s_z(when)
    results = [
        f"{stamp} INFO Starting log collection at {stamp}",
        f"{stamp} INFO Using log collection mode normal",
        f"{stamp} INFO Using /var/lib/waagent as $LIB_DIR",
        f"{stamp} INFO Using /var/log/azure as $LOG_DIR",
        f"{stamp} INFO Using /var/log/waagent.log as $AGENT_LOG",
    ]
    zdt = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    tmp = target.with_name(target.name + ".part")
    total = 0
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        rels = sorted((r for r in _files(tree) if not any(n in f"/{r}" for n in _NOT_COLLECTED)), key=_priority)
        for rel in rels:
            size = (tree / rel).stat().st_size
            if total >= TOTAL_CAP:
                results.append(f"{stamp} WARNING Archive too big, done with adding files.")
                break
            if size > TRUNCATE_AT:
                name = "truncated_" + rel.replace("/", "_")
                results.append(
                    f"{stamp} INFO Adding truncated file /var/lib/waagent/logcollector/truncated/"
                    f"{rel.replace('/', '_')}, size {TRUNCATE_AT} b"
                )
                info = zipfile.ZipInfo(name, zdt)
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(tree / rel, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                    src.seek(size - TRUNCATE_AT)
                    shutil.copyfileobj(src, dst, 1 << 20)
                total += TRUNCATE_AT
                continue
            results.append(f"{stamp} INFO Adding file /{rel}, size {size} b")
            info = zipfile.ZipInfo(rel, zdt)
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(tree / rel, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            total += size
        results.append(f"{stamp} INFO Uncompressed archive size is {total} b")
        info = zipfile.ZipInfo("results.txt", zdt)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, "\n".join(results) + "\n")
    os.replace(tmp, target)
