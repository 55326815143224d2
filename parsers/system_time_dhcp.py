"""Clock jumps and DHCP client messages of the system logs: the last part of ``SYSTEM_PATTERNS``.

Declared in matching order; :mod:`parsers.system_kernel` appends them after its own patterns.
"""

from __future__ import annotations

from analyzer.model import EventKind
from parsers.patterns import Pattern
from parsers.system_units import to_float, to_int

K = EventKind

TIME_AND_DHCP_PATTERNS: list[Pattern] = [
    # ---- time
    Pattern(
        "chrony-wrong",
        K.OTHER,
        ("System clock wrong by",),
        r"System clock wrong by (?P<offset_s>-?[\d.]+) seconds",
        {"event": "time_jump"},
        {"offset_s": to_float},
    ),
    Pattern(
        "chrony-stepped",
        K.OTHER,
        ("System clock was stepped by",),
        r"stepped by (?P<offset_s>-?[\d.]+) seconds",
        {"event": "time_jump"},
        {"offset_s": to_float},
    ),
    Pattern("time-changed", K.OTHER, ("Time has been changed",), attrs={"event": "time_jump"}),
    Pattern("time-jumped", K.OTHER, ("Time jumped backwards",), attrs={"event": "time_jump", "direction": "backwards"}),
    Pattern(
        "ntp-step",
        K.OTHER,
        ("step time server",),
        r"step time server (?P<server>\S+) offset (?P<offset_s>[-+]?[\d.]+) sec",
        {"event": "time_jump"},
        {"offset_s": to_float},
    ),
    Pattern(
        "ntp-clock-step",
        K.OTHER,
        ("clock_step", "clock step"),
        r"clock[_ ]step(?:\s+(?P<offset_s>[-+]?\d+\.\d+) s)?",
        {"event": "time_jump"},
        {"offset_s": to_float},
    ),
    # ---- DHCP clients (dhclient, NetworkManager, systemd-networkd, wicked)
    Pattern(
        "dhclient-request",
        K.DHCP,
        ("DHCPREQUEST",),
        r"DHCPREQUEST (?:(?:for|of) (?P<ip>[\d.]+) )?on (?P<interface>\S+) to (?P<server>[\d.]+)",
        {"dhcp_event": "request"},
    ),
    Pattern(
        "dhclient-ack",
        K.DHCP,
        ("DHCPACK",),
        r"DHCPACK (?:of (?P<ip>[\d.]+) )?from (?P<server>[\d.]+)",
        {"dhcp_event": "ack"},
    ),
    Pattern(
        "dhclient-discover",
        K.DHCP,
        ("DHCPDISCOVER",),
        r"DHCPDISCOVER on (?P<interface>\S+)",
        {"dhcp_event": "discover"},
    ),
    Pattern(
        "dhclient-offer",
        K.DHCP,
        ("DHCPOFFER ",),
        r"DHCPOFFER (?:of (?P<ip>[\d.]+) )?from (?P<server>[\d.]+)",
        {"dhcp_event": "offer"},
    ),
    Pattern("dhclient-nak", K.DHCP, ("DHCPNAK",), attrs={"dhcp_event": "nak"}),
    Pattern(
        "dhclient-bound",
        K.DHCP,
        ("bound to ",),
        r"bound to (?P<ip>[\d.]+) -- renewal in (?P<renew_s>\d+) seconds",
        {"dhcp_event": "bound"},
        {"renew_s": to_int},
    ),
    Pattern("dhclient-no-offers", K.DHCP, ("No DHCPOFFERS received",), attrs={"dhcp_event": "no_offer"}),
    Pattern(
        "nm-dhcp",
        K.DHCP,
        ("dhcp4 (",),
        r"dhcp4 \((?P<interface>[^)]+)\):\s+(?:option (?P<option>\S+)\s+=> '(?P<value>[^']*)'"
        r"|state changed (?P<state>.*))?",
        {"dhcp_event": "nm"},
    ),
    Pattern(
        "networkd-dhcp",
        K.DHCP,
        ("DHCPv4 address",),
        r"(?P<interface>\S+): DHCPv4 address (?P<ip>[\d.]+)(?:/\d+)?(?:, gateway (?P<gateway>[\d.]+))?"
        r"(?: via (?P<via>[\d.]+))?(?: acquired from (?P<server>[\d.]+))?",
        {"dhcp_event": "bound"},
    ),
    Pattern("networkd-lease-lost", K.DHCP, ("DHCP lease lost",), attrs={"dhcp_event": "lost"}),
    Pattern(
        "wicked-dhcp",
        K.DHCP,
        ("DHCPv4 lease",),
        r"(?P<interface>\S+): (?P<what>Committed|Request to acquire|Dropped|Released) DHCPv4 lease"
        r"(?: with address (?P<ip>[\d.]+))?",
        {"dhcp_event": "lease"},
    ),
]
