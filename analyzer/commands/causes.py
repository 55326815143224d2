"""`snapdiag causes`: the catalogue with remedies, in English or Simplified Chinese."""

from __future__ import annotations

import click


def run_causes(lang: str) -> int:
    from analyzer.knowledge import load_catalogue

    catalogue = load_catalogue()
    family = 0
    for cause in catalogue.causes:
        if cause.family != family:
            family = cause.family
            click.echo(f"\nFamily {family}")
        click.echo(f"  {cause.id:32} {cause.title[lang]}")
        for step in cause.remedy:
            if step.os in ("linux", "any"):
                click.echo(f"      - {step.text[lang]}")
    return 0
