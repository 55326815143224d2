"""Redaction end to end (design §5): every secret-carrying source kind is seeded with unique
canaries, every output path of the real CLI is collected, and for each canary we assert both that
it is absent everywhere (also its URL-encoded and partial forms) and that its stand-in (or, where a
parser deliberately drops the value, the document's presence) is reported — a test that finds no
secret because none reached the output proves nothing.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from pathlib import Path

import pytest

from analyzer.redact import Redactor
from tests.helpers import run_cli, write_tree

SNAP = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
HANDLER_DIR = f"var/lib/waagent/{SNAP}-1.0.9225.0"


def _hex() -> str:
    return uuid.uuid4().hex


# Each canary's unique part is a 32-hex uuid: asserting the hex alone is absent also covers
# partial, re-quoted and URL-encoded forms of the seeded value.
C = {
    "sig": _hex(),  # SAS signature in waagent.log [HTTP Retry]
    "se": _hex(),  # SAS expiry (not a real date: only its uniqueness matters)
    "sig_xml": _hex(),  # StatusUploadBlob SAS in ExtensionsConfig.xml
    "acct": "cn" + _hex()[:20],  # storage account name (host keeps its DNS suffix)
    "prot_log": _hex(),  # protectedSettings echoed in waagent.log environment variables
    "pub_log": _hex(),  # password inside publicSettings echoed in extension.log
    "host_body": _hex(),  # Host Request body with protectedSettings in extension.log
    "prot_xml": _hex(),  # ExtensionsConfig.xml PluginSettings protectedSettings
    "pub_xml": _hex(),  # ExtensionsConfig.xml publicSettings password
    "prot_file": _hex(),  # config/N.settings protectedSettings
    "pub_file": _hex(),  # config/N.settings publicSettings password
    "userpw": _hex(),  # ovf-env.xml UserPassword
    "customdata": _hex(),  # ovf-env.xml CustomData
    "sshkey": _hex(),  # ovf-env.xml SSH public key value
    "remote_pw": _hex(),  # RemoteAccess.xml Password
    "acctkey": _hex(),  # HostingEnvironmentConfig.xml AccountKey=
    "pem_log": _hex(),  # -----BEGIN PRIVATE KEY----- block in a log
    "pem_file": _hex(),  # Certificates.pem content
    "prv_file": _hex(),  # *.prv content
    "proxy_user": "u" + _hex()[:12],  # waagent.conf HttpProxy.Host credentials
    "proxy_pass": _hex(),
    "sys_user": "s" + _hex()[:12],  # syslog proxy URL credentials
    "sys_pass": _hex(),
    "userdata": _hex(),  # cloud-init user-data
    "ticket_pw": _hex(),  # pasted ticket note password=
    "acctkey_log": _hex(),  # AccountKey= in a log line
}
CN = "blob.core.chinacloudapi.cn"
SAS_HOST = f"{C['acct']}.{CN}"
SIG_ENCODED = f"CANARY-SIG-{C['sig']}%2Bab%3D"  # URL-encoded '+' and '='


def _bundle(root: Path) -> Path:
    t = "2024-05-01T10:0{}:00.000000Z"
    waagent = "".join(
        [
            f"{t.format(0)} INFO ExtHandler ExtHandler Azure Linux Agent (Goal State Agent version 2.9.1.1)\n",
            f"{t.format(1)} WARNING ExtHandler ExtHandler [HTTP Retry] PUT https://{SAS_HOST}/$system/vm1.status"
            f"?sv=2018-03-28&sr=b&sig={SIG_ENCODED}&se=CANARY-SE-{C['se']}&sp=rw -- IOError timed out -- 1 attempts\n",
            f"{t.format(2)} INFO ExtHandler [{SNAP}-1.0.9225.0] Executing command: main/handle.sh enable with "
            f'environment variables: {{"ConfigSequenceNumber": "31", "protectedSettings": '
            f'"MIIB-CANARY-PROT-{C["prot_log"]}", "publicSettings": {{"locale": "en-us"}}}}\n',
            f"{t.format(3)} INFO ExtHandler [{SNAP}-1.0.9225.0] [stdout] -----BEGIN PRIVATE KEY-----\n"
            f"MIIEvCANARYPEM{C['pem_log']}\n-----END PRIVATE KEY-----\n",
            f"{t.format(4)} INFO ExtHandler ExtHandler diagnostics connection "
            f"DefaultEndpointsProtocol=https;AccountName=diag;AccountKey=CANARY-KEY-{C['acctkey_log']};\n",
            f"{t.format(5)} ERROR ExtHandler ExtHandler Event: name=WALinuxAgent, op=ProcessGoalState, "
            "message=failed, duration=0\n",
        ]
    )
    extlog = "".join(
        [
            f"2024-05-01 10:01:10.000000 [{SNAP}-1.0]PreSnapshot: Status Code: 200\n",
            f"2024-05-01 10:01:11.000000 [{SNAP}-1.0]handler settings: "
            f'"publicSettings": {{"locale": "en-us", "password": "CANARY-PUB-{C["pub_log"]}"}}\n',
            f"2024-05-01 10:01:12.000000 [{SNAP}-1.0]Host Request body: "
            f'{{"protectedSettings": "CANARY-HOST-{C["host_body"]}", "taskId": "t1"}}\n',
        ]
    )
    ext_conf = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Extensions version="1.0.0.0" goalStateIncarnation="25">\n'
        f'<StatusUploadBlob statusBlobType="PageBlob">https://{SAS_HOST}/$system/vm1.status'
        f"?sv=2018-03-28&amp;sr=b&amp;sig=CANARY-SIGXML-{C['sig_xml']}&amp;sp=rw</StatusUploadBlob>\n"
        "<Plugins>\n"
        f'  <Plugin name="{SNAP}" version="1.0.9225.0" location="https://umsa.blob.core.windows.net/x/m.xml" '
        'state="enabled" autoUpgrade="true" isJson="true" />\n'
        "</Plugins>\n<PluginSettings>\n"
        f'  <Plugin name="{SNAP}" version="1.0.9225.0">\n'
        '    <RuntimeSettings seqNo="31">{"runtimeSettings":[{"handlerSettings":{"protectedSettingsCertThumbprint":'
        f'"F6ABAA61098A301EBB8A571C3C7CF77F355F7FA9","protectedSettings":"CANARY-PROTXML-{C["prot_xml"]}",'
        f'"publicSettings":{{"locale":"en-us","password":"CANARY-PUBXML-{C["pub_xml"]}"}}}}}}]}}</RuntimeSettings>\n'
        "  </Plugin>\n</PluginSettings>\n</Extensions>\n"
    )
    settings = json.dumps(
        {
            "runtimeSettings": [
                {
                    "handlerSettings": {
                        "protectedSettingsCertThumbprint": "F6ABAA61098A301EBB8A571C3C7CF77F355F7FA9",
                        "protectedSettings": f"CANARY-PROTFILE-{C['prot_file']}",
                        "publicSettings": {"locale": "en-us", "password": f"CANARY-PUBFILE-{C['pub_file']}"},
                    }
                }
            ]
        }
    )
    ovf = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1" '
        'xmlns:wa="http://schemas.microsoft.com/windowsazure">\n'
        "  <wa:ProvisioningSection><wa:Version>1.0</wa:Version>\n"
        "    <LinuxProvisioningConfigurationSet>\n"
        "      <ConfigurationSetType>LinuxProvisioningConfiguration</ConfigurationSetType>\n"
        "      <HostName>vm1</HostName><UserName>azureuser</UserName>\n"
        f"      <UserPassword>CANARY-UPW-{C['userpw']}</UserPassword>\n"
        f"      <CustomData>CANARY-CD-{C['customdata']}</CustomData>\n"
        "      <DisableSshPasswordAuthentication>false</DisableSshPasswordAuthentication>\n"
        "      <SSH><PublicKeys><PublicKey><Fingerprint>ABC</Fingerprint><Path>/home/azureuser/.ssh/authorized_keys"
        f"</Path><Value>ssh-rsa AAAACANARYSSH{C['sshkey']} me@pc</Value></PublicKey></PublicKeys></SSH>\n"
        "    </LinuxProvisioningConfigurationSet>\n"
        "  </wa:ProvisioningSection>\n"
        "  <wa:PlatformSettingsSection><wa:PlatformSettings>"
        "<wa:ProvisionGuestAgent>true</wa:ProvisionGuestAgent>"
        "</wa:PlatformSettings></wa:PlatformSettingsSection>\n"
        "</Environment>\n"
    )
    remote = (
        '<?xml version="1.0" encoding="utf-8"?>\n<RemoteAccess><Version>1.0</Version><Incarnation>1</Incarnation>'
        "<Users><User><Name>admin2</Name>"
        f"<Password>CANARY-RA-{C['remote_pw']}</Password><Expiration>2030-01-01</Expiration></User></Users>"
        "</RemoteAccess>\n"
    )
    hosting = (
        '<HostingEnvironmentConfig version="1.0.0.0" goalStateIncarnation="3">\n'
        '  <Deployment name="9c0d6a5e2f8b4a47a1c3c3e7a0b1c2d3" guid="{ce5a036f-5c93-40e7-8adf-2613631008ab}" '
        'incarnation="0">\n    <Service name="backupvmService" guid="{00000000-0000-0000-0000-000000000000}" />\n'
        '  </Deployment>\n  <Incarnation number="3" instance="_backupvm" '
        'guid="{87a8f1e2-7ec6-4851-b301-045f93f66805}" />\n'
        '  <Role guid="{73d95f1c-6472-e58e-7a1a-523554e11d46}" name="_backupvm" settleTimeSeconds="0" />\n'
        '  <ApplicationSettings>\n    <Setting name="Diagnostics.ConnectionString" '
        f'value="DefaultEndpointsProtocol=https;AccountName=diag;AccountKey=CANARY-AK-{C["acctkey"]}" />\n'
        "  </ApplicationSettings>\n</HostingEnvironmentConfig>\n"
    )
    pem_file = f"-----BEGIN CERTIFICATE-----\nMIIDCANARYCERT{C['pem_file']}\n-----END CERTIFICATE-----\n"
    prv_file = f"-----BEGIN RSA PRIVATE KEY-----\nMIIECANARYPRV{C['prv_file']}\n-----END RSA PRIVATE KEY-----\n"
    conf = (
        "Provisioning.Enabled=n\nLogs.Verbose=y\n"
        f"HttpProxy.Host=http://{C['proxy_user']}:CANARY-PP-{C['proxy_pass']}@proxy.contoso.local\n"
        "HttpProxy.Port=8080\nAutoUpdate.Enabled=y\n"
    )
    syslog = (
        "May  1 10:02:00 vm1 systemd[1]: Started Session 1 of user root.\n"
        f"May  1 10:02:01 vm1 curl[123]: using proxy http://{C['sys_user']}:CANARY-SP-{C['sys_pass']}"
        "@proxy.contoso.local:3128/ for https://example.org\n"
    )
    user_data = f"#cloud-config\nchpasswd:\n  list: |\n    root:CANARY-UD-{C['userdata']}\n"
    # a pasted agent line (the generic text parser turns it into an event) and free prose
    ticket = (
        "Customer note: backup fails since Monday.\n"
        "2024-05-01T10:06:00.000000Z ERROR ExtHandler ExtHandler pre-script login failed "
        f"password=CANARY-TK-{C['ticket_pw']} (rotated)\n"
    )
    return write_tree(
        root,
        {
            "var/log/waagent.log": waagent,
            f"var/log/azure/{SNAP}/extension.log": extlog,
            "var/lib/waagent/ExtensionsConfig.25.xml": ext_conf,
            f"{HANDLER_DIR}/config/31.settings": settings,
            "var/lib/waagent/ovf-env.xml": ovf,
            "var/lib/waagent/RemoteAccess.xml": remote,
            "var/lib/waagent/HostingEnvironmentConfig.xml": hosting,
            "var/lib/waagent/Certificates.pem": pem_file,
            "var/lib/waagent/F6ABAA61098A301EBB8A571C3C7CF77F355F7FA9.prv": prv_file,
            "etc/waagent.conf": conf,
            "var/log/syslog": syslog,
            "var/lib/cloud/instance/user-data.txt": user_data,
            "ticket-notes.txt": ticket,
        },
    )


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("redaction")
    bundle = _bundle(base / "bundle")
    work = base / "cwd"
    work.mkdir()
    out: dict[str, str] = {}

    def run(name: str, args: list[str]) -> str:
        r = run_cli(args, cwd=work, timeout=120)
        assert not r.timed_out and r.code == 0, (name, r.code, r.stderr)
        out[f"{name}:stderr"] = r.stderr
        out[name] = r.stdout
        return r.stdout

    run("analyze-json", ["analyze", str(bundle), "--json", "report.json", "-o", "report.html"])
    out["report.json"] = (work / "report.json").read_text()
    out["report.html"] = (work / "report.html").read_text()
    run("json-stdout", ["analyze", str(bundle), "--json", "-"])
    run("summary-text", ["analyze", str(bundle), "--summary", "text"])
    run("summary-markdown", ["analyze", str(bundle), "--summary", "markdown"])
    run("terminal", ["analyze", str(bundle)])
    for fmt in ("jsonl", "csv", "table"):
        run(f"timeline-{fmt}", ["timeline", str(bundle), "--format", fmt])
    return out


def _forms(value: str) -> set[str]:
    return {value, value[:16], value[-16:]}


def _all(outputs: dict[str, str]) -> str:
    return "\n".join(outputs.values())


def test_every_output_path_ran(outputs: dict[str, str]) -> None:
    for name in ("report.json", "report.html", "json-stdout", "summary-text", "summary-markdown", "terminal"):
        assert outputs[name].strip(), name
    for fmt in ("jsonl", "csv", "table"):
        assert outputs[f"timeline-{fmt}"].count("\n") > 10, fmt


@pytest.mark.parametrize("kind", sorted(C))
def test_canary_absent_from_every_output(outputs: dict[str, str], kind: str) -> None:
    for name, text in outputs.items():
        for form in _forms(C[kind]):
            assert form not in text, f"{kind} canary ({form}) leaked into {name}"


def test_encoded_and_seeded_prefixes_absent(outputs: dict[str, str]) -> None:
    for name, text in outputs.items():
        for form in ("CANARY", "%2Bab%3D", "AAAACANARYSSH", "root:CANARY"):
            assert form not in text, f"{form} leaked into {name}"


# For each canary: (output that must show it, the stand-in form — or, where a parser deliberately
# drops the value, the presence it reports instead).  Any output: None.
EVIDENCE = {
    "sig": ("timeline-jsonl", r"&sig=<sig-[0-9a-f]{6}>&se="),
    "se": ("timeline-jsonl", r"&se=<se-[0-9a-f]{6}>&sp="),
    "acct": ("timeline-jsonl", r"https://<acct-[0-9a-f]{4}>\.blob\.core\.chinacloudapi\.cn/\$system/vm1\.status"),
    "prot_log": ("timeline-jsonl", r'\\"protectedSettings\\": \\"<settings-[0-9a-f]{6}>\\"'),
    "pub_log": ("timeline-jsonl", r'\\"publicSettings\\": <settings-[0-9a-f]{6}>'),
    "host_body": ("timeline-jsonl", r'Host Request body: \{\\"protectedSettings\\": \\"<settings-[0-9a-f]{6}>'),
    # ExtensionsConfig.xml: the parser keeps neither the SAS nor the settings values, only presence
    "sig_xml": (
        "timeline-jsonl",
        r'"document": "ExtensionsConfig".{0,80}"host": "<acct-[0-9a-f]{4}>\.blob\.core\.chinacloudapi\.cn"',
    ),
    "prot_xml": ("timeline-jsonl", r'"has_protected_settings": true'),
    "pub_xml": ("timeline-jsonl", r'"has_public_settings": true'),
    # config/31.settings: extension_settings keeps presence flags and the public key names only
    "prot_file": ("timeline-jsonl", r'31\.settings".{0,600}"has_protected_settings": true'),
    "pub_file": ("timeline-jsonl", r'31\.settings".{0,600}"has_public_settings": true'),
    # ovf-env.xml: ovf_env records has_password / has_custom_data / the SSH key count
    "userpw": ("timeline-jsonl", r'"has_password": true'),
    "customdata": ("timeline-jsonl", r'"has_custom_data": true'),
    "sshkey": ("timeline-jsonl", r'"ssh_public_keys": 1'),
    # RemoteAccess.xml, Certificates.pem, *.prv, user-data: secret_document, presence only
    "remote_pw": ("timeline-jsonl", r"RemoteAccess\.xml: credential document present"),
    "pem_file": ("timeline-jsonl", r"Certificates\.pem: credential document present"),
    "prv_file": ("timeline-jsonl", r"F6ABAA61098A301EBB8A571C3C7CF77F355F7FA9\.prv: credential document present"),
    "userdata": ("timeline-jsonl", r"user-data\.txt: credential document present"),
    # HostingEnvironmentConfig.xml: hosting_env_xml records has_account_key
    "acctkey": ("timeline-jsonl", r'"has_account_key": true'),
    "acctkey_log": ("timeline-jsonl", r"AccountName=diag;AccountKey=<key-[0-9a-f]{6}>;"),
    "pem_log": ("timeline-jsonl", r"\[stdout\] -----BEGIN PRIVATE KEY----- <pem-[0-9a-f]{6}>"),
    # waagent.conf: the parser strips user:pass and says so (credentials_removed)
    "proxy_user": ("timeline-jsonl", r'"value": "http://proxy\.contoso\.local", "credentials_removed": true'),
    "proxy_pass": ("timeline-jsonl", r'"value": "http://proxy\.contoso\.local", "credentials_removed": true'),
    "sys_user": ("timeline-jsonl", r"using proxy http://<user-[0-9a-f]{4}>:<pass-[0-9a-f]{6}>@proxy\.contoso\.local"),
    "sys_pass": ("timeline-jsonl", r"using proxy http://<user-[0-9a-f]{4}>:<pass-[0-9a-f]{6}>@proxy\.contoso\.local"),
    "ticket_pw": ("timeline-jsonl", r"login failed password=<password-[0-9a-f]{6}> \(rotated\)"),
}


def test_every_canary_has_evidence() -> None:
    assert set(EVIDENCE) == set(C)


@pytest.mark.parametrize("kind", sorted(EVIDENCE))
def test_stand_in_or_presence_reported(outputs: dict[str, str], kind: str) -> None:
    name, pattern = EVIDENCE[kind]
    assert re.search(pattern, outputs[name]), f"{kind}: {pattern!r} not in {name}"


@pytest.mark.parametrize(
    "pattern",
    [
        r"<sig-[0-9a-f]{6}>",
        r"<se-[0-9a-f]{6}>",
        r"<acct-[0-9a-f]{4}>\.blob\.core\.chinacloudapi\.cn",
        r"<settings-[0-9a-f]{6}>",
        r"<pem-[0-9a-f]{6}>",
        r"AccountKey=<key-[0-9a-f]{6}>",
    ],
)
def test_stand_ins_reach_the_reports(outputs: dict[str, str], pattern: str) -> None:
    """The evidence lines of the reports carry the stand-ins too, not only the timeline."""
    assert re.search(pattern, outputs["report.json"] + outputs["report.html"]), pattern


def test_dns_suffix_kept_and_stand_in_stable(outputs: dict[str, str]) -> None:
    """One account, one stand-in, with its China-cloud suffix, in every output that shows it, across
    separate runs on the same input (report.json and --json - are two processes)."""
    plain = {name: html.unescape(text) if name.endswith(".html") else text for name, text in outputs.items()}
    found = {
        name: set(re.findall(r"<acct-[0-9a-f]{4}>\.blob\.core\.chinacloudapi\.cn", text))
        for name, text in plain.items()
    }
    showing = {name for name, hits in found.items() if hits}
    wanted = {
        "report.json",
        "json-stdout",
        "report.html",
        "summary-text",
        "timeline-jsonl",
        "timeline-csv",
        "timeline-table",
    }
    assert wanted <= showing, wanted - showing
    assert len(set().union(*found.values())) == 1, found
    # whole values only: the page's swimlane titles cut messages at 160 characters before the
    # redaction pass, so a cut SAS value there gets the stand-in of its (harmless) prefix
    whole = {
        "sig": r"sig=(<sig-[0-9a-f]{6}>)&se=",
        "se": r"se=(<se-[0-9a-f]{6}>)&sp=",
        "settings": r'(<settings-[0-9a-f]{6}>)\\*"*[,}]',
        "key": r"AccountKey=(<key-[0-9a-f]{6}>);",
        "pem": r"PRIVATE KEY----- (<pem-[0-9a-f]{6}>)",
    }
    for kind, pattern in whole.items():
        seen = {name: set(re.findall(pattern, text)) for name, text in plain.items()}
        assert seen["report.json"] == seen["json-stdout"], (kind, seen)
        assert seen["timeline-jsonl"] == seen["timeline-csv"], (kind, seen)
        assert seen["report.html"] | seen["summary-text"] <= seen["report.json"] | seen["timeline-jsonl"], (kind, seen)
        assert seen["timeline-jsonl"], kind
    sigs = set(re.findall(r"sig=(<sig-[0-9a-f]{6}>)&", _all(plain)))
    assert len(sigs) == 1, sigs  # the one log SAS; the ExtensionsConfig SAS is never kept


def test_redactor_deterministic_per_key() -> None:
    a, b, other = Redactor(b"k" * 32), Redactor(b"k" * 32), Redactor(b"z" * 32)
    line = f"GET https://{SAS_HOST}/c/b?sv=1&sig=S3cr3t%2B&se=2030 AccountKey=abc== http://u:p@proxy:80/"
    assert a(line) == b(line) != other(line)
    assert ".blob.core.chinacloudapi.cn/c/b" in str(a(line))
    for secret in ("S3cr3t", "abc==", "u:p@"):
        assert secret not in str(a(line))


def test_key_block_split_over_context_lines() -> None:
    """Evidence context is a list of lines: a key block's body lines carry no marker of their own.
    Leak found by this suite (report.json context_after showed the body line)."""
    r = Redactor(b"k" * 32)
    body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"
    lines = ["before", "x [stdout] -----BEGIN PRIVATE KEY-----", body, body[::-1], "-----END PRIVATE KEY-----", "after"]
    out = r.deep({"context_after": lines})["context_after"]  # type: ignore[index]
    assert body not in str(out) and body[::-1] not in str(out)
    assert out[0] == "before" and out[-1] == "after" and out[4] == "-----END PRIVATE KEY-----"
    assert re.fullmatch(r"<pem-[0-9a-f]{6}>", out[2])
    # a window that opens inside the block (its first marker is an END)
    tail = r.deep([body, "-----END RSA PRIVATE KEY-----", "next line"])
    assert body not in str(tail) and tail[2] == "next line"  # type: ignore[index]
    # no marker at all: nothing to do
    assert r.deep(["a", body]) == ["a", body]


def test_secret_documents_are_never_read(tmp_path: Path) -> None:
    """A log-shaped line inside a key file or user-data used to become a generic text event."""
    line = "2024-05-01T10:06:00.000000Z ERROR ExtHandler ExtHandler token QQQ" + C["userdata"][:8] + "\n"
    bundle = write_tree(
        tmp_path / "b",
        {
            "var/log/waagent.log": "2024-05-01T10:00:00.000000Z INFO ExtHandler ExtHandler start\n",
            "var/lib/cloud/instance/user-data.txt": line,
            "var/lib/waagent/RemoteAccess.xml": line,
            "var/lib/waagent/TransportPrivate.pem": line,
            "var/lib/waagent/ManagedIdentity-1.json": line,
        },
    )
    r = run_cli(["timeline", str(bundle), "--format", "jsonl", "--quiet"], cwd=tmp_path)
    assert r.code == 0, r.stderr
    assert "QQQ" not in r.stdout
    assert r.stdout.count("credential document present") == 4


def test_proxy_credentials_cut_before_the_at_sign() -> None:
    """A message cut for a title or a cell can end inside ``http://user:pass`` (no ``@`` left):
    that tail is credentials, unless it is a port.  Leak found by this suite."""
    r = Redactor(b"k" * 32)
    for text in ("using http://admin:S3cretPa", "using http://admin:S3cretPa …"):
        out = str(r(text))
        assert "admin" not in out and "S3cret" not in out
        assert re.search(r"http://<user-[0-9a-f]{4}>:<pass-[0-9a-f]{6}>", out)
    for text in ("proxy http://proxy.local:8080", "proxy http://proxy.local:8080 …", "see http://h:80/path"):
        assert r(text) == text


def test_redacting_twice_changes_nothing() -> None:
    """The page redacts the result and its view model; a second pass used to re-key settings,
    XML and proxy stand-ins, so one secret showed a different stand-in in report.html than in
    report.json.  Found by this suite."""
    r = Redactor(b"k" * 32)
    texts = [
        'env {"protectedSettings": "MIIB", "publicSettings": {"a": "b"}}',
        "http://u:p@proxy:3128/ and a cut http://admin:S3cr",
        "<UserPassword>pw</UserPassword> <CustomData>Y2Q=</CustomData> password=abc",
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY----- tail",
        "[stdout] -----BEGIN PRIVATE KEY-----",
        f"https://{SAS_HOST}/c?sig=x%2B&se=y AccountKey=zz; secret: hush",
    ]
    for text in texts:
        once = r(text)
        assert r(once) == once, text


def test_token_user_encoded_signature_bearer_and_archive_addresses() -> None:
    """Found by the session-3 review: a token as the only userinfo, a SAS signature inside a
    URL-encoded URL, a bearer token, and a signature in an archive member's address (which must
    end at the "!/" member separator, or every member of that archive shows one address)."""
    r = Redactor(b"k" * 32)
    cases = {
        "Proxy http://TOKEN0123abcd@proxy.corp:3128 refused": "TOKEN0123abcd",
        "redirect=https%3A%2F%2Fh%2Fc%2Fb%3Fsv%3D2020-08-04%26sig%3DENCSIG0123%26se%3D2026": "ENCSIG0123",
        "Authorization: Bearer eyJBEARER0123.payload x-ms-version: 2019": "eyJBEARER0123",
    }
    for text, secret in cases.items():
        out = str(r(text))
        assert secret not in out, out
        assert r(out) == out
    address = str(r("t.tgz!/t/inner.zip?sig=ADDRSIG01!/var/log/waagent.log"))
    assert "ADDRSIG01" not in address and address.endswith("!/var/log/waagent.log")
    for harmless in ("mail root@localhost now", "git@github.com:Azure/x", "http://proxy.local:8080/path"):
        assert r(harmless) == harmless


def test_a_key_logged_one_line_per_record_has_no_body_in_any_output(tmp_path: Path) -> None:
    """The 2.0.x agent (and an extension logging line by line) stamp every physical line, so the
    body lines of a key carry no marker of their own: the line reader masks them by position."""
    body = [_hex() for _ in range(3)]
    log = "".join(
        f"2017/03/21 23:31:20 ERROR:{text}\n"
        for text in ["Failed: openssl output follows", "-----BEGIN RSA PRIVATE KEY-----", *body,
                     "-----END RSA PRIVATE KEY-----", "next record"]
    )  # fmt: skip
    bundle = write_tree(tmp_path / "vm", {"var/log/waagent.log": log})
    outputs = []
    for args in (["timeline", str(bundle), "--format", "table"], ["timeline", str(bundle), "--format", "jsonl"]):
        run = run_cli([*args, "--quiet"], cwd=tmp_path)
        assert run.code == 0, run.stderr
        outputs.append(run.stdout)
    run = run_cli(
        ["analyze", str(bundle), "-o", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json")], cwd=tmp_path
    )
    outputs += [(tmp_path / "r.html").read_text(), (tmp_path / "r.json").read_text(), run.stderr]
    for text in outputs:
        assert not any(b in text for b in body)
    assert "next record" in outputs[0] and "<pem-body>" in outputs[0]


def test_sudo_working_directory_is_not_a_password() -> None:
    """sudo logs 'PWD=/home/azureuser' (the working directory) on the line that shows who stopped the
    agent; a stand-in there hid a harmless path and suggested a leaked password (review finding)."""
    r = Redactor(b"k" * 32)
    line = (
        "sudo[47151]: azureuser : TTY=pts/0 ; PWD=/home/azureuser ; USER=root ; "
        "COMMAND=/bin/systemctl stop walinuxagent"
    )
    assert r(line) == line
    assert "hunter2" not in str(r("pwd=hunter2")) and "S3cret" not in str(r("PWD=S3cret"))
