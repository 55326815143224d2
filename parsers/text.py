"""The fallback for any file nobody recognised: pasted ticket notes, portal error text, instance
views, tracebacks, ``[stdout]``/``[stderr]`` blocks, excerpts of other logs.

Every line is scanned; only lines that *mean* something become events (a pasted README must not
flood the timeline), and ``ctx.records`` counts those only.  What is recognised:

- agent records anywhere (any era's header, also behind a syslog header or a ``> `` quote), with
  their continuation lines, classified by :mod:`parsers.agent_messages`;
- VMSnapshot ``extension.log`` records and console lines, classified by the VMSnapshot tables;
- syslog-framed lines and bare kernel/systemd messages, through :mod:`parsers.system_messages`
  (non-routine results only);
- Azure portal / Backup error codes and their message texts (``other`` with ``portal_code``);
- Python tracebacks (``python`` with ``exception``), missing interpreters and modules;
- ``Non-zero exit code: N`` / ``exit code N`` (``ext_command_result`` with ``exit_code``);
- instance-view JSON statuses (``"code": "ProvisioningState/failed/…"``, ``displayStatus``,
  ``message``) as ``ext_status``; ``vmAgentVersion`` as ``agent_version``.

A line that starts with an ISO stamp gets that time (``Z``/offset → UTC, none → unknown clock);
a year-less syslog stamp takes ``ctx.hints["year"]``; otherwise ``wall`` is None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import regex

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Pattern, PatternSet, Sample
from parsers.syslog import KERNEL_UPTIME, norm_offset, parse_offset, split_line
from parsers.system_messages import VMSNAPSHOT_HANDLER, SysRecord, SystemEmitter, classify_message, split_embedded

K = EventKind

# Error codes of Azure Backup jobs (Microsoft's troubleshooting articles, reference
# vmsnapshot-extension.md §8), and the message texts the portal shows for the common ones.
PORTAL_CODES = (
    "GuestAgentSnapshotTaskStatusError",
    "UserErrorGuestAgentStatusUnavailable",
    "UserErrorVmProvisioningStateFailed",
    "ExtensionSnapshotFailedNoNetwork",
    "ExtensionOperationFailedForManagedDisks",
    "ExtentionOperationFailed",
    "BackUpOperationFailedV2",
    "BackUpOperationFailed",
    "UserErrorRpCollectionLimitReached",
    "UserErrorKeyvaultPermissionsNotConfigured",
    "UserErrorUnsupportedDiskSize",
    "UserErrorBackupOperationInProgress",
    "UserErrorCrpReportedUserError",
    "UserErrorBcmDatasourceNotPresent",
    "UserErrorFsFreezeFailed",
    "UserErrorUnableToOpenMount",
    "ExtensionFailedSnapshotLimitReachedError",
    "ExtensionFailedTimeoutVMNetworkUnresponsive",
    "UserErrorVmNotInDesirableState",
    "VmNotInDesirableState",
    "ExtensionStuckInDeletionState",
    "UserErrorRequestDisallowedByPolicy",
    "CopyingVHDsFromBackUpVaultTakingLongTime",
)
_PORTAL_MESSAGES = (
    ("Could not communicate with the VM agent for snapshot status", "GuestAgentSnapshotTaskStatusError"),
    ("Snapshot VM sub task timed out", "GuestAgentSnapshotTaskStatusError"),
    ("VM Agent unable to communicate with Azure Backup", "UserErrorGuestAgentStatusUnavailable"),
    ("Snapshot operation failed due to no network connectivity", "ExtensionSnapshotFailedNoNetwork"),
    ("Failed to freeze one or more mount-points", "UserErrorFsFreezeFailed"),
    ("The VM is in failed provisioning state", "UserErrorVmProvisioningStateFailed"),
    ("Snapshot limit exceeded", "ExtensionFailedSnapshotLimitReachedError"),
)


def _int(value: str) -> int:
    return int(value)


TEXT_PATTERNS = PatternSet(
    [
        Pattern("portal-code", K.OTHER, (*PORTAL_CODES, "UserError"),
                r"\b(?P<portal_code>" + "|".join(PORTAL_CODES) + r"|UserError[A-Z]\w+)\b", {"event": "portal_error"}),
        *(Pattern(f"portal-message-{i}", K.OTHER, (text,), attrs={"event": "portal_error", "portal_code": code})
          for i, (text, code) in enumerate(_PORTAL_MESSAGES)),
        Pattern("env-python-missing", K.PYTHON, ("No such file or directory",),
                r"/usr/bin/env: ['‘\"]?(?P<interpreter>python[\d.]*)['’\"]?: No such file or directory",
                {"error": "interpreter_not_found"}),
        Pattern("python-command-not-found", K.PYTHON, ("command not found",),
                r"(?P<interpreter>python[\d.]*): (?:command )?not found", {"error": "interpreter_not_found"}),
        Pattern("python-version-unknown", K.PYTHON, ("python version unknown",), attrs={"error": "no_interpreter"}),
        Pattern("python-no-module", K.PYTHON, ("No module named",),
                r"(?:(?P<exception>ModuleNotFoundError|ImportError): )?No module named ['\"]?(?P<module>[\w.]+)",
                {"error": "module_missing"}),
        Pattern("returned-from-handle", K.EXT_COMMAND_RESULT, ("returned from handle",),
                r"(?P<exit_code>\d+) returned from handle(?:_host_daemon)?\.py", {}, {"exit_code": _int}),
        Pattern("non-zero-exit", K.EXT_COMMAND_RESULT, ("Non-zero exit code",),
                r"Non-zero exit code: (?P<exit_code>-?\d+)", {}, {"exit_code": _int}),
        Pattern("exit-code", K.EXT_COMMAND_RESULT, ("exit code", "exit status", "exited with code", "Exit code"),
                r"(?i)\bexit(?:ed with)? (?:code|status)[:=]?\s*(?P<exit_code>-?\d+)", {}, {"exit_code": _int}),
    ]
)

# stdlib-re gate over the literals (see system_messages._gate): skip the PatternSet on plain prose
_TEXT_GATE = re.compile("|".join(re.escape(lit) for p in TEXT_PATTERNS.patterns for lit in p.literals))
_QUOTE = regex.compile(r"^(?:\s*>)+\s?|^\s+")
_ISO_START = regex.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?)(?P<tz>Z|[+-]\d\d:?\d\d)?(?:\s+|$)"
)
_EXT_RECORD = regex.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?) \[(?P<handler>[^\]\s]+)-(?P<envver>\d+\.\d+)\](?P<msg>.*)$"
)
# `date` / `date -u` output before "- " (shell.log style), any locale layout close to C's
_DATE_START = regex.compile(
    r"^(?P<ts>[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?: [AP]M)?) (?P<tz>[A-Z]{2,5}) (?P<year>\d{4})- ?"
)
_EXC_LINE = regex.compile(r"^(?P<exception>[A-Za-z_][\w.]*)(?::\s|:$|$)")
_IV_CODE = regex.compile(r"\"code\"\s*:\s*\"(?P<code>(?:ProvisioningState|ComponentStatus|PowerState)/[^\"]*)\"")
_IV_FIELD = regex.compile(r"\"(?P<key>displayStatus|message|level|time|name|type|typeHandlerVersion|vmAgentVersion)\""
                          r"\s*:\s*\"(?P<value>(?:[^\"\\]|\\.)*)\"")
_IV_LEVEL = {"Error": "ERROR", "Warning": "WARNING", "Info": "INFO"}
_MAX_AGENT_LINES = 200
_BARE_BUDGET = 2000
_MAX_TB_LINES = 200


def _iso_time(ts: str, tz: str | None) -> tuple[datetime | None, Clock]:
    try:
        wall = datetime.fromisoformat(ts.replace(",", ".").replace(" ", "T")[:26])
    except ValueError:
        return None, Clock.UNKNOWN
    if not tz:
        return wall, Clock.UNKNOWN
    delta = parse_offset(tz)
    if delta is None:
        return wall, Clock.UNKNOWN
    return wall - delta, Clock.UTC


@dataclass(slots=True)
class _AgentRec:
    line: int
    parts: list[str]
    program: str | None = None
    pid: int | None = None
    wall: datetime | None = None
    clock: Clock = Clock.UNKNOWN
    time_raw: str = ""
    in_block: bool = False
    stderr_seen: bool = False


@dataclass(slots=True)
class _Traceback:
    line: int
    parts: list[str]
    wall: datetime | None
    clock: Clock
    time_raw: str


@dataclass(slots=True)
class _Status:
    line: int
    code: str
    fields: dict[str, str] = field(default_factory=dict)
    indent: int = 0


class _Text:
    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.em = SystemEmitter(ctx)
        self.agent: _AgentRec | None = None
        self.tb: _Traceback | None = None
        self.status: _Status | None = None
        self.iv: list[tuple[int, str, str]] = []  # instance-view scope: (indent, key, value)
        self.bare_budget = _BARE_BUDGET
        hint = ctx.hints.get("year")
        self.year = int(hint) if isinstance(hint, int | str) and str(hint).isdigit() else None

    # ---------------------------------------------------------------- emitting
    def _event(self, line: int, kind: EventKind, message: str, attrs: dict[str, Any], wall: datetime | None = None,
               clock: Clock = Clock.UNKNOWN, time_raw: str = "", level: str | None = None,
               handler: str | None = None, handler_version: str | None = None,
               component: str | None = None) -> Event:
        self.ctx.records += 1
        return Event(line=line, kind=kind, message=message, wall=wall, clock=clock, time_raw=time_raw, level=level,
                     component=component, handler=handler, handler_version=handler_version, attrs=attrs)

    def _flush_agent(self) -> list[Event]:
        a, self.agent = self.agent, None
        if a is None:
            return []
        text = "\n".join(a.parts)
        rec = SysRecord(line=a.line, message=text, text=text, program=a.program or "", pid=a.pid, wall=a.wall,
                        clock=a.clock, time_raw=a.time_raw)
        return [*self.em.feed(rec), *self.em.finish()]

    def _flush_tb(self) -> list[Event]:
        t, self.tb = self.tb, None
        if t is None:
            return []
        attrs: dict[str, Any] = {}
        last = t.parts[-1].strip() if len(t.parts) > 1 else ""
        m = _EXC_LINE.match(last)
        if m is not None and not last.startswith("File "):
            attrs["exception"] = m.group("exception").rsplit(".", 1)[-1]
        nm = regex.search(r"No module named ['\"]?(?P<module>[\w.]+)", last)
        if nm is not None:
            attrs["module"] = nm.group("module")
        files = regex.findall(r'File "([^"]+)"', "\n".join(t.parts))
        if files:
            attrs["file"] = files[-1]
        return [self._event(t.line, K.PYTHON, "\n".join(t.parts), attrs, t.wall, t.clock, t.time_raw)]

    def _flush_status(self) -> list[Event]:
        s, self.status = self.status, None
        if s is None:
            return []
        parts = s.code.split("/")
        attrs: dict[str, Any] = {"status_code": s.code}
        if s.fields.get("displayStatus"):
            attrs["display_status"] = s.fields["displayStatus"]
        if s.fields.get("message"):
            attrs["status_message"] = s.fields["message"]
        wall, clock = (None, Clock.UNKNOWN)
        if s.fields.get("time"):
            m = _ISO_START.match(s.fields["time"])
            if m is not None:
                wall, clock = _iso_time(m.group("ts"), m.group("tz"))
        if parts[0] == "PowerState":
            attrs.update(event="power_state", state=parts[1] if len(parts) > 1 else "")
            return [self._event(s.line, K.OTHER, s.code, attrs, wall, clock, s.fields.get("time", ""))]
        if len(parts) > 1:
            attrs["status"] = parts[1].lower()
        if len(parts) > 2 and parts[2]:
            attrs["code"] = parts[2]
        handler = version = None
        scope = self._scope()
        if "name" in scope or "type" in scope:
            handler = scope.get("type") or scope.get("name")
            version = scope.get("typeHandlerVersion")
        elif "vmAgent" in scope:
            attrs["target"] = "vmAgent"
        message = s.code if not s.fields.get("message") else f"{s.code}: {s.fields['message']}"
        return [self._event(s.line, K.EXT_STATUS, message, attrs, wall, clock, s.fields.get("time", ""),
                            level=_IV_LEVEL.get(s.fields.get("level", "")), handler=handler,
                            handler_version=version)]

    # ---------------------------------------------------------------- line handling
    def line(self, lineno: int, raw: str) -> list[Event]:
        out: list[Event] = []
        if self.agent is not None:
            if self._continues_agent(raw):
                return out
            out.extend(self._flush_agent())
        if self.tb is not None:
            if raw.startswith((" ", "\t")) and len(self.tb.parts) < _MAX_TB_LINES:
                self.tb.parts.append(raw)
                return out
            if raw.strip() and not raw.lstrip().startswith("Traceback"):
                self.tb.parts.append(raw)  # the exception line closes the traceback
                out.extend(self._flush_tb())
                return out
            out.extend(self._flush_tb())
        closing = raw.lstrip().startswith(("}", "]"))
        if '":' in raw or (closing and (self.status is not None or self.iv)):
            done = self._instance_view(lineno, raw, out)
            if done:
                return out
        if not raw.strip():
            return out
        body = raw
        q = _QUOTE.match(body)
        if q is not None:
            body = body[q.end():]
        out.extend(self._body(lineno, raw, body))
        return out

    def _continues_agent(self, raw: str) -> bool:
        a = self.agent
        assert a is not None
        if len(a.parts) >= _MAX_AGENT_LINES:
            return False
        body = raw
        q = _QUOTE.match(body)
        if q is not None and q.group(0).strip():  # a quoted excerpt: drop the quote marks
            body = body[q.end():]
        stripped = body.strip()
        if stripped in ("[stdout]", "[stderr]"):
            a.in_block = True
            a.stderr_seen = a.stderr_seen or stripped == "[stderr]"
            a.parts.append(stripped)
            return True
        if not stripped:
            if a.in_block and not a.stderr_seen:  # "[stdout]\n…\n\n[stderr]\n…"
                a.parts.append("")
                return True
            return False
        if a.program is not None:
            fr = split_line(body)
            if fr is not None:
                if fr.program == a.program and fr.pid == a.pid and split_embedded(fr.message) is None:
                    a.parts.append(fr.message)
                    return True
                return False
        if split_embedded(body) is not None or split_line(body) is not None or _EXT_RECORD.match(body):
            return False
        a.parts.append(body)
        return True

    def _instance_view(self, lineno: int, raw: str, out: list[Event]) -> bool:
        """Instance-view JSON, one field per line; True when the line was consumed.

        Which object a status belongs to follows the indentation: a ``"name"`` (or ``"vmAgent"``)
        key scopes the lines indented deeper than it, until a line comes out to its level.
        """
        indent = len(raw) - len(raw.lstrip())
        self.iv = [c for c in self.iv if indent >= c[0]]
        m = _IV_CODE.search(raw)
        if m is not None:
            out.extend(self._flush_status())
            self.status = _Status(lineno, m.group("code"), indent=indent)
            return True
        if self.status is not None and indent < self.status.indent and raw.strip():
            out.extend(self._flush_status())
        if '"vmAgent"' in raw:
            self.iv.append((indent + 1, "vmAgent", ""))
            return True
        consumed = False
        for fm in _IV_FIELD.finditer(raw):
            key, value = fm.group("key"), fm.group("value")
            if key == "vmAgentVersion":
                out.append(self._event(lineno, K.AGENT_VERSION, raw.strip(), {"version": value,
                                                                             "source": "instance_view"}))
                consumed = True
            elif self.status is not None and key in ("displayStatus", "message", "level", "time"):
                self.status.fields[key] = value.replace('\\"', '"').replace("\\n", "\n")
                consumed = True
            elif key in ("name", "type", "typeHandlerVersion"):
                if self.status is not None:
                    out.extend(self._flush_status())
                self.iv = [c for c in self.iv if not (c[0] == indent and (key == "name" or c[1] == key))]
                self.iv.append((indent, key, value))
                consumed = True
        if self.status is not None and "}" in raw and indent <= self.status.indent:
            out.extend(self._flush_status())
            return True
        return consumed

    def _scope(self) -> dict[str, str]:
        return {key: value for _indent, key, value in self.iv}

    def _body(self, lineno: int, raw: str, body: str) -> list[Event]:
        emb = split_embedded(body)
        if emb is not None:
            if emb.kind == "agent":
                self.agent = _AgentRec(lineno, [body], in_block=any(m in body for m in ("[stdout]", "[stderr]")))
                return []
            return self.em.feed(SysRecord(line=lineno, message=body, text=raw))
        fr = split_line(body)
        if fr is not None:
            return self._framed(lineno, raw, fr)
        ext = _EXT_RECORD.match(body)
        if ext is not None:
            return self._ext_record(lineno, raw, ext)
        wall: datetime | None = None
        clock = Clock.UNKNOWN
        time_raw = ""
        rest = body
        d = _DATE_START.match(body) if body[:1].isupper() else None
        if d is not None:
            fmt = "%a %b %d %I:%M:%S %p %Y" if d.group("ts").endswith("M") else "%a %b %d %H:%M:%S %Y"
            try:
                wall = datetime.strptime(f"{d.group('ts')} {d.group('year')}", fmt)
                clock = Clock.UTC if d.group("tz") in ("UTC", "GMT") else Clock.LOCAL
            except ValueError:
                wall = None
            time_raw, rest = body[:d.end()].rstrip("- "), body[d.end():]
            return self._message(lineno, raw, rest, wall, clock, time_raw)
        m = _ISO_START.match(body)
        if m is not None:
            time_raw = m.group(0).strip()
            wall, clock = _iso_time(m.group("ts"), m.group("tz"))
            if m.group("tz") and clock is Clock.UTC and m.group("tz") not in ("Z", "z"):
                delta = parse_offset(m.group("tz"))
                if delta is not None:
                    self.em.fact_once("clock.offset", norm_offset(delta), lineno, time_raw)
            rest = body[m.end():]
        return self._message(lineno, raw, rest, wall, clock, time_raw)

    def _framed(self, lineno: int, raw: str, fr: Any) -> list[Event]:
        wall, clock, attrs = fr.wall, fr.clock, {}
        if fr.offset is not None and fr.time_raw[-1:] not in ("Z", "z"):
            self.em.fact_once("clock.offset", fr.offset, lineno, fr.time_raw)
        if wall is None:
            if self.year is not None:
                h, mi, s, us = fr.tod
                try:
                    wall = datetime(self.year, fr.month, fr.day, h, mi, s, us)
                    attrs["year_inferred"] = True
                except ValueError:
                    wall = None
        emb = split_embedded(fr.message)
        if emb is not None and emb.kind == "agent":
            self.agent = _AgentRec(lineno, [fr.message], fr.program, fr.pid, wall, clock, fr.time_raw)
            return []
        if emb is not None:
            return self.em.feed(SysRecord(line=lineno, message=fr.message, text=raw, wall=wall, clock=clock,
                                          time_raw=fr.time_raw, program=fr.program, pid=fr.pid))
        msg = fr.message
        if fr.program == "kernel" and msg.startswith("["):
            k = KERNEL_UPTIME.match(msg)
            if k is not None:
                msg = msg[k.end():]
        events = self._message(lineno, raw, msg, wall, clock, fr.time_raw, fr.program)
        for ev in events:
            ev.attrs.update(attrs)
            ev.attrs.setdefault("program", fr.program)
        return events

    def _ext_record(self, lineno: int, raw: str, m: regex.Match) -> list[Event]:
        from parsers import system_messages

        ts = m.group("ts")
        try:
            wall = datetime.fromisoformat(ts)
        except ValueError:
            wall = None
        emb = system_messages.Embedded("vmsnapshot", wall, system_messages.console_clock(wall), ts, None, None,
                                       m.group("handler"), None, m.group("msg"))
        return [self._embedded_vmsnapshot(lineno, raw, emb)]

    def _embedded_vmsnapshot(self, lineno: int, raw: str, emb: Any) -> Event:
        from parsers.system_messages import classify_embedded

        try:
            kind, attrs = classify_embedded(emb, emb.message)
        except Exception as exc:  # the VMSnapshot tables may be absent or broken  # noqa: BLE001
            self.ctx.warn(f"VMSnapshot record not classified: {type(exc).__name__}: {exc}", lineno)
            kind, attrs = K.OTHER, {}
        attrs["embedded"] = "vmsnapshot"
        return self._event(lineno, kind, raw, attrs, emb.wall, emb.clock, emb.time_raw, emb.level,
                           handler=emb.handler or VMSNAPSHOT_HANDLER)

    def _message(self, lineno: int, raw: str, rest: str, wall: datetime | None, clock: Clock, time_raw: str,
                 program: str = "") -> list[Event]:
        if rest.lstrip().startswith("Traceback (most recent call last)"):
            self.tb = _Traceback(lineno, [raw], wall, clock, time_raw)
            return []
        m = TEXT_PATTERNS.match(rest) if _TEXT_GATE.search(rest) is not None else None
        if m is not None:
            return [self._event(lineno, m.pattern.kind, raw, m.attrs, wall, clock, time_raw)]
        c = classify_message(rest, program)
        if c.pattern_id is not None and c.kind is not K.ROUTINE:
            handler = c.attrs.pop("handler", None)
            version = c.attrs.pop("version", None) if handler else None
            if c.agent_unit:
                self.em.fact_once("agent.service", c.agent_unit, lineno)
            return [self._event(lineno, c.kind, raw, c.attrs, wall, clock, time_raw, handler=handler,
                                handler_version=version)]
        return self._bare_agent(lineno, raw, rest, wall, clock, time_raw)

    def _bare_agent(self, lineno: int, raw: str, rest: str, wall: datetime | None, clock: Clock,
                    time_raw: str) -> list[Event]:
        """A pasted agent or VMSnapshot message without its header: only a specific, non-routine
        pattern of those tables counts (their catch-alls would turn prose into events).

        Those tables are large (a scan costs ~100 µs), so only the first lines of a source get
        this treatment: enough for pasted notes, bounded for a big log nobody recognised."""
        if self.bare_budget <= 0 or len(rest) < 12:
            return []
        self.bare_budget -= 1
        if self.bare_budget == 0:
            self.ctx.warn(f"headerless agent/extension message matching stopped after {_BARE_BUDGET} lines", lineno)
        kind: EventKind | None = None
        attrs: dict[str, Any] = {}
        handler: str | None = None
        try:
            from parsers import agent_messages

            mm = agent_messages.match_message(rest)
            if mm.pattern_id is not None and mm.kind not in (K.ROUTINE, K.OTHER):
                kind, attrs = mm.kind, dict(mm.attrs)
        except Exception:  # the agent tables are optional for this parser  # noqa: BLE001
            kind = None
        if kind is None:
            try:
                from parsers import vmsnapshot_messages

                vm = vmsnapshot_messages.match(rest)
            except Exception:  # noqa: BLE001
                vm = None
            if vm is None or vm.kind in (K.ROUTINE, K.OTHER):
                return []
            kind, attrs, handler = vm.kind, dict(vm.attrs), VMSNAPSHOT_HANDLER
        attrs["headerless"] = True
        return [self._event(lineno, kind, raw, attrs, wall, clock, time_raw, handler=handler)]

    def finish(self) -> list[Event]:
        return [*self._flush_agent(), *self._flush_tb(), *self._flush_status(), *self.em.finish()]


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    st = _Text(ctx)
    for lineno, line in reader.lines():
        yield from st.line(lineno, line)
    yield from st.finish()


_AGENT_ERR = ("2024-05-01T10:15:40.118562Z ERROR ExtHandler ExtHandler Event: name=Microsoft.Azure.RecoveryServices."
              "VMSnapshotLinux, op=Enable, message=[ExtensionOperationError] Non-zero exit code: 127, "
              "/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/main/handle.sh enable")

SAMPLES = (
    Sample(text="Backup job failed: GuestAgentSnapshotTaskStatusError", kind=K.OTHER,
           attrs={"portal_code": "GuestAgentSnapshotTaskStatusError", "event": "portal_error"}),
    Sample(text="Error: Could not communicate with the VM agent for snapshot status.", kind=K.OTHER,
           attrs={"portal_code": "GuestAgentSnapshotTaskStatusError"}),
    Sample(text="Snapshot VM sub task timed out.", kind=K.OTHER,
           attrs={"portal_code": "GuestAgentSnapshotTaskStatusError"}),
    Sample(text="Error message: VM Agent unable to communicate with Azure Backup", kind=K.OTHER,
           attrs={"portal_code": "UserErrorGuestAgentStatusUnavailable"}),
    Sample(text="Snapshot operation failed due to no network connectivity on the virtual machine", kind=K.OTHER,
           attrs={"portal_code": "ExtensionSnapshotFailedNoNetwork"}),
    Sample(text="Failed to freeze one or more mount-points of the VM to take a file-system consistent snapshot.",
           kind=K.OTHER, attrs={"portal_code": "UserErrorFsFreezeFailed"}),
    Sample(text="The VM is in failed provisioning state", kind=K.OTHER,
           attrs={"portal_code": "UserErrorVmProvisioningStateFailed"}),
    Sample(text="Snapshot limit exceeded for some of the disks", kind=K.OTHER,
           attrs={"portal_code": "ExtensionFailedSnapshotLimitReachedError"}),
    Sample(text="Error code: UserErrorSomethingNew", kind=K.OTHER, attrs={"portal_code": "UserErrorSomethingNew"}),
    Sample(text="/usr/bin/env: 'python': No such file or directory", kind=K.PYTHON,
           attrs={"interpreter": "python", "error": "interpreter_not_found"}),
    Sample(text="main/handle.sh: line 12: python3: command not found", kind=K.PYTHON, attrs={"interpreter": "python3"}),
    Sample(text="Wed Feb 12 03:27:44 UTC 2020- python version unknown", kind=K.PYTHON,
           attrs={"error": "no_interpreter"}),
    Sample(text="ModuleNotFoundError: No module named 'imp'", kind=K.PYTHON,
           attrs={"module": "imp", "exception": "ModuleNotFoundError"}),
    Sample(text="Tue Mar 10 02:41:07 PM UTC 2026- 1 returned from handle.py", kind=K.EXT_COMMAND_RESULT,
           attrs={"exit_code": 1}),
    Sample(text="[ExtensionOperationError] Non-zero exit code: 127, main/handle.sh enable", kind=K.EXT_COMMAND_RESULT,
           attrs={"exit_code": 127}),
    Sample(text="The enable command failed with exit code 126", kind=K.EXT_COMMAND_RESULT, attrs={"exit_code": 126}),
    Sample(text="Traceback (most recent call last):\n  File \"/var/lib/waagent/Microsoft.Azure.RecoveryServices."
                "VMSnapshotLinux-1.0.9225.0/main/handle.py\", line 24, in <module>\n    import imp\n"
                "ModuleNotFoundError: No module named 'imp'", kind=K.PYTHON,
           attrs={"exception": "ModuleNotFoundError", "module": "imp"}),
    Sample(text='      "code": "ProvisioningState/failed/-2146233088",\n      "level": "Error",\n'
                '      "displayStatus": "Provisioning failed",\n      "message": "Enable failed: exit code 1"\n    }',
           kind=K.EXT_STATUS, level="ERROR", attrs={"status": "failed", "display_status": "Provisioning failed"}),
    Sample(text='    "vmAgentVersion": "2.9.1.1",', kind=K.AGENT_VERSION, attrs={"version": "2.9.1.1"}),
    Sample(text='  "code": "PowerState/deallocated",\n  "displayStatus": "VM deallocated"\n}', kind=K.OTHER,
           attrs={"event": "power_state", "state": "deallocated"}),
    Sample(text="Out of memory: Killed process 23456 (python3) total-vm:812344kB", kind=K.OOM,
           attrs={"pid": 23456, "process": "python3"}),
    Sample(text="May  1 10:15:02 vm-backup01 kernel: INFO: task safefreeze:41235 blocked for more than 120 seconds.",
           kind=K.OTHER, attrs={"event": "hung_task", "process": "safefreeze"}),
    Sample(text="> " + _AGENT_ERR, kind=K.EXT_COMMAND_RESULT, level="ERROR", component="ExtHandler",
           attrs={"exit_code": 127}),
    Sample(text="2024-01-14 22:16:48.792020 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]T:S freeze, "
                "timeout value 60", kind=K.FREEZE, handler=VMSNAPSHOT_HANDLER),
)

SPEC = registry.register(
    ParserSpec(
        name="text",
        kind=registry.TEXT_KIND,
        parse=parse,
        paths=(),
        sniff=None,
        priority=-1000,
        description="fallback for unrecognised files: ticket notes, portal errors, instance views, excerpts",
        samples=SAMPLES,
    )
)
