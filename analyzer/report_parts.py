"""Pieces of the result object (design §4) that summarise the diagnosis, the VM and coverage."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from analyzer.context import ContextReader
from analyzer.engine import Finding, logs_miss_the_backup
from analyzer.knowledge import RemedyStep, compare_versions, load_catalogue, load_collect
from analyzer.model import EventKind, Fact
from analyzer.pipeline import Analysis
from analyzer.rules.base import Evidence, localize
from analyzer.timeline import format_time

# Where each source kind lives on the VM (for "missing" and the collect-next hints).
KIND_PATHS = {
    "waagent_log": "var/log/waagent.log",
    "command_execution_log": "var/log/azure/<handler>/CommandExecution.log",
    "vmsnapshot_extension_log": "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log",
    "vmsnapshot_shell_log": "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/shell.log",
    "handler_status_file": "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-<version>/status/",
    "waagent_status_json": "var/lib/waagent/waagent_status.json",
    "extensions_config_xml": "var/lib/waagent/ExtensionsConfig.<n>.xml",
    "goal_state_xml": "var/lib/waagent/GoalState.<n>.xml",
    "hosting_env_xml": "var/lib/waagent/HostingEnvironmentConfig.xml",
    "shared_config_xml": "var/lib/waagent/SharedConfig.xml",
    "waagent_conf": "etc/waagent.conf",
    "vmbackup_conf": "etc/azure/vmbackup.conf",
    "dhcp_lease": "var/lib/dhcp/dhclient.*.leases",
    "os_release": "etc/os-release",
    "syslog": "var/log/syslog or var/log/messages",
    "journal": "journalctl output",
    "dmesg": "var/log/dmesg",
}
_CONFIG_KEYS = ("Logs.Verbose", "Extensions.Enabled", "AutoUpdate.Enabled", "AutoUpdate.UpdateToLatestVersion",
                "HttpProxy.Host", "HttpProxy.Port", "OS.EnableFirewall", "Protocol.EndpointDiscovery")  # fmt: skip
VMSNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


def _last(facts: list[Fact], key: str) -> Any:
    value = None
    for fact in facts:
        if fact.key == key:
            value = fact.value
    return value


def _highest_version(facts: list[Fact], key: str) -> str | None:
    best: str | None = None
    for fact in facts:
        if fact.key == key and isinstance(fact.value, str) and fact.value[:1].isdigit():
            try:
                if best is None or compare_versions(fact.value, best) > 0:
                    best = fact.value
            except ValueError:
                continue
    return best


_VERSION_KINDS = frozenset((EventKind.AGENT_VERSION, EventKind.AGENT_START, EventKind.HEARTBEAT))


def _agents_in_charge(analysis: Analysis) -> dict[str, str]:
    """Per role (``daemon``, ``goal_state``), the agent version named by the last version line at or
    before the analysed window's end, as the rules judge it: not the highest ever seen, which after
    a blacklisting or a downgrade is a version that no longer runs.  One pass over the timeline."""
    end = analysis.window[1] if analysis.window else None
    found: dict[str, str] = {}
    after: dict[str, str] = {}  # the first line past the window, for a role with none before it
    for event, when in zip(analysis.timeline.events, analysis.timeline.times, strict=True):
        version, role = event.attrs.get("version"), event.attrs.get("role")
        if (
            event.kind not in _VERSION_KINDS
            or not isinstance(role, str)
            or not isinstance(version, str)
            or event.attrs.get("bundled_constant")
        ):
            continue
        if end is not None and when is not None and when > end:
            after.setdefault(role, version)
        elif role not in after:
            found[role] = version
    return {**after, **found}


def _versions_from_events(analysis: Analysis, extensions: dict[str, dict[str, Any]]) -> None:
    """An extension whose version no fact gives (waagent.log rotated away) still has it in the
    handler folder name its state files sit in, which their events carry as handler_version."""
    unknown = {name for name, entry in extensions.items() if not entry["version"]}
    for event in analysis.timeline.events:
        if event.handler in unknown and isinstance(event.handler_version, str) and event.handler_version[:1].isdigit():
            extensions[event.handler]["version"] = event.handler_version


def _agent_versions(analysis: Analysis) -> tuple[str | None, str | None]:
    facts = analysis.parsed.facts
    in_charge = _agents_in_charge(analysis)
    return (
        in_charge.get("daemon") or _highest_version(facts, "agent.daemon_version"),
        in_charge.get("goal_state") or _highest_version(facts, "agent.goal_state_version"),
    )


_CLOUD_SUFFIXES = (
    (".core.chinacloudapi.cn", "AzureChinaCloud"),
    (".core.usgovcloudapi.net", "AzureUSGovernment"),
    (".core.windows.net", "AzureCloud"),
    (".storage.azure.net", "AzureCloud"),
)


def cloud_from_hosts(analysis: Analysis) -> str:
    """The cloud from the storage host names the logs mention, when no document said it."""
    seen: dict[str, int] = {}
    for ev in analysis.timeline.events:
        text = ev.message if "core." in ev.message or "storage.azure" in ev.message else ""
        host = str(ev.attrs.get("host") or "")
        for suffix, cloud in _CLOUD_SUFFIXES:
            if suffix in host or suffix in text:
                seen[cloud] = seen.get(cloud, 0) + 1
                break
    if len(seen) == 1:
        return next(iter(seen))
    return "unknown"  # none, or several clouds named: do not guess


def vm_section(analysis: Analysis) -> dict[str, Any]:
    facts = analysis.parsed.facts
    tz = analysis.timeline.time_zone
    extensions: dict[str, dict[str, Any]] = {}
    for fact in facts:
        name = fact.attrs.get("name")
        if not isinstance(name, str) or fact.key not in ("extension.version", "extension.state"):
            continue
        entry = extensions.setdefault(name, {"name": name, "version": None, "state": None})
        field = "version" if fact.key == "extension.version" else "state"
        if field == "version" and entry["version"] and isinstance(fact.value, str):
            try:
                if compare_versions(fact.value, entry["version"]) <= 0:
                    continue
            except ValueError:
                continue
        entry[field] = fact.value
    _versions_from_events(analysis, extensions)
    os_name = _last(facts, "os.pretty") or " ".join(
        str(v) for v in (_last(facts, "os.name"), _last(facts, "os.version")) if v
    )
    daemon, goal_state = _agent_versions(analysis)
    return {
        "agent": {"daemon": daemon, "goal_state": goal_state},
        "os": os_name or None,
        "cloud": _last(facts, "cloud") or cloud_from_hosts(analysis),
        "time_zone": {"offset": tz.offset_text(), "basis": tz.basis, "evidence": list(tz.evidence)},
        "python": {"agent": _last(facts, "agent.python"), "extension": _last(facts, "extension.python")},
        "extensions": sorted(extensions.values(), key=lambda e: e["name"]),
        "config": {key: _last(facts, f"waagent_conf.{key}") for key in _CONFIG_KEYS},
        "wireserver": _last(facts, "wireserver") or _last(facts, "dhcp.option_245"),
    }


def result_status(analysis: Analysis) -> dict[str, str]:
    diagnosis = analysis.diagnosis
    top = diagnosis.top
    top_cause = top.cause.id if top else "none"
    evaluated = diagnosis.findings or diagnosis.ruled_out
    run = analysis.run
    if not evaluated:
        status = "no-data"
    elif run is not None and run.outcome == "succeeded" and not any(f.verdict == "likely" for f in diagnosis.findings):
        status = "guest-healthy"
    elif top is not None and top.verdict == "likely":
        status = "diagnosed"
    else:
        status = "inconclusive"
    return {"status": status, "top_cause": top_cause}


def render_evidence(
    analysis: Analysis, evidence: Evidence, reader: ContextReader | None = None, lang: str = "en"
) -> dict[str, Any]:
    reader = reader or ContextReader(analysis.parsed)
    before: list[str] = []
    after: list[str] = []
    if evidence.kind == "line":
        before, after = reader.around(evidence.member, evidence.line, localize(evidence.text, lang).count("\n") + 1)
    out: dict[str, Any] = {
        "kind": evidence.kind,
        "source": evidence.source,
        "member": evidence.member,
        "line": evidence.line,
        "time": format_time(evidence.time),
        "text": localize(evidence.text, lang),
        "context_before": before,
        "context_after": after,
    }
    if evidence.weight is not None:
        out["weight"] = round(evidence.weight, 2)
    return out


_SINCE_LEAD = timedelta(minutes=30)


def remedy_command(command: str | None, evidence: list[dict[str, Any]]) -> str | None:
    """A remedy command with ``@since@`` (journalctl --since) filled in: from half an hour before the
    finding's first evidence, so the engineer reads the logs of that moment, not 'the last 2 days'."""
    if not command or "@since@" not in command:
        return command
    times = sorted(str(e["time"]) for e in evidence if e.get("time"))
    if not times:
        return command.replace("@since@", "2 days ago")
    first = datetime.fromisoformat(times[0].rstrip("Z")) - _SINCE_LEAD
    return command.replace("@since@", f"{first:%Y-%m-%d %H:%M:%S} UTC")


