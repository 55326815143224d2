"""Agent message table: goal-state fetch, processing and errors of every era.

Part of :mod:`parsers.agent_messages`.  Format strings: ``common/protocol/goal_state.py``,
``common/protocol/wire.py``, ``ga/update.py``, ``ga/exthandlers.py`` of Azure/WALinuxAgent
v2.2.14 … v2.15.0.1 (reference ``waagent-formats.md`` §2.2).
"""

from __future__ import annotations

from analyzer.model import EventKind
from parsers.agent_messages import VMS as _VMS
from parsers.agent_messages import iso_line, legacy_line, post_summary
from parsers.patterns import Pattern, Sample

K = EventKind

PATTERNS: tuple[Pattern, ...] = (
    # -- goal state: fetch -----------------------------------------------------------------------
    Pattern(
        "gs_fetched_incarnation",
        K.GOAL_STATE_FETCH,
        ("Fetched a new incarnation",),
        r"\[incarnation (?P<incarnation>[^\]\s]+)\]",
    ),
    Pattern(
        "gs_fetched_vmsettings",
        K.GOAL_STATE_FETCH,
        ("Fetched new vmSettings",),
        r"correlation ID: (?P<correlation_id>\S+) eTag: (?P<etag>\S+) source: (?P<source>\w+)",
    ),
    Pattern(
        "gs_fetching",
        K.GOAL_STATE_FETCH,
        ("Fetching full goal state", "Fetching new goal state [", "Fetching goal state ["),
        r"\[incarnation (?P<incarnation>[^\]\s]+)",
    ),
    Pattern(
        "gs_fetch_completed",
        K.GOAL_STATE_FETCH,
        ("Fetch goal state completed", "Fetch goal state from WireServer completed"),
    ),
    Pattern(
        "gs_refresh",
        K.GOAL_STATE_FETCH,
        (
            "Refreshing goal state and vmSettings",
            "Forcing an update of the goal state",
            "Forcing update of goal state",
            "Goal state is stale, re-fetching",
            "Incarnation is out of date. Update goalstate",
            "Initializing goal state during protocol detection",
            "Initializing the goal state",
            "Goal state initialization completed",
            "The vmSettings originated via Fabric",
            "Retrieved GoalState from Azure Fabric",
            "Refreshed the goal state to get the status upload blob",
            "The HGAP stopped supporting vmSettings",
            "Fetched a Fabric goal state older than",
            "The current Fabric goal state is older than",
            "The extensions goal state is now in sync",
            "tenant cert. Will refresh the goal state",
            "ExtensionsConfig.xml uri is empty",
            "Downloaded certificate",
        ),
    ),
    # 2.0.x, after each goal-state fetch
    Pattern(
        "gs_ids_20", K.GOAL_STATE_FETCH, ("ContainerId: ", "RoleInstanceId: "), r"^(?:ContainerId|RoleInstanceId): \S+$"
    ),
    Pattern(
        "gs_recovered",
        K.GOAL_STATE_FETCH,
        ("recovered from previous errors",),
        r"^(?:.*?Fetched (?P<gs_id>\S+))?",
        attrs={"recovered": True},
    ),
    Pattern(
        "gs_error",
        K.GOAL_STATE_ERROR,
        (
            "Error fetching the goal state",
            "Fetching the goal state is still failing",
            "An error occurred while retrieving the goal state",
            "Attempts to retrieve the goal state are failing",
            "Fetching the goal state failed",
            "processing goal state, giving up",
            "IOError processing goal state",
            "Error fetching goal state",
            "Certificate required by goal state is not on disk",
            "Unable to download certificates",
            "out of sync with the tenant cert",
            "without a RoleInstance",
            "Unsupported features found",
            "Exception processing extension handlers",
            "Unexpected error when processing goal state",
            "UpdateGoalState failed",
            "Failed to fetch goalstate",
            "Incarnation is out of date:",
            "Error logging the goal state summary",
            "Error parsing ExtensionsConfig",
        ),
    ),
    # -- goal state: processing ------------------------------------------------------------------
    Pattern(
        "gs_process_completed",
        K.GOAL_STATE_PROCESS,
        ("ProcessGoalState completed",),
        r"\[(?:incarnation |Incarnation: )(?P<incarnation>[^;\]]+); (?P<duration_ms>\d+) ms",
        attrs={"status": "completed"},
    ),
    Pattern(
        "gs_process_started",
        K.GOAL_STATE_PROCESS,
        ("ProcessGoalState started",),
        r"\[Incarnation: (?P<incarnation>[^;\]]+)",
        attrs={"status": "started"},
    ),
    Pattern(
        "gs_ext_started",
        K.GOAL_STATE_PROCESS,
        ("ProcessExtensionsGoalState started", "ProcessExtensionsInGoalState started"),
        r"started \[(?:Incarnation: )?(?P<gs_id>[^\s;\]]+)(?:;[^\]]*|(?: channel: (?P<channel>\w+) source: "
        r"(?P<source>\w+))?)",
        attrs={"status": "started"},
    ),
    Pattern(
        "gs_ext_completed",
        K.GOAL_STATE_PROCESS,
        ("ProcessExtensionsGoalState completed", "ProcessExtensionsInGoalState completed"),
        r"completed \[(?:Incarnation: )?(?P<gs_id>[^\s;\]]+);? (?P<duration_ms>\d+) ms",
        attrs={"status": "completed"},
    ),
    Pattern(
        "gs_ext_failed",
        K.GOAL_STATE_ERROR,
        ("ProcessExtensionsGoalState failed", "ProcessExtensionsInGoalState failed"),
        r"failed \[(?:Incarnation: )?(?P<gs_id>[^\s;\]]+);? (?P<duration_ms>\d+) ms",
        attrs={"status": "failed"},
    ),
    Pattern(
        "gs_initial_completed", K.GOAL_STATE_PROCESS, ("Initial goal state completed",), r"period to (?P<period_s>\d+)"
    ),
    Pattern(
        "gs_no_handlers",
        K.GOAL_STATE_PROCESS,
        ("No extension handlers found", "Finished processing ExtensionsConfig.xml"),
    ),
    Pattern("gs_period", K.CONFIG, ("Goal State Period:",), r"Goal State Period: (?P<period_s>\d+) sec"),
    # -- extensions summary of a goal state (tuple list parsed in _post_summary) -----------------
    Pattern(
        "ext_summary_incomplete",
        K.EXT_STATUS,
        ("not all the extensions in the previous goal state have completed",),
        attrs={"incomplete": True},
    ),
    Pattern(
        "ext_summary",
        K.EXT_STATUS,
        ("Extension status: [", "All extensions in the goal state have reached a terminal state"),
    ),
)

