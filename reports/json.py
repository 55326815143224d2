"""JSON report: the result object, redacted, with stable key order and formatting."""

from __future__ import annotations

import json
from typing import Any

from analyzer.redact import Redactor


def render_json(result: dict[str, Any], redactor: Redactor) -> str:
    return json.dumps(redactor.deep(result), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
