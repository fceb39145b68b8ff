"""verify + parse per second: this package, a hand-rolled ``hmac`` verifier, and the PyPI packages
``standardwebhooks`` and ``svix``, side by side in one run. ``make bench-python`` runs it; it prints a Markdown table.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import platform
import time
from typing import Any, Callable, Dict, List, Mapping

from standardwebhooks.webhooks import Webhook as StandardWebhook
from svix.webhooks import Webhook as SvixWebhook

from dropship_webhooks import Webhook, generate_secret

SIZES = [256, 1024, 16 * 1024, 256 * 1024]
MIN_SECONDS = float(os.environ.get("BENCH_SECONDS", "0.4"))


def event_body(size: int) -> bytes:
    """An order.created event of exactly ``size`` bytes."""
    line = {"id": "oli_1", "variantId": "var_mug_blue", "sku": "AOC-MUG-BLU", "quantity": 2, "retailPrice": "24.00"}
    data: Dict[str, Any] = {"id": "ord_1", "status": "open", "currency": "USD", "lines": [], "attributes": {"note": ""}}
    event = {"id": "evt_bench", "topic": "order.created", "createdAt": "2026-11-22T10:00:00Z", "data": data}
    while len(json.dumps(event, separators=(",", ":"))) + 120 < size:
        data["lines"].append(dict(line, id=f"oli_{len(data['lines'])}"))
    data["attributes"]["note"] = "x" * (size - len(json.dumps(event, separators=(",", ":"))))
    body = json.dumps(event, separators=(",", ":")).encode()
    assert len(body) == size
    return body


def hand_rolled(secret: str) -> Callable[[bytes, Mapping[str, str]], Any]:
    """What a careful developer writes with the standard library: headers, tolerance, every v1 entry, JSON."""
    key = base64.b64decode(secret.removeprefix("whsec_"))

    def verify(body: bytes, headers: Mapping[str, str]) -> Any:
        msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
        if abs(time.time() - int(timestamp)) > 300:
            raise ValueError("timestamp")
        expected = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        for entry in headers["webhook-signature"].split(" "):
            version, _, signature = entry.partition(",")
            if version == "v1" and hmac.compare_digest(base64.b64decode(signature), expected):
                return json.loads(body)
        raise ValueError("no matching signature")

    return verify


def per_second(run: Callable[[], Any]) -> float:
    for _ in range(50):
        run()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < MIN_SECONDS:
        for _ in range(20):
            run()
        count += 20
    return count / elapsed


def short(rate: float) -> str:
    return f"{rate / 1000:.0f}k" if rate >= 10_000 else f"{rate / 1000:.1f}k" if rate >= 1000 else f"{rate:.0f}"


def label(size: int) -> str:
    return f"{size // 1024} KiB" if size >= 1024 else f"{size} B"


def main() -> None:
    rows: List[Dict[str, Any]] = []
    for signatures in (1, 3):
        secrets = [generate_secret() for _ in range(signatures)]
        sender = Webhook(secrets)
        ours, hand = Webhook(secrets[0]), hand_rolled(secrets[0])
        standard, svix = StandardWebhook(secrets[0]), SvixWebhook(secrets[0])
        for size in SIZES:
            body = event_body(size)
            headers = sender.sign("msg_bench", int(time.time()), body)
            svix_headers = {"svix-" + name.removeprefix("webhook-"): value for name, value in headers.items()}
            # Every contender must accept the same request before it is timed.
            ours.verify(body, headers), hand(body, headers), standard.verify(body, headers)
            svix.verify(body, svix_headers)
            rows.append({
                "size": size, "signatures": signatures,
                "ours": per_second(lambda: ours.verify(body, headers)),
                "hand": per_second(lambda: hand(body, headers)),
                "standardwebhooks": per_second(lambda: standard.verify(body, headers)),
                "svix": per_second(lambda: svix.verify(body, svix_headers)),
            })
    print(f"verify + parse, operations per second (CPython {platform.python_version()}, {MIN_SECONDS} s per cell)\n")
    print("| body | signatures | dropship-webhooks | hmac by hand | standardwebhooks | svix | vs hand |"
          " vs standardwebhooks | vs svix |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {label(row['size'])} | {row['signatures']} | {short(row['ours'])} | {short(row['hand'])} | "
              f"{short(row['standardwebhooks'])} | {short(row['svix'])} | {row['ours'] / row['hand']:.2f}× | "
              f"{row['ours'] / row['standardwebhooks']:.2f}× | {row['ours'] / row['svix']:.2f}× |")


if __name__ == "__main__":
    main()
