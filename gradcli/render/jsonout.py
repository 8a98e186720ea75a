"""JSON for programs: one object, non-finite numbers as null, never through Rich."""

from __future__ import annotations

import json
import math
import sys
from typing import Any


def finite(value: Any) -> Any:
    """Replace NaN and ±inf by None, recursively, so the output is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(finite(payload), allow_nan=False, ensure_ascii=False, indent=2)


def emit(payload: dict[str, Any]) -> None:
    sys.stdout.write(dumps(payload) + "\n")
