"""IMDS instance metadata: kept fields and never-kept ones."""

from __future__ import annotations

import json

import pytest

from parsers.testing import parse_text

KIND = "instance_metadata"

DOC = {
    "compute": {
        "azEnvironment": "AzureChinaCloud",
        "location": "chinanorth3",
        "name": "backupvm",
        "offer": "RHEL",
        "osProfile": {"adminUsername": "azureadmin", "computerName": "backupvm-host"},
        "osType": "Linux",
        "publicKeys": [{"keyData": "ssh-rsa AAAAB3Nza", "path": "/home/azureadmin/.ssh/authorized_keys"}],
        "publisher": "RedHat",
        "resourceId": "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/RG-Prod/providers/"
        "Microsoft.Compute/virtualMachines/backupvm",
        "sku": "8-lvm-gen2",
        "storageProfile": {"dataDisks": [{"lun": "0"}], "osDisk": {"managedDisk": {"id": "/subs/x/disks/os"}}},
        "tags": "owner:alice;costcenter:42",
        "userData": "IyEvYmluL2Jhc2gKZWNobyBzZWNyZXQ=",
        "customData": "c2VjcmV0",
        "version": "8.6.2022060701",
        "vmId": "5c08b38e-4d57-4c23-ac45-aca61037f084",
        "vmSize": "Standard_E4s_v3",
    },
    "network": {"interface": [{"ipv4": {"ipAddress": [{"privateIpAddress": "10.0.0.4"}]}}]},
}


def test_facts_kept_and_dropped():
    events, ctx = parse_text(KIND, json.dumps(DOC, indent=2), path="instance_metadata.json")
    facts = {f.key: f.value for f in ctx.facts}
    assert facts["imds.vm_size"] == "Standard_E4s_v3" and facts["imds.location"] == "chinanorth3"
    assert facts["cloud"] == "AzureChinaCloud"
    assert facts["imds.resource_group"] == "RG-Prod" and facts["imds.vm_name"] == "backupvm"
    assert facts["imds.data_disks"] == 1
    dump = repr(events) + repr(ctx.facts)
    for secret in (
        "IyEvYmluL2Jh",
        "c2VjcmV0",
        "azureadmin",
        "backupvm-host",
        "AAAAB3Nza",
        "alice",
        "10.0.0.4",
        "11111111-2222",
    ):
        assert secret not in dump


def test_bare_compute_object():
    events, _ctx = parse_text(KIND, json.dumps(DOC["compute"]), path="imds.json")
    assert events[0].attrs["os_type"] == "Linux"


@pytest.mark.parametrize("text", ['{"network": {}}', "{", "[]"])
def test_not_imds(text):
    events, ctx = parse_text(KIND, text, path="instance_metadata.json")
    assert events == [] and len(ctx.warnings) == 1
