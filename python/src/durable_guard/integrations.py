"""``patch_anthropic`` / ``patch_openai``: every tool call a model proposes is guarded before the agent loop sees
it, as src/integrations does for TypeScript. Modify rewrites the call in place; block raises :class:`GuardBlocked`
(or, with ``on_block="tool-result"``, withholds the call and leaves an error tool result in the summary);
an escalation waits for the human by default, or is withheld and listed in ``pending``."""

from __future__ import annotations

import asyncio
import functools
import json
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Optional, Union

from .client import AsyncGuard, Guard
from .errors import GuardBlocked, GuardInputError
from .fingerprint import call_fingerprint
from .result import GuardResult

OnBlock = Literal["raise", "tool-result"]
Provider = Literal["anthropic", "openai-chat", "openai-responses"]


@dataclass
class GuardSummary:
    """What the guard did to one response."""

    provider: Provider
    results: list[tuple[str, str, GuardResult]] = field(default_factory=list)  # (tool call ID, tool, result)
    blocked: list[GuardBlocked] = field(default_factory=list)
    pending: list[tuple[str, str, str]] = field(default_factory=list)  # (tool call ID, tool, escalation ID)
    tool_results: list[dict[str, Any]] = field(default_factory=list)
    withheld: list[Any] = field(default_factory=list)


# Keyed by id(): the SDKs' pydantic models are not hashable. The entry goes when the response does.
_summaries: dict[int, GuardSummary] = {}


def _remember(response: Any, summary: GuardSummary) -> None:
    _summaries[id(response)] = summary
    weakref.finalize(response, _summaries.pop, id(response), None)


def guard_summary_of(response: Any) -> Optional[GuardSummary]:
    """The summary of a response returned by a patched client, or None."""
    return _summaries.get(id(response))


@dataclass
class _Call:
    item: Any
    tool_call_id: str
    tool: str
    input: Optional[dict[str, Any]]
    problem: Optional[str] = None


def _parse_arguments(tool: str, tool_call_id: str, arguments: Any) -> tuple[Optional[dict[str, Any]], Optional[str]]:
    try:
        value = json.loads(arguments) if isinstance(arguments, str) else arguments
    except ValueError as err:
        return None, f"the arguments of tool call '{tool}' ({tool_call_id}) are not valid JSON ({err})"
    if not isinstance(value, dict):
        return None, f"the arguments of tool call '{tool}' ({tool_call_id}) are not a JSON object"
    return value, None


def _anthropic_calls(response: Any) -> list[_Call]:
    return [
        _Call(block, block.id, block.name, block.input if isinstance(block.input, dict) else None,
              None if isinstance(block.input, dict) else "the tool_use input is not an object")
        for block in getattr(response, "content", None) or []
        if getattr(block, "type", None) == "tool_use"
    ]


def _chat_calls(response: Any) -> list[_Call]:
    calls = []
    for choice in getattr(response, "choices", None) or []:
        for tool_call in getattr(choice.message, "tool_calls", None) or []:
            if getattr(tool_call, "type", None) != "function":
                continue
            value, problem = _parse_arguments(tool_call.function.name, tool_call.id, tool_call.function.arguments)
            calls.append(_Call(tool_call, tool_call.id, tool_call.function.name, value, problem))
    return calls


def _responses_calls(response: Any) -> list[_Call]:
    calls = []
    for item in getattr(response, "output", None) or []:
        if getattr(item, "type", None) == "function_call":
            value, problem = _parse_arguments(item.name, item.call_id, item.arguments)
            calls.append(_Call(item, item.call_id, item.name, value, problem))
    return calls


def _rewrite(provider: Provider, call: _Call, modified: dict[str, Any]) -> None:
    if provider == "anthropic":
        call.item.input = modified
    elif provider == "openai-chat":
        call.item.function.arguments = json.dumps(modified)
    else:
        call.item.arguments = json.dumps(modified)


def _tool_result(provider: Provider, call_id: str, text: str) -> dict[str, Any]:
    if provider == "anthropic":
        return {"type": "tool_result", "tool_use_id": call_id, "content": text, "is_error": True}
    if provider == "openai-chat":
        return {"role": "tool", "tool_call_id": call_id, "content": text}
    return {"type": "function_call_output", "call_id": call_id, "output": text}


def _withhold(provider: Provider, response: Any, items: list[Any]) -> None:
    if not items:
        return
    ids = {id(item) for item in items}
    if provider == "anthropic":
        response.content = [block for block in response.content if id(block) not in ids]
    elif provider == "openai-chat":
        for choice in response.choices:
            kept = [tc for tc in choice.message.tool_calls or [] if id(tc) not in ids]
            choice.message.tool_calls = kept or None
    else:
        response.output = [item for item in response.output if id(item) not in ids]


class _Options:
    def __init__(self, wait_for_escalation: bool, escalation_timeout: float, on_block: OnBlock,
                 context: Optional[dict[str, Any]], call_id_prefix: Optional[str]) -> None:
        if on_block not in ("raise", "tool-result"):
            raise GuardInputError(f"on_block {on_block!r}: use 'raise' or 'tool-result'")
        self.wait_for_escalation = wait_for_escalation
        self.escalation_timeout = escalation_timeout
        self.on_block = on_block
        self.context = context
        self.call_id_prefix = call_id_prefix

    def kwargs(self, call: _Call) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "wait_for_escalation": self.wait_for_escalation,
            "escalation_timeout": self.escalation_timeout,
            "context": self.context,
        }
        if self.call_id_prefix is not None and call.input is not None:
            digest = call_fingerprint(call.tool, call.input, self.context)[:16]
            kwargs["call_id"] = f"{self.call_id_prefix}{call.tool_call_id}-{digest}"
        return kwargs


