"""The input limits of docs/limits.md (src/workflows/input-limits.ts), checked before a call leaves the process."""

from __future__ import annotations

import json
import re
from typing import Any, Mapping, Optional

from .errors import GuardInputError

INPUT_LIMITS = {"maxDepth": 64, "maxBytes": 1_900_000, "maxEntries": 100_000, "maxStringLength": 1_048_576}
CONTEXT_LIMITS = {"maxDepth": 16, "maxBytes": 65_536, "maxEntries": 1_000, "maxStringLength": 8_192}
TOOL_NAME_LENGTH = 128
CALL_ID_LENGTH = 256
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:\-/]{0,%d}$" % (TOOL_NAME_LENGTH - 1))
_CALL_ID = re.compile(r"^[A-Za-z0-9_.:@/+=-]+$")


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _check_value(what: str, value: Any, limits: Mapping[str, int], name: str) -> None:
    entries = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, str):
            if _utf16_length(current) > limits["maxStringLength"]:
                raise GuardInputError(
                    f"{what} has a string of {_utf16_length(current)} characters (the limit is "
                    f"{limits['maxStringLength']}; limit {name}.maxStringLength)",
                    limit=f"{name}.maxStringLength",
                )
        elif isinstance(current, (dict, list, tuple)):
            if depth > limits["maxDepth"]:
                raise GuardInputError(
                    f"{what} is nested more than {limits['maxDepth']} levels deep (limit {name}.maxDepth)",
                    limit=f"{name}.maxDepth",
                )
            entries += len(current)
            if entries > limits["maxEntries"]:
                raise GuardInputError(
                    f"{what} has more than {limits['maxEntries']} keys and items in all (limit {name}.maxEntries)",
                    limit=f"{name}.maxEntries",
                )
            children = list(current.items()) if isinstance(current, dict) else list(enumerate(current))
            for key, child in children:
                if isinstance(key, str):
                    stack.append((key, depth + 1))
                stack.append((child, depth + 1))
    try:
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    except (TypeError, ValueError) as err:
        raise GuardInputError(f"{what} cannot be sent as JSON: {err} (give plain JSON values)") from err
    if size > limits["maxBytes"]:
        raise GuardInputError(
            f"{what} is over {limits['maxBytes']} bytes as JSON (limit {name}.maxBytes)", limit=f"{name}.maxBytes"
        )


def check_call(
    tool: Any, input: Any, context: Optional[Any] = None, call_id: Optional[Any] = None
) -> None:
    """Raises :class:`GuardInputError` naming the problem (and the limit) unless the call is well formed."""
    if not isinstance(tool, str) or not _TOOL_NAME.match(tool):
        too_long = isinstance(tool, str) and len(tool) > TOOL_NAME_LENGTH
        raise GuardInputError(
            f"tool must be a name of 1-{TOOL_NAME_LENGTH} letters, digits and _ . : - / (got {tool!r:.80})",
            limit="toolNameLength" if too_long else None,
        )
    if not isinstance(input, dict):
        raise GuardInputError(f"input of tool '{tool}' must be a dict (a JSON object), got {type(input).__name__}")
    _check_value(f"input of tool '{tool}'", input, INPUT_LIMITS, "input")
    if context is not None:
        if not isinstance(context, dict):
            raise GuardInputError("context must be a dict when given")
        _check_value("context", context, CONTEXT_LIMITS, "context")
    if call_id is not None:
        if not isinstance(call_id, str) or call_id == "":
            raise GuardInputError("call_id must be a non-empty string")
        if len(call_id) > CALL_ID_LENGTH:
            raise GuardInputError(
                f"call_id is {len(call_id)} characters long (limit callIdLength: {CALL_ID_LENGTH})",
                limit="callIdLength",
            )
        if not _CALL_ID.match(call_id):
            raise GuardInputError(f"call_id {call_id[:64]!r} has a character outside letters, digits and _ . : @ / + = -")
