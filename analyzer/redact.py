"""Redaction applied to every text that leaves the process (design §5).

Secrets are replaced by stand-ins derived from a keyed HMAC: the same secret gives the same
stand-in within one run or batch (the key is shared), so evidence stays comparable while the
secret itself never appears.  Storage host names keep their DNS suffix because the suffix is
evidence (which cloud, which path).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable

_SAS_KEYS = (
    "sig",
    "se",
    "st",
    "sv",
    "sp",
    "sr",
    "ss",
    "srt",
    "spr",
    "sip",
    "skoid",
    "sktid",
    "skt",
    "ske",
    "sks",
    "skv",
    "sdd",
    "saoid",
    "suoid",
    "scid",
    "rscc",
    "rscd",
    "rsce",
    "rscl",
    "rsct",
)
# a value ends at "!" too: "!/" separates the members of an archive address (a.zip?sig=…!/var/log/x)
_SAS_PARAM = re.compile(r"(?i)(?<=[?&;])(" + "|".join(_SAS_KEYS) + r")=([^&\s\"'<>!]+)")
_STORAGE_HOST = re.compile(
    r"(?i)(?<![\w.-])([a-z0-9][a-z0-9-]{1,62})(\.(?:blob|table|queue|file|dfs)\.(?:core\.windows\.net|core\.chinacloudapi\.cn|"
    r"core\.usgovcloudapi\.net|core\.cloudapi\.de|storage\.azure\.net))"
)
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----.*?(?:-----END \1-----|\Z)", re.S)
_SETTINGS_VALUE = re.compile(
    r"(?i)([\"']?(?:protectedSettings|publicSettings|protected_settings|public_settings)[\"']?\s*[:=]\s*)"
    r"(\"(?:[^\"\\]|\\.)*\"|'[^']*'|\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|[^\s,;<]+)"
)
_XML_SECRET = re.compile(
    r"(?is)(<(?:[\w-]+:)?(UserPassword|CustomData|Password|ProtectedSettings|PublicSettings|UserData)\b[^>]*>)"
    r"(.*?)(</(?:[\w-]+:)?\2\s*>)"
)
_ACCOUNT_KEY = re.compile(r"(?i)(AccountKey=)([^;\s\"'<]+)")
_PROXY_CRED = re.compile(r"(?i)\b(https?|socks5?)://([^:/\s@]+):([^@/\s]+)@")
# The same URL cut before its "@" (a message shortened for a title or a table cell, a line cut at
# max_record_bytes): at the very end of the text, "user:pass" is credentials unless it is a port.
_PROXY_CRED_CUT = re.compile(r"(?i)\b(https?|socks5?)://([^:/\s@\[\]]+):(?!\d*\s*…?\s*\Z)([^@/\s…]+)(?=\s*…?\s*\Z)")
# A token alone as the user part (``http://TOKEN@proxy:3128``): as secret as a user:password pair.
_URL_USER_ONLY = re.compile(r"(?i)\b(https?|socks5?)://([^:/\s@<>]+)@")
# A SAS signature inside a URL that was itself URL-encoded (a redirect target, a logged query string).
_SAS_SIG_ENCODED = re.compile(r"(?i)((?:%3F|%26)sig%3D)([^%\s\"'<>&]+(?:%(?!26)[0-9a-f]{2}[^%\s\"'<>&]*)*)")
_BEARER = re.compile(r"(?i)(\bBearer\s+)([A-Za-z0-9\-._~+/]{8,}=*)")
# "PWD=/home/azureuser" in sudo's records is the working directory, not a password (a path value
# after PWD= is left alone; the line often shows who stopped the agent)
_PASSWORD_KV = re.compile(
    r"(?i)([\"']?(?:password|passwd|pwd|secret|client_secret)[\"']?\s*[:=]\s*)(?!(?<=PWD=)/)"
    r"(\"[^\"]*\"|'[^']*'|[^\s,;&]+)"
)
# A stand-in already in place: redacting twice (the page redacts its view model and the result)
# must give the same text, or one secret shows two stand-ins across the outputs of one run.
_STAND_IN = re.compile(r"[\"']?(<[a-z]+-[0-9a-f]{4,6}>)[\"']?")
_PEM_DONE = re.compile(r"-----BEGIN [A-Z0-9 ]+----- <pem-[0-9a-f]{6}>")
_CACHE_MAX_LEN = 256
_CACHE_MAX_ENTRIES = 50_000


class Redactor:
    """Replaces secrets in text; one instance (one key) per run or batch."""

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key or os.urandom(32)
        self._cache: dict[str, str] = {}

    def stand_in(self, kind: str, secret: str, length: int = 6) -> str:
        done = _STAND_IN.fullmatch(secret.strip())
        if done:
            return done.group(1)
        digest = hmac.new(self.key, f"{kind}\0{secret}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
        return f"<{kind}-{digest[:length]}>"

    def _sub(self, pattern: re.Pattern[str], text: str, fn: Callable[[re.Match[str]], str]) -> str:
        return pattern.sub(fn, text)

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return text
        # The result depends on the text and the key only, and short texts (attrs keys and
        # values, periodic messages) repeat: they are redacted once per instance.
        if len(text) <= _CACHE_MAX_LEN:
            out = self._cache.get(text)
            if out is None:
                if len(self._cache) >= _CACHE_MAX_ENTRIES:
                    self._cache.clear()
                out = self._cache[text] = self._redact(text)
            return out
        return self._redact(text)

    def _redact(self, text: str) -> str:
        out = text
        if "-----BEGIN" in out:
            out = self._sub(
                _PEM_BLOCK,
                out,
                lambda m: (
                    m.group(0)
                    if _PEM_DONE.match(m.group(0)) and "-----END" not in m.group(0)
                    else f"-----BEGIN {m.group(1)}----- {self.stand_in('pem', m.group(0))}"
                ),
            )
        if "<" in out:
            out = self._sub(
                _XML_SECRET, out, lambda m: f"{m.group(1)}{self.stand_in(m.group(2).lower(), m.group(3))}{m.group(4)}"
            )
        lower = out.lower()
        if "settings" in lower:
            out = self._sub(_SETTINGS_VALUE, out, self._settings_value)
        if "=" in out:
            out = self._sub(_SAS_PARAM, out, lambda m: f"{m.group(1)}={self.stand_in(m.group(1).lower(), m.group(2))}")
            if "accountkey=" in lower:
                out = self._sub(_ACCOUNT_KEY, out, lambda m: m.group(1) + self.stand_in("key", m.group(2)))
        if "@" in out:
            out = self._sub(
                _PROXY_CRED,
                out,
                lambda m: f"{m.group(1)}://{self.stand_in('user', m.group(2), 4)}:{self.stand_in('pass', m.group(3))}@",
            )
            out = self._sub(_URL_USER_ONLY, out, self._url_user)
        if "%3d" in lower and "sig%3d" in lower:
            out = self._sub(_SAS_SIG_ENCODED, out, lambda m: m.group(1) + self.stand_in("sig", m.group(2)))
        if "bearer" in lower:
            out = self._sub(_BEARER, out, lambda m: m.group(1) + self.stand_in("token", m.group(2)))
        if "://" in out:
            out = self._sub(
                _PROXY_CRED_CUT,
                out,
                lambda m: f"{m.group(1)}://{self.stand_in('user', m.group(2), 4)}:{self.stand_in('pass', m.group(3))}",
            )
        if "password" in lower or "passwd" in lower or "pwd" in lower or "secret" in lower:
            out = self._sub(_PASSWORD_KV, out, lambda m: m.group(1) + self.stand_in("password", m.group(2)))
        if ".core." in lower or "storage.azure.net" in lower:
            out = self._sub(_STORAGE_HOST, out, lambda m: self.stand_in("acct", m.group(1).lower(), 4) + m.group(2))
        return out

    def _url_user(self, m: re.Match[str]) -> str:
        user = m.group(2)
        if _STAND_IN.fullmatch(user):  # the user:password pattern already replaced it
            return m.group(0)
        return f"{m.group(1)}://{self.stand_in('user', user, 4)}@"

    def _settings_value(self, m: re.Match[str]) -> str:
        value = m.group(2)
        stand_in = self.stand_in("settings", value)
        return m.group(1) + (f'"{stand_in}"' if value.startswith('"') else stand_in)

    def deep(self, value: object) -> object:
        """Redact every string inside a JSON-like structure (dict keys included)."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            out: dict[object, object] = {}
            for k, v in value.items():
                if isinstance(k, str):
                    k = self(k)
                kind = type(v)
                if kind is str:
                    v = self(v)
                elif v is not None and kind is not int and kind is not bool and kind is not float:
                    v = self.deep(v)
                out[k] = v
            return out
        if isinstance(value, list | tuple):
            out_list = [self.deep(v) for v in value]
            if any(isinstance(v, str) and "-----" in v for v in value):
                self._pem_body_lines(value, out_list)
            return out_list
        return value

    def _pem_body_lines(self, raw: list[object] | tuple[object, ...], out: list[object]) -> None:
        """A list of consecutive lines (evidence context) splits a key block over several strings:
        the body lines between ``-----BEGIN`` and ``-----END`` carry no marker of their own, so they
        are replaced here; a list that opens inside a block (its first marker is an END) is treated
        as body up to that END."""
        strings = [(i, v) for i, v in enumerate(raw) if isinstance(v, str)]
        first = next((v for _, v in strings if "-----BEGIN" in v or "-----END" in v), "")
        end_at, begin_at = first.find("-----END"), first.find("-----BEGIN")
        inside = end_at >= 0 and (begin_at < 0 or end_at < begin_at)
        for i, text in strings:
            if inside:
                end = text.find("-----END")
                if end < 0:
                    out[i] = self.stand_in("pem", text)
                    continue
                inside = False
                if end > 0:
                    out[i] = self.stand_in("pem", text[:end]) + str(self(text[end:]))
                text = text[end + 8 :]
            begin = text.rfind("-----BEGIN")
            if begin >= 0 and "-----END" not in text[begin:]:
                inside = True
