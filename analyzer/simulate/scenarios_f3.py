"""Scenarios of family 3 (the extension cannot be installed or started): one per catalogue cause."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from analyzer.simulate import extras as x
from analyzer.simulate.context import HANDLER, Sim
from analyzer.simulate.run import RunSpec
from analyzer.simulate.scenarios import scenario


def _handle_py_traceback(sim: Sim, *frames: str) -> str:
    main = f"{sim.handler_dir}/main"
    lines = ["Traceback (most recent call last):", f'  File "{main}/handle.py", line 41, in <module>']
    return "\n".join([*lines, *frames])


def _enable_failed(sim: Sim, run: RunSpec, rc: int, stderr: str, shell: list[str], at: float = 1.2) -> None:
    """The agent starts ``handle.sh enable``, which exits ``rc`` before the extension logs anything."""
    run.stop_after = "agent"
    run.extra += [
        x.handler(0.05, "Target handler state: enabled"),
        x.handler(0.06, "[Enable] current handler state is: enabled"),
        x.handler(0.07, f"Update settings file: {run.seq}.settings"),
        x.handler(0.08, "Enable extension: [main/handle.sh enable]"),
        *(x.shell(0.3 + i * 0.01, text) for i, text in enumerate(shell)),
        x.agent(
            at,
            f"Event: name={HANDLER}, op=Enable, message=[ExtensionOperationError] Non-zero exit code: {rc}, "
            f"{sim.handler_dir}/main/handle.sh enable\n[stdout]\n\n\n[stderr]\n{stderr}",
            "ERROR",
        ),
    ]


@scenario(
    "extension-download-failed",
    "the VMSnapshot package cannot be downloaded on either channel ([ExtensionDownloadError])",
    "failed",
)
def extension_download_failed(sim: Sim, run: RunSpec) -> None:
    run.stop_after = "agent"
    name = f"{HANDLER}-{sim.era.ext_version}"
    run.extra += [
        x.agent(0.2, f"Downloading {name}"),
        x.agent(0.4, "Download failed, switching to host plugin", "WARNING"),
        x.agent(
            0.5, "Download failed both on the primary and fallback channels. Primary: [[HttpError] [HTTP Failed] "
            "[404: Not Found]] Fallback: [[HTTP Failed] [404: Not Found] b'']", "WARNING",
        ),
        x.agent(
            0.8, f"Event: name={HANDLER}, op=Download, message=Failed to download artifacts: "
            f"[ExtensionDownloadError] Failed to download {name} from all URIs. Last error: [HTTP Failed] "
            "[404: Not Found]", "ERROR",
        ),
    ]  # fmt: skip


@scenario(
    "extension-install-failed",
    "handle.sh enable crashes with a Python traceback (exit 1, '1 returned from handle.py')",
    "failed",
)
def extension_install_failed(sim: Sim, run: RunSpec) -> None:
    tb = _handle_py_traceback(
        sim,
        "    HandlerUtil.main()",
        f'  File "{sim.handler_dir}/main/handle.py", line 120, in enable',
        "    hutil.do_parse_context('Enable')",
        "IndexError: list index out of range",
    )
    py = "python3" if sim.era.ext_python == "3" else "python2.7"
    _enable_failed(sim, run, 1, tb, [f"ConfigSequenceNumber from environment variable {run.seq}",
                                      f"{py} path exists", "1 returned from handle.py"])  # fmt: skip


@scenario(
    "extension-outdated",
    "the installed extension imports 'crypt', removed from the VM's Python: ModuleNotFoundError, exit 1",
    "failed",
)
def extension_outdated(sim: Sim, run: RunSpec) -> None:
    main = f"{sim.handler_dir}/main"
    tb = _handle_py_traceback(
        sim,
        "    from Utils import HandlerUtil",
        f'  File "{main}/Utils/HandlerUtil.py", line 68, in <module>',
        "    from Utils.WAAgentUtil import waagent",
        f'  File "{main}/Utils/WAAgentUtil.py", line 40, in <module>',
        '    waagent = importlib.import_module("WaagentLib")',
        f'  File "{main}/WaagentLib.py", line 53, in <module>',
        "    import crypt",
        "ModuleNotFoundError: No module named 'crypt'",
    )
    _enable_failed(sim, run, 1, tb, [f"ConfigSequenceNumber from environment variable {run.seq}",
                                      "python3 path exists", "1 returned from handle.py"])  # fmt: skip


@scenario(
    "python-missing",
    "handle.sh finds no Python interpreter ('python version unknown', exit 3)",
    "failed",
)
def python_missing(sim: Sim, run: RunSpec) -> None:
    _enable_failed(sim, run, 3, "", [f"ConfigSequenceNumber from environment variable {run.seq}",
                                     "python version unknown", "3 returned from handle.py"])  # fmt: skip


@scenario(
    "security-software-blocking",
    "/var is mounted noexec: handle.sh cannot be executed (exit 126, Permission denied)",
    "failed",
)
def security_software_blocking(sim: Sim, run: RunSpec) -> None:
    _enable_failed(
        sim, run, 126,
        "WARNING: /var is mounted with the noexec flag, which can prevent execution of VM Extensions.\n"
        f"/bin/sh: {sim.handler_dir}/main/handle.sh: Permission denied",
        [],
    )  # fmt: skip
    run.extra.append(x.agent(-3600, "The noexec flag is set on /var. This can prevent extensions from executing.",
                             "WARNING"))  # fmt: skip


@scenario(
    "settings-decryption-failed",
    "the extension cannot decrypt its protected settings ('unable to load certificate', code 16)",
    "failed",
)
def settings_decryption_failed(sim: Sim, run: RunSpec) -> None:
    run.ext_rewrite["Config decoded correctly."] = None
    run.enable_lines += [
        ("INFO", "Attempting decryption using OpenSSL CMS command (supports AES256 and DES_EDE3_CBC)"),
        ("INFO", "CMS decryption failed with return code: 2, attempting fallback to SMIME"),
        ("ERROR", "Failed to decrypt protected settings using both CMS and SMIME commands"),
        ("INFO", "unable to load certificate"),
    ]
    run.enable_final = ("16", "error", "unable to load certificate")


_FREEBSD = """NAME=FreeBSD
VERSION="13.2-RELEASE-p9"
VERSION_ID="13.2"
ID=freebsd
ANSI_COLOR="0;31"
PRETTY_NAME="FreeBSD 13.2-RELEASE-p9"
CPE_NAME="cpe:/o:freebsd:freebsd:13.2"
HOME_URL="https://FreeBSD.org/"
BUG_REPORT_URL="https://bugs.FreeBSD.org/"
"""


@scenario(
    "unsupported-os",
    "a FreeBSD VM: the extension finds no lsblk and fails with ENOENT (code 12)",
    "failed",
)
def unsupported_os(sim: Sim, run: RunSpec) -> None:
    sim.era = dataclasses.replace(sim.era, os_id="freebsd", os_version="13.2", os_pretty="FreeBSD 13.2-RELEASE-p9")
    sim.os_release = _FREEBSD
    run.enable_lines += [
        ("ERROR", "Unable to run lsblk: [Errno 2] No such file or directory: 'lsblk'"),
    ]
    run.enable_final = ("12", "error", "Enable failed with error: [Errno 2] No such file or directory: 'lsblk'")


@scenario(
    "extension-queue-blocked",
    "another extension hangs in the same goal state; VMSnapshot's enable starts 95 minutes late",
    "failed",
)
def extension_queue_blocked(sim: Sim, run: RunSpec) -> None:
    delay = timedelta(minutes=95)
    run.delay = delay
    run.command_start -= delay
    other, dep = "Microsoft.Azure.Extensions.CustomScript", "Microsoft.Azure.Monitor.AzureMonitorLinuxAgent"
    wait = (
        f"Dependent Extension {dep} did not reach a terminal state within the allowed timeout. Last status was "
        "transitioning"
    )
    begin = -delay.total_seconds() - 360
    run.extra += [
        x.other_handler(begin, f"{dep}-1.33.2", "Target handler state: enabled"),
        x.other_handler(begin + 0.01, f"{dep}-1.33.2", "Enable extension: [./shim.sh -enable]"),
        x.other_handler(begin + 6, f"{other}-2.1.10", "Target handler state: enabled"),
        x.agent(-12, wait, "WARNING"),
        x.agent(-12 + 0.01, f"Event: name={other}, op=ExtensionProcessing, message={wait}, duration=0", "ERROR"),
        x.agent(
            -6, "A new goal state was received, but not all the extensions in the previous goal state have "
            f"completed: [('{dep}', 'transitioning'), ('{other}', 'error')]", "WARNING",
        ),
    ]  # fmt: skip