def _step_text(step: RemedyStep, lang: str, evidence: list[dict[str, Any]]) -> str:
    command = remedy_command(step.command, evidence)
    return step.text.get(lang) + (f"\n$ {command}" if command else "") + (f"\n{step.link}" if step.link else "")


def _finding(analysis: Analysis, f: Finding, lang: str, cloud: str, reader: ContextReader) -> dict[str, Any]:
    cause = f.cause
    summary = localize(f.judgement.summary, lang) or cause.summary.get(lang)
    steps = cause.remedy_for("linux", cloud)
    evidence = [render_evidence(analysis, e, reader, lang) for e in f.judgement.support]
    return {
        "cause": cause.id,
        "family": cause.family,
        "title": cause.title.get(lang),
        "verdict": f.verdict,
        "confidence": f.confidence,
        "summary": summary,
        "why_not_runner_up": localize(f.why_not_runner_up, lang) or None,
        # the link too: with the cloud unknown a step comes once per cloud, differing only in its link
        "remedy": [_step_text(step, lang, evidence) for step in steps],
        "evidence": evidence,
        "counter_evidence": [render_evidence(analysis, e, reader, lang) for e in f.judgement.counter],
    }


def render_findings(analysis: Analysis, lang: str, cloud: str) -> list[dict[str, Any]]:
    reader = ContextReader(analysis.parsed)
    return [_finding(analysis, f, lang, cloud, reader) for f in analysis.diagnosis.findings]


