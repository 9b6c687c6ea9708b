"""The outcome of one guarded call, as the seed's ``guard()`` returns it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Optional

Action = Literal["allow", "block", "modify", "escalate"]


@dataclass(frozen=True)
class RuleHit:
    """One rule that fired; ``mode == "audit"`` is a would-block that let the call through."""

    id: str
    action: Action
    mode: Literal["enforce", "audit"]
    message: Optional[str] = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "RuleHit":
        return cls(id=data["id"], action=data["action"], mode=data["mode"], message=data.get("message"))


@dataclass(frozen=True)
class DecidedBy:
    """Who made the final decision: the policy, a human (``identity``) or the escalation timeout."""

    kind: Literal["policy", "human", "timeout"]
    at: str
    identity: Optional[str] = None


@dataclass(frozen=True)
class CallRequest:
    """One call as a transport sends it; ``escalation_timeout`` (seconds) only for waited calls."""

    tool: str
    input: dict[str, Any]
    context: Optional[dict[str, Any]] = None
    call_id: Optional[str] = None
    wait: bool = False
    escalation_timeout: Optional[float] = None


def _decided_by(by: Optional[Mapping[str, Any]]) -> Optional[DecidedBy]:
    return DecidedBy(kind=by["kind"], at=by["at"], identity=by.get("identity")) if by else None


@dataclass(frozen=True)
class GuardResult:
    """What to do with the call: ``allow`` (run it), ``modify`` (run ``modified_input``), ``block`` (do not run it),
    ``escalate`` (a human must decide; ``escalation_id`` names the wait)."""

    action: Action
    modified_input: Optional[dict[str, Any]] = None
    reason: Optional[str] = None
    rules_triggered: list[RuleHit] = field(default_factory=list)
    escalation_id: Optional[str] = None
    decided_by: Optional[DecidedBy] = None
    fingerprint: Optional[str] = None

    @classmethod
    def from_workflow(cls, data: Mapping[str, Any], call_id: Optional[str] = None) -> "GuardResult":
        """From the ``guardedCall`` workflow's result (camelCase)."""
        return cls(
            action=data["action"],
            modified_input=data.get("modifiedInput"),
            reason=data.get("reason"),
            rules_triggered=[RuleHit.from_json(hit) for hit in data.get("rulesTriggered", [])],
            escalation_id=data.get("escalationId") or call_id,
            decided_by=_decided_by(data.get("decidedBy")),
            fingerprint=data.get("fingerprint"),
        )

    @classmethod
    def from_http(cls, data: Mapping[str, Any]) -> "GuardResult":
        """From an answer of ``POST /v1/guard`` or ``GET /v1/calls/{id}`` (snake_case)."""
        # The same fields as the workflow's result, snake_case.
        camel = {
            "action": data["action"],
            "modifiedInput": data.get("modified_input"),
            "reason": data.get("reason"),
            "rulesTriggered": data.get("rules_triggered", []),
            "escalationId": data.get("escalation_id"),
            "decidedBy": data.get("decided_by"),
            "fingerprint": data.get("fingerprint"),
        }
        return cls.from_workflow(camel)
