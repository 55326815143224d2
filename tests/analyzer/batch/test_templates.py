"""Masks and the template miner of the batch's unexplained-errors view, pinned on a known mix."""

from __future__ import annotations

import random
from dataclasses import asdict

import pytest

from analyzer.batch.model import ErrorSample
from analyzer.batch.templates import MAX_TOKENS, WILDCARD, mask, mine_templates, tokens_of
from analyzer.redact import Redactor

_R = Redactor(b"k" * 32)
A, B, C, D = "tickets/a.tar.gz", "tickets/b.zip", "tickets/c", "tickets/d.tgz"

# (bundle, level, message, count): agent and extension lines as the worker hands them over
# (redacted first lines), with the GUIDs, eTags, hosts, paths and counts of four different VMs.
MIX: list[tuple[str, str, str, int]] = [
    (A, "ERROR", "Error fetching the goal state: [ProtocolError] GET vmSettings [correlation ID: 5d7f9b1d-3f5b-4d7f-9b1d-3f5b7d9f1b3d eTag: 11830522718341928671]: Timeout", 3),  # noqa: E501
    (B, "ERROR", "Error fetching the goal state: [ProtocolError] GET vmSettings [correlation ID: 7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d eTag: 11248739917604429185]: Timeout", 1),  # noqa: E501
    (C, "ERROR", "Error fetching the goal state: [ProtocolError] GET vmSettings [correlation ID: e162f7c3-8d0c-4a9b-a987-8f9ec0699dae eTag: 9757461589808963322]: Timeout", 2),  # noqa: E501
    (A, "ERROR", "Error fetching the goal state: [ProtocolError] GET vmSettings [correlation ID: 2bed9b62-188e-4668-b1a8-87c35cfa4927 eTag: 7031887032544600793]: [Internal error in HostGAPlugin] [HTTP Failed] [502: Bad Gateway]", 1),  # noqa: E501
    (D, "ERROR", "Error fetching the goal state: [ProtocolError] GET vmSettings [correlation ID: 616873cc-be87-41b6-83b7-ef3a76370628 eTag: 3693655388249891516]: [Internal error in HostGAPlugin] [HTTP Failed] [502: Bad Gateway]", 4),  # noqa: E501
    (A, "WARNING", "Failed to get firewall packets: 'iptables -w -t security -L OUTPUT --zero OUTPUT -nxv' failed: 4 (iptables: Resource temporarily unavailable.)", 2),  # noqa: E501
    (C, "WARNING", "Failed to get firewall packets: 'iptables -w -t security -L OUTPUT --zero OUTPUT -nxv' failed: 1 (iptables: Resource temporarily unavailable.)", 1),  # noqa: E501
    (B, "ERROR", "Event: name=WALinuxAgent, op=UnhandledError, message=[ProtocolError] Failed to fetch goal state, duration=0", 1),  # noqa: E501
    (D, "ERROR", "Event: name=WALinuxAgent, op=UnhandledError, message=[ProtocolError] Failed to fetch goal state, duration=0", 2),  # noqa: E501
    (A, "WARNING", "Exception processing GoalState-related files: [Errno 2] No such file or directory: '/var/lib/waagent/GoalState.12.xml'", 1),  # noqa: E501
    (B, "WARNING", "Exception processing GoalState-related files: [Errno 2] No such file or directory: '/var/lib/waagent/GoalState.3.xml'", 1),  # noqa: E501
    (C, "WARNING", "Exception processing GoalState-related files: [Errno 13] Permission denied: '/var/lib/waagent/Certificates.pem'", 1),  # noqa: E501
    (B, "WARNING", "Error getting cloud-init enabled status from systemctl: Command '['systemctl', 'is-enabled', 'cloud-init-local.service']' returned non-zero exit status 1.", 1),  # noqa: E501
    (D, "WARNING", "Error getting cloud-init enabled status from systemctl: Command '['systemctl', 'is-enabled', 'cloud-init-local.service']' returned non-zero exit status 4.", 1),  # noqa: E501
    (A, "WARNING", str(_R("Fetch failed: [HttpError] [HTTP Failed] GET https://md-hdd-2k4x1m9v0abc.blob.core.windows.net/$system/vm01.1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d.vmSettings -- IOError timed out -- 6 attempts made")), 1),  # noqa: E501
    (C, "WARNING", str(_R("Fetch failed: [HttpError] [HTTP Failed] GET https://rdfepirv2sha01prdstr03.blob.core.chinacloudapi.cn/8a3f1c5e0b7d4e2f9a6c1b3d5e7f9a0b/Microsoft.Azure.RecoveryServices_VMSnapshotLinux_chinaeast2_manifest.xml -- IOError timed out -- 1 attempts made")), 1),  # noqa: E501
    (D, "WARNING", str(_R("Fetch failed: [HttpError] [HTTP Failed] GET https://umsa0k2lm9xq7vbn3rcd.blob.core.windows.net/b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6/Microsoft.Azure.Monitor_AzureMonitorLinuxAgent_westeurope_manifest.xml -- IOError Tunnel connection failed: 407 Proxy Authentication Required -- 6 attempts made")), 1),  # noqa: E501
    (B, "WARNING", "Fetch failed from [http://168.63.129.16:32526/extensionArtifact]: [HTTP Failed] [502: Bad Gateway] b''", 2),  # noqa: E501
    (C, "WARNING", "Fetch failed from [http://168.63.129.16:32526/extensionArtifact]: [HTTP Failed] [404: Not Found] b''", 1),  # noqa: E501
    (A, "ERROR", "Event: name=Microsoft.OSTCExtensions.LinuxDiagnostic, op=Install, message=[ExtensionOperationError] Non-zero exit code: 127, /var/lib/waagent/Microsoft.OSTCExtensions.LinuxDiagnostic-2.3.9029/diagnostic.py -install, duration=0", 1),  # noqa: E501
    (B, "ERROR", "Event: name=Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux, op=Install, message=[ExtensionOperationError] Non-zero exit code: 51, /var/lib/waagent/Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux-1.19.0/omsagent_shim.sh -install, duration=0", 1),  # noqa: E501
    (D, "ERROR", "Event: name=Microsoft.Azure.Diagnostics.LinuxDiagnostic, op=Install, message=[ExtensionOperationError] Non-zero exit code: 127, /var/lib/waagent/Microsoft.Azure.Diagnostics.LinuxDiagnostic-3.0.142/diagnostic.py -install, duration=0", 1),  # noqa: E501
    (C, "ERROR", "Event: name=Microsoft.Azure.Diagnostics.LinuxDiagnostic, op=Enable, message=[ExtensionOperationError] Non-zero exit code: 1, /var/lib/waagent/Microsoft.Azure.Diagnostics.LinuxDiagnostic-3.0.142/diagnostic.py -enable, duration=0", 1),  # noqa: E501
    (A, "ERROR", "Enable failed for Microsoft.OSTCExtensions.LinuxDiagnostic-2.3.9029", 2),
    (B, "ERROR", "Enable failed for Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9103.0", 1),
    (A, "WARNING", "Agent WALinuxAgent-2.9.1.1 failed with exception: [Errno 28] No space left on device: '/var/lib/waagent/history/2024-05-01T10-15-40__12'", 1),  # noqa: E501
    (C, "WARNING", "Agent WALinuxAgent-2.10.0.8 failed with exception: [Errno 28] No space left on device: '/var/lib/waagent/history/2024-04-07T14-22-30__18'", 1),  # noqa: E501
    (B, "ERROR", "Out of memory: Killed process 23456 (python3) total-vm:812344kB, anon-rss:402332kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1204kB oom_score_adj:0", 1),  # noqa: E501
    (D, "ERROR", "Out of memory: Killed process 4711 (python3) total-vm:712004kB, anon-rss:302112kB, file-rss:12kB, shmem-rss:0kB, UID:0 pgtables:996kB oom_score_adj:0", 1),  # noqa: E501
    (C, "WARNING", "Protocol endpoint (10.0.0.4) is not known wireserver ip: 168.63.129.16", 1),
    (D, "WARNING", "Protocol endpoint (192.168.1.20) is not known wireserver ip: 168.63.129.16", 1),
    (A, "ERROR", str(_R("Event: name=WALinuxAgent, op=ReportStatus, message=Exception uploading status blob: [HttpError] [HTTP Retry] PUT https://md-hdd-2k4x1m9v0abc.blob.core.windows.net/$system/vm01.1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d.status?sv=2014-02-14&sr=b&sig=AbCdEfGh%2B -- Status Code 403 -- 25 attempts made, duration=0")), 2),  # noqa: E501
    (B, "ERROR", str(_R("Event: name=WALinuxAgent, op=ReportStatus, message=Exception uploading status blob: [HttpError] [HTTP Retry] PUT https://md-hdd-9q8w7e6r5tyu.blob.core.windows.net/$system/vm02.0b4e2c71-51d4-e3a8-6f1c-2a9d0e7b3c45.status?sv=2014-02-14&sr=b&sig=ZzYyXx%3D -- Status Code 403 -- 25 attempts made, duration=0")), 1),  # noqa: E501
    (C, "ERROR", "Dhcp client is not running.", 1),
    (D, "WARNING", "Dhcp client is not running.", 1),
    (D, "WARNING", "python3 invoked oom-killer: gfp_mask=0x6200ca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0", 1),
]  # fmt: skip

