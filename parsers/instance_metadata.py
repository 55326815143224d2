"""IMDS instance metadata (``instance_metadata.json``, or the compute JSON pasted into a ticket).

``{"compute": {...}, "network": {...}}`` from ``/metadata/instance`` or the bare ``compute``
object.  Kept: location, vmSize, osType, publisher/offer/sku/version, the resource group and VM
name from ``resourceId``, vmId, azEnvironment (→ ``cloud``).  Never kept: ``userData``,
``customData``, ``osProfile`` (admin user, computer name), tags, public keys, network addresses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from analyzer.model import Event, EventKind
from parsers import registry
from parsers._state_common import BAD, guarded, line_of, load_json, read_doc, short
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "instance_metadata"
_FIELDS = {
    "location": "imds.location",
    "vmSize": "imds.vm_size",
    "osType": "imds.os_type",
    "publisher": "imds.publisher",
    "offer": "imds.offer",
    "sku": "imds.sku",
    "version": "imds.image_version",
    "vmId": "imds.vm_id",
    "zone": "imds.zone",
    "provider": "imds.provider",
    "azEnvironment": "imds.az_environment",
    "licenseType": "imds.license_type",
    "priority": "imds.priority",
}
_CLOUDS = {
    "azurepubliccloud": "AzureCloud",
    "azurecloud": "AzureCloud",
    "azurechinacloud": "AzureChinaCloud",
    "azureusgovernmentcloud": "AzureUSGovernment",
    "azureusgovernment": "AzureUSGovernment",
    "azuregermancloud": "AzureGermanCloud",
}
_RESOURCE = re.compile(
    r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Compute/virtualMachines/(?P<vm>[^/]+)", re.I
)


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader, 4 << 20)
    ctx.records += 1
    doc = load_json(text, ctx, "instance metadata")
    if doc is BAD:
        return
    compute = doc.get("compute") if isinstance(doc, dict) and isinstance(doc.get("compute"), dict) else doc
    if not isinstance(compute, dict) or not ({"vmSize", "vmId", "osType"} & set(compute)):
        ctx.warn("instance metadata: no compute section", 1)
        ctx.unclassified += 1
        return
    attrs: dict[str, Any] = {}
    for key, fact in _FIELDS.items():
        value = compute.get(key)
        if isinstance(value, (str, int)) and value != "":
            ctx.fact(fact, short(value, 200), line=line_of(text, f'"{key}"'))
            attrs[fact.removeprefix("imds.")] = short(value, 200)
    env = compute.get("azEnvironment")
    if isinstance(env, str) and env.lower() in _CLOUDS:
        ctx.fact("cloud", _CLOUDS[env.lower()], line=line_of(text, '"azEnvironment"'), source="IMDS")
    resource = compute.get("resourceId")
    if isinstance(resource, str):
        m = _RESOURCE.search(resource)
        if m:
            line = line_of(text, '"resourceId"')
            ctx.fact("imds.resource_group", m.group("rg"), line=line)
            ctx.fact("imds.vm_name", m.group("vm"), line=line)
            attrs["resource_group"], attrs["vm_name"] = m.group("rg"), m.group("vm")
    storage = compute.get("storageProfile")
    os_disk = storage.get("osDisk") if isinstance(storage, dict) else None
    if isinstance(os_disk, dict):
        managed = os_disk.get("managedDisk")
        attrs["managed_os_disk"] = isinstance(managed, dict) and bool(managed.get("id"))
        disks = storage.get("dataDisks")
        attrs["data_disks"] = len(disks) if isinstance(disks, list) else 0
        ctx.fact("imds.data_disks", attrs["data_disks"], line=line_of(text, '"dataDisks"'))
    yield Event(
        line=1,
        kind=EventKind.CONFIG,
        message=short(
            "IMDS compute: "
            + " ".join(f"{k}={attrs[k]}" for k in ("location", "vm_size", "os_type", "offer", "sku") if k in attrs),
            400,
        ),
        component="imds",
        attrs=attrs,
    )


def _sniff(head: str) -> bool:
    return '"vmSize"' in head and ('"vmId"' in head or '"azEnvironment"' in head or '"osType"' in head)


registry.register(
    ParserSpec(
        name="IMDS instance metadata",
        kind=KIND,
        parse=parse,
        paths=("instance_metadata.json", "imds*.json"),
        sniff=_sniff,
        priority=40,
        description="VM size, location, image and resource names from the instance metadata service",
        samples=(
            Sample(
                text='{"compute": {"azEnvironment": "AzurePublicCloud", "location": "westeurope", '
                '"name": "backupvm", "offer": "0001-com-ubuntu-server-jammy", "osType": "Linux", '
                '"publisher": "canonical", "resourceId": "/subscriptions/00000000-0000-0000-0000-000000000000/'
                'resourceGroups/rg-backup/providers/Microsoft.Compute/virtualMachines/backupvm", '
                '"sku": "22_04-lts-gen2", "userData": "c2VjcmV0", "version": "22.04.202402280", '
                '"vmId": "5c08b38e-4d57-4c23-ac45-aca61037f084", "vmSize": "Standard_D2s_v3"}}',
                kind=EventKind.CONFIG,
                component="imds",
                attrs={
                    "location": "westeurope",
                    "vm_size": "Standard_D2s_v3",
                    "vm_name": "backupvm",
                    "resource_group": "rg-backup",
                },
            ),
        ),
    )
)
