"""`snapdiag simulate`: write a realistic synthetic bundle for a scenario (design §2, §7)."""

from __future__ import annotations

from pathlib import Path

import click


def run_simulate(scenario: str, out: str, seed: int, size: str | None, era: str, layout: str) -> int:
    from analyzer.cli import EXIT_USAGE, Fail
    from analyzer.simulate import DEFAULT_SIZE, SCENARIOS, generate_bundle, parse_size

    if scenario not in SCENARIOS:
        raise Fail(f"unknown scenario {scenario!r} (known: {', '.join(sorted(SCENARIOS))})", EXIT_USAGE)
    try:
        nbytes = parse_size(size) if size is not None else DEFAULT_SIZE
    except ValueError as exc:
        raise Fail(f"--size: {exc}", EXIT_USAGE) from exc
    target = Path(out)
    info: dict[str, object] = {}
    try:
        path = generate_bundle(target, scenario=scenario, seed=seed, size=nbytes, era=era, layout=layout, info=info)
    except (FileExistsError, ValueError) as exc:
        raise Fail(str(exc), EXIT_USAGE) from exc
    except OSError as exc:
        raise Fail(f"cannot write {out}: {exc.strerror or exc}", EXIT_USAGE) from exc
    click.echo(f"{path} ({scenario}, era {era}, seed {seed}, {nbytes} bytes of logs, layout {layout})")
    start, end = info["backup_time"]  # type: ignore[misc]
    click.echo(f"backup job: --backup-time {start:%Y-%m-%dT%H:%M:%S}Z/{end:%Y-%m-%dT%H:%M:%S}Z")
    return 0
