"""Fixtures: the dev server, worker and API that test/integration/python-client.test.ts started, and a stand-in
model provider on 127.0.0.1 for the real ``anthropic`` and ``openai`` SDKs."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, AsyncIterator, Iterator

import pytest

from durable_guard import AsyncGuard, Guard

REQUIRED = ["TEMPORAL_ADDRESS", "DURABLE_GUARD_TASK_QUEUE", "DG_PY_API_URL", "DG_PY_CALLER_TOKEN", "DG_PY_APPROVER_TOKEN"]


def pytest_configure(config: pytest.Config) -> None:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        raise pytest.UsageError(
            f"{', '.join(missing)} not set: run these tests through `npx jest test/integration/python-client.test.ts`"
        )


API_URL = os.environ.get("DG_PY_API_URL", "")
CALLER_TOKEN = os.environ.get("DG_PY_CALLER_TOKEN", "")
# The caller token's identity: over HTTP the API sets it as the call's context.caller.
CALLER_ID = os.environ.get("DG_PY_CALLER_ID", "")
APPROVER_TOKEN = os.environ.get("DG_PY_APPROVER_TOKEN", "")
# How long a client waits before saying Temporal or the API is unavailable: the 10 s default is for production;
# a loaded CI machine can take longer than that to answer (test_unavailable_is_never_a_decision sets its own).
UNAVAILABLE_AFTER = 60.0


def make_async_guard(transport: str) -> AsyncGuard:
    if transport == "http":
        return AsyncGuard(
            "http", url=API_URL, token=CALLER_TOKEN, approver_token=APPROVER_TOKEN, unavailable_after=UNAVAILABLE_AFTER
        )
    return AsyncGuard("temporal", unavailable_after=UNAVAILABLE_AFTER)


@pytest.fixture(params=["temporal", "http"], scope="session")
async def guard(request: pytest.FixtureRequest) -> AsyncIterator[AsyncGuard]:
    client = make_async_guard(request.param)
    yield client
    await client.close()


@pytest.fixture(params=["temporal", "http"], scope="session")
def sync_guard(request: pytest.FixtureRequest) -> Iterator[Guard]:
    if request.param == "http":
        client = Guard(
            "http", url=API_URL, token=CALLER_TOKEN, approver_token=APPROVER_TOKEN, unavailable_after=UNAVAILABLE_AFTER
        )
    else:
        client = Guard("temporal", unavailable_after=UNAVAILABLE_AFTER)
    yield client
    client.close()


class _Provider(BaseHTTPRequestHandler):
    """Answers like the providers: one tool call whose tool and input are the JSON text of the last user message."""

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if self.path.endswith("/responses"):
            ask = json.loads(body["input"] if isinstance(body["input"], str) else body["input"][-1]["content"])
        else:
            ask = json.loads(body["messages"][-1]["content"])
        arguments = ask.get("raw_arguments", json.dumps(ask["input"]))
        if self.path.endswith("/messages"):
            answer: dict[str, Any] = {
                "id": "msg_1", "type": "message", "role": "assistant", "model": body["model"],
                "content": [
                    {"type": "text", "text": "calling the tool"},
                    {"type": "tool_use", "id": "toolu_1", "name": ask["tool"], "input": ask["input"]},
                ],
                "stop_reason": "tool_use", "stop_sequence": None,
                "usage": {"input_tokens": 1, "output_tokens": 1},
            }
        elif self.path.endswith("/chat/completions"):
            answer = {
                "id": "chatcmpl_1", "object": "chat.completion", "created": 0, "model": body["model"],
                "choices": [{
                    "index": 0, "finish_reason": "tool_calls",
                    "message": {"role": "assistant", "content": None, "tool_calls": [
                        {"id": "call_1", "type": "function", "function": {"name": ask["tool"], "arguments": arguments}},
                    ]},
                }],
            }
        else:
            answer = {
                "id": "resp_1", "object": "response", "created_at": 0, "model": body["model"], "status": "completed",
                "output": [{"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": ask["tool"],
                            "arguments": arguments, "status": "completed"}],
                "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
            }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="session")
def provider_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
