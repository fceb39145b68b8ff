"""Every shared vector in tests/vectors/ against the Python package (parametrized; ids are the vector ids)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import pytest

import dropship_webhooks as dw

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors"

Vector = Dict[str, Any]


def load() -> List[Tuple[str, Vector]]:
    cases = []
    for path in sorted(VECTORS.glob("*.json")):
        for vector in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            cases.append((path.name, vector))
    return cases


def body(spec: Mapping[str, Any]) -> Any:
    """The raw body a vector describes, or the parsed value itself for ``payload_not_raw`` cases."""
    if "utf8" in spec:
        return spec["utf8"].encode()
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    if "repeat" in spec:
        return (spec["repeat"] * spec["count"]).encode()
    return spec["parsed"]


def secrets(entries: List[Mapping[str, Any]]) -> List[dw.Secret]:
    return [dw.Secret(e["secret"], expires_at=e.get("expiresAt"), label=e.get("label")) for e in entries]


def webhook(vector: Vector) -> dw.Webhook:
    return dw.Webhook(
        secrets(vector["secrets"]),
        scheme=vector.get("scheme", "standard"),
        tolerance_seconds=vector.get("toleranceSeconds", dw.DEFAULT_TOLERANCE_SECONDS),
        body_limit_bytes=vector.get("bodyLimitBytes", dw.DEFAULT_BODY_LIMIT_BYTES),
    )


def snake(options: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """The Python API spells option and answer keys in snake_case; the vectors in camelCase."""
    if options is None:
        return None
    return {"".join("_" + c.lower() if c.isupper() else c for c in key): value for key, value in options.items()}


def outcome(vector: Vector, run: Callable[[], Any]) -> Any:
    if vector["result"] == "invalid":
        with pytest.raises(dw.WebhookError) as caught:
            run()
        assert isinstance(caught.value, ValueError)
        assert caught.value.code == vector["error"], str(caught.value)
        assert caught.value.status in (400, 401, 413, 500)
        assert len(str(caught.value)) > 10
        return None
    return run()


def header_forms(pairs: List[List[str]]) -> Dict[str, Any]:
    """The header containers users hand in; a dict cannot hold two names that differ only in case twice."""
    return {"dict": {name: value for name, value in pairs}, "list of pairs": [tuple(pair) for pair in pairs]}


def run_verify(vector: Vector) -> None:
    for form, headers in header_forms(vector["headers"]).items():
        result = outcome(vector, lambda: webhook(vector).verify_signature(body(vector["body"]), headers,
                                                                           now=vector["now"]))
        if vector["result"] == "valid":
            expected = vector["expected"]
            actual = {"id": result.id, "timestamp": result.timestamp, "secretIndex": result.secret_index,
                      "secretLabel": result.secret_label}
            assert actual == expected, form


def run_sign(vector: Vector, message: Mapping[str, Any]) -> None:
    result = outcome(vector, lambda: webhook(vector).sign(message["msgId"], message["timestamp"],
                                                          body(message["body"])))
    if vector["result"] == "valid":
        assert [list(pair) for pair in result.items()] == vector["expected"]["headers"]


def run_parse(vector: Vector) -> None:
    event = outcome(vector, lambda: dw.parse_event(body(vector["body"])))
    if vector["result"] == "valid":
        assert event == vector["expected"]["event"]
        kinds = {topic["name"]: topic["payload"] for topic in dw.topics}
        assert kinds.get(event["topic"]) == vector["expected"]["payloadKind"]


def run_health(vector: Vector) -> None:
    state: Optional[Dict[str, Any]] = None
    for step in vector["steps"]:
        if step["event"] == "failure":
            state = dw.health_record_failure(state, step["at"], vector["windowSeconds"])
        elif step["event"] == "success":
            state = dw.health_record_success(state)
        else:
            state = dw.health_reactivate(state)
        assert state == {"status": step["expected"]["status"], "failing_since": step["expected"]["failingSince"]}


def run_endpoint(vector: Vector) -> None:
    config = {"url": vector["url"], "topics": vector["topics"], "method": vector["method"],
              "rate_limit": vector["rateLimit"], "burst_limit": vector["burstLimit"], "scheme": vector["scheme"],
              "secrets": vector["secrets"]}
    result = outcome(vector, lambda: dw.validate_endpoint(
        config, allow_insecure_loopback=vector["allowInsecureLoopback"]))
    if vector["result"] == "valid":
        assert result == snake(vector["expected"])


def run(vector: Vector) -> None:
    operation = vector["operation"]
    if operation == "verify":
        run_verify(vector)
    elif operation == "sign":
        run_sign(vector, vector)
    elif operation == "construct":
        run_sign(vector, vector.get("sign", {}))  # invalid cases fail while building the Webhook
    elif operation == "generate":
        secret = outcome(vector, lambda: dw.generate_secret(bytes.fromhex(vector["randomHex"])))
        if vector["result"] == "valid":
            assert secret == vector["expected"]["secret"]
    elif operation == "parse":
        run_parse(vector)
    elif operation == "nextDelay":
        delay = outcome(vector, lambda: dw.next_retry_delay(vector["failures"], vector["random"],
                                                            snake(vector["schedule"])))
        if vector["result"] == "valid":
            assert delay == vector["expectedMs"]
    elif operation == "retryAfter":
        assert dw.retry_after_delay(vector["header"], vector["now"], snake(vector["schedule"])) == vector["expectedMs"]
    elif operation == "health":
        run_health(vector)
    elif operation == "rateLimit":
        assert dw.rate_limit_check(vector["rate"], vector["tatUs"], vector["nowUs"]) == snake(vector["expected"])
    elif operation == "burstLimit":
        assert dw.burst_allows(vector["burst"], vector["inFlight"]) == vector["expected"]["allowed"]
    elif operation == "endpoint":
        run_endpoint(vector)
    else:
        raise AssertionError(f"no runner for operation {operation}")


CASES = load()


@pytest.mark.parametrize("vector", [case for _, case in CASES], ids=[f"{f}:{c['id']}" for f, c in CASES])
def test_vector(vector: Vector) -> None:
    run(vector)


def test_every_vector_file_is_loaded() -> None:
    assert len({name for name, _ in CASES}) == len(list(VECTORS.glob("*.json")))
    assert len(CASES) > 400
