"""The VMSnapshot extension's own files: extension.log records, the freeze buffer, safefreeze
output, shell.log lines and the status document (reference ``vmsnapshot-extension.md`` §2, §5)."""

from __future__ import annotations

import json
from datetime import datetime

from analyzer.simulate.clock import dash_s, date_cmd, epoch_ms, iso_s_z, py_str, slash_s, slash_us
from analyzer.simulate.context import EXTENSION_LOG, HANDLER, SHELL_LOG, Sim

_PREFIX = f"[{HANDLER}-1.0]"  # the HandlerEnvironment version, not the extension version
_LEVELS = {"INFO": "Info", "WARNING": "Warning", "ERROR": "Error"}
FREEZE_START = " ================== Logs during Freeze Start =============="
FREEZE_END = " ================== Logs during Freeze End =============="
BINARY_START = "============== Binary output traces start ================= "
BINARY_END = "============== Binary output traces end ================= "


class ExtWriter:
    """Writes records the way the extension's logger of the era does."""

    def __init__(self, sim: Sim, rewrite: dict[str, str | None] | None = None) -> None:
        self.sim = sim
        self.rewrite = rewrite or {}  # message prefix -> replacement (None: drop the line)
        self.py3 = sim.era.ext_python == "3"
        self.log = sim.out.sink(EXTENSION_LOG)
        self.shell_sink = sim.out.sink(SHELL_LOG)

    def clock(self, t: datetime) -> datetime:
        """Extension records are UTC since 2021-09-02 and VM local time before."""
        return t if self.sim.era.ext_utc else self.sim.local(t)

    def _rewritten(self, msg: str) -> str | None:
        for prefix, new in self.rewrite.items():
            if msg.startswith(prefix):
                return new
        return msg

    def rec(self, t: datetime, msg: str, level: str = "INFO") -> None:
        if self.rewrite:
            new = self._rewritten(msg)
            if new is None:
                return
            msg = new
        te = self.clock(t)
        if self.py3 and level != "ERROR":
            self.log.add(t, f"{py_str(te)} {_PREFIX}{msg}")
            return
        # Python 2 (and hutil.error under any Python): bundled WaagentLib logger, local time,
        # every physical line stamped, the prefix only on the first.
        stamp = slash_s(self.sim.local(t))
        tag = "ERROR:" if level == "ERROR" else "WARNING:" if level == "WARNING" else ""
        lines = msg.split("\n")
        text = [f"{stamp} {tag}{_PREFIX}{lines[0]}"] + [f"{stamp} {tag}{line}" for line in lines[1:]]
        self.log.add(t, "\n".join(text))

    def console(self, t: datetime, msg: str, level: str = "INFO") -> str:
        """One buffered line in the console format (written out after thaw); "" when rewritten away."""
        if self.rewrite:
            new = self._rewritten(msg)
            if new is None:
                return ""
            msg = new
        te = self.clock(t)
        if te.microsecond == 0:
            te = te.replace(microsecond=1)
        stamp = slash_us(te) if self.py3 else te.isoformat(" ", "microseconds")
        return f"{stamp}  {_LEVELS[level]}  {msg} "

    def freeze_buffer(self, t_flush: datetime, inner: list[str]) -> None:
        self.rec(t_flush, "\n".join([FREEZE_START, *(line for line in inner if line), FREEZE_END]))

    def binary(self, t_flush: datetime, lines: list[tuple[datetime, str]]) -> None:
        """safefreeze's stdout, logged one line per record after the thaw (binary stamps are local)."""
        self.rec(t_flush, BINARY_START)
        for t_bin, msg in lines:
            self.rec(t_flush, f"{dash_s(self.sim.local(t_bin))} {msg}")
        self.rec(t_flush, BINARY_END)

    def shell(self, t: datetime, text: str) -> None:
        """``handle.sh``: `date -u` since 2021-09 (`date`, local time, before)."""
        if self.sim.era.ext_utc:
            stamp = date_cmd(t, "UTC")
        else:
            stamp = date_cmd(self.sim.local(t), self.sim.clock.abbrev)
        self.shell_sink.add(t, f"{stamp}- {text}")


def status_document(
    sim: Sim,
    t: datetime,
    *,
    code: str,
    status: str,
    message: str,
    task_id: str,
    command_start_ticks: int,
    final: bool,
    telemetry: dict[str, str] | None = None,
) -> str:
    """The JSON written to ``status/<seq>.status`` (and logged after "file status report message:").

    ARM VMs force the file's top-level status to "success"; the real outcome is in ``code`` and in
    the embedded uploaded document (§5.3).
    """
    msg_obj = {"messageStr": message, "snapshotConsistency": 0, "jobMessage": "", "isSizeComputationFailed": False}
    formatted = {"lang": "en-US", "message": json.dumps(msg_obj)}
    inner_status: dict[str, object] = {
        "status": status,
        "code": code,
        "snapshotInfo": None,
        "name": HANDLER,
        "commandStartTimeUTCTicks": str(command_start_ticks),
        "taskId": task_id,
        "formattedMessage": formatted,
        "uniqueMachineId": sim.machine_id,
        "vmHealthInfo": {"vmHealthStatusCode": int(code) if code.isdigit() else -1, "vmHealthState": 0},
        "storageDetails": {
            "totalUsedSizeInBytes": 21474836480,
            "partitionCount": len(sim.disks) + 1,
            "isSizeComputationFailed": False,
            "isStoragespacePresent": False,
        },
        "telemetryData": [{"Key": k, "Value": v} for k, v in (telemetry or {}).items()],
        "substatus": None,
    }
    if final and code in ("0", "1"):
        inner_status["snapshotInfo"] = [
            {
                "isSuccessful": True,
                "snapshotUri": None,
                "errorMessage": None,
                "blobUri": None,
                "directDriveSnapshotIdentifier": None,
            }
            for _ in range(len(sim.disks))
        ]
    uploaded = [{"status": inner_status, "version": "1.0", "timestampUTC": f"\\/Date({epoch_ms(t)})\\/"}]
    top: dict[str, object] = {
        "name": HANDLER,
        "operation": "Enable",
        "status": "success",
        "code": code,
        "formattedMessage": formatted,
    }
    if final:
        top["substatus"] = [
            {
                "name": json.dumps(uploaded),
                "status": "success",
                "code": "0",
                "formattedMessage": {"lang": "en-US", "message": "success" if code in ("0", "1") else code},
            }
        ]
    return json.dumps([{"version": "1.0", "timestampUTC": iso_s_z(t), "status": top}])
