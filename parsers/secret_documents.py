"""Documents that are credentials as a whole: their presence is recorded, their content never read.

``*.prv`` / ``*.pem`` / ``*.pfx`` / ``*.p7m`` (private keys and certificates in the agent's lib
root), ``Certificates.xml``, ``RemoteAccess.xml`` (JIT user passwords), cloud-init user-data and
vendor-data, and ``ManagedIdentity-*.json`` (waagent-formats §3.11).  Without this kind they would
fall to the generic text parser, which turns any log-shaped line into an event — and a secret
without a key word cannot be recognised by the redactor afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.model import Event, EventKind
from parsers import registry
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "secret_document"
_PATHS = (
    "*.prv",
    "*.pem",
    "*.pfx",
    "*.p7m",
    "*.key",
    "Certificates.xml",
    "Certificates.*.xml",
    "RemoteAccess.xml",
    "RemoteAccess.*.xml",
    "ManagedIdentity-*.json",
    "user-data",
    "user-data.txt",
    "user-data.txt.i",
    "vendor-data",
    "vendor-data.txt",
    "vendor-data.txt.i",
    "vendor-data2",
    "vendor-data2.txt",
    "vendor-data2.txt.i",
    "*cloud/instance*/cloud-config.txt",
)


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    ctx.records += 1
    name = ctx.path.rsplit("/", 1)[-1] or "document"
    ctx.fact("secret_document", name, line=1, content_kept=False)
    yield Event(
        line=1,
        kind=EventKind.CONFIG,
        message=f"{name}: credential document present (content not read)",
        attrs={"secret_document": True, "content_kept": False},
    )


registry.register(
    ParserSpec(
        name="Credential documents (keys, certificates, RemoteAccess.xml, cloud-init user-data)",
        kind=KIND,
        parse=parse,
        paths=_PATHS,
        priority=200,
        description="presence only: keys, certificates, JIT passwords and user-data are never read",
        samples=(
            Sample(
                text="-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n",
                kind=EventKind.CONFIG,
                attrs={"secret_document": True, "content_kept": False},
                path="var/lib/waagent/F6ABAA61098A301EBB8A571C3C7CF77F355F7FA9.prv",
            ),
        ),
    )
)
