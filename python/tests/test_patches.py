"""patch_anthropic / patch_openai with the real SDKs pointed at a stand-in provider on 127.0.0.1."""

from __future__ import annotations

import json

import anthropic
import openai
import pytest

from durable_guard import AsyncGuard, Guard, GuardBlocked, guard_summary_of, patch_anthropic, patch_openai


def ask(tool: str, input: dict[str, object]) -> str:
    return json.dumps({"tool": tool, "input": input})


def test_anthropic_sync(sync_guard: Guard, provider_url: str) -> None:
    client = patch_anthropic(anthropic.Anthropic(api_key="test", base_url=provider_url, max_retries=0), sync_guard)
    create = client.messages.create
    allowed = create(model="m", max_tokens=10, messages=[{"role": "user", "content": ask("read_file", {"path": "/a"})}])
    assert allowed.content[1].input == {"path": "/a"}
    modified = create(model="m", max_tokens=10, messages=[{"role": "user", "content": ask("send_email", {"to": "a"})}])
    assert modified.content[1].input == {"to": "a", "redacted": True}
    with pytest.raises(GuardBlocked) as blocked:
        create(model="m", max_tokens=10, messages=[{"role": "user", "content": ask("drop_table", {"table": "t"})}])
    assert blocked.value.tool == "drop_table"
    assert blocked.value.reason == "destructive SQL"
    assert [hit.id for hit in blocked.value.rules_triggered] == ["no-drop"]
    assert blocked.value.escalation_id


async def test_anthropic_async_tool_result_and_pending(guard: AsyncGuard, provider_url: str) -> None:
    client = patch_anthropic(
        anthropic.AsyncAnthropic(api_key="test", base_url=provider_url, max_retries=0),
        guard,
        on_block="tool-result",
        wait_for_escalation=False,
    )
    response = await client.messages.create(
        model="m", max_tokens=10, messages=[{"role": "user", "content": ask("drop_table", {"table": "t"})}]
    )
    assert [block.type for block in response.content] == ["text"]
    summary = guard_summary_of(response)
    assert summary is not None and summary.provider == "anthropic"
    assert summary.tool_results[0]["tool_use_id"] == "toolu_1" and summary.tool_results[0]["is_error"] is True
    assert summary.withheld[0].name == "drop_table"
    held = await client.messages.create(
        model="m", max_tokens=10, messages=[{"role": "user", "content": ask("process_refund", {"amount": 5000})}]
    )
    held_summary = guard_summary_of(held)
    assert held_summary is not None and held_summary.pending[0][1] == "process_refund"
    assert [block.type for block in held.content] == ["text"]


def test_openai_chat_and_responses_sync(sync_guard: Guard, provider_url: str) -> None:
    client = patch_openai(openai.OpenAI(api_key="test", base_url=f"{provider_url}/v1", max_retries=0), sync_guard)
    chat = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": ask("send_email", {"to": "a"})}]
    )
    call = chat.choices[0].message.tool_calls[0]
    assert json.loads(call.function.arguments) == {"to": "a", "redacted": True}
    response = client.responses.create(model="m", input=ask("send_email", {"to": "b"}))
    assert json.loads(response.output[0].arguments) == {"to": "b", "redacted": True}
    with pytest.raises(GuardBlocked):
        client.responses.create(model="m", input=ask("drop_table", {"table": "t"}))


async def test_openai_async_malformed_arguments_block(guard: AsyncGuard, provider_url: str) -> None:
    client = patch_openai(
        openai.AsyncOpenAI(api_key="test", base_url=f"{provider_url}/v1", max_retries=0), guard, on_block="tool-result"
    )
    content = json.dumps({"tool": "read_file", "input": {}, "raw_arguments": "{not json"})
    chat = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": content}])
    assert chat.choices[0].message.tool_calls is None
    summary = guard_summary_of(chat)
    assert summary is not None and "not valid JSON" in (summary.blocked[0].reason or "")
    allowed = await client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": ask("read_file", {"path": "/a"})}]
    )
    assert json.loads(allowed.choices[0].message.tool_calls[0].function.arguments) == {"path": "/a"}
