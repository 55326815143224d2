"""Agent message table: HTTP failures, WireServer / HostGAPlugin, DHCP and endpoint discovery,
firewall, status upload, proxy.

Part of :mod:`parsers.agent_messages`; the HTTP details (url without query, host, port,
http_status, io_error, attempts) are filled by the engine's enricher for every record that
carries them.  Format strings: ``common/utils/restutil.py``, ``common/protocol/wire.py``,
``hostplugin.py``, ``util.py``, ``common/dhcp.py``, ``ga/env.py``, ``ga/firewall_manager.py``,
``osutil/default.py`` of Azure/WALinuxAgent v2.2.14 … v2.15.0.1 and the 2.0.x script.
"""

from __future__ import annotations

from typing import Any

from analyzer.model import EventKind
from parsers.agent_messages import iso_line, legacy_line, old_line
from parsers.patterns import Pattern, Sample

K = EventKind
_ERR = {"status": "error"}

PATTERNS: tuple[Pattern, ...] = (
    # -- status upload (before HTTP: "Exception uploading status blob: [HttpError] …" is about status) --
    Pattern(
        "status_report_failed",
        K.STATUS_UPLOAD,
        (
            "Failed to report vm agent status",
            "Failed to report status:",
            "Exception uploading status blob",
            "Failed to upload status blob via either channel",
            "Exception creating status blob",
            "Status upload uri is missing",
            "HostGAPlugin: Put BlockBlob failed",
            "Falling back to direct upload",
            "Failed to report handler status",
            "Failed to upload block blob for status",
            "Failed to upload page blob for status",
            "Failed to clean up page blob for status",
            "Can't get status blob type",
        ),
        attrs=_ERR,
    ),
    Pattern(
        "status_report_ok",
        K.STATUS_UPLOAD,
        ("Successfully reported handler status", "Put BlockBlob status succeeded"),
        attrs={"status": "success"},
    ),
    # -- WireServer / HostGAPlugin -----------------------------------------------------------------
    Pattern(
        "wire_server_endpoint", K.WIRESERVER, ("Wire server endpoint:",), r"Wire server endpoint:\s*(?P<wireserver>\S+)"
    ),
    Pattern(
        "wireserver_endpoint_known",
        K.WIRESERVER,
        (" read from file", "Using hardcoded", "Discovered Azure endpoint:", "is not known wireserver ip"),
        r"(?:[Ee]ndpoint:? |\()(?P<wireserver>\d{1,3}(?:\.\d{1,3}){3})",
    ),
    Pattern(
        "wire_protocol_version",
        K.WIRESERVER,
        ("wire protocol version", "Wire protocol version", "Server preferred version"),
        r"(?:version|Version):? ?(?P<protocol_version>[\d-]+)",
    ),
    Pattern(
        "default_channel",
        K.WIRESERVER,
        ("Default channel changed to", "host plugin as default channel", "Request failed using the direct channel"),
        r"^(?:.*?changed to (?P<channel>\w+) channel)?",
    ),
    Pattern(
        "hostplugin_problem",
        K.WIRESERVER,
        (
            "HostGAPlugin: Failed Get API versions",
            "HostGAPlugin: Exception Get API versions",
            "does not support the vmSettings API",
            "stopped supporting the vmSettings API",
            "Request failed with the current host plugin configuration",
            "WireServer is not responding",
            "Error in SendHostPluginHeartbeat",
            "Wireserver Exception",
            "Wireserver Failed",
        ),
    ),
    # -- HTTP ----------------------------------------------------------------------------------------
    Pattern(
        "http_failure",
        K.HTTP_ERROR,
        (
            "[HTTP Failed]",
            "[HTTP Retry]",
            "Fetch failed",
            "Download failed, switching to host plugin",
            "Host plugin download failed",
            "No download channels available",
            "Download did not succeed, falling back",
            "Download failed, falling back",
            "Download unsuccessful, falling back",
            "Host plugin download unsuccessful",
            "HTTPS is unavailable and required",
            "HTTPS tunnelling is unavailable",
            "Python does not include SSL support",
            "Python does not support HTTPS tunnelling",
            "httplib is not built with ssl support",
            "httplib does not support https tunnelling",
            "httplib doesn't support https tunnelling",
            "Sending too many requests to wire server",
            "Service temporarily unavailable",
            "Storage service is temporarily unavailable",
            "Could not fetch ",
            "Retry [",
            "HTTP Err:",
            "HTTP Req:",
            "HTTPException ",
            "Socket IOError",
            "Failed to post:",
            "Failed to send events",
            "Will not log the same error for the next hour",
        ),
        r"^(?:.*?\[HTTP Retry\] Attempt (?P<attempt>\d+) of \d+)?",
    ),
    Pattern("http_retry_20", K.HTTP_ERROR, ("Retry=",), r"^Retry=(?P<attempt>\d+)"),
    Pattern("proxy", K.PROXY, ("HTTP proxy: [",), r"HTTP proxy: \[(?P<proxy_host>[^:\]]+):(?P<proxy_port>\d+)\]"),
    # -- DHCP / endpoint discovery -------------------------------------------------------------------
    Pattern("dhcp_not_running", K.DHCP, ("Dhcp client is not running",), attrs={"benign": True}),
    Pattern(
        "endpoint_discovery_static",
        K.DHCP,
        ("DHCP usage for endpoint discovery is disabled",),
        r"\(Protocol\.EndpointDiscovery=(?P<conf_value>\w+)\)",
        attrs={"conf_key": "Protocol.EndpointDiscovery"},
    ),
    Pattern(
        "route_to",
        K.DHCP,
        ("Test for route to", "Route to ", "No route exists to", "Could not determine whether route exists"),
        r"(?:route (?:exists )?to|Route to|exists to) (?P<host>\d{1,3}(?:\.\d{1,3}){3})",
    ),
    Pattern(
        "dhcp_discovery",
        K.DHCP,
        (
            "Detect protocol endpoint",
            "Detect protocol by file",
            "WireServer endpoint is not found",
            "DHCP not available",
            "Protocol endpoint not found",
            "Retry detect protocol",
            "No protocol found",
            "Checking for dhcp lease cache",
            "Cache exists [",
            "looking for leases in path",
            "found endpoint [",
            "cached endpoint",
            "Send dhcp request",
            "Failed to send DHCP request",
            "Failed to receive dhcp response",
            "Failed to get the PID of the DHCP client",
            "Detected dhcp client restart",
            "Clean protocol",
            "/proc/net/route",
            "Cannot read route table",
            "Configure routes",
            "Gateway:",
            "Routes:",
            "Waiting for network",
            "Try to start network interface",
            "Probing for Azure environment",
            "Retry environment detection",
            "DoDhcpWork:",
            "HandleDhcpResponse:",
            "Set default gateway:",
            "Route add:",
            "add default gateway result",
            "IPv4 address:",
            "MAC  address:",
            "Route table: [",
            "NIC state: [",
            "Routing table from",
            "Network interfaces:",
            "Error fetching the network configuration",
            "Choosing non-primary",
            "[GetWireserverEndpoint]",
            "Failed to save protocol endpoint",
            "Failed to clear protocol endpoint",
            "Failed to clear wiresever endpoint",
        ),
    ),
    # -- firewall ------------------------------------------------------------------------------------
    Pattern(
        "firewall_disabled",
        K.FIREWALL,
        ("Skipping firewall initialization, since OS.EnableFirewall=False",),
        attrs={"conf_key": "OS.EnableFirewall", "conf_value": "n"},
    ),
    Pattern(
        "firewall_problem",
        K.FIREWALL,
        (
            "firewall rules for Azure Fabric are not setup correctly",
            "The firewall is not configured correctly",
            "The following rules are missing",
            "Unable to setup the persistent firewall rules",
            "Unable to add firewall rules",
            "Unable to establish firewall",
            "Unable to remove legacy firewall rule",
            "Error initializing firewall",
            "Listing firewall rules failed",
            "Unable to remove firewall",
            "Unable to retrieve firewall packets dropped",
        ),
        attrs=_ERR,
    ),
    Pattern(
        "firewall_ok",
        K.FIREWALL,
        (
            "to manage firewall rules",
            "The firewall rules for Azure Fabric are already setup",
            "Created firewall rules for Azure Fabric",
            "Setting up persistent firewall rules",
            "Setting up firewall after boot",
            "Successfully set the firewall rules",
            "Successfully added Azure fabric firewall rules",
            "Firewall rules:",
            "Checking state of the firewall",
            "legacy firewall rule",
            "persistent firewall rules",
            "firewall setup",
            "Firewall appears established",
        ),
    ),
)

