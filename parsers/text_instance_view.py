"""Instance-view JSON pasted into ticket text, one field per line: statuses become events.

A mixin of the fallback text parser (:mod:`parsers.text`): which object a status belongs to
follows the indentation of the ``"name"`` / ``"type"`` / ``"vmAgent"`` keys around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analyzer.model import Clock, Event, EventKind
from parsers.base import ParseContext
from parsers.text_patterns import ISO_START, IV_CODE, IV_FIELD, IV_LEVEL, iso_time

K = EventKind


@dataclass(slots=True)
class IvStatus:
    line: int
    code: str
    fields: dict[str, str] = field(default_factory=dict)
    indent: int = 0


class InstanceViewMixin:
    """Instance-view state of a text parse (the open status, the scope of keys around it) and event building."""

    ctx: ParseContext
    status: IvStatus | None
    iv: list[tuple[int, str, str]]  # instance-view scope: (indent, key, value)

    def _event(
        self,
        line: int,
        kind: EventKind,
        message: str,
        attrs: dict[str, Any],
        wall: datetime | None = None,
        clock: Clock = Clock.UNKNOWN,
        time_raw: str = "",
        level: str | None = None,
        handler: str | None = None,
        handler_version: str | None = None,
        component: str | None = None,
    ) -> Event:
        self.ctx.records += 1
        return Event(
            line=line,
            kind=kind,
            message=message,
            wall=wall,
            clock=clock,
            time_raw=time_raw,
            level=level,
            component=component,
            handler=handler,
            handler_version=handler_version,
            attrs=attrs,
        )

    def _flush_status(self) -> list[Event]:
        s, self.status = self.status, None
        if s is None:
            return []
        parts = s.code.split("/")
        attrs: dict[str, Any] = {"status_code": s.code}
        if s.fields.get("displayStatus"):
            attrs["display_status"] = s.fields["displayStatus"]
        if s.fields.get("message"):
            attrs["status_message"] = s.fields["message"]
        wall, clock = (None, Clock.UNKNOWN)
        if s.fields.get("time"):
            m = ISO_START.match(s.fields["time"])
            if m is not None:
                wall, clock = iso_time(m.group("ts"), m.group("tz"))
        if parts[0] == "PowerState":
            attrs.update(event="power_state", state=parts[1] if len(parts) > 1 else "")
            return [self._event(s.line, K.OTHER, s.code, attrs, wall, clock, s.fields.get("time", ""))]
        if len(parts) > 1:
            attrs["status"] = parts[1].lower()
        if len(parts) > 2 and parts[2]:
            attrs["code"] = parts[2]
        handler = version = None
        scope = self._scope()
        if "name" in scope or "type" in scope:
            handler = scope.get("type") or scope.get("name")
            version = scope.get("typeHandlerVersion")
        elif "vmAgent" in scope:
            attrs["target"] = "vmAgent"
        message = s.code if not s.fields.get("message") else f"{s.code}: {s.fields['message']}"
        return [
            self._event(
                s.line,
                K.EXT_STATUS,
                message,
                attrs,
                wall,
                clock,
                s.fields.get("time", ""),
                level=IV_LEVEL.get(s.fields.get("level", "")),
                handler=handler,
                handler_version=version,
            )
        ]

    def _instance_view(self, lineno: int, raw: str, out: list[Event]) -> bool:
        """Instance-view JSON, one field per line; True when the line was consumed.

        Which object a status belongs to follows the indentation: a ``"name"`` (or ``"vmAgent"``)
        key scopes the lines indented deeper than it, until a line comes out to its level.
        """
        indent = len(raw) - len(raw.lstrip())
        self.iv = [c for c in self.iv if indent >= c[0]]
        m = IV_CODE.search(raw)
        if m is not None:
            out.extend(self._flush_status())
            self.status = IvStatus(lineno, m.group("code"), indent=indent)
            return True
        if self.status is not None and indent < self.status.indent and raw.strip():
            out.extend(self._flush_status())
        if '"vmAgent"' in raw:
            self.iv.append((indent + 1, "vmAgent", ""))
            return True
        consumed = False
        for fm in IV_FIELD.finditer(raw):
            key, value = fm.group("key"), fm.group("value")
            if key == "vmAgentVersion":
                out.append(
                    self._event(lineno, K.AGENT_VERSION, raw.strip(), {"version": value, "source": "instance_view"})
                )
                consumed = True
            elif self.status is not None and key in ("displayStatus", "message", "level", "time"):
                self.status.fields[key] = value.replace('\\"', '"').replace("\\n", "\n")
                consumed = True
            elif key in ("name", "type", "typeHandlerVersion"):
                if self.status is not None:
                    out.extend(self._flush_status())
                self.iv = [c for c in self.iv if not (c[0] == indent and (key == "name" or c[1] == key))]
                self.iv.append((indent, key, value))
                consumed = True
        if self.status is not None and "}" in raw and indent <= self.status.indent:
            out.extend(self._flush_status())
            return True
        return consumed

    def _scope(self) -> dict[str, str]:
        return {key: value for _indent, key, value in self.iv}
