"""Every action over both transports, waited and fire-and-forget escalations, the timeout, call IDs, limits."""

from __future__ import annotations

import asyncio
import os
import uuid

import httpx
import pytest

from durable_guard import (
    AsyncGuard,
    GuardApprovalError,
    GuardCallIdConflict,
    GuardInputError,
    GuardUnavailable,
    call_fingerprint,
)

from conftest import API_URL, APPROVER_TOKEN, CALLER_ID, CALLER_TOKEN


async def test_allow(guard: AsyncGuard, request: pytest.FixtureRequest) -> None:
    result = await guard.guard("read_file", {"path": "/tmp/a"})
    assert result.action == "allow"
    assert result.modified_input is None
    assert result.rules_triggered == []
    assert result.escalation_id and result.escalation_id.startswith("guard-")
    # Over HTTP the API puts the caller token's identity into the context, and so into the fingerprint.
    context = {"caller": CALLER_ID} if request.node.callspec.params["guard"] == "http" else None
    assert result.fingerprint == call_fingerprint("read_file", {"path": "/tmp/a"}, context)
    assert result.decided_by is not None and result.decided_by.kind == "policy"


async def test_modify(guard: AsyncGuard) -> None:
    result = await guard.guard("send_email", {"to": "a@example.com", "body": "hi"})
    assert result.action == "modify"
    assert result.modified_input == {"to": "a@example.com", "body": "hi", "redacted": True}
    assert [hit.id for hit in result.rules_triggered] == ["pii"]


async def test_block(guard: AsyncGuard) -> None:
    result = await guard.guard("drop_table", {"table": "users"})
    assert result.action == "block"
    assert result.reason == "destructive SQL"
    assert result.rules_triggered[0].id == "no-drop" and result.rules_triggered[0].mode == "enforce"


async def test_fire_and_forget_escalation_then_approve(guard: AsyncGuard) -> None:
    result = await guard.guard("process_refund", {"amount": 4200, "user_id": "u_42"})
    assert result.action == "escalate"
    assert result.reason == "refund over 1000"
    assert result.escalation_id
    approved = await approve_when_pending(guard, result.escalation_id, reason="ok")
    assert approved.action == "allow"
    final = await guard.wait_for_result(result.escalation_id)
    assert final.action == "allow"
    assert final.decided_by is not None and final.decided_by.kind == "human"
    assert final.decided_by.identity == "alice"


async def approve_when_pending(guard: AsyncGuard, escalation_id: str, **options: object):
    # Over Temporal the identity is the `by` sent; over HTTP it is the approver token's (alice).
    for _ in range(100):
        try:
            return await guard.approve(escalation_id, by="alice", groups=["finance"], **options)  # type: ignore[arg-type]
        except GuardApprovalError as err:
            if err.code not in ("GUARD_NOT_PENDING", "GUARD_ESCALATION_NOT_FOUND"):
                raise
            await asyncio.sleep(0.1)
    raise AssertionError(f"{escalation_id} never became pending")


async def test_waited_escalation_approved_with_edits(guard: AsyncGuard) -> None:
    call_id = f"py-wait-{uuid.uuid4()}"
    waiting = asyncio.create_task(
        guard.guard("process_refund", {"amount": 10000}, call_id=call_id, wait_for_escalation=True)
    )
    await asyncio.sleep(1.5)  # past the API's 1 s wait: the HTTP transport is long-polling /v1/calls by now
    assert not waiting.done()
    await approve_when_pending(guard, call_id, modified_input={"amount": 900})
    result = await waiting
    assert result.action == "modify"
    assert result.modified_input == {"amount": 900}
    assert result.escalation_id == call_id


async def test_waited_escalation_denied(guard: AsyncGuard) -> None:
    call_id = f"py-deny-{uuid.uuid4()}"
    waiting = asyncio.create_task(
        guard.guard("process_refund", {"amount": 10000}, call_id=call_id, wait_for_escalation=True)
    )
    for _ in range(100):
        try:
            denied = await guard.deny(call_id, by="alice", groups=["finance"], reason="over budget")
            break
        except GuardApprovalError as err:
            if err.code not in ("GUARD_NOT_PENDING", "GUARD_ESCALATION_NOT_FOUND"):
                raise
            await asyncio.sleep(0.1)
    assert denied.action == "block"
    result = await waiting
    assert result.action == "block"
    assert result.reason == "over budget"
    with pytest.raises(GuardApprovalError) as again:
        await guard.approve(call_id, by="alice", groups=["finance"])
    assert again.value.code == "GUARD_ALREADY_DECIDED"