POST: dict[str, Any] = {}

SAMPLES: tuple[Sample, ...] = (
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Event: name=WALinuxAgent, op=ReportStatus, message=Exception uploading status blob: [HttpError] "
            "[HTTP Failed] PUT https://md-0a1b2c.blob.core.windows.net/$system/vm.status -- IOError timed out "
            "-- 6 attempts made, duration=0",
            "ERROR",
        ),
        K.STATUS_UPLOAD,
        "ERROR",
        attrs={
            "op": "ReportStatus",
            "url": "https://md-0a1b2c.blob.core.windows.net/$system/vm.status",
            "method": "PUT",
        },
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Failed to report status: [ProtocolError] Failed to upload status blob via either channel\n"
            'Traceback (most recent call last):\n  File "x.py", line 1, in report\n'
            "azurelinuxagent.common.exception.ProtocolError: [ProtocolError] Failed to upload status blob via "
            "either channel",
            "WARNING",
        ),
        K.STATUS_UPLOAD,
        attrs={"status": "error", "error_class": "ProtocolError", "exception": "ProtocolError"},
    ),
    Sample(old_line("Successfully reported handler status"), K.STATUS_UPLOAD, attrs={"status": "success"}),
    Sample(
        iso_line("ExtHandler", "Wire server endpoint:168.63.129.16"),
        K.WIRESERVER,
        attrs={"wireserver": "168.63.129.16"},
    ),
    Sample(
        iso_line("Daemon Daemon", "WireServer endpoint 168.63.129.16 read from file"),
        K.WIRESERVER,
        attrs={"wireserver": "168.63.129.16"},
    ),
    Sample(
        legacy_line("Daemon", "Fabric preferred wire protocol version:2015-04-05"),
        K.WIRESERVER,
        attrs={"protocol_version": "2015-04-05"},
    ),
    Sample(
        iso_line("ExtHandler ExtHandler", "Default channel changed to HostGAPlugin channel."),
        K.WIRESERVER,
        attrs={"channel": "HostGAPlugin"},
    ),
    Sample(
        iso_line(
            "MonitorHandler ExtHandler",
            "Error in SendHostPluginHeartbeat: [HttpError] [HTTP Failed] GET http://168.63.129.16:32526/health -- "
            "IOError timed out -- 1 attempts made --- [NOTE: Will not log the same error for the next hour]",
            "WARNING",
        ),
        K.WIRESERVER,
        component="ExtHandler",
        attrs={"host": "168.63.129.16", "port": 32526, "io_error": "timed out"},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Fetch failed: [HttpError] [HTTP Retry] GET http://168.63.129.16:32526/extensionArtifact -- Status Code "
            "502 "
            "-- 1 attempts made",
            "WARNING",
        ),
        K.HTTP_ERROR,
        attrs={
            "http_status": 502,
            "host": "168.63.129.16",
            "port": 32526,
            "url": "http://168.63.129.16:32526/extensionArtifact",
        },
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Fetch failed from [http://168.63.129.16:32526/extensionArtifact]: [HTTP Failed] [400: Bad Request] b''",
            "WARNING",
        ),
        K.HTTP_ERROR,
        attrs={"http_status": 400},
    ),
    Sample(old_line("ERROR:Retry=3"), K.HTTP_ERROR, "ERROR", attrs={"attempt": 3}),
    Sample(
        iso_line("ExtHandler ExtHandler", "HTTP proxy: [10.0.0.5:3128]", "VERBOSE"),
        K.PROXY,
        "VERBOSE",
        attrs={"proxy_host": "10.0.0.5", "proxy_port": "3128"},
    ),
    Sample(iso_line("EnvHandler ExtHandler", "Dhcp client is not running.", "WARNING"), K.DHCP, attrs={"benign": True}),
    Sample(
        iso_line(
            "Daemon Daemon",
            "_detect_protocol: DHCP usage for endpoint discovery is disabled (Protocol.EndpointDiscovery=static). "
            "Will use known wireserver endpoint.",
        ),
        K.DHCP,
        attrs={"conf_key": "Protocol.EndpointDiscovery", "conf_value": "static"},
    ),
    Sample(
        legacy_line("Daemon", "No route exists to 168.63.129.16", "WARNING"), K.DHCP, attrs={"host": "168.63.129.16"}
    ),
    Sample(legacy_line("Daemon", "Detect protocol endpoints"), K.DHCP),
    Sample(
        iso_line("ExtHandler ExtHandler", "Skipping firewall initialization, since OS.EnableFirewall=False"),
        K.FIREWALL,
        attrs={"conf_key": "OS.EnableFirewall", "conf_value": "n"},
    ),
    Sample(
        iso_line(
            "EnvHandler ExtHandler",
            "The firewall is not configured correctly. The following rules are missing: ['ACCEPT DNS']. Will reset it.",
            "WARNING",
        ),
        K.FIREWALL,
        attrs={"status": "error"},
    ),
    Sample(legacy_line("ExtHandler", "Successfully added Azure fabric firewall rules"), K.FIREWALL),
)
