"""The two sinks of the core's one walk agree: the Python objects the extension builds directly equal ``json.loads``
of the JSON sink's text, value for value and type for type (``1`` is not ``1.0``, ``True`` is not ``1``), and both
refuse the same bodies with the same code. Checked on every vector body and on generated bodies: the samples in
both platforms' spellings with fields dropped, nulled, renamed, re-typed and wrapped in unknown members, and
free-form data of every JSON type.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import dropship_webhooks as dw
from dropship_webhooks import _native

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "core" / "samples").glob("*.json"))
GENERATED = 3000


def same(left: Any, right: Any) -> bool:
    """Equal values of identical types all the way down (Python's `==` takes 1 == 1.0 == True)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(same(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right))
    return bool(left == right)


def outcome(body: bytes) -> Tuple[str, Any]:
    """What the object sink gives: the event, or the error code."""
    try:
        return "event", dw.parse_event(body)
    except dw.WebhookError as error:
        return "error", error.code


def expected(body: bytes) -> Tuple[str, Any]:
    """What the JSON sink's text gives, read by the standard library."""
    try:
        return "event", json.loads(_native.canonical_event_json(body))
    except dw.WebhookError as error:
        return "error", error.code


def assert_sinks_agree(body: bytes) -> None:
    got, want = outcome(body), expected(body)
    assert got[0] == want[0] and same(got[1], want[1]), f"body {body[:300]!r}:\n{got}\n!=\n{want}"


def vector_bodies() -> Iterator[bytes]:
    for path in sorted((ROOT / "tests" / "vectors").glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            spec = case.get("body")
            if isinstance(spec, dict) and "utf8" in spec:
                yield str(spec["utf8"]).encode()
            elif isinstance(spec, dict) and "hex" in spec:
                yield bytes.fromhex(spec["hex"])


@pytest.mark.parametrize("body", list(vector_bodies()))
def test_sinks_agree_on_every_vector_body(body: bytes) -> None:
    assert_sinks_agree(body)


SNAKE = {"purchaseOrderNumber": "purchase_order_number", "shipTo": "ship_to", "lines": "order_lines",
         "id": "_id", "quantityShipped": "quantity_shipped", "buyer": "retailer", "seller": "brand",
         "trackingNumber": "return_tracking_number", "rmaNumber": "rma_number", "createdAt": "created_at"}


def any_value(rng: random.Random, depth: int = 0) -> Any:
    """Free-form JSON: every type, big and negative integers, exponents, escapes, non-ASCII text."""
    choice = rng.randrange(10 if depth < 3 else 7)
    if choice == 0:
        return None
    if choice == 1:
        return rng.random() < 0.5
    if choice == 2:
        return rng.choice([0, -1, 7, 2**31, -(2**63), 2**64 + 5, 10**30, -(10**40)])
    if choice == 3:
        return rng.choice([0.5, -2.25, 1e-7, 6.02e23, 1.0, -0.0, 3.141592653589793])
    if choice in (4, 5, 6):
        return rng.choice(["", "plain", "quote \" and \\ slash", "tab\tnewline\n", "é€😀", "\u0001\u001f", "🎉" * 3])
    if choice in (7, 8):
        return [any_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(["a", "b", "z", "é", "_", "key with space", "A"]): any_value(rng, depth + 1)
            for _ in range(rng.randrange(4))}


def mutate(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """A sample changed the ways senders differ: fields dropped, nulled, renamed, numbers for text, extra members."""
    if isinstance(value, dict):
        out: Dict[str, Any] = {}
        for key, item in value.items():
            roll = rng.random()
            if roll < 0.08:
                continue
            if roll < 0.14 and key not in ("id", "topic", "data", "quantity", "proposal", "rma", "name", "value",
                                           "source", "orderLineId"):
                out[key] = None
                continue
            name = str(SNAKE.get(key, key)) if rng.random() < 0.2 else str(key)
            out[name] = mutate(item, rng, depth + 1)
        if rng.random() < 0.1:
            out["unknownMember"] = any_value(rng)
        if rng.random() < 0.1:
            out["attributes"] = any_value(rng)
        return out
    if isinstance(value, list):
        return [mutate(item, rng, depth + 1) for item in value if rng.random() > 0.1]
    if isinstance(value, str) and rng.random() < 0.05:
        return rng.choice([12, 12.5, "12.50", 1e2, -3, "not a number"])
    if isinstance(value, (int, float)) and not isinstance(value, bool) and rng.random() < 0.1:
        return rng.choice([value * 3, -1, 2**40, 0.25, "7"])
    return value


def generated_bodies() -> List[bytes]:
    rng = random.Random(20261201)
    samples = [json.loads(path.read_text(encoding="utf-8")) for path in SAMPLES]
    bodies = []
    for index in range(GENERATED):
        if index % 10 == 9:
            event: Any = {"id": index, "topic": "invoice.paid", "data": any_value(rng)}
        else:
            event = mutate(rng.choice(samples), rng)
        bodies.append(json.dumps(event, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 1])).encode())
    return bodies


def test_sinks_agree_on_generated_bodies() -> None:
    bodies = generated_bodies()
    outcomes = [outcome(body)[0] for body in bodies]
    # The generator must exercise both paths, or the check proves little.
    assert outcomes.count("event") > GENERATED // 3 and outcomes.count("error") > GENERATED // 20, outcomes[:50]
    for body in bodies:
        assert_sinks_agree(body)


def test_the_comparison_tells_types_apart() -> None:
    assert not same({"a": 1}, {"a": 1.0}) and not same([True], [1]) and not same({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert same({"a": [1, 2.5, None, "x"]}, {"a": [1, 2.5, None, "x"]})