SAMPLES: tuple[Sample, ...] = (
    Sample(
        iso_line("ExtHandler", "Fetched a new incarnation for the WireServer goal state [incarnation 3]"),
        K.GOAL_STATE_FETCH,
        component="ExtHandler",
        attrs={"incarnation": "3"},
    ),
    Sample(
        iso_line(
            "ExtHandler",
            "Fetched new vmSettings [HostGAPlugin correlation ID: 1d8c3bd2-5a7e-4a4f-9e3a-0b8a7b6c5d4e eTag: "
            "1234567890123456789 source: FastTrack]",
        ),
        K.GOAL_STATE_FETCH,
        attrs={"etag": "1234567890123456789", "source": "FastTrack"},
    ),
    Sample(
        iso_line("ExtHandler", "Fetching full goal state from the WireServer [incarnation 4]"),
        K.GOAL_STATE_FETCH,
        attrs={"incarnation": "4"},
    ),
    Sample(iso_line("ExtHandler", "Fetch goal state completed"), K.GOAL_STATE_FETCH),
    Sample(iso_line("ExtHandler ExtHandler", "Forcing an update of the goal state."), K.GOAL_STATE_FETCH),
    Sample("2016/07/13 09:58:35 ContainerId: 6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", K.GOAL_STATE_FETCH, "INFO"),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Fetching the goal state recovered from previous errors. Fetched incarnation_5 (certificates: [])",
        ),
        K.GOAL_STATE_FETCH,
        attrs={"incarnation": "5", "recovered": True},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Error fetching the goal state: [ProtocolError] [Wireserver Exception] [HttpError] [HTTP Failed] GET "
            "http://168.63.129.16/machine/ -- IOError timed out -- 6 attempts made",
            "ERROR",
        ),
        K.GOAL_STATE_ERROR,
        "ERROR",
        attrs={"host": "168.63.129.16", "url": "http://168.63.129.16/machine/", "io_error": "timed out", "attempts": 6},
    ),
    Sample(
        legacy_line("ExtHandler", "ProcessGoalState completed [incarnation 4; 4197 ms]"),
        K.GOAL_STATE_PROCESS,
        attrs={"incarnation": "4", "duration_ms": 4197},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "ProcessGoalState started [Incarnation: 2; Activity Id: 7a3d; Correlation Id: 9e1f; GS Creation Time: "
            "2021-06-01T10:00:00.000000Z]",
        ),
        K.GOAL_STATE_PROCESS,
        attrs={"incarnation": "2", "status": "started"},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "ProcessExtensionsGoalState started [incarnation_12 channel: WireServer source: Fabric activity: "
            "b5f2 correlation 6c2e created: 2024-05-01T09:59:58.123456Z]",
        ),
        K.GOAL_STATE_PROCESS,
        attrs={"incarnation": "12", "channel": "WireServer", "source": "Fabric"},
    ),
    Sample(
        iso_line("ExtHandler ExtHandler", "ProcessExtensionsGoalState completed [etag_9876 1402 ms]\n"),
        K.GOAL_STATE_PROCESS,
        attrs={"etag": "9876", "duration_ms": 1402},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "ProcessExtensionsGoalState failed [incarnation_12 300123 ms]\n[ExtensionError] boom",
            "ERROR",
        ),
        K.GOAL_STATE_ERROR,
        attrs={"incarnation": "12", "duration_ms": 300123},
    ),
    Sample(
        iso_line("ExtHandler ExtHandler", "Initial goal state completed, switched the goal state period to 6"),
        K.GOAL_STATE_PROCESS,
    ),
    Sample(
        iso_line("ExtHandler ExtHandler", "No extension handlers found, not processing anything."), K.GOAL_STATE_PROCESS
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Goal State Period: 6 sec. This indicates how often the agent checks for new goal states and reports "
            "status.",
        ),
        K.CONFIG,
        attrs={"period_s": 6},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "A new goal state was received, but not all the extensions in the previous goal state have completed: "
            f"[('Microsoft.Azure.Extensions.CustomScript', 'success'), ('{_VMS}', 'transitioning')]",
            "WARNING",
        ),
        K.EXT_STATUS,
        attrs={"incomplete": True, "pending": [_VMS]},
    ),
    Sample(
        iso_line("ExtHandler ExtHandler", f"Extension status: [(u'{_VMS}', u'success')]"),
        K.EXT_STATUS,
        attrs={"extensions": {_VMS: "success"}},
    ),
)

POST = {"ext_summary_incomplete": post_summary, "ext_summary": post_summary}
