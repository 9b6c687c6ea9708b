"""Fingerprints equal to the TypeScript ones (values printed by src/workflows/fingerprint.ts for the same calls)."""

from durable_guard import call_fingerprint, canonical_json


def test_canonical_json_writes_numbers_and_keys_as_javascript_does() -> None:
    value = {"b": 1.0, "a": [0.1, 1e21, 1e-7, "é\n\u0001"], "é": None}
    assert canonical_json(value) == '{"a":[0.1,1e+21,1e-7,"é\\n\\u0001"],"b":1,"é":null}'


def test_call_fingerprint_matches_typescript() -> None:
    expected = "96b5c8a6b9fdeabfd695b3375528edaf34b47c3c39ad5f405ffa787736f278e9"
    assert call_fingerprint("process_refund", {"amount": 4200}) == expected
    assert call_fingerprint("process_refund", {"amount": 4200.0}) == expected


def test_call_fingerprint_covers_the_tool_schema_as_typescript_does() -> None:
    schema = {"type": "object", "properties": {"amount": {"maximum": 5000}}}
    expected = "ccef0f6cb6bf49f1389669e7941701bdee6549b9bf107cffa50dc40efd3da71d"
    assert call_fingerprint("process_refund", {"amount": 4200}, tool_schema=schema) == expected
    assert call_fingerprint("process_refund", {"amount": 4200}, None, None) == call_fingerprint(
        "process_refund", {"amount": 4200}
    )
