"""Property-based fuzzing of every registered parser and of the bundle reader: never raises, never hangs.

Parsers get arbitrary bytes read through the same :class:`StreamLineReader` the pipeline uses, and
real sample lines (``spec.samples``) mutated by insertions, deletions, truncations and NULs.  The
bundle reader gets random bytes named like archives and real archives with flipped/cut bytes: it
either opens a bundle or refuses with a :class:`BundleError`.  A short run per kind goes in CI; the
``slow`` tests run many more examples (``--run-slow`` or ``SNAPDIAG_SLOW=1``).
"""

from __future__ import annotations

import io
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.bundle import BundleError, open_bundle
from analyzer.limits import Limits
from analyzer.textio import StreamLineReader
from parsers import registry
from parsers.base import ParseContext
from tests.helpers import AGENT_ISO, EXT_PY3, tar_bytes, zip_bytes

CI_EXAMPLES = 25
LONG_EXAMPLES = 2000
HANG_SECONDS = 20  # one example; generous, a hang is minutes

KINDS = sorted(spec.kind for spec in registry.specs())
_FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)


def _cfg(examples: int) -> settings:
    return settings(_FUZZ, max_examples=examples)


@contextmanager
def _hang_guard(seconds: int = HANG_SECONDS) -> Iterator[None]:
    def _alarm(signum: int, frame: object) -> None:
        raise TimeoutError(f"hang guard: one example ran more than {seconds} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _parse_bytes(kind: str, data: bytes, path: str = "", year: int | None = None) -> None:
    spec = registry.get(kind)
    assert spec is not None
    warnings: list[str] = []
    reader = StreamLineReader(lambda: io.BufferedReader(io.BytesIO(data)), 4096, lambda m, line: warnings.append(m))
    ctx = ParseContext(path=path or kind, member=path or kind, kind=kind, hints={"year": year} if year else {})
    with _hang_guard():
        for _ in spec.parse(reader, ctx):
            pass
        # the detection sniffers see the same hostile heads
        if spec.sniff is not None:
            spec.sniff(data[:1024].decode("utf-8", "replace"))


def _seeds(kind: str) -> list[tuple[str, str]]:
    spec = registry.get(kind)
    assert spec is not None
    seeds = [(s.text, s.path) for s in spec.samples]
    return seeds or [(AGENT_ISO + EXT_PY3, "")]


@st.composite
def _mutated(draw: st.DrawFn, kind: str) -> tuple[bytes, str]:
    seeds = _seeds(kind)
    picked = draw(st.lists(st.sampled_from(seeds), min_size=1, max_size=4))
    data = bytearray("\n".join(text for text, _ in picked).encode())
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["insert", "delete", "truncate", "nul", "crlf", "flip"]))
        at = draw(st.integers(0, len(data)))
        if op == "insert":
            data[at:at] = draw(st.binary(max_size=16) | st.text(max_size=16).map(str.encode))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 32))]
        elif op == "truncate":
            del data[at:]
        elif op == "nul":
            data[at:at] = b"\0" * draw(st.integers(1, 4))
        elif op == "crlf":
            data[at:at] = draw(st.sampled_from([b"\r\n", b"\r", b"\n\n"]))
        elif at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
    return bytes(data), picked[0][1]


def _fuzz_random(kind: str, examples: int) -> None:
    @_cfg(examples)
    @given(data=st.binary(max_size=4096), year=st.sampled_from([None, 2024, 1, 9999]))
    def run(data: bytes, year: int | None) -> None:
        _parse_bytes(kind, data, _seeds(kind)[0][1], year)

    run()


def _fuzz_mutated(kind: str, examples: int) -> None:
    @_cfg(examples)
    @given(case=_mutated(kind), year=st.sampled_from([None, 2024]))
    def run(case: tuple[bytes, str], year: int | None) -> None:
        _parse_bytes(kind, case[0], case[1], year)

    run()


@pytest.mark.parametrize("kind", KINDS)
def test_parser_survives_random_bytes(kind: str) -> None:
    _fuzz_random(kind, CI_EXAMPLES)


@pytest.mark.parametrize("kind", KINDS)
def test_parser_survives_mutated_samples(kind: str) -> None:
    _fuzz_mutated(kind, CI_EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_parser_long_fuzz(kind: str) -> None:
    _fuzz_random(kind, LONG_EXAMPLES)
    _fuzz_mutated(kind, LONG_EXAMPLES)


# --- the bundle reader ---------------------------------------------------------------------------

_REAL_FILES = {
    "vm/var/log/waagent.log": AGENT_ISO * 20,
    "vm/var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log": EXT_PY3 * 20,
}
_REAL_ARCHIVES = {
    "bundle.tar.gz": tar_bytes(_REAL_FILES),
    "bundle.tar": tar_bytes(_REAL_FILES, mode="w"),
    "bundle.zip": zip_bytes(_REAL_FILES),
}
_SMALL = Limits(max_total_bytes=8 << 20, max_member_bytes=4 << 20, max_members=200)


def _open(tmp: Path, name: str, data: bytes) -> None:
    target = tmp / name
    target.write_bytes(data)
    with _hang_guard():
        try:
            bundle = open_bundle([target], _SMALL)
        except BundleError:
            return
        try:
            for source in bundle.sources:
                with source.open() as fh:
                    fh.read(1 << 16)
        finally:
            bundle.close()
    assert list((tmp / "scratch").iterdir()) == [], "bundle work dir left behind"


def _fuzz_bundle_random(tmp: Path, examples: int) -> None:
    @_cfg(examples)
    @given(
        name=st.sampled_from(["x.tar.gz", "x.tgz", "x.zip", "waagent.log.gz", "x.tar", "x.tar.xz", "x.tar.bz2"]),
        magic=st.sampled_from([b"", b"\x1f\x8b\x08\x00", b"PK\x03\x04", b"BZh9", b"\xfd7zXZ\x00", b"ustar"]),
        body=st.binary(max_size=2048),
    )
    def run(name: str, magic: bytes, body: bytes) -> None:
        _open(tmp, name, magic + body)

    run()


def _fuzz_bundle_mutated(tmp: Path, examples: int) -> None:
    @_cfg(examples)
    @given(
        name=st.sampled_from(sorted(_REAL_ARCHIVES)),
        edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=6),
        cut=st.none() | st.floats(0.05, 1),
    )
    def run(name: str, edits: list[tuple[float, int]], cut: float | None) -> None:
        data = bytearray(_REAL_ARCHIVES[name])
        for where, value in edits:
            data[min(int(where * len(data)), len(data) - 1)] = value
        if cut is not None:
            del data[int(cut * len(data)) :]
        _open(tmp, name, bytes(data))

    run()


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundle reader's work dirs go to tmp_path/scratch, which must be empty after each example."""
    (tmp_path / "scratch").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "scratch"))
    return tmp_path


def test_bundle_reader_survives_random_archives(scratch: Path) -> None:
    _fuzz_bundle_random(scratch, 60)


def test_bundle_reader_survives_mutated_archives(scratch: Path) -> None:
    _fuzz_bundle_mutated(scratch, 60)


@pytest.mark.slow
def test_bundle_reader_long_fuzz(scratch: Path) -> None:
    tmp_path = scratch
    _fuzz_bundle_random(tmp_path, LONG_EXAMPLES)
    _fuzz_bundle_mutated(tmp_path, LONG_EXAMPLES)
