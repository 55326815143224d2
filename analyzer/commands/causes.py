"""`snapdiag causes`: the catalogue with remedies, in English or Simplified Chinese."""

from __future__ import annotations

import click

_FAMILY = {
    "en": {1: "Family 1 — the VM cannot reach Azure", 2: "Family 2 — the guest agent is outdated, stopped or broken",
           3: "Family 3 — the backup extension cannot be updated or loaded",
           4: "Family 4 — snapshot status cannot be retrieved, or the snapshot cannot be taken"},
    "zh-CN": {1: "第 1 类 — 虚拟机无法访问 Azure", 2: "第 2 类 — 来宾代理版本过旧、已停止或损坏",
              3: "第 3 类 — 备份扩展无法更新或加载", 4: "第 4 类 — 无法获取快照状态或无法创建快照"},
}  # fmt: skip


def run_causes(lang: str) -> int:
    from analyzer.knowledge import load_catalogue

    catalogue = load_catalogue()
    family = 0
    for cause in catalogue.causes:
        if cause.family != family:
            family = cause.family
            click.echo(f"\n{_FAMILY[lang][family]}")
        suffix = "  (Windows only)" if cause.os == "windows" and lang == "en" else ""
        suffix = "  (仅限 Windows)" if cause.os == "windows" and lang != "en" else suffix
        click.echo(f"  {cause.id:32} {cause.title.get(lang)}{suffix}")
        for step in cause.remedy_for("linux", "AzureCloud"):
            click.echo(f"      - {step.text.get(lang)}")
            if step.command:
                click.echo(f"          $ {step.command}")
    click.echo(f"\nknowledge {catalogue.knowledge_version}")
    return 0
