"""The line reader: line ends, encodings, caps and re-reading a slice through seek checkpoints."""

from __future__ import annotations

import io
from pathlib import Path

from analyzer.textio import SliceReader, StreamLineReader


def _reader(data: bytes, cap: int = 1 << 20) -> tuple[StreamLineReader, list[str]]:
    warnings: list[str] = []
    reader = StreamLineReader(lambda: io.BufferedReader(io.BytesIO(data)), cap, lambda m, line: warnings.append(m))
    return reader, warnings


def test_line_ends_crlf_lf_and_lone_cr() -> None:
    reader, _ = _reader(b"a\r\nb\nc\rd\n")
    assert list(reader.lines()) == [(1, "a"), (2, "b"), (3, "c"), (3, "d")]


def test_invalid_utf8_replaced_with_one_warning() -> None:
    reader, warnings = _reader(b"ok\n\xff\xfe bad\n\xc3 also bad\n")
    lines = [t for _, t in reader.lines()]
    assert lines[0] == "ok" and "\ufffd" in lines[1]
    assert len(warnings) == 1 and "invalid UTF-8" in warnings[0]


def test_long_line_cut_and_rest_skipped() -> None:
    reader, warnings = _reader(b"x" * 5000 + b"\nnext\n", cap=100)
    lines = list(reader.lines())
    assert lines[0] == (1, "x" * 100)
    assert lines[1] == (2, "next")
    assert "max_record_bytes=100" in warnings[0]


def test_utf16_with_bom() -> None:
    reader, _ = _reader("première\nligne\n".encode("utf-16"))
    assert [t for _, t in reader.lines()] == ["première", "ligne"]


def test_slice_reread_matches_full_read(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    path.write_bytes(b"".join(f"line {i}\n".encode() for i in range(1, 20001)))
    reader = StreamLineReader(lambda: open(path, "rb"))
    full = list(reader.lines())
    assert len(reader.checkpoints) >= 4
    part = list(SliceReader(reader, 12_345, 12_350).lines())
    assert part == full[12_344:12_350]
    assert part[0] == (12_345, "line 12345")


def test_zero_fill_is_removed_with_one_warning_and_the_next_record_keeps_its_header() -> None:
    # an unclean shutdown leaves a block of NULs; the record written after the reboot follows it
    reader, warnings = _reader(b"first\n" + b"\0" * 5000 + b"2024-05-01T10:01:01Z after\nnul \0 inside\n")
    assert list(reader.lines()) == [(1, "first"), (2, "2024-05-01T10:01:01Z after"), (3, "nul  inside")]
    assert reader.zero_bytes == 5001
    assert len(warnings) == 1 and warnings[0].startswith("line 2: zero bytes removed")


def test_a_key_block_opening_in_the_cut_part_of_a_long_line_still_masks_its_body() -> None:
    """max_record_bytes cut the line before its BEGIN marker, so the body lines after it kept the
    key (review finding S6)."""
    long_line = b"x" * 200 + b" -----BEGIN RSA PRIVATE KEY-----\n"
    reader, _ = _reader(
        long_line + b"MIIEowIBAAKCAQEAsecretbody0001\nsecretbody0002==\n-----END RSA PRIVATE KEY-----\nafter\n", cap=100
    )
    lines = [t for _, t in reader.lines()]
    assert not any("secretbody" in t for t in lines)
    assert lines[-1] == "after"


def test_a_begin_without_key_lines_after_it_hides_no_log_text() -> None:
    """A BEGIN whose END was lost (or a record logged in between) masked the last word of the next
    500 lines, log text included (final review): an ordinary line ends the block."""
    text = (
        b"cert: -----BEGIN CERTIFICATE-----\n"
        b"MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n"
        b"Target handler state: enabled\n"
        b"failed with exit code 1234\n"
    )
    reader, _ = _reader(text)
    lines = [t for _, t in reader.lines()]
    assert lines[1] == "<pem-body>"
    assert lines[2:] == ["Target handler state: enabled", "failed with exit code 1234"]
    assert [t for _, t in reader.lines(3, 4)] == lines[2:]  # a re-read masks nothing more either
