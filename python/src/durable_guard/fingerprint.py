"""Call fingerprints exactly as src/workflows/fingerprint.ts computes them: SHA-256 (hex) of canonical JSON (keys
sorted in UTF-16 code-unit order, no whitespace, numbers written as JavaScript writes them)."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Mapping, Optional


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "null"
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"
    return text


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace, equal to the TypeScript ``canonicalJson`` for JSON values."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical_json(item) for item in value) + "]"
    if isinstance(value, Mapping):
        keys = sorted((str(key) for key in value), key=lambda key: key.encode("utf-16-be", "surrogatepass"))
        return "{" + ",".join(f"{json.dumps(key, ensure_ascii=False)}:{canonical_json(value[key])}" for key in keys) + "}"
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def call_fingerprint(
    tool: str,
    input: Mapping[str, Any],
    context: Optional[Mapping[str, Any]] = None,
    tool_schema: Optional[Mapping[str, Any]] = None,
) -> str:
    """The ``GuardFingerprint`` of a call: equal for equal tool, input, context and caller's tool schema (a call
    without a schema has the fingerprint it had before schemas existed), whatever their key order."""
    call: dict[str, Any] = {"tool": tool, "input": input}
    if context is not None:
        call["context"] = context
    if tool_schema is not None:
        call["toolSchema"] = tool_schema
    return hashlib.sha256(canonical_json(call).encode("utf-8", "surrogatepass")).hexdigest()
