"""``AsyncGuard`` (asyncio) and ``Guard`` (blocking), over either transport, with the seed's ``guard()``."""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any, Coroutine, Literal, Optional, Protocol, TypeVar, Union

from .errors import GuardInputError
from .http_transport import URL_ENV, HttpTransport
from .limits import check_call
from .result import CallRequest, GuardResult
from .temporal_transport import TemporalTransport

T = TypeVar("T")
TransportName = Literal["temporal", "http"]

DEFAULT_ESCALATION_TIMEOUT = 300.0
DEFAULT_ESCALATION_POLL_INTERVAL = 3.0


class Transport(Protocol):
    async def decide(self, request: CallRequest) -> GuardResult: ...

    async def result(self, escalation_id: str) -> GuardResult: ...

    async def decide_escalation(self, escalation_id: str, payload: dict[str, Any]) -> GuardResult: ...

    async def close(self) -> None: ...


def _transport(transport: Union[TransportName, Transport, None], options: dict[str, Any]) -> Transport:
    if transport is None:
        transport = "http" if (options.get("url") or os.environ.get(URL_ENV)) else "temporal"
    if transport == "http":
        return HttpTransport(**options)
    if transport == "temporal":
        return TemporalTransport(**options)
    if isinstance(transport, str):
        raise GuardInputError(f"transport {transport!r}: use 'temporal' or 'http'")
    return transport


def _approval(decision: str, by: Optional[str], reason: Optional[str], modified_input: Any, groups: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"decision": decision, "by": by or "python"}
    if reason is not None:
        payload["reason"] = reason
    if modified_input is not None:
        payload["modifiedInput"] = modified_input
    if groups is not None:
        payload["groups"] = list(groups)
    return payload


class AsyncGuard:
    """Guards tool calls from asyncio code.

    ``transport`` is ``"temporal"`` (the ``temporalio`` SDK; ``address``, ``namespace``, ``api_key``, ``tls``,
    ``task_queue`` over ``TEMPORAL_*``), ``"http"`` (``url``, ``token``, ``approver_token`` over ``DURABLE_GUARD_URL``,
    ``DURABLE_GUARD_CALLER_TOKEN``, ``DURABLE_GUARD_APPROVER_TOKEN``) or a transport object. Default: ``"http"`` when
    ``DURABLE_GUARD_URL`` is set, else ``"temporal"``.
    """

    def __init__(self, transport: Union[TransportName, Transport, None] = None, **options: Any) -> None:
        self.transport = _transport(transport, options)

    async def guard(
        self,
        tool: str,
        input: dict[str, Any],
        *,
        wait_for_escalation: bool = False,
        escalation_timeout: float = DEFAULT_ESCALATION_TIMEOUT,
        escalation_poll_interval: float = DEFAULT_ESCALATION_POLL_INTERVAL,
        context: Optional[dict[str, Any]] = None,
        call_id: Optional[str] = None,
    ) -> GuardResult:
        """Decides one call; the caller runs the tool itself.

        Returns allow / modify / block, or ``escalate`` with ``escalation_id`` at once; with
        ``wait_for_escalation=True`` it returns when a human decides (allow, or modify with edits) or denies or the
        ``escalation_timeout`` (seconds, the approval window) ends (block). The window is sent only for waited calls:
        a fire-and-forget escalation keeps its rule's window. ``escalation_poll_interval`` is accepted for parity
        with the seed and unused: waiting is Temporal's long poll, no client polling.
        Raises GuardInputError (before anything is sent), GuardCallIdConflict, GuardUnavailable.
        """
        del escalation_poll_interval
        check_call(tool, input, context, call_id)
        if wait_for_escalation and not (isinstance(escalation_timeout, (int, float)) and escalation_timeout > 0):
            raise GuardInputError(f"escalation_timeout must be a positive number of seconds (got {escalation_timeout!r})")
        return await self.transport.decide(
            CallRequest(
                tool=tool,
                input=input,
                context=context,
                call_id=call_id,
                wait=wait_for_escalation,
                escalation_timeout=float(escalation_timeout) if wait_for_escalation else None,
            )
        )

    async def wait_for_result(self, escalation_id: str) -> GuardResult:
        """The final result of a call started earlier (e.g. a fire-and-forget escalation)."""
        return await self.transport.result(escalation_id)

    async def approve(
        self,
        escalation_id: str,
        *,
        by: Optional[str] = None,
        reason: Optional[str] = None,
        modified_input: Optional[dict[str, Any]] = None,
        groups: Optional[list[str]] = None,
    ) -> GuardResult:
        """Approves a pending escalation (optionally with edited input); returns the final result. Over HTTP the
        identity and groups are the approver token's, and ``by``/``groups`` are not sent."""
        return await self.transport.decide_escalation(
            escalation_id, _approval("approve", by, reason, modified_input, groups)
        )

    async def deny(
        self,
        escalation_id: str,
        *,
        by: Optional[str] = None,
        reason: Optional[str] = None,
        groups: Optional[list[str]] = None,
    ) -> GuardResult:
        """Denies a pending escalation; returns the final result (block)."""
        return await self.transport.decide_escalation(escalation_id, _approval("deny", by, reason, None, groups))

    async def close(self) -> None:
        await self.transport.close()


class _LoopThread:
    """One event loop on a daemon thread, so that blocking code can use the asyncio SDKs."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="durable-guard", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()


class Guard:
    """The blocking twin of :class:`AsyncGuard` (same arguments), for code that is not asyncio."""

    def __init__(self, transport: Union[TransportName, Transport, None] = None, **options: Any) -> None:
        self._loop = _LoopThread()
        self.aio = self._loop.run(self._make(transport, options))

    @staticmethod
    async def _make(transport: Any, options: dict[str, Any]) -> AsyncGuard:
        # Created on the loop thread: the transports' clients belong to that loop.
        return AsyncGuard(transport, **options)

    def guard(self, tool: str, input: dict[str, Any], **options: Any) -> GuardResult:
        """See :meth:`AsyncGuard.guard`."""
        return self._loop.run(self.aio.guard(tool, input, **options))

    def wait_for_result(self, escalation_id: str) -> GuardResult:
        return self._loop.run(self.aio.wait_for_result(escalation_id))

    def approve(self, escalation_id: str, **options: Any) -> GuardResult:
        """See :meth:`AsyncGuard.approve`."""
        return self._loop.run(self.aio.approve(escalation_id, **options))

    def deny(self, escalation_id: str, **options: Any) -> GuardResult:
        """See :meth:`AsyncGuard.deny`."""
        return self._loop.run(self.aio.deny(escalation_id, **options))

    def close(self) -> None:
        self._loop.run(self.aio.close())
