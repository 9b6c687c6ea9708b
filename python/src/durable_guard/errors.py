"""The errors of the client; each carries the ``code`` the TypeScript client and the HTTP API use."""

from __future__ import annotations

from typing import Optional, Sequence

from .result import RuleHit


class GuardError(Exception):
    """Base of every error of this package."""

    code: str = "GUARD_ERROR"

    def __init__(self, message: str, *, code: Optional[str] = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class GuardBlocked(GuardError):
    """The call was blocked (by the policy, a denial or the escalation timeout): do not run the tool."""

    code = "GUARD_BLOCKED"

    def __init__(
        self,
        tool: str,
        reason: Optional[str],
        rules_triggered: Sequence[RuleHit] = (),
        escalation_id: Optional[str] = None,
    ) -> None:
        rules = ", ".join(hit.id for hit in rules_triggered if hit.mode == "enforce")
        super().__init__(f"{tool} blocked: {reason or 'blocked by policy'}" + (f" (rules: {rules})" if rules else ""))
        self.tool = tool
        self.reason = reason
        self.rules_triggered = list(rules_triggered)
        self.escalation_id = escalation_id


class GuardInputError(GuardError):
    """The call was refused before anything started: ``code`` GUARD_INPUT_LIMIT (``limit`` names it) or
    GUARD_INVALID_CALL (a malformed tool name, call ID, input or option)."""

    def __init__(self, message: str, *, limit: Optional[str] = None) -> None:
        super().__init__(message, code="GUARD_INPUT_LIMIT" if limit else "GUARD_INVALID_CALL")
        self.limit = limit


class GuardCallIdConflict(GuardError):
    """The ``call_id`` already names a different call; its decision is never returned for this one."""

    code = "GUARD_CALL_ID_CONFLICT"

    def __init__(self, message: str, *, call_id: str, expected: Optional[str] = None, found: Optional[str] = None):
        super().__init__(message)
        self.call_id = call_id
        self.expected = expected
        self.found = found


class GuardUnavailable(GuardError):
    """No decision was made: Temporal, the API, or every worker did not answer in time. Do not run the tool."""

    code = "GUARD_UNAVAILABLE"

    def __init__(self, message: str, *, reason: str, operation: str, call_id: Optional[str] = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.operation = operation
        self.call_id = call_id


class GuardApprovalError(GuardError):
    """An approval or denial was refused: ``code`` GUARD_ALREADY_DECIDED, GUARD_TIMED_OUT, GUARD_NOT_ESCALATED,
    GUARD_ESCALATION_NOT_FOUND, GUARD_INVALID_APPROVAL, GUARD_FORBIDDEN, GUARD_EDIT_REFUSED, ..."""

    def __init__(self, message: str, *, code: str, escalation_id: Optional[str] = None) -> None:
        super().__init__(message, code=code)
        self.escalation_id = escalation_id
