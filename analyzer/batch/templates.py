"""Masking and template mining for the batch's "unexplained errors" view.

Every bundle hands the parent its ERROR/WARNING records that no rule used (already redacted, one
line each).  Across hundreds of bundles the same failure reads differently in every VM: other
GUIDs, hosts, paths, counts, timestamps.  :func:`mask` replaces those variable parts with typed
masks (``<GUID>``, ``<NUM>``, …) and :func:`mine_templates` clusters what is still different, so a
support engineer sees "this message, 140 times in 37 bundles" instead of 140 lines.

The miner is a small relative of Drain (He et al., 2017): messages are bucketed by level, token
count and first token; inside a bucket a message joins the most similar cluster when enough
positions agree, and the positions that differ become ``<*>``.  Drain is order-dependent, so the
input is first reduced to a multiset of masked texts and processed in a fixed order: the same
multiset of messages gives the same templates and counts however the bundles arrive.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from analyzer.batch.model import ErrorSample, ErrorTemplate
from analyzer.redact import _SAS_KEYS

WILDCARD = "<*>"
# Merge a message into a cluster when at least this share of its positions carry the template's
# literal token (Drain's papers use 0.4–0.7).  Masking has already removed most variables and a
# differing plain word vetoes a merge (see _Cluster.similarity), so what this threshold still
# decides is how many unmasked identifiers (extension names, host names without a known domain)
# may differ: up to 40 %, i.e. one in a message of three tokens, two in five.
SIMILARITY = 0.6
# A template longer than this is cut: the head of a message names the failure, and a cap bounds
# the work per message (extension stdout pasted into one record can run to thousands of tokens).
MAX_TOKENS = 48
_MAX_CHARS = 2000

# Redaction stand-ins (analyzer.redact): "<sig-1a2b3c>", "<acct-7f3a>" plus the storage DNS suffix.
# The SAS parameter names are the redactor's own list: one place decides what a SAS value is.
_SAS_KINDS = frozenset(_SAS_KEYS)
_STAND_IN = re.compile(
    r"<(?P<kind>[a-z]+)-[0-9a-f]{4,6}>"
    r"(?P<suffix>\.(?:blob|table|queue|file|dfs)\.(?:core\.windows\.net|core\.chinacloudapi\.cn|"
    r"core\.usgovcloudapi\.net|core\.cloudapi\.de|storage\.azure\.net))?"
)
# Platform endpoints are constants of every Azure VM, not variables: "GET http://168.63.129.16/machine"
# and "GET http://168.63.129.16:32526/health" are different failures and stay verbatim.
_PLATFORM_IPS = ("168.63.129.16", "169.254.169.254")
_PLATFORM = re.compile(r"(?<![\d.])(?:" + "|".join(re.escape(ip) for ip in _PLATFORM_IPS) + r")(?::\d+)?(?![\d.])")
# An HTTP status names the kind of failure, not an instance of it: "[HTTP Failed] [502: Bad Gateway]",
# "[HTTP Retry] … -- Status Code 403" (the agent's restutil formats) keep their number.
_HTTP_STATUS = re.compile(r"\[[1-5]\d\d: [A-Za-z][\w '-]*\]|\bStatus Code [1-5]\d\d\b")

# Masked spans are swapped for one private-use character each while masking runs, so no later
# pattern can match inside an earlier mask (a GUID inside a URL, digits inside "<NUM>").
_SLOT_BASE = 0xF0000
_SLOT_LIMIT = 0xFFFFD
_SLOT_CHARS = "\U000f0000-\U000ffffd"
_SLOT = re.compile(f"[{_SLOT_CHARS}]")
_STOP = rf"\s'\"<>\[\](){{}},;{_SLOT_CHARS}"  # characters that end a URL or a path

# A URL may hold redaction stand-ins ("https://<acct-7f3a>.blob.core.windows.net/…?sig=<sig-1a2b3c>") or the
# agent's own "?<redacted>" query.
_URL = re.compile(rf"(?i)\b[a-z][a-z0-9+.-]*://(?:[^{_STOP}]|<(?:[a-z]+-[0-9a-f]{{4,6}}|redacted)>)+")
# "</Code>" in an XML body is not a path, hence no "<" before the slash.
_PATH = re.compile(rf"(?<![\w:/.~<-])(?:~|\.{{1,2}})?/[\w.$@%+=-][^{_STOP}]*(?<![.:])")
_TIME = re.compile(
    r"(?<!\d)\d{4}[-/]\d{2}[-/]\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|(?<![\d:.])\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?![\d:])"
    r"|\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? )?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" +\d{1,2} \d{2}:\d{2}:\d{2}"
)
_GUID = re.compile(r"(?i)(?<![0-9a-f-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f-])")
_IPV4 = re.compile(r"(?<![\w.-])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])")
# Four-part agent versions look like addresses ("Version: 2.9.1.1", "WALinuxAgent-2.9.1.1").
_VERSION_BEFORE = re.compile(r"(?i)\b(?:version|ver|v)[:=]? ?$")
# IPv6 candidates; only unmistakable ones (with "::" or eight groups) are masked, see _ipv6.
_IPV6 = re.compile(r"(?i)(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])")
# Host names need a known top-level label: dotted Python modules and extension names
# ("Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "azurelinuxagent.ga.update") are not hosts.
_TLD = r"(?:com|net|org|io|cn|de|us|gov|edu|local|localdomain|internal|lan|corp|cloudapp)"
_HOST = re.compile(rf"(?i)(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+{_TLD}(?![\w-])")
# "0x…", or a run of 8+ hex digits holding both a digit and a letter (see _hex).
_HEX = re.compile(r"\b0[xX][0-9a-fA-F]+\b|(?<![\w-])[0-9a-fA-F]{8,}(?![\w-])")
# A number on its own (a count, a code, a version, a pid); digits inside a name (python3, eth0,
# sr0) name a thing and stay.  A unit right after the number ("68s", "812344kB") stays too.
_NUM = re.compile(r"(?<![A-Za-z0-9.])[-+]?\d+(?:\.\d+)*(?=(?:[kKMGT]i?B|ms|s|sec|secs|min|h|%)?(?![A-Za-z0-9]))")


@dataclass
class _Masker:
    """One message being masked: the masked spans live in ``slots`` until :meth:`text`."""

    body: str
    slots: list[str] = field(default_factory=list)

    def put(self, value: str) -> str:
        if _SLOT_BASE + len(self.slots) > _SLOT_LIMIT:
            return value
        self.slots.append(value)
        return chr(_SLOT_BASE + len(self.slots) - 1)

    def sub(self, pattern: re.Pattern[str], replace: str | Callable[[re.Match[str]], str | None]) -> None:
        """Replace every match by a slot; a callable answering None leaves that match as it is."""

        def fill(m: re.Match[str]) -> str:
            value = replace if isinstance(replace, str) else replace(m)
            return m.group(0) if value is None else self.put(value)

        self.body = pattern.sub(fill, self.body)

    def text(self) -> str:
        return _SLOT.sub(lambda m: self.slots[ord(m.group(0)) - _SLOT_BASE], self.body)


def _stand_in(m: re.Match[str]) -> str:
    kind = m.group("kind")
    if m.group("suffix") or kind == "acct":
        return "<HOST>"  # a storage account: which account varies, and the suffix is kept by _URL
    return "<SAS>" if kind in _SAS_KINDS else "<SECRET>"


def _url(m: re.Match[str]) -> str:
    url = m.group(0).rstrip(".:")
    tail = m.group(0)[len(url) :]
    scheme, rest = url.split("://", 1)
    hostport = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if _PLATFORM.fullmatch(hostport):
        # A platform URL names the API ("/machine/?comp=goalstate", ":32526/health"): it stays,
        # but for the ids and numbers in its path and query.
        path = _NUM.sub("<NUM>", _GUID.sub("<GUID>", rest[len(hostport) :]))
        return f"{scheme}://{hostport}{path}{tail}"
    return "<URL>" + tail


def _ipv4(m: re.Match[str]) -> str:
    return "<NUM>" if _VERSION_BEFORE.search(m.string, max(0, m.start() - 10), m.start()) else "<IP>"


def _ipv6(m: re.Match[str]) -> str | None:
    text = m.group(0)
    if ("::" in text or text.count(":") == 7) and any(ch not in ":" for ch in text):
        return "<IP>"
    return None


def _hex(m: re.Match[str]) -> str | None:
    text = m.group(0)
    if text[:2].lower() == "0x" or (any(c.isdigit() for c in text) and any(c.isalpha() for c in text)):
        return "<HEX>"
    return None  # all digits (a number, masked later) or all letters (a word such as "deadbeef")


def _same(m: re.Match[str]) -> str:
    return m.group(0)  # kept verbatim, and out of reach of the later passes


# The passes of mask(), in order: (pattern, replacement, hint).  A pass runs only when its hint
# (a cheap test) finds something to work on; most messages lack most shapes, and the batch
# masks every sample of every bundle in its serial tail.
_Replace = str | Callable[[re.Match[str]], str | None]
_PASSES: tuple[tuple[re.Pattern[str], _Replace, Callable[[str], object]], ...] = (
    (_URL, _url, re.compile("://").search),
    (_STAND_IN, _stand_in, re.compile("<[a-z]").search),
    (_PLATFORM, _same, re.compile(r"168\.63\.129\.16|169\.254\.169\.254").search),  # bare platform addresses
    (_HTTP_STATUS, _same, re.compile(r"\[[1-5]\d\d:|Status Code").search),
    (_PATH, "<PATH>", re.compile("/").search),
    (_TIME, "<TIME>", re.compile(r"\d[-/:]\d").search),
    (_GUID, "<GUID>", re.compile(r"[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-").search),
    (_IPV4, _ipv4, re.compile(r"\d\.\d{1,3}\.\d").search),
    (_IPV6, _ipv6, lambda text: "::" in text or text.count(":") >= 7),
    (_HOST, "<HOST>", re.compile(rf"(?i)\.{_TLD}\b").search),
    (_HEX, _hex, re.compile(r"(?i)0x|[0-9a-f]{8}").search),
    (_NUM, "<NUM>", re.compile(r"\d").search),
)


def mask(message: str) -> str:
    """``message`` with its variable parts replaced by typed masks.

    Order matters, the widest shape first, and a masked span is never looked into again: URLs
    (``<URL>``, stand-ins inside included; URLs of the WireServer / IMDS stay, as their path names
    the API), redaction stand-ins (``<SAS>`` for SAS parameters, ``<HOST>`` for storage accounts,
    ``<SECRET>`` for the rest), paths (``<PATH>``), times and dates (``<TIME>``), GUIDs, IP
    addresses (``<IP>``; the platform addresses stay), host names (``<HOST>``), long hex strings
    (``<HEX>``) and last standalone numbers and versions (``<NUM>``; HTTP status codes stay).
    """
    text = _SLOT.sub("?", message[:_MAX_CHARS])
    m = _Masker(text)
    for pattern, replace, hint in _PASSES:
        if hint(m.body):
            m.sub(pattern, replace)
    return m.text()


def tokens_of(masked: str) -> list[str]:
    """Whitespace tokens of a masked message, cut at :data:`MAX_TOKENS` (a cut ends in ``…``)."""
    tokens = masked.split()
    if len(tokens) > MAX_TOKENS:
        tokens = [*tokens[:MAX_TOKENS], "…"]
    return tokens


def _is_variable(token: str) -> bool:
    return ("<" in token and ">" in token) or any(ch.isdigit() for ch in token)


@dataclass
class _Cluster:
    tokens: list[str]
    count: int = 0
    bundles: set[str] = field(default_factory=set)
    examples: set[str] = field(default_factory=set)

    def similarity(self, tokens: list[str]) -> float:
        """Drain's measure: positions where the template's literal token equals the message's.

        Wildcard positions do not count, so a template that has absorbed many variants needs the
        remaining literal words to agree, and cannot drift into matching everything.

        A position where both sides are different plain words ("Timeout" / "Forbidden", "Bad
        Gateway]" / "Not Found]", "op=Install," / "op=Enable,") is not a variable but another
        message: it vetoes the merge whatever the share, so a reason word is never hidden.
        """
        same = 0
        for a, b in zip(self.tokens, tokens, strict=True):
            if a == b:
                same += WILDCARD not in a
            elif _other_word(a, b):
                return 0.0
        return same / len(tokens)

    def absorb(self, tokens: list[str]) -> None:
        self.tokens = [_generalise(a, b) for a, b in zip(self.tokens, tokens, strict=True)]


# Letters only, with punctuation around at most: a word of the message, not an identifier (those
# carry digits, dots, dashes or underscores: "Microsoft.Azure.Foo", "vm-backup02", "eth0") nor a
# mask ("<HOST>" and "<IP>" are both variables, and may merge).
_PLAIN_WORD = re.compile(r"^[^\w<>]*[A-Za-z]+[^\w<>]*$")
_KEY_VALUE = re.compile(r"^([\w.-]+=)(.*?)([,;:\])]*)$")


def _other_word(a: str, b: str) -> bool:
    """Whether two different tokens are different words (``op=Install,`` / ``op=Enable,`` too)."""
    ka, kb = _KEY_VALUE.match(a), _KEY_VALUE.match(b)
    if ka and kb and ka.group(1) == kb.group(1):
        a, b = ka.group(2), kb.group(2)
    return bool(_PLAIN_WORD.match(a) and _PLAIN_WORD.match(b))


def _generalise(a: str, b: str) -> str:
    """One template position for two tokens: ``<*>`` where they differ.

    ``name=Foo,`` and ``name=Bar,`` become ``name=<*>,``: the key says what varies, which is
    what the agent's ``Event: name=…, op=…`` records need to stay readable.
    """
    if a == b:
        return a
    ka, kb = _KEY_VALUE.match(a), _KEY_VALUE.match(b)
    if ka and kb and ka.group(1) == kb.group(1) and ka.group(3) == kb.group(3):
        return f"{ka.group(1)}{WILDCARD}{ka.group(3)}"
    return WILDCARD


@dataclass
class _Group:
    """The distinct masked texts of one level, with what the miner needs of each."""

    count: int = 0
    bundles: set[str] = field(default_factory=set)
    examples: set[str] = field(default_factory=set)


def mine_templates(samples: Iterable[tuple[str, ErrorSample]]) -> list[ErrorTemplate]:
    """Cluster ``(bundle input, sample)`` pairs into templates, most frequent first.

    Each template carries the number of records (sample counts summed), the sorted bundle inputs
    holding it and one example message (the first by sort order, already redacted by the worker).
    """
    distinct: dict[tuple[str, str], _Group] = {}
    masked_of: dict[str, str] = {}  # the same message recurs across bundles: masked once
    for bundle, sample in samples:
        masked = masked_of.get(sample.message)
        if masked is None:
            masked = masked_of[sample.message] = " ".join(tokens_of(mask(sample.message)))
        key = (sample.level, masked)
        group = distinct.setdefault(key, _Group())
        group.count += sample.count
        group.bundles.add(bundle)
        group.examples.add(sample.message)

    # A fixed order over the multiset makes the result independent of arrival order; frequent
    # texts first so that they seed the clusters (Drain keeps the first text as the template).
    order = sorted(distinct.items(), key=lambda kv: (kv[0][0], -kv[1].count, kv[0][1]))
    buckets: dict[tuple[str, int, str], list[_Cluster]] = {}
    for (level, masked), group in order:
        tokens = masked.split()
        if not tokens:
            continue
        head = WILDCARD if _is_variable(tokens[0]) else tokens[0]
        bucket = buckets.setdefault((level, len(tokens), head), [])
        best, best_sim = None, 0.0
        for cluster in bucket:  # creation order: ties go to the older cluster
            sim = cluster.similarity(tokens)
            if sim > best_sim:
                best, best_sim = cluster, sim
        if best is None or best_sim < SIMILARITY:
            best = _Cluster(list(tokens))
            bucket.append(best)
        else:
            best.absorb(tokens)
        best.count += group.count
        best.bundles |= group.bundles
        best.examples |= group.examples

    # Two clusters can end with the same template (one generalised into the other's shape):
    # they are one template to the reader.
    merged: dict[tuple[str, str], _Cluster] = {}
    for (level, _, _), bucket in buckets.items():
        for cluster in bucket:
            key = (level, " ".join(cluster.tokens))
            into = merged.setdefault(key, _Cluster(cluster.tokens))
            into.count += cluster.count
            into.bundles |= cluster.bundles
            into.examples |= cluster.examples
    out = [
        ErrorTemplate(template=text, count=c.count, bundles=sorted(c.bundles), example=min(c.examples), level=level)
        for (level, text), c in merged.items()
    ]
    out.sort(key=lambda t: (-t.count, t.template, t.level))
    return out


__all__ = ["MAX_TOKENS", "SIMILARITY", "WILDCARD", "mask", "mine_templates", "tokens_of"]
