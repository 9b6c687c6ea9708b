"""durable-guard for Python: ``guard(tool, input)`` answers allow, modify, block or escalate from the
``guardedCall`` Temporal workflow, over Temporal directly or over the HTTP guard endpoint.

    import durable_guard as st
    result = st.guard("process_refund", {"amount": 4200, "user_id": "u_42"})
"""

from __future__ import annotations

from typing import Any, Optional

from . import _defaults
from ._defaults import configure
from .client import AsyncGuard, Guard
from .errors import (
    GuardApprovalError,
    GuardBlocked,
    GuardCallIdConflict,
    GuardError,
    GuardInputError,
    GuardUnavailable,
)
from .fingerprint import call_fingerprint, canonical_json
from .http_transport import HttpTransport
from .integrations import GuardSummary, guard_summary_of, patch_anthropic, patch_openai
from .result import DecidedBy, GuardResult, RuleHit
from .temporal_transport import TemporalTransport

__all__ = [
    "AsyncGuard",
    "DecidedBy",
    "Guard",
    "GuardApprovalError",
    "GuardBlocked",
    "GuardCallIdConflict",
    "GuardError",
    "GuardInputError",
    "GuardResult",
    "GuardSummary",
    "GuardUnavailable",
    "HttpTransport",
    "RuleHit",
    "TemporalTransport",
    "approve",
    "approve_async",
    "call_fingerprint",
    "canonical_json",
    "configure",
    "deny",
    "deny_async",
    "guard",
    "guard_async",
    "guard_summary_of",
    "patch_anthropic",
    "patch_openai",
    "wait_for_result",
]


def guard(
    tool: str,
    input: dict[str, Any],
    *,
    wait_for_escalation: bool = False,
    escalation_timeout: float = 300.0,
    escalation_poll_interval: float = 3.0,
    context: Optional[dict[str, Any]] = None,
    call_id: Optional[str] = None,
) -> GuardResult:
    """The seed's ``guard()``: see :meth:`AsyncGuard.guard`. Blocking; uses the module's :class:`Guard`."""
    return _defaults.sync_guard().guard(
        tool,
        input,
        wait_for_escalation=wait_for_escalation,
        escalation_timeout=escalation_timeout,
        escalation_poll_interval=escalation_poll_interval,
        context=context,
        call_id=call_id,
    )


async def guard_async(tool: str, input: dict[str, Any], **options: Any) -> GuardResult:
    """``guard()`` for asyncio code, with the same keyword arguments; uses the module's :class:`AsyncGuard`."""
    return await _defaults.async_guard().guard(tool, input, **options)


def approve(escalation_id: str, **options: Any) -> GuardResult:
    """Approves a pending escalation: ``by``, ``reason``, ``modified_input``, ``groups``."""
    return _defaults.sync_guard().approve(escalation_id, **options)


def deny(escalation_id: str, **options: Any) -> GuardResult:
    """Denies a pending escalation: ``by``, ``reason``, ``groups``."""
    return _defaults.sync_guard().deny(escalation_id, **options)


async def approve_async(escalation_id: str, **options: Any) -> GuardResult:
    return await _defaults.async_guard().approve(escalation_id, **options)


async def deny_async(escalation_id: str, **options: Any) -> GuardResult:
    return await _defaults.async_guard().deny(escalation_id, **options)


def wait_for_result(escalation_id: str) -> GuardResult:
    """The final result of a call started earlier (e.g. a fire-and-forget escalation)."""
    return _defaults.sync_guard().wait_for_result(escalation_id)
