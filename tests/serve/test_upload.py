"""Streaming a multipart body to disk: safe names, duplicates, caps and malformed bodies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from analyzer.serve.upload import UploadError, receive, safe_name

BOUNDARY = "xYzBoundary"


def _body(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


async def _chunks(body: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for i in range(0, len(body), size):  # tiny chunks: boundaries and headers split across reads
        yield body[i : i + size]


def _receive(tmp_path: Path, body: bytes, cap: int = 1 << 20, check: object = None) -> object:
    folder = tmp_path / "up"
    folder.mkdir(exist_ok=True)
    return asyncio.run(
        receive(f"multipart/form-data; boundary={BOUNDARY}", _chunks(body), folder, cap, check or (lambda f: None))
    )


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("waagent.log", "waagent.log"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\bundle.tar.gz", "bundle.tar.gz"),
        (".hidden", "hidden"),
        ("..", "file"),
        ("", "file"),
        ("a b;rm -rf $(x).log", "a_b_rm_-rf_x_.log"),
        ("ｆｕｌｌ.log", "full.log"),
        ("日志 2024.log", "日志_2024.log"),
        ("a\x00b\u202e.log", "a_b_.log"),
        ("x" * 300, "x" * 120),
    ],
)
def test_safe_name(raw: str, safe: str) -> None:
    assert safe_name(raw) == safe


def test_files_land_under_safe_unique_names_and_fields_are_kept(tmp_path: Path) -> None:
    body = _body(
        [
            ("csrf", None, b"tok"),
            ("files", "../evil/waagent.log", b"one"),
            ("files", "other/waagent.log", b"two"),
            ("files", "status.tar.gz", b"three"),
            ("lang", None, b"zh-CN"),
        ]
    )
    seen: list[dict[str, str]] = []
    received = _receive(tmp_path, body, check=lambda fields: seen.append(dict(fields)))
    assert received.fields == {"csrf": "tok", "lang": "zh-CN"}  # type: ignore[attr-defined]
    assert seen == [{"csrf": "tok"}]  # checked once, before the first file was written
    assert sorted(p.name for p in (tmp_path / "up").iterdir()) == ["status.tar.gz", "waagent-2.log", "waagent.log"]
    assert (tmp_path / "up" / "waagent-2.log").read_bytes() == b"two"
    assert not (tmp_path / "evil").exists()


def test_the_cap_is_counted_while_streaming(tmp_path: Path) -> None:
    body = _body([("files", "big.bin", b"x" * 5000)])
    with pytest.raises(UploadError) as caught:
        _receive(tmp_path, body, cap=4096)
    assert caught.value.status == 413


def test_a_refusal_before_the_first_file_writes_nothing(tmp_path: Path) -> None:
    def refuse(fields: dict[str, str]) -> None:
        raise UploadError("stale token", 403)

    with pytest.raises(UploadError) as caught:
        _receive(tmp_path, _body([("files", "a.log", b"secret")]), check=refuse)
    assert caught.value.status == 403
    assert list((tmp_path / "up").iterdir()) == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (_body([("lang", None, b"en")]), 400),  # no file
        (_body([("other", "a.log", b"x")]), 400),  # a file under another field name
        (_body([("csrf", None, b"t"), ("files", "", b"")]), 400),  # a plain form sent with no file chosen
        (_body([("lang", None, b"e" * 5000), ("files", "a.log", b"x")]), 400),  # an oversized field
        (b"--" + BOUNDARY.encode() + b"\r\nno headers end", 400),  # cut off
    ],
)
def test_malformed_bodies_are_refused(tmp_path: Path, body: bytes, status: int) -> None:
    with pytest.raises(UploadError) as caught:
        _receive(tmp_path, body)
    assert caught.value.status == status


def test_not_multipart_is_415(tmp_path: Path) -> None:
    with pytest.raises(UploadError) as caught:
        asyncio.run(receive("application/json", _chunks(b"{}"), tmp_path, 100, lambda f: None))
    assert caught.value.status == 415