# (template, records, bundles, level), in output order: count desc, then template.
EXPECTED: list[tuple[str, int, list[str], str]] = [
    ("Error fetching the goal state: [ProtocolError] GET vmSettings [correlation ID: <GUID> eTag: <NUM>]: Timeout", 6, [A, B, C], "ERROR"),  # noqa: E501
    ("Error fetching the goal state: [ProtocolError] GET vmSettings [correlation ID: <GUID> eTag: <NUM>]: [Internal error in HostGAPlugin] [HTTP Failed] [502: Bad Gateway]", 5, [A, D], "ERROR"),  # noqa: E501
    ("Enable failed for <*>", 3, [A, B], "ERROR"),
    ("Event: name=<*>, op=Install, message=[ExtensionOperationError] Non-zero exit code: <NUM>, <PATH> -install, duration=<NUM>", 3, [A, B, D], "ERROR"),  # noqa: E501
    ("Event: name=WALinuxAgent, op=ReportStatus, message=Exception uploading status blob: [HttpError] [HTTP Retry] PUT <URL> -- Status Code 403 -- <NUM> attempts made, duration=<NUM>", 3, [A, B], "ERROR"),  # noqa: E501
    ("Event: name=WALinuxAgent, op=UnhandledError, message=[ProtocolError] Failed to fetch goal state, duration=<NUM>", 3, [B, D], "ERROR"),  # noqa: E501
    ("Failed to get firewall packets: 'iptables -w -t security -L OUTPUT --zero OUTPUT -nxv' failed: <NUM> (iptables: Resource temporarily unavailable.)", 3, [A, C], "WARNING"),  # noqa: E501
    ("Agent WALinuxAgent-<NUM> failed with exception: [Errno <NUM>] No space left on device: '<PATH>'", 2, [A, C], "WARNING"),  # noqa: E501
    ("Error getting cloud-init enabled status from systemctl: Command '['systemctl', 'is-enabled', 'cloud-init-local.service']' returned non-zero exit status <NUM>.", 2, [B, D], "WARNING"),  # noqa: E501
    ("Exception processing GoalState-related files: [Errno <NUM>] No such file or directory: '<PATH>'", 2, [A, B], "WARNING"),  # noqa: E501
    ("Fetch failed from [http://168.63.129.16:32526/extensionArtifact]: [HTTP Failed] [502: Bad Gateway] b''", 2, [B], "WARNING"),  # noqa: E501
    ("Fetch failed: [HttpError] [HTTP Failed] GET <URL> -- IOError timed out -- <NUM> attempts made", 2, [A, C], "WARNING"),  # noqa: E501
    ("Out of memory: Killed process <NUM> (python3) total-vm:<NUM>kB, anon-rss:<NUM>kB, file-rss:<NUM>kB, shmem-rss:<NUM>kB, UID:<NUM> pgtables:<NUM>kB oom_score_adj:<NUM>", 2, [B, D], "ERROR"),  # noqa: E501
    ("Protocol endpoint (<IP>) is not known wireserver ip: 168.63.129.16", 2, [C, D], "WARNING"),
    ("Dhcp client is not running.", 1, [C], "ERROR"),
    ("Dhcp client is not running.", 1, [D], "WARNING"),
    ("Event: name=Microsoft.Azure.Diagnostics.LinuxDiagnostic, op=Enable, message=[ExtensionOperationError] Non-zero exit code: <NUM>, <PATH> -enable, duration=<NUM>", 1, [C], "ERROR"),  # noqa: E501
    ("Exception processing GoalState-related files: [Errno <NUM>] Permission denied: '<PATH>'", 1, [C], "WARNING"),
    ("Fetch failed from [http://168.63.129.16:32526/extensionArtifact]: [HTTP Failed] [404: Not Found] b''", 1, [C], "WARNING"),  # noqa: E501
    ("Fetch failed: [HttpError] [HTTP Failed] GET <URL> -- IOError Tunnel connection failed: <NUM> Proxy Authentication Required -- <NUM> attempts made", 1, [D], "WARNING"),  # noqa: E501
    ("python3 invoked oom-killer: gfp_mask=<HEX>(GFP_HIGHUSER_MOVABLE), order=<NUM>, oom_score_adj=<NUM>", 1, [D], "WARNING"),  # noqa: E501
]  # fmt: skip