def _apply(provider: Provider, response: Any, calls: list[_Call], results: list[GuardResult], options: _Options) -> Any:
    summary = GuardSummary(provider)
    withheld = []
    for call, result in zip(calls, results):
        summary.results.append((call.tool_call_id, call.tool, result))
        if result.action == "modify" and result.modified_input is not None:
            _rewrite(provider, call, result.modified_input)
        elif result.action == "block":
            blocked = GuardBlocked(call.tool, result.reason, result.rules_triggered, result.escalation_id)
            summary.blocked.append(blocked)
            withheld.append(call.item)
            text = f"durable-guard blocked this call to {call.tool}: {blocked}. It did not run; do not retry it unchanged."
            summary.tool_results.append(_tool_result(provider, call.tool_call_id, text))
        elif result.action == "escalate":
            summary.pending.append((call.tool_call_id, call.tool, result.escalation_id or ""))
            withheld.append(call.item)
            text = f"durable-guard is holding this call to {call.tool} for human approval (escalation {result.escalation_id}). It has not run yet."
            summary.tool_results.append(_tool_result(provider, call.tool_call_id, text))
    if summary.blocked and options.on_block == "raise":
        raise summary.blocked[0]
    _withhold(provider, response, withheld)
    summary.withheld = withheld
    _remember(response, summary)
    return response


def _malformed(call: _Call) -> GuardResult:
    return GuardResult(action="block", reason=call.problem or "the call has no usable input")


def _wrap(owner: Any, name: str, provider: Provider, extract: Callable[[Any], list[_Call]],
          guard: Union[Guard, AsyncGuard], options: _Options) -> None:
    original = getattr(owner, name)

    def refuse_stream(kwargs: dict[str, Any]) -> None:
        if kwargs.get("stream"):
            raise GuardInputError("a patched client guards whole responses: call it without stream=True")

    # The SDKs' async methods are wrapped by decorators that hide that they are coroutine functions: the guard's
    # kind says which loop the client runs on.
    if isinstance(guard, AsyncGuard):
        async_guard = guard

        @functools.wraps(original)
        async def guarded_async(*args: Any, **kwargs: Any) -> Any:
            refuse_stream(kwargs)
            response = await original(*args, **kwargs)
            calls = extract(response)

            async def one(call: _Call) -> GuardResult:
                if call.input is None:
                    return _malformed(call)
                return await async_guard.guard(call.tool, call.input, **options.kwargs(call))

            results = list(await asyncio.gather(*(one(call) for call in calls)))
            return _apply(provider, response, calls, results, options)

        setattr(owner, name, guarded_async)
    else:
        sync_guard = guard

        @functools.wraps(original)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            refuse_stream(kwargs)
            response = original(*args, **kwargs)
            calls = extract(response)
            results = [
                _malformed(call) if call.input is None else sync_guard.guard(call.tool, call.input, **options.kwargs(call))
                for call in calls
            ]
            return _apply(provider, response, calls, results, options)

        setattr(owner, name, guarded)


def _default_guard(client: Any) -> Union[Guard, AsyncGuard]:
    from . import _defaults

    # anthropic.AsyncAnthropic, openai.AsyncOpenAI (and their Azure / Bedrock kin) are the asyncio clients.
    return _defaults.async_guard() if type(client).__name__.startswith("Async") else _defaults.sync_guard()


def patch_anthropic(
    client: Any,
    guard: Union[Guard, AsyncGuard, None] = None,
    *,
    wait_for_escalation: bool = True,
    escalation_timeout: float = 300.0,
    on_block: OnBlock = "raise",
    context: Optional[dict[str, Any]] = None,
    call_id_prefix: Optional[str] = None,
) -> Any:
    """Guards every ``tool_use`` block ``client.messages.create`` returns (``anthropic.Anthropic`` with a
    :class:`Guard`, ``anthropic.AsyncAnthropic`` with an :class:`AsyncGuard`). Returns the client."""
    options = _Options(wait_for_escalation, escalation_timeout, on_block, context, call_id_prefix)
    messages = client.messages
    _wrap(messages, "create", "anthropic", _anthropic_calls, guard or _default_guard(client), options)
    return client


def patch_openai(
    client: Any,
    guard: Union[Guard, AsyncGuard, None] = None,
    *,
    wait_for_escalation: bool = True,
    escalation_timeout: float = 300.0,
    on_block: OnBlock = "raise",
    context: Optional[dict[str, Any]] = None,
    call_id_prefix: Optional[str] = None,
) -> Any:
    """Guards the function tool calls of ``client.chat.completions.create`` and ``client.responses.create``
    (``openai.OpenAI`` with a :class:`Guard`, ``openai.AsyncOpenAI`` with an :class:`AsyncGuard`). Returns the client."""
    options = _Options(wait_for_escalation, escalation_timeout, on_block, context, call_id_prefix)
    completions = client.chat.completions
    chosen = guard or _default_guard(client)
    _wrap(completions, "create", "openai-chat", _chat_calls, chosen, options)
    _wrap(client.responses, "create", "openai-responses", _responses_calls, chosen, options)
    return client
