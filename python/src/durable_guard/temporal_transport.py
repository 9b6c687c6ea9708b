"""Guarded calls straight through Temporal, exactly as ``GuardClient`` (src/client/guard-client.ts) makes them: the
``guardedCall`` workflow started with ID conflict policy USE_EXISTING and reuse policy REJECT_DUPLICATE, the
``GuardTool`` and ``GuardFingerprint`` search attributes, the ``policyDecision`` update for the decision and the
``decide`` update for approvals. Waiting is Temporal's long poll on the workflow result."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any, Optional, Union

import temporalio.converter
from temporalio.api.enums.v1 import PendingWorkflowTaskState
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

from .codec import AesGcmCodec, load_codec_keys
from .config import connect_config, task_queue_from_env
from .errors import GuardApprovalError, GuardCallIdConflict, GuardError, GuardUnavailable
from .fingerprint import call_fingerprint
from .result import CallRequest, GuardResult

GUARDED_CALL = "guardedCall"
POLICY_DECISION_UPDATE = "policyDecision"
DECIDE_UPDATE = "decide"
GUARD_TOOL = SearchAttributeKey.for_keyword("GuardTool")
GUARD_FINGERPRINT = SearchAttributeKey.for_keyword("GuardFingerprint")
GUARD_STATUS = SearchAttributeKey.for_keyword("GuardStatus")
_TRANSPORT_FAILURES = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)


def _is_transport_failure(err: BaseException) -> bool:
    if isinstance(err, WorkflowUpdateRPCTimeoutOrCancelledError):
        return True
    return isinstance(err, RPCError) and err.status in _TRANSPORT_FAILURES



_TASK_FAILURE_ATTEMPTS = 5


def _is_update_task_failure(err: BaseException) -> bool:
    """Temporal's answer to an update whose workflow task failed under it: the update was never applied."""
    return (
        isinstance(err, RPCError)
        and err.status == RPCStatusCode.FAILED_PRECONDITION
        and "unexpected workflow task failure" in str(err).lower()
    )


async def _retrying_task_failures(send: Any) -> Any:
    """Sends an update (fixed ID) again, a few times, while the workflow task carrying it failed (as the TypeScript
    client does: e.g. an escalation's grant lookup completing under the task that decides the call)."""
    for attempt in range(1, _TASK_FAILURE_ATTEMPTS + 1):
        try:
            return await send()
        except RPCError as err:
            if attempt == _TASK_FAILURE_ATTEMPTS or not _is_update_task_failure(err):
                raise
            await asyncio.sleep(0.1 * attempt)
    raise AssertionError("unreachable")