def _samples(mix: list[tuple[str, str, str, int]] = MIX) -> list[tuple[str, ErrorSample]]:
    return [(bundle, ErrorSample(msg, level, "var/log/waagent.log", n)) for bundle, level, msg, n in mix]


def test_known_mix_gives_the_pinned_templates_and_counts() -> None:
    got = [(t.template, t.count, t.bundles, t.level) for t in mine_templates(_samples())]
    assert got == EXPECTED
    assert sum(t[1] for t in got) == sum(n for *_, n in MIX)  # every record lands in one template


def test_template_example_is_the_first_message_by_sort_order() -> None:
    templates = {t.template: t for t in mine_templates(_samples())}
    timeout = templates[EXPECTED[0][0]]
    assert timeout.example == min(m for _, _, m, _ in MIX[:3])
    assert "5d7f9b1d-3f5b-4d7f-9b1d-3f5b7d9f1b3d" in timeout.example  # examples are real messages
    enable = templates["Enable failed for <*>"]
    assert enable.example == "Enable failed for Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9103.0"


@pytest.mark.parametrize("seed", range(8))
def test_arrival_order_does_not_change_the_result(seed: int) -> None:
    baseline = [asdict(t) for t in mine_templates(_samples())]
    shuffled = _samples()
    random.Random(seed).shuffle(shuffled)
    assert [asdict(t) for t in mine_templates(shuffled)] == baseline


