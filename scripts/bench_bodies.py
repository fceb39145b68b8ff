#!/usr/bin/env python3
"""The bodies every binding benchmark verifies, written once so Node, Python and WebAssembly measure the same bytes.

Three families, each at exactly 256 B, 1 KiB, 16 KiB and 256 KiB (order lines repeated, then padding in a custom
attribute):

- ``canonical``: a typed ``order.created`` in the canonical spelling (camelCase, string ids and money, members in
  the model's order, compact), as this library's own sender writes it;
- ``platform``: the same order as a platform sends it: snake_case and legacy aliases (``_id``, ``order_lines``,
  ``price``, ``net_price``, ``custom``), integer ids, money as numbers, explicit ``null`` fields, members in the
  platform's order;
- ``unknown``: an event of a topic this version does not know (``invoice.paid``), whose data is kept as received.

Usage: ``scripts/bench_bodies.py [OUTPUT]`` (default ``target/bench/bodies.json``): ``{family: {size: body}}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List

ROOT = Path(__file__).resolve().parent.parent
SIZES = [256, 1024, 16 * 1024, 256 * 1024]


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def canonical(lines: int) -> Dict[str, Any]:
    line = {"variantId": "var_mug_blue", "sku": "AOC-MUG-BLU", "quantity": 2, "retailPrice": "24.00"}
    data = {"id": "ord_1001", "status": "open", "currency": "USD",
            "lines": [{"id": f"oli_{index}", **line} for index in range(lines)], "attributes": {"note": ""}}
    return {"id": "evt_bench", "topic": "order.created", "createdAt": "2026-11-22T10:00:00Z", "data": data}


def platform(lines: int) -> Dict[str, Any]:
    line = {"sku": "AOC-MUG-BLU", "title": None, "quantity": 2, "quantity_shipped": 0, "price": 24.0,
            "net_price": 11.5, "cancelledReason": None}
    data = {"_id": 1001, "purchase_order_number": "PO-2026-1", "status": "open", "ship_to": None,
            "baseCurrency": "USD", "order_lines": [{"_id": 7000 + index, **line} for index in range(lines)],
            "updated_at": None, "custom": {"note": ""}}
    return {"_id": 99, "type": "order.created", "created_at": "2026-11-22T10:00:00Z", "data": data}


def unknown(lines: int) -> Dict[str, Any]:
    event = canonical(lines)
    return dict(event, topic="invoice.paid")


def sized(build: Callable[[int], Dict[str, Any]], size: int) -> str:
    """The event with as many lines as fit, then the note padded to exactly `size` bytes."""
    lines = 0
    while len(compact(build(lines + 1)).encode()) <= size:
        lines += 1
    event = build(lines)
    bare = len(compact(event).encode())
    if bare > size:
        raise ValueError(f"{build.__name__} does not fit in {size} bytes")
    note_holder = event["data"]["attributes" if "attributes" in event["data"] else "custom"]
    note_holder["note"] = "x" * (size - bare)
    text = compact(event)
    assert len(text.encode()) == size, (build.__name__, size, len(text.encode()))
    return text


def bodies() -> Dict[str, Dict[str, str]]:
    families: List[Callable[[int], Dict[str, Any]]] = [canonical, platform, unknown]
    return {family.__name__: {str(size): sized(family, size) for size in SIZES} for family in families}


def main() -> int:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "bench" / "bodies.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(bodies()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
