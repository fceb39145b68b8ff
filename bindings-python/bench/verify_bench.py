"""Operations per second of this package against what a receiver would otherwise write or install, in one process
and one run, on the bodies of ``scripts/bench_bodies.py`` (three families, four sizes; ``make bench-python`` writes
them first). Prints two Markdown tables:

- verify + parse: this package's ``verify`` (signature, then the typed canonical event as Python objects), a
  hand-written ``hmac`` verifier (headers, tolerance, ``hmac.compare_digest``, ``json.loads`` of the body as sent),
  and the PyPI package ``standardwebhooks``, whose ``verify`` also checks the signature and returns ``json.loads``
  of the body;
- signature only: ``verify_signature`` against the hand-written check without ``json.loads``, the PyPI package
  ``svix`` (its ``verify`` checks the signature and returns ``None``: it does not parse), and one raw HMAC-SHA256
  of the body (the floor for everyone at large sizes);
- against typed decoders assembled by hand (canonical bodies only, which is all they read): the hand-written
  signature check followed by msgspec (``msgspec.json.decode`` into dicts, and a ``Decoder`` of Structs built from
  the project's schema) or pydantic (``TypeAdapter.validate_json`` of TypedDicts from the same schema); see
  ``peers.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import platform
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional

import msgspec

from standardwebhooks.webhooks import Webhook as StandardWebhook
from svix.webhooks import Webhook as SvixWebhook

from dropship_webhooks import Webhook, generate_secret
from peers import order_decoders

ROOT = Path(__file__).resolve().parents[2]
BODIES: Dict[str, Dict[str, str]] = json.loads(
    Path(os.environ.get("BENCH_BODIES", ROOT / "target" / "bench" / "bodies.json")).read_text(encoding="utf-8"))
MIN_SECONDS = float(os.environ.get("BENCH_SECONDS", "0.4"))


def hand_rolled(secret: str, parse: bool,
                decode: Optional[Callable[[bytes], Any]] = None) -> Callable[[bytes, Mapping[str, str]], Any]:
    """What a careful developer writes with the standard library: headers, tolerance, every v1 entry; then
    ``json.loads`` of the body, or ``decode`` of it when given."""
    decode = decode or json.loads
    key = base64.b64decode(secret.removeprefix("whsec_"))

    def verify(body: bytes, headers: Mapping[str, str]) -> Any:
        msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
        if abs(time.time() - int(timestamp)) > 300:
            raise ValueError("timestamp")
        expected = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        for entry in headers["webhook-signature"].split(" "):
            version, _, signature = entry.partition(",")
            if version == "v1" and hmac.compare_digest(base64.b64decode(signature), expected):
                return decode(body) if parse else (msg_id, int(timestamp))
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
    verify_rows: List[Dict[str, Any]] = []
    signature_rows: List[Dict[str, Any]] = []
    for signatures in (1, 3):
        secrets = [generate_secret() for _ in range(signatures)]
        sender = Webhook(secrets)
        secret = secrets[0]
        key = base64.b64decode(secret.removeprefix("whsec_"))
        ours, hand, hand_signature = Webhook(secret), hand_rolled(secret, True), hand_rolled(secret, False)
        standard, svix = StandardWebhook(secret), SvixWebhook(secret)
        for family, by_size in BODIES.items():
            for size_text, text in by_size.items():
                size, body = int(size_text), text.encode()
                headers = sender.sign("msg_bench", int(time.time()), body)
                svix_headers = {"svix-" + name.removeprefix("webhook-"): value for name, value in headers.items()}
                # Every contender must accept the same request before it is timed.
                ours.verify(body, headers), hand(body, headers), standard.verify(body, headers)
                svix.verify(body, svix_headers)
                verify_rows.append({
                    "family": family, "size": size, "signatures": signatures,
                    "ours": per_second(lambda: ours.verify(body, headers)),
                    "hand": per_second(lambda: hand(body, headers)),
                    "standardwebhooks": per_second(lambda: standard.verify(body, headers)),
                })
                if family == "canonical":
                    signature_rows.append({
                        "size": size, "signatures": signatures,
                        "ours": per_second(lambda: ours.verify_signature(body, headers)),
                        "hand": per_second(lambda: hand_signature(body, headers)),
                        "svix": per_second(lambda: svix.verify(body, svix_headers)),
                        "hmac": per_second(lambda: hmac.new(key, body, hashlib.sha256).digest()),
                    })
    structs, adapter = order_decoders()
    peer_rows: List[Dict[str, Any]] = []
    secret = generate_secret()
    ours = Webhook(secret)
    peers = {
        "hand": hand_rolled(secret, True),
        "msgspec_dict": hand_rolled(secret, True, msgspec.json.decode),
        "msgspec_struct": hand_rolled(secret, True, structs.decode),
        "pydantic": hand_rolled(secret, True, adapter.validate_json),
    }
    for size_text, text in BODIES["canonical"].items():
        body = text.encode()
        headers = ours.sign("msg_bench", int(time.time()), body)
        row: Dict[str, Any] = {"size": int(size_text), "ours": per_second(lambda: ours.verify(body, headers))}
        for name, peer in peers.items():
            peer(body, headers)  # accepted before it is timed
            row[name] = per_second(lambda: peer(body, headers))  # noqa: B023 (timed at once)
        peer_rows.append(row)
    version = platform.python_version()
    print(f"verify + parse, operations per second (CPython {version}, {MIN_SECONDS} s per cell)\n")
    print("| family | body | signatures | dropship-webhooks | hmac by hand | standardwebhooks | vs hand |"
          " vs standardwebhooks |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in verify_rows:
        print(f"| {row['family']} | {label(row['size'])} | {row['signatures']} | {short(row['ours'])} | "
              f"{short(row['hand'])} | {short(row['standardwebhooks'])} | {row['ours'] / row['hand']:.2f}× | "
              f"{row['ours'] / row['standardwebhooks']:.2f}× |")
    print(f"\nsignature only, operations per second (canonical bodies; CPython {version})\n")
    print("| body | signatures | dropship-webhooks verify_signature | hmac by hand | svix (no parse) |"
          " one raw HMAC-SHA256 | vs hand | vs svix | vs raw HMAC |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in signature_rows:
        print(f"| {label(row['size'])} | {row['signatures']} | {short(row['ours'])} | {short(row['hand'])} | "
              f"{short(row['svix'])} | {short(row['hmac'])} | {row['ours'] / row['hand']:.2f}× | "
              f"{row['ours'] / row['svix']:.2f}× | {row['ours'] / row['hmac']:.2f}× |")
    print(f"\nagainst typed decoders assembled by hand: the hmac check, then msgspec or pydantic (canonical bodies, "
          f"1 signature; CPython {version}, msgspec {msgspec.__version__})\n")
    print("| body | dropship-webhooks | hmac + json.loads | hmac + msgspec (dict) | hmac + msgspec Decoder(Struct) |"
          " hmac + pydantic TypeAdapter | vs msgspec dict | vs msgspec Struct | vs pydantic |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in peer_rows:
        print(f"| {label(row['size'])} | {short(row['ours'])} | {short(row['hand'])} | {short(row['msgspec_dict'])} | "
              f"{short(row['msgspec_struct'])} | {short(row['pydantic'])} | {row['ours'] / row['msgspec_dict']:.2f}× | "
              f"{row['ours'] / row['msgspec_struct']:.2f}× | {row['ours'] / row['pydantic']:.2f}× |")


if __name__ == "__main__":
    main()
