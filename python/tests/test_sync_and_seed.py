"""The blocking API, and the seed's example run unchanged but for the import."""

from __future__ import annotations

import durable_guard as st
from durable_guard import Guard

from conftest import API_URL, CALLER_TOKEN


def test_sync_guard_every_action(sync_guard: Guard) -> None:
    assert sync_guard.guard("read_file", {"path": "/x"}).action == "allow"
    assert sync_guard.guard("send_email", {"to": "a"}).modified_input == {"to": "a", "redacted": True}
    assert sync_guard.guard("drop_table", {"table": "t"}).action == "block"
    escalated = sync_guard.guard("process_refund", {"amount": 5000})
    assert escalated.action == "escalate"
    denied = sync_guard.deny(escalated.escalation_id or "", by="alice", groups=["finance"], reason="no")
    assert denied.action == "block"


def run_seed_example(ran: list[object], logged: list[object], queued: list[object]) -> None:
    # The seed's example, line for line; only the import differs.
    run, log, queue_for_human = ran.append, logged.append, queued.append
    original_input = {"amount": 4200, "user_id": "u_42"}
    result = st.guard("process_refund", {"amount": 4200, "user_id": "u_42"})
    match result.action:
        case "allow":
            run(result.modified_input or original_input)
        case "modify":
            run(result.modified_input)
        case "block":
            log(result.reason)
        case "escalate":
            queue_for_human(result.escalation_id)


def test_seed_example_over_both_transports() -> None:
    for transport in ({"transport": "temporal"}, {"transport": "http", "url": API_URL, "token": CALLER_TOKEN}):
        st.configure(**transport)
        ran: list[object] = []
        logged: list[object] = []
        queued: list[object] = []
        run_seed_example(ran, logged, queued)
        assert ran == [] and logged == []
        assert len(queued) == 1 and isinstance(queued[0], str)
        waited = st.guard(
            "process_refund",
            {"amount": 10000},
            wait_for_escalation=True,
            escalation_timeout=1.0,
            escalation_poll_interval=3.0,
        )
        assert waited.action == "block" and "timed out" in (waited.reason or "")