async def test_waited_escalation_times_out(guard: AsyncGuard) -> None:
    result = await guard.guard("process_refund", {"amount": 7}, wait_for_escalation=True, escalation_timeout=1.0)
    assert result.action == "block"
    assert result.decided_by is not None and result.decided_by.kind == "timeout"
    assert "timed out" in (result.reason or "")


async def test_same_call_id_same_decision_and_conflict(guard: AsyncGuard) -> None:
    call_id = f"py-id-{uuid.uuid4()}"
    first = await guard.guard("send_email", {"to": "x@example.com"}, call_id=call_id)
    again = await guard.guard("send_email", {"to": "x@example.com"}, call_id=call_id)
    assert again == first
    with pytest.raises(GuardCallIdConflict) as conflict:
        await guard.guard("send_email", {"to": "other@example.com"}, call_id=call_id)
    assert conflict.value.code == "GUARD_CALL_ID_CONFLICT"


async def test_input_limits_refused_before_sending(guard: AsyncGuard) -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(70):
        node["a"] = {}
        node = node["a"]  # type: ignore[assignment]
    with pytest.raises(GuardInputError) as err:
        await guard.guard("read_file", deep)
    assert err.value.limit == "input.maxDepth"
    with pytest.raises(GuardInputError):
        await guard.guard("read file", {})
    with pytest.raises(GuardInputError):
        await guard.guard("read_file", {}, call_id="bad id")


async def test_unknown_escalation(guard: AsyncGuard) -> None:
    with pytest.raises(GuardApprovalError) as err:
        await guard.approve(f"guard-missing-{uuid.uuid4()}", by="alice")
    assert err.value.code == "GUARD_ESCALATION_NOT_FOUND"


async def test_unavailable_is_never_a_decision() -> None:
    port = os.environ["DG_PY_CLOSED_PORT"]
    for client in (
        AsyncGuard("temporal", address=f"127.0.0.1:{port}", unavailable_after=1.0),
        AsyncGuard("http", url=f"http://127.0.0.1:{port}", token=CALLER_TOKEN, unavailable_after=1.0),
    ):
        with pytest.raises(GuardUnavailable) as err:
            await client.guard("read_file", {"path": "/tmp/a"})
        assert err.value.reason == "unreachable"
        await client.close()


async def test_http_endpoint_contract() -> None:
    # httpx's default 5 s would fail a slow answer on a loaded machine; the API's own bounds are what is tested.
    async with httpx.AsyncClient(base_url=API_URL, timeout=60.0) as http:
        caller = {"authorization": f"Bearer {CALLER_TOKEN}"}
        approver = {"authorization": f"Bearer {APPROVER_TOKEN}"}
        # Caller tokens ask, approver tokens decide: neither does the other's job.
        assert (await http.post("/v1/guard", json={"tool": "read_file", "input": {}}, headers=approver)).status_code == 401
        escalated = (await http.post("/v1/guard", json={"tool": "process_refund", "input": {"amount": 1}}, headers=caller)).json()
        assert escalated["action"] == "escalate" and escalated["status"] == "pending"
        refused = await http.post(f"/v1/escalations/{escalated['escalation_id']}/approve", json={}, headers=caller)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "GUARD_UNAUTHORIZED"
        pending = await http.get(f"/v1/calls/{escalated['escalation_id']}", headers=caller)
        assert pending.status_code == 202
        assert pending.headers["location"] == f"/v1/calls/{escalated['escalation_id']}?wait=30s"
        # The same limits and error contract as the rest of the API.
        deep: dict[str, object] = {}
        node = deep
        for _ in range(70):
            node["a"] = {}
            node = node["a"]  # type: ignore[assignment]
        too_deep = await http.post("/v1/guard", json={"tool": "read_file", "input": deep}, headers=caller)
        assert too_deep.status_code == 400 and too_deep.json()["error"]["code"] == "GUARD_INPUT_LIMIT"
        unknown = await http.post("/v1/guard", json={"tool": "read_file", "input": {}, "extra": 1}, headers=caller)
        assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "GUARD_INVALID_REQUEST"
        missing = await http.get("/v1/calls/guard-nope?wait=1s", headers=caller)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "GUARD_ESCALATION_NOT_FOUND"
        too_long = await http.get("/v1/calls/guard-nope?wait=5m", headers=caller)
        assert too_long.status_code == 400
        spec = (await http.get("/openapi.json")).json()
        assert "/v1/guard" in spec["paths"] and "/v1/calls/{id}" in spec["paths"]