def present_kinds(analysis: Analysis) -> frozenset[str]:
    return frozenset(st.source.kind for st in analysis.parsed.stats if st.source.bytes > 0)


def missing_sources(analysis: Analysis) -> list[dict[str, Any]]:
    present = present_kinds(analysis)
    needed: dict[str, set[str]] = {}
    for cause in load_catalogue().causes:
        if cause.os != "linux":
            continue
        for group in cause.missing(present):
            for kind in group:
                needed.setdefault(kind, set()).add(cause.id)
    return [
        {"path": KIND_PATHS.get(kind, kind), "needed_for": sorted(ids)}
        for kind, ids in sorted(needed.items(), key=lambda kv: KIND_PATHS.get(kv[0], kv[0]))
    ]


def coverage(analysis: Analysis) -> dict[str, Any]:
    facts = analysis.parsed.facts
    notes: list[str] = []
    window = analysis.window
    covers = False
    if window is not None:
        for ev, when in zip(analysis.timeline.events, analysis.timeline.times, strict=True):
            if (
                when is not None
                and window[0] <= when <= window[1]
                and ev.parser in ("waagent_log", "vmsnapshot_extension_log")
            ):
                covers = True
                break
    missed = logs_miss_the_backup(analysis.timeline, analysis.backup_time, analysis.window, analysis.run)
    if missed is not None:
        notes.append(f"missing: {missed.get('en')}")
    elif not covers:
        notes.append("no agent or extension log line falls inside the analysed window")
    verbose = str(_last(facts, "waagent_conf.Logs.Verbose") or "n").lower() == "y"
    if not verbose:
        notes.append("agent verbose logging is off (Logs.Verbose=n): HTTP details and proxy use are not logged")
    for key, bad in (
        ("vmbackup_conf.SnapshotThread.LoggingOff", "1"),
        ("vmbackup_conf.SnapshotThread.WriteLog", "false"),
    ):
        value = _last(facts, key)
        if value is not None and str(value).strip().lower() == bad:
            notes.append(f"extension logging disabled in vmbackup.conf ({key.rsplit('.', 1)[-1]} = {value})")
    for st in analysis.parsed.stats:
        if st.source.truncated:
            notes.append(f"{st.source.path} is truncated ({st.source.member})")
    if analysis.timeline.time_zone.assumed and any(b == "local-assumed" for b in analysis.timeline.bases):
        notes.append("the VM's time zone could not be inferred: local-time lines are assumed to be UTC")
    return {"covers_window": covers, "verbose_logging": verbose, "notes": notes}


def collect_next(analysis: Analysis, lang: str) -> list[dict[str, str]]:
    facts = analysis.parsed.facts
    daemon, goal_state = _agent_versions(analysis)
    agent = goal_state or daemon
    os_id = _last(facts, "os.id")
    present = present_kinds(analysis)
    missing = {
        kind
        for entry in load_catalogue().causes
        if entry.os == "linux"
        for group in entry.missing(present)
        for kind in group
    }
    # Rules that found themselves not evaluable name what they lacked in words ("syslog, journal or
    # dmesg"); those source kinds are worth collecting too.
    for _cause, lacking in analysis.diagnosis.not_evaluable:
        for kind in KIND_PATHS:
            if kind not in present and any(kind in localize(text, "en") for text in lacking):
                missing.add(kind)
    if not missing:
        return []
    start, end = analysis.window or (None, None)
    out = []
    for cmd in load_collect().select(agent, os_id, missing):
        rendered = cmd.render(start or "", end or "") if start and end else cmd.render("<start>", "<end>")
        out.append({"why": cmd.why.get(lang), "command": rendered})
    return out
