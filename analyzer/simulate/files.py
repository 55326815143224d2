"""Small files of a bundle: ``/etc`` configuration and the extension's state files."""

from __future__ import annotations

from analyzer.simulate.context import HANDLER, Sim

HANDLER_MANIFEST = """[{
  "name": "VMSnapshotLinux",
  "version": 1.0,
  "handlerManifest": {
    "installCommand": "main/handle.sh install",
    "uninstallCommand": "main/handle.sh uninstall",
    "updateCommand": "main/handle.sh update",
    "enableCommand": "main/handle.sh enable",
    "disableCommand": "main/handle.sh disable",
    "rebootAfterInstall": false,
    "reportHeartbeat": false
  }
}]
"""


def default_conf(sim: Sim) -> dict[str, str]:
    """waagent.conf values of a stock image of the era (the keys that matter for diagnosis)."""
    conf = {
        "Provisioning.Agent": "auto" if sim.era.prefixes else "",
        "Provisioning.Enabled": "n" if sim.era.prefixes else "y",
        "ResourceDisk.Format": "y",
        "ResourceDisk.Filesystem": "ext4",
        "ResourceDisk.MountPoint": "/mnt",
        "Logs.Verbose": "y" if sim.verbose else "n",
        "OS.EnableFirewall": "y" if sim.era.prefixes else "",
        "Extensions.Enabled": "y" if sim.era.name != "2.0" else "",
        "AutoUpdate.Enabled": "y",
    }
    if sim.era.gs_style == "extensions":
        conf["Logs.Collect"] = "y"
    return {k: v for k, v in conf.items() if v}


def waagent_conf(conf: dict[str, str]) -> str:
    lines = ["#", "# Microsoft Azure Linux Agent Configuration", "#", ""]
    lines += [f"{k}={v}" for k, v in conf.items()]
    lines += ["", "# Use encrypted swap", "ResourceDisk.EnableSwapEncryption=n", "", "# HttpProxy.Host=None",
              "# HttpProxy.Port=None", ""]  # fmt: skip
    return "\n".join(lines)


def os_release(sim: Sim) -> str:
    e = sim.era
    return (
        'NAME="Ubuntu"\n'
        f'VERSION="{e.os_version_full}"\n'
        "ID=ubuntu\n"
        "ID_LIKE=debian\n"
        f'PRETTY_NAME="{e.os_pretty}"\n'
        f'VERSION_ID="{e.os_version}"\n'
        f"VERSION_CODENAME={e.codename}\n"
    )


def write_static(sim: Sim, status_seq: int, status_text: str) -> None:
    out = sim.out
    out.write_static("etc/waagent.conf", waagent_conf(sim.conf))
    out.write_static("etc/os-release", sim.os_release if sim.os_release is not None else os_release(sim))
    out.write_static("etc/timezone", sim.clock.zone + "\n")
    out.write_static("etc/azure/vmbackup.conf", "[SnapshotThread]\nfsfreeze: True\n")
    lib = f"var/lib/waagent/{HANDLER}-{sim.era.ext_version}"
    out.write_static(f"{lib}/HandlerManifest.json", HANDLER_MANIFEST)
    out.write_static(f"{lib}/mrseq", f"{status_seq}")
    if status_text:
        out.write_static(f"{lib}/status/{status_seq}.status", status_text)
    for path, text in sim.files.items():
        out.write_static(path, text)