def test_split_counts_give_the_same_templates() -> None:
    """One sample with count 3 or three samples with count 1: the same records, the same result."""
    split = [(b, lv, m, 1) for b, lv, m, n in MIX for _ in range(n)]
    random.Random(7).shuffle(split)
    assert [asdict(t) for t in mine_templates(_samples(split))] == [asdict(t) for t in mine_templates(_samples())]


def test_no_secret_survives_into_templates() -> None:
    for t in mine_templates(_samples()):
        assert "AbCdEfGh" not in t.template and "AbCdEfGh" not in t.example
        assert "md-hdd-2k4x1m9v0abc" not in t.template and "md-hdd-2k4x1m9v0abc" not in t.example


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("correlation ID: 5d7f9b1d-3f5b-4d7f-9b1d-3f5b7d9f1b3d done", "correlation ID: <GUID> done"),
        ("endpoint 10.0.0.4:443 and fe80::1ff:fe23:4567:890a, 2001:db8::1", "endpoint <IP> and <IP>, <IP>"),
        ("resolved reddog.microsoft.com and proxy.contoso.local", "resolved <HOST> and <HOST>"),
        ("GET https://example.org/a/b?x=1 -- failed", "GET <URL> -- failed"),
        ("open '/var/lib/waagent/history/2024-03-02T11-20-46__7' failed", "open '<PATH>' failed"),
        ("mask=0x6200ca container 8a3f1c5e0b7d4e2f9a6c1b3d5e7f9a0b", "mask=<HEX> container <HEX>"),
        (
            "retry 3 of 25 after 1.5 s, code(127), Errno -9",
            "retry <NUM> of <NUM> after <NUM> s, code(<NUM>), Errno <NUM>",
        ),
        ("at 2024-05-01T10:15:40.118562Z and 2019/10/07 21:52:28.615720", "at <TIME> and <TIME>"),
        ("at May  1 15:45:42 then 0:05:00 later", "at <TIME> then <TIME> later"),
        ("status?sv=<sv-1a2b3c>&sig=<sig-0f9e8d> x", "status?sv=<SAS>&sig=<SAS> x"),
        ("put to <acct-7f3a>.blob.core.windows.net", "put to <HOST>"),
        ("key <key-a1b2c3> and password=<password-0a0b0c>", "key <SECRET> and password=<SECRET>"),
        # Stays: platform endpoints name the API, HTTP statuses name the failure, digits in names.
        ("GET http://168.63.129.16:32526/health -- timed out", "GET http://168.63.129.16:32526/health -- timed out"),
        (
            "GET http://168.63.129.16/machine/?comp=goalstate&incarnation=12",
            "GET http://168.63.129.16/machine/?comp=goalstate&incarnation=<NUM>",
        ),
        ("No route exists to 168.63.129.16", "No route exists to 168.63.129.16"),
        ("[HTTP Failed] [502: Bad Gateway] -- Status Code 403", "[HTTP Failed] [502: Bad Gateway] -- Status Code 403"),
        ("python3 on eth0 and /dev/sr0", "python3 on eth0 and <PATH>"),
        # Versions are numbers, not addresses; dotted module and extension names are not hosts.
        ("Agent WALinuxAgent-2.9.1.1, Version: 2.10.0.8", "Agent WALinuxAgent-<NUM>, Version: <NUM>"),
        ("dev 10.0.0.4 up", "dev <IP> up"),
        (
            "Microsoft.Azure.RecoveryServices.VMSnapshotLinux in azurelinuxagent.ga.update",
            "Microsoft.Azure.RecoveryServices.VMSnapshotLinux in azurelinuxagent.ga.update",
        ),
        # An XML body is not a path; "and/or", "1/5" and "Input/output" are not paths either.
        (
            "<Code>BlobNotFound</Code> and/or 1/5 Input/output",
            "<Code>BlobNotFound</Code> and/or <NUM>/<NUM> Input/output",
        ),
    ],
)
def test_mask_types(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_redacted_storage_url_is_one_url_mask() -> None:
    url = "https://md-hdd-2k4x1m9v0abc.blob.core.windows.net/$system/vm01.status?sv=2014-02-14&sig=Secret1"
    text = str(_R(f"PUT {url} x"))
    assert "<acct-" in text and "<sig-" in text  # the redactor's stand-ins…
    assert mask(text) == "PUT <URL> x"  # …are inside the URL mask


def test_mask_is_idempotent() -> None:
    for _, _, message, _ in MIX:
        once = mask(message)
        assert mask(once) == once


def test_mask_ignores_private_use_characters_in_input() -> None:
    assert mask("odd \U000f0000 char 42") == "odd ? char <NUM>"


def test_long_messages_are_cut_to_a_fixed_number_of_tokens() -> None:
    tokens = tokens_of(" ".join(f"w{i}" for i in range(MAX_TOKENS + 10)))
    assert len(tokens) == MAX_TOKENS + 1 and tokens[-1] == "…"


def test_levels_never_share_a_template() -> None:
    same = [
        (A, ErrorSample("Disk quota exceeded on data", "ERROR", "x")),
        (B, ErrorSample("Disk quota exceeded on data", "WARNING", "x")),
    ]
    assert sorted((t.level, t.count) for t in mine_templates(same)) == [("ERROR", 1), ("WARNING", 1)]


def test_different_reason_words_stay_apart_and_identifiers_merge() -> None:
    msgs = [
        "Dependent Extension Microsoft.A.One did not succeed. Status was error",
        "Dependent Extension Microsoft.B.Two did not succeed. Status was error",
        "Dependent Extension Microsoft.C.Six did not succeed. Status was transitioning",
        "Cannot connect to proxy.contoso.com now",
        "Cannot connect to 10.0.0.4 now",
    ]
    got = {t.template: t.count for t in mine_templates((A, ErrorSample(m, "WARNING", "x")) for m in msgs)}
    assert got == {
        f"Dependent Extension {WILDCARD} did not succeed. Status was error": 2,
        "Dependent Extension Microsoft.C.Six did not succeed. Status was transitioning": 1,
        f"Cannot connect to {WILDCARD} now": 2,  # two kinds of mask are still one variable
    }


def test_empty_input_and_blank_messages() -> None:
    assert mine_templates([]) == []
    assert mine_templates([(A, ErrorSample("   ", "ERROR", "x"))]) == []


def test_order_sensitive_trio_is_resolved_the_same_way_every_time() -> None:
    """Any two of these merge, and then the third no longer fits: plain Drain depends on arrival."""
    trio = [
        "probe host-alpha disk-red zone-up ok",
        "probe host-alpha disk-blue zone-down ok",
        "probe host-beta disk-blue zone-up ok",
    ]
    samples = [(bundle, ErrorSample(m, "ERROR", "x")) for bundle in (A, B) for m in trio]
    results = set()
    for seed in range(12):
        random.Random(seed).shuffle(samples)
        results.add(tuple((t.template, t.count) for t in mine_templates(samples)))
    assert results == {(("probe host-alpha <*> <*> ok", 4), ("probe host-beta disk-blue zone-up ok", 2))}