class TemporalTransport:
    """Talks to Temporal with the ``temporalio`` SDK. Anything not given comes from the environment."""

    def __init__(
        self,
        *,
        address: Optional[str] = None,
        namespace: Optional[str] = None,
        api_key: Optional[str] = None,
        tls: Union[bool, TLSConfig, None] = None,
        task_queue: Optional[str] = None,
        unavailable_after: float = 10.0,
        client: Optional[Client] = None,
    ) -> None:
        self._options = dict(address=address, namespace=namespace, api_key=api_key, tls=tls)
        self.task_queue = task_queue_from_env(task_queue)
        self.unavailable_after = unavailable_after
        self._client = client
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        """The Temporal client, connected on first use with the codec of ``DURABLE_GUARD_CODEC_KEYS`` if set."""
        async with self._lock:
            if self._client is None:
                config = connect_config(**self._options)  # type: ignore[arg-type]
                keys = load_codec_keys()
                converter = temporalio.converter.default()
                if keys:
                    converter = temporalio.converter.DataConverter(payload_codec=AesGcmCodec(keys))
                try:
                    self._client = await asyncio.wait_for(
                        Client.connect(**config, data_converter=converter), self.unavailable_after
                    )
                except (asyncio.TimeoutError, RuntimeError) as err:
                    raise GuardUnavailable(
                        f"Temporal at {config['target_host']} did not answer within {self.unavailable_after} s: {err}",
                        reason="unreachable",
                        operation="connect",
                    ) from err
            return self._client

    def _rpc_timeout(self) -> timedelta:
        return timedelta(seconds=self.unavailable_after)

    async def decide(self, request: CallRequest) -> GuardResult:
        tool, input, context, call_id = request.tool, request.input, request.context, request.call_id
        escalation_timeout = request.escalation_timeout
        client = await self.client()
        call: dict[str, Any] = {"tool": tool, "input": input}
        if context is not None:
            call["context"] = context
        if escalation_timeout is not None:
            call["escalationTimeoutMs"] = round(escalation_timeout * 1000)
        fingerprint = call_fingerprint(tool, input, context)
        workflow_id = call_id or f"guard-{uuid.uuid4()}"
        try:
            handle: WorkflowHandle[Any, Any] = await client.start_workflow(
                GUARDED_CALL,
                call,
                id=workflow_id,
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=TypedSearchAttributes(
                    [SearchAttributePair(GUARD_TOOL, tool), SearchAttributePair(GUARD_FINGERPRINT, fingerprint)]
                ),
                static_summary=f"guard `{tool}`",
                rpc_timeout=self._rpc_timeout(),
            )
        except WorkflowAlreadyStartedError:
            # The same call_id was used and has completed: its result is the answer, never a second run.
            handle = client.get_workflow_handle(workflow_id)
        except RPCError as err:
            raise self._unavailable(err, "start", call_id) if _is_transport_failure(err) else err
        if call_id is not None:
            await self._assert_same_call(handle, fingerprint)
        if request.wait:
            return await self.result(handle.id)
        update_id = str(uuid.uuid4())
        try:
            data = await _retrying_task_failures(
                lambda: self._bounded(
                    lambda timeout: handle.execute_update(POLICY_DECISION_UPDATE, id=update_id, rpc_timeout=timeout),
                    handle,
                    "decision",
                )
            )
        except (WorkflowUpdateFailedError, RPCError):
            # The decision-only workflow may have completed before the update reached it: its result is the answer.
            if await self._closed(handle):
                return await self.result(handle.id)
            raise
        return GuardResult.from_workflow(data, handle.id)

    async def result(self, escalation_id: str) -> GuardResult:
        """The call's final result (long poll)."""
        client = await self.client()
        try:
            data = await client.get_workflow_handle(escalation_id).result()
        except WorkflowFailureError as err:
            cause = err.cause
            code = cause.type if isinstance(cause, ApplicationError) and cause.type else "GUARD_FAILED"
            raise GuardError(f"call {escalation_id} failed: {cause}", code=code) from err
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise self._not_found(escalation_id) from err
            raise self._unavailable(err, "result", escalation_id) if _is_transport_failure(err) else err
        return GuardResult.from_workflow(data, escalation_id)

    async def decide_escalation(self, escalation_id: str, payload: dict[str, Any]) -> GuardResult:
        """Sends the ``decide`` update (approve or deny) and returns the final result."""
        client = await self.client()
        handle = client.get_workflow_handle(escalation_id)
        update_id = str(uuid.uuid4())
        try:
            data = await _retrying_task_failures(
                lambda: self._bounded(
                    lambda timeout: handle.execute_update(DECIDE_UPDATE, payload, id=update_id, rpc_timeout=timeout),
                    handle,
                    payload["decision"],
                )
            )
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and (cause.type or "").startswith("GUARD_"):
                code = "GUARD_FORBIDDEN" if cause.type == "GUARD_APPROVER_NOT_ALLOWED" else cause.type
                raise GuardApprovalError(cause.message, code=code or "", escalation_id=escalation_id) from err
            raise await self._explain_closed(handle, err) from err
        except RPCError as err:
            # NOT_FOUND also answers an update sent to a closed call: describe tells which.
            raise await self._explain_closed(handle, err) from err
        return GuardResult.from_workflow(data, escalation_id)

    async def _bounded(self, request: Any, handle: WorkflowHandle[Any, Any], operation: str) -> Any:
        """The first attempt is bounded; when it runs out, one look tells a missing worker from a busy one."""
        try:
            return await request(self._rpc_timeout())
        except (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError) as err:
            if not _is_transport_failure(err):
                raise
            late = err
        try:
            description = await handle.describe(rpc_timeout=timedelta(seconds=2))
        except RPCError as err:
            raise self._unavailable(err, operation, handle.id) from late
        task = description.raw_description.pending_workflow_task
        if description.raw_description.HasField("pending_workflow_task") and (
            task.state == PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED
        ):
            raise GuardUnavailable(
                f"no worker took call {handle.id} on task queue {self.task_queue} within {self.unavailable_after} s: "
                "start a worker (durable-guard worker)",
                reason="no-worker",
                operation=operation,
                call_id=handle.id,
            ) from late
        return await request(None)

    async def _closed(self, handle: WorkflowHandle[Any, Any]) -> bool:
        return (await handle.describe()).status != WorkflowExecutionStatus.RUNNING

    async def _assert_same_call(self, handle: WorkflowHandle[Any, Any], expected: str) -> None:
        description = await handle.describe()
        found = description.typed_search_attributes.get(GUARD_FINGERPRINT)
        if found is None:
            # A plain start still deciding, or one from before fingerprints: compare its start input.
            async for event in handle.fetch_history_events():
                payloads = event.workflow_execution_started_event_attributes.input.payloads
                client = await self.client()
                [call] = await client.data_converter.decode(payloads[:1], [dict])
                try:
                    found = call_fingerprint(call["tool"], call["input"], call.get("context"), call.get("toolSchema"))
                except (KeyError, TypeError):
                    found = "invalid-call"
                break
        if found != expected:
            raise GuardCallIdConflict(
                f"callId {handle.id} is already used by a different call (fingerprint {found}, this call {expected}): "
                "use a new call_id for a new call",
                call_id=handle.id,
                expected=expected,
                found=found,
            )

    async def _explain_closed(self, handle: WorkflowHandle[Any, Any], original: BaseException) -> BaseException:
        escalation_id = handle.id
        try:
            description = await handle.describe()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return self._not_found(escalation_id)
            return original
        if description.status == WorkflowExecutionStatus.RUNNING:
            # Started after the update was refused as unknown: still no decision to explain.
            not_found = isinstance(original, RPCError) and original.status == RPCStatusCode.NOT_FOUND
            return self._not_found(escalation_id) if not_found else original
        result = GuardResult.from_workflow(await handle.result(), escalation_id)
        by = result.decided_by
        if by is not None and by.kind == "timeout":
            return GuardApprovalError(
                f"escalation {escalation_id} timed out at {by.at}: {result.reason}", code="GUARD_TIMED_OUT",
                escalation_id=escalation_id,
            )
        if by is not None and by.kind == "human":
            verb = "denied" if result.action == "block" else "approved"
            return GuardApprovalError(
                f"escalation {escalation_id} was already {verb} by {by.identity} at {by.at}",
                code="GUARD_ALREADY_DECIDED", escalation_id=escalation_id,
            )
        return GuardApprovalError(
            f"call {escalation_id} was not escalated: the policy decided {result.action}",
            code="GUARD_NOT_ESCALATED", escalation_id=escalation_id,
        )

    @staticmethod
    def _not_found(escalation_id: str) -> GuardApprovalError:
        return GuardApprovalError(
            f"no guarded call with ID {escalation_id}", code="GUARD_ESCALATION_NOT_FOUND", escalation_id=escalation_id
        )

    def _unavailable(self, err: BaseException, operation: str, call_id: Optional[str]) -> GuardUnavailable:
        return GuardUnavailable(
            f"Temporal did not answer {operation} within {self.unavailable_after} s ({err}): no decision was made",
            reason="unreachable",
            operation=operation,
            call_id=call_id,
        )

    async def close(self) -> None:
        self._client = None
