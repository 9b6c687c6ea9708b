"""Guarded calls over the HTTP guard endpoint of ``durable-guard api``: ``POST /v1/guard`` with a caller token,
long-polling ``GET /v1/calls/{id}?wait=30s`` while a human decides; approvals through ``/v1/escalations`` with an
approver token (a caller token can never approve)."""

from __future__ import annotations

import os
from typing import Any, Optional
from urllib.parse import quote

import httpx

from .errors import GuardApprovalError, GuardCallIdConflict, GuardError, GuardInputError, GuardUnavailable
from .result import CallRequest, GuardResult

URL_ENV = "DURABLE_GUARD_URL"
CALLER_TOKEN_ENV = "DURABLE_GUARD_CALLER_TOKEN"
APPROVER_TOKEN_ENV = "DURABLE_GUARD_APPROVER_TOKEN"
# The API answers a long poll within 30 s (?wait=30s) and a waited POST within its own bound (25 s by default).
_READ_TIMEOUT_S = 60.0
_APPROVAL_CODES = {
    "GUARD_ESCALATION_NOT_FOUND",
    "GUARD_ALREADY_DECIDED",
    "GUARD_NOT_PENDING",
    "GUARD_NOT_ESCALATED",
    "GUARD_TIMED_OUT",
    "GUARD_FORBIDDEN",
    "GUARD_INVALID_APPROVAL",
    "GUARD_EDIT_REFUSED",
    "GUARD_TOO_MANY_DECISIONS",
}


def _error(response: httpx.Response, call_id: Optional[str]) -> GuardError:
    try:
        body = response.json()["error"]
        code, message = str(body["code"]), str(body["message"])
    except (ValueError, KeyError, TypeError):
        code, message = "GUARD_HTTP", f"HTTP {response.status_code}: {response.text[:200]}"
    if code == "GUARD_INPUT_LIMIT":
        return GuardInputError(message, limit=message.rsplit("limit ", 1)[-1].rstrip(")") if "limit " in message else "")
    if code == "GUARD_INVALID_REQUEST":
        return GuardInputError(message)
    if code == "GUARD_CALL_ID_CONFLICT":
        return GuardCallIdConflict(message, call_id=call_id or "")
    if code == "GUARD_TEMPORAL_UNAVAILABLE":
        return GuardUnavailable(message, reason="unreachable", operation="http", call_id=call_id)
    if code in _APPROVAL_CODES:
        return GuardApprovalError(message, code=code, escalation_id=call_id)
    return GuardError(message, code=code)


class HttpTransport:
    """Talks to the HTTP API. ``url``, ``token`` and ``approver_token`` default to ``DURABLE_GUARD_URL``,
    ``DURABLE_GUARD_CALLER_TOKEN`` and ``DURABLE_GUARD_APPROVER_TOKEN``."""

    def __init__(
        self,
        *,
        url: Optional[str] = None,
        token: Optional[str] = None,
        approver_token: Optional[str] = None,
        unavailable_after: float = 10.0,
    ) -> None:
        base = url or os.environ.get(URL_ENV)
        if not base:
            raise GuardInputError(f"the HTTP transport needs url= or {URL_ENV} (e.g. http://127.0.0.1:8080)")
        self.url = base.rstrip("/")
        self.token = token or os.environ.get(CALLER_TOKEN_ENV)
        self.approver_token = approver_token or os.environ.get(APPROVER_TOKEN_ENV)
        self.unavailable_after = unavailable_after
        self._http: Optional[httpx.AsyncClient] = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.url,
                timeout=httpx.Timeout(_READ_TIMEOUT_S, connect=self.unavailable_after),
            )
        return self._http

    async def _send(
        self, method: str, path: str, token: Optional[str], call_id: Optional[str], body: Optional[dict[str, Any]] = None
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        try:
            response = await self._client().request(method, path, json=body, headers=headers)
        except httpx.TransportError as err:
            raise GuardUnavailable(
                f"the guard API at {self.url} did not answer ({type(err).__name__}: {err}): no decision was made",
                reason="unreachable",
                operation=path,
                call_id=call_id,
            ) from err
        if response.status_code >= 400:
            raise _error(response, call_id)
        return response

    async def decide(self, request: CallRequest) -> GuardResult:
        body: dict[str, Any] = {"tool": request.tool, "input": request.input}
        if request.context is not None:
            body["context"] = request.context
        if request.call_id is not None:
            body["call_id"] = request.call_id
        if request.wait:
            body["wait_for_escalation"] = True
        if request.escalation_timeout is not None:
            body["escalation_timeout"] = request.escalation_timeout
        response = await self._send("POST", "/v1/guard", self.token, request.call_id, body)
        while request.wait and response.status_code == 202:
            response = await self._send("GET", response.headers["location"], self.token, request.call_id)
        return GuardResult.from_http(response.json())

    async def result(self, escalation_id: str) -> GuardResult:
        path = f"/v1/calls/{quote(escalation_id, safe='')}?wait=30s"
        response = await self._send("GET", path, self.token, escalation_id)
        while response.status_code == 202:
            response = await self._send("GET", response.headers.get("location", path), self.token, escalation_id)
        return GuardResult.from_http(response.json())

    async def decide_escalation(self, escalation_id: str, payload: dict[str, Any]) -> GuardResult:
        # Over HTTP the approver's identity and groups come from the token, never from the body.
        if not self.approver_token:
            raise GuardInputError(f"approving over HTTP needs approver_token= or {APPROVER_TOKEN_ENV}")
        body = {key: payload[key] for key in ("reason", "modifiedInput") if key in payload}
        path = f"/v1/escalations/{quote(escalation_id, safe='')}/{payload['decision']}"
        response = await self._send("POST", path, self.approver_token, escalation_id, body)
        return GuardResult.from_workflow(response.json(), escalation_id)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
