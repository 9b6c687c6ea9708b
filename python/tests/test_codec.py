"""The AES-GCM codec across languages: a Python client with ``DURABLE_GUARD_CODEC_KEYS`` against the TypeScript worker
that encrypts (test/integration/python-client.test.ts starts it), the same keys in the other order on each side, and
what Temporal stores is ciphertext."""

from __future__ import annotations

import base64
import os
import uuid

import pytest
from temporalio.client import Client

from durable_guard import AsyncGuard
from durable_guard.codec import CODEC_KEYS_ENV, ENCRYPTED_ENCODING, KEY_ID_KEY, load_codec_keys
from durable_guard.config import ConfigError

from conftest import UNAVAILABLE_AFTER

CODEC_TASK_QUEUE = os.environ.get("DG_PY_CODEC_TASK_QUEUE", "")
CODEC_KEYS = os.environ.get("DG_PY_CODEC_KEYS", "")


def key_ids() -> list[str]:
    return [entry.split(":", 1)[0] for entry in CODEC_KEYS.split(",")]


async def test_an_encrypted_call_is_decided_by_the_typescript_worker_and_temporal_stores_ciphertext(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert CODEC_TASK_QUEUE and CODEC_KEYS, "run through npx jest test/integration/python-client.test.ts"
    monkeypatch.setenv(CODEC_KEYS_ENV, CODEC_KEYS)
    secret = f"jane.doe+{uuid.uuid4().hex[:8]}@example.com"
    call_id = f"py-codec-{uuid.uuid4()}"
    guard = AsyncGuard("temporal", task_queue=CODEC_TASK_QUEUE, unavailable_after=UNAVAILABLE_AFTER)
    try:
        result = await guard.guard("send_email", {"to": secret, "body": "hello"}, call_id=call_id)
    finally:
        await guard.close()
    # The worker could read the Python client's encrypted input, and the client the worker's encrypted answer.
    assert result.action == "modify"
    assert result.reason == "PII redacted"

    plain = await Client.connect(os.environ["TEMPORAL_ADDRESS"], namespace="default")
    events = [event async for event in plain.get_workflow_handle(call_id).fetch_history_events()]
    python_first, typescript_first = key_ids()
    started = events[0].workflow_execution_started_event_attributes.input.payloads[0]
    assert started.metadata["encoding"] == ENCRYPTED_ENCODING
    assert started.metadata[KEY_ID_KEY] == python_first.encode()
    completed = [e for e in events if e.HasField("workflow_execution_completed_event_attributes")]
    assert len(completed) == 1
    answer = completed[0].workflow_execution_completed_event_attributes.result.payloads[0]
    assert answer.metadata["encoding"] == ENCRYPTED_ENCODING
    assert answer.metadata[KEY_ID_KEY] == typescript_first.encode()
    for event in events:
        assert secret.encode() not in event.SerializeToString()


async def test_a_client_without_the_answers_key_says_which_key_id_it_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    python_first = CODEC_KEYS.split(",")[0]
    monkeypatch.setenv(CODEC_KEYS_ENV, python_first)
    guard = AsyncGuard("temporal", task_queue=CODEC_TASK_QUEUE, unavailable_after=UNAVAILABLE_AFTER)
    try:
        with pytest.raises(Exception) as caught:
            await guard.guard("send_email", {"to": "a@example.com"}, call_id=f"py-codec-{uuid.uuid4()}")
    finally:
        await guard.close()
    _, typescript_first = key_ids()
    assert f"key id '{typescript_first}'" in "".join(str(e) for e in iter_causes(caught.value))


def iter_causes(err: BaseException | None):  # type: ignore[no-untyped-def]
    while err is not None:
        yield err
        err = err.__cause__ or err.__context__


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("k1:not base64!", "entry 1: the key is not base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "entry 1: expected 'id:<base64 of 32 bytes>'"),
        (f"k1:{base64.b64encode(bytes(32)).decode()},:{base64.b64encode(bytes(32)).decode()}", "entry 2"),
    ],
)
def test_malformed_keys_are_refused_naming_the_entry(value: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_codec_keys({CODEC_KEYS_ENV: value})
