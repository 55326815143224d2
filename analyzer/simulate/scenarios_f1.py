"""Scenarios of family 1 (the guest cannot reach the host or Azure Storage): one per catalogue cause."""

from __future__ import annotations

from analyzer.simulate import extras as x
from analyzer.simulate.context import WIRESERVER, Sim
from analyzer.simulate.run import RunSpec
from analyzer.simulate.scenarios import scenario

_NO_NETWORK = "FailedRetryableSnapshotFailedNoNetwork"


def _timeout(sim: Sim, what: str = "TimeoutError: timed out") -> str:
    return (
        "Failed to call http with error: timed out, stack trace: Traceback (most recent call last):\n"
        f'  File "{sim.handler_dir}/main/HttpUtil.py", line 142, in HttpCallGetResponse\n'
        f"    resp = connection.getresponse()\n{what}\n"
    )


def _only_guest(run: RunSpec) -> None:
    """Some disks are excluded, so the extension snapshots through the guest path only (no host call)."""
    run.ext_rewrite.update({
        "snapshotMethodConfigValue : ": "Some disks are excluded from backup. Setting the snapshot mode to onlyGuest.",
        "Taking Snapshot through Host": None,
        "From Host- ": None,
    })  # fmt: skip


def _guest_path(sim: Sim, error: str, host: str) -> list[tuple[float, str]]:
    """The guest path's per-disk snapshot calls to storage, each failing with ``error``."""
    lines: list[tuple[float, str]] = [(1.0, "****** 5. Snaphotting (Guest-seq) Started")]
    for i in range(len(sim.disks) - 1):
        lines += [
            (0.4, f"index: {i} blobUri: https://{host}/{sim.uuid()[:12]}/abcd"),
            (0.001, "start calling the snapshot rest api"),
            (0.001, "Entered HttpCallGetResponse, isHostCall: False"),
            (0.001, f"Details of sas uri object  hostname: {host} path: /{sim.uuid()[:12]}/abcd"),
            (10.0, error),
            (0.001, "responseBody:  "),
            (0.001, " snapshot HttpCallGetResponse failed  "),
            (0.001, f"snapshot_info_indexer: index: {i} isSuccessful: False snapshotTs: None errorMessage: None "
                    "statusCode: 500"),
        ]  # fmt: skip
    return [*lines, (0.01, "****** 6. Snaphotting (Guest-seq) Completed")]


@scenario(
    "network-blocked",
    "some disks are excluded (guest path only) and the snapshot calls to the disks' storage time out (code 76)",
    "failed",
)
def network_blocked(sim: Sim, run: RunSpec) -> None:
    host = f"md-hdd-{sim.uuid()[:12]}.z38.blob.storage.azure.net"
    run.snapshot_lines = _guest_path(sim, _timeout(sim), host)
    _only_guest(run)
    run.final_code, run.final_status = "76", "error"
    run.final_message = f"T:S Enable failed with {_NO_NETWORK} errror StatusCode.{_NO_NETWORK},"


@scenario(
    "wireserver-unreachable",
    "168.63.129.16 does not answer: the pre-snapshot call times out (555, 'Hitting wrong WireServer IP'), "
    "the agent cannot fetch goal states, the run ends with code 76",
    "failed",
)
def wireserver_unreachable(sim: Sim, run: RunSpec) -> None:
    run.ext_rewrite.update({
        "PreSnapshot: Status Code: 200": "presnapshot Hitting wrong WireServer IP",
        "start calling the presnapshot rest api": "start calling the presnapshot rest api\n" + _timeout(
            sim, "socket.timeout: timed out"
        ).rstrip("\n"),
    })  # fmt: skip
    run.snapshot_lines = [(0.5, "T:S taking snapshot failed as blobs are empty or none")]
    run.host_result = "From Host- IsSuccessful:False, SnapshotUri:None, ErrorMessage:None, StatusCode:555"
    run.final_code, run.final_status = "76", "error"
    run.final_message = "T:S taking snapshot failed as blobs are empty or none"
    err = (
        f"Error fetching the goal state: [ProtocolError] [Wireserver Exception] [HttpError] [HTTP Failed] GET "
        f"http://{WIRESERVER}/machine/ -- IOError timed out -- 6 attempts made"
    )
    run.extra += [
        x.agent(240, err, "ERROR", after_end=True),
        x.agent(290, f"Error in SendHostPluginHeartbeat: [HttpError] [HTTP Failed] GET http://{WIRESERVER}:32526/"
                "health -- IOError timed out -- 1 attempts made --- [NOTE: Will not log the same error for the next "
                "hour]", "WARNING", after_end=True),
        x.agent(700, err, "ERROR", after_end=True),
    ]  # fmt: skip


@scenario(
    "proxy-misconfigured",
    "waagent.conf sets an HTTP proxy that answers 407: the guest path's snapshot calls fail (code 76)",
    "failed",
)
def proxy_misconfigured(sim: Sim, run: RunSpec) -> None:
    sim.conf["HttpProxy.Host"] = "proxy.contoso.local"
    sim.conf["HttpProxy.Port"] = "8080"
    err = (
        "Failed to call http with error: Tunnel connection failed: 407 Proxy Authentication Required, stack trace: "
        f'Traceback (most recent call last):   File "{sim.handler_dir}/main/HttpUtil.py", line 142, in '
        "HttpCallGetResponse"
    )
    lines = _guest_path(sim, err, f"md-{sim.uuid()[:12]}.z21.blob.storage.azure.net")
    run.snapshot_lines = [
        (g, m) if m != err else (0.1, m + "\ncurl error is: curl: (56) Received HTTP code 407 from proxy after CONNECT")
        for g, m in lines
    ]
    _only_guest(run)
    run.final_code, run.final_status = "76", "error"
    run.final_message = f"T:S Enable failed with {_NO_NETWORK} error StatusCode.{_NO_NETWORK},"
    run.extra += [
        x.agent(0.5, "Fetch failed: [HttpError] [HTTP Failed] GET https://rdfepirv2bl2prdstr04.blob.core.windows.net/"
                f"{sim.uuid().replace('-', '')}/Microsoft.Azure.RecoveryServices_VMSnapshotLinux_eastus_manifest.xml "
                "-- IOError Tunnel connection failed: 407 Proxy Authentication Required", "WARNING"),
    ]  # fmt: skip
