"""``/var/lib/waagent/ovf-env.xml``: provisioning facts only.

Host name and user name are PII, ``UserPassword`` / ``CustomData`` / SSH keys are credentials:
only their presence is recorded.  ``ProvisionGuestAgent=false`` means the VM was deployed without
the agent (portal/ARM ``provisionVMAgent: false``): no extension, hence no backup extension, runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from analyzer.model import Event, EventKind
from parsers import registry
from parsers._state_common import as_bool, descendants, guarded, line_of, local, parse_xml, read_doc, text_of
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "ovf_env"
_FLAGS = {
    "ProvisionGuestAgent": "provision_guest_agent",
    "PreprovisionedVm": "preprovisioned_vm",
    "DisableSshPasswordAuthentication": "disable_ssh_password_auth",
}
_PRESENCE = {"UserPassword": "has_password", "CustomData": "has_custom_data", "UserName": "has_user_name"}


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader)
    ctx.records += 1
    root = parse_xml(text, ctx, "ovf-env")
    if root is None:
        return
    if local(root.tag) != "Environment":
        ctx.warn(f"ovf-env: unexpected root element <{local(root.tag)}>", 1)
        ctx.unclassified += 1
        return
    attrs: dict[str, Any] = {}
    for tag, key in _FLAGS.items():
        nodes = descendants(root, tag)
        flag = as_bool(text_of(nodes[0])) if nodes else None
        if flag is not None:
            attrs[key] = flag
            ctx.fact(f"provisioning.{key}", flag, line=line_of(text, f"{tag}>"))
    for tag, key in _PRESENCE.items():
        nodes = descendants(root, tag)
        attrs[key] = bool(nodes and text_of(nodes[0]))
        ctx.fact(f"provisioning.{key}", attrs[key], line=line_of(text, f"{tag}>") if nodes else None)
    attrs["ssh_public_keys"] = len(descendants(root, "PublicKey"))
    attrs["ssh_key_pairs"] = len(descendants(root, "KeyPair"))
    ctx.fact("provisioning.ssh_public_keys", attrs["ssh_public_keys"], line=line_of(text, "PublicKeys>"))
    disabled = attrs.get("provision_guest_agent") is False
    line = line_of(text, "ProvisionGuestAgent>") if "provision_guest_agent" in attrs else 1
    message = (
        "agent disabled by ovf-env: ProvisionGuestAgent=false"
        if disabled
        else f"ovf-env: ProvisionGuestAgent={attrs.get('provision_guest_agent')}"
    )
    attrs["agent_disabled"] = disabled
    yield Event(line=line, kind=EventKind.PROVISIONING, message=message, attrs=attrs)


def _sniff(head: str) -> bool:
    return "<Environment" in head and ("ProvisioningSection" in head or "PlatformSettings" in head)


_SAMPLE = """<?xml version="1.0" encoding="utf-8"?>
<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1" xmlns:wa="http://schemas.microsoft.com/windowsazure"
             xmlns:oe="http://schemas.dmtf.org/ovf/environment/1" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
  <wa:ProvisioningSection><wa:Version>1.0</wa:Version>
    <LinuxProvisioningConfigurationSet xmlns="http://schemas.microsoft.com/windowsazure">
      <ConfigurationSetType>LinuxProvisioningConfiguration</ConfigurationSetType>
      <HostName>backupvm</HostName><UserName>azureuser</UserName>
      <UserPassword>*</UserPassword>
      <DisableSshPasswordAuthentication>true</DisableSshPasswordAuthentication>
    </LinuxProvisioningConfigurationSet>
  </wa:ProvisioningSection>
  <wa:PlatformSettingsSection><wa:Version>1.0</wa:Version>
    <wa:PlatformSettings>
      <wa:ProvisionGuestAgent>false</wa:ProvisionGuestAgent>
      <wa:PreprovisionedVm>false</wa:PreprovisionedVm>
    </wa:PlatformSettings>
  </wa:PlatformSettingsSection>
</Environment>
"""

registry.register(
    ParserSpec(
        name="ovf-env.xml",
        kind=KIND,
        parse=parse,
        paths=("ovf-env.xml",),
        sniff=_sniff,
        priority=60,
        description="provisioning flags (ProvisionGuestAgent); credentials and names never kept",
        samples=(
            Sample(
                text=_SAMPLE,
                kind=EventKind.PROVISIONING,
                attrs={"provision_guest_agent": False, "agent_disabled": True, "has_password": True},
            ),
        ),
    )
)
