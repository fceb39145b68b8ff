#!/usr/bin/env python3
"""Generate the shared signature and secret test vectors.

Every language's test suite runs these files; nothing here imports project code. Expected signatures are computed
with Python's own ``hmac``/``hashlib``/``base64``, so the vectors are an independent statement of the wire format
(DESIGN.md section 3), not a recording of what the Rust core happens to do.

Usage: ``python3 tests/vectors/generate.py`` rewrites the JSON files beside this script;
``python3 tests/vectors/generate.py --check`` fails if any committed file differs from what it would write.

Vector shape (CONVENTIONS.md section 8): every case has ``id``, ``comment``, ``operation``, its inputs and
``result`` ("valid" or "invalid"); invalid cases name the ``error`` code. Bodies are objects: ``{"utf8": str}``,
``{"hex": str}``, ``{"repeat": str, "count": int}`` (the UTF-8 text repeated), or ``{"parsed": value}`` (an
already-parsed JSON value, which only the bindings can be handed; they must refuse it with ``payload_not_raw``).
Headers are ``[name, value]`` pairs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from generated_files import write_or_check  # noqa: E402
from events_cases import events_cases  # noqa: E402
from rules_cases import endpoint_cases, health_cases, limit_cases, retry_cases  # noqa: E402

HERE = Path(__file__).resolve().parent
NOW = 1795341600  # 2026-11-22T10:00:00Z
MIB = 1024 * 1024

Case = dict[str, Any]


def key_bytes(name: str, length: int) -> bytes:
    """Deterministic key material, different per name."""
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{name}:{counter}".encode()).digest()
        counter += 1
    return out[:length]


def whsec(key: bytes) -> str:
    return "whsec_" + base64.b64encode(key).decode()


KEY_A = key_bytes("secret-a", 32)
KEY_B = key_bytes("secret-b", 24)
KEY_C = key_bytes("secret-c", 64)
KEY_WRONG = key_bytes("not-configured", 32)
SECRET_A, SECRET_B, SECRET_C, SECRET_WRONG = (whsec(k) for k in (KEY_A, KEY_B, KEY_C, KEY_WRONG))
FABRIC_A = "fabric-secret-2f9c1d7e5b"
FABRIC_B = "another fabric secret with spaces ✓"

ORDER_BODY = (
    '{"id":"evt_2Kx9mQ","topic":"order.created","createdAt":"2026-11-22T10:00:00Z",'
    '"data":{"id":"ord_1001","status":"open","lines":[{"sku":"MUG-01","quantity":2}]}}'
)
MSG_ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"


def body_bytes(body: dict[str, Any]) -> bytes:
    if "utf8" in body:
        return str(body["utf8"]).encode()
    if "hex" in body:
        return bytes.fromhex(body["hex"])
    if "repeat" in body:
        return str(body["repeat"]).encode() * int(body["count"])
    raise ValueError(f"no bytes for body {body}")


def mac(key: bytes, content: bytes) -> bytes:
    return hmac.new(key, content, hashlib.sha256).digest()


def v1(key: bytes, msg_id: str, timestamp: str, body: dict[str, Any]) -> str:
    """One Standard Webhooks signature entry."""
    content = msg_id.encode() + b"." + timestamp.encode() + b"." + body_bytes(body)
    return "v1," + base64.b64encode(mac(key, content)).decode()


def fabric_hex(secret: str, body: dict[str, Any]) -> str:
    return mac(secret.encode(), body_bytes(body)).hex()


def secret(value: str, expires_at: int | None = None, label: str | None = None) -> dict[str, Any]:
    return {"secret": value, "expiresAt": expires_at, "label": label}


UTF8 = {"utf8": ORDER_BODY}


def std_headers(msg_id: str, timestamp: str, signature: str) -> list[list[str]]:
    return [["webhook-id", msg_id], ["webhook-timestamp", timestamp], ["webhook-signature", signature]]


def verify_case(
    case_id: str,
    comment: str,
    *,
    secrets: list[dict[str, Any]],
    headers: list[list[str]],
    body: dict[str, Any] = UTF8,
    now: int = NOW,
    tolerance: int | None = None,
    body_limit: int | None = None,
    valid: dict[str, Any] | None = None,
    error: str | None = None,
) -> Case:
    case: Case = {"id": case_id, "comment": comment, "operation": "verify", "secrets": secrets, "now": now}
    if tolerance is not None:
        case["toleranceSeconds"] = tolerance
    if body_limit is not None:
        case["bodyLimitBytes"] = body_limit
    case["headers"] = headers
    case["body"] = body
    if error is None:
        assert valid is not None
        case["result"] = "valid"
        case["expected"] = valid
    else:
        case["result"] = "invalid"
        case["error"] = error
    return case


def matched(index: int, label: str | None = None, msg_id: str | None = MSG_ID, ts: int | None = NOW) -> dict[str, Any]:
    return {"id": msg_id, "timestamp": ts, "secretIndex": index, "secretLabel": label}


def standard_cases() -> list[Case]:
    ts = str(NOW)
    sig_a = v1(KEY_A, MSG_ID, ts, UTF8)
    sig_b = v1(KEY_B, MSG_ID, ts, UTF8)
    sig_c = v1(KEY_C, MSG_ID, ts, UTF8)
    sig_wrong = v1(KEY_WRONG, MSG_ID, ts, UTF8)
    one = [secret(SECRET_A)]
    cases: list[Case] = []
    add = cases.append

    add(verify_case("std-basic", "one secret, one signature", secrets=one, headers=std_headers(MSG_ID, ts, sig_a),
                    valid=matched(0)))
    add(verify_case("std-signature-among-three", "sender signed with three secrets, the receiver holds one of them",
                    secrets=[secret(SECRET_B)], headers=std_headers(MSG_ID, ts, f"{sig_a} {sig_b} {sig_c}"),
                    valid=matched(0)))
    add(verify_case("std-rotation-both-active", "rotation: old and new secret both active, both signatures sent; "
                    "the first active secret in set order is reported",
                    secrets=[secret(SECRET_A, NOW + 3600, "old"), secret(SECRET_B, None, "new")],
                    headers=std_headers(MSG_ID, ts, f"{sig_a} {sig_b}"), valid=matched(0, "old")))
    add(verify_case("std-rotation-new-only", "rotation: sender already dropped the old secret",
                    secrets=[secret(SECRET_A, NOW + 3600, "old"), secret(SECRET_B, None, "new")],
                    headers=std_headers(MSG_ID, ts, sig_b), valid=matched(1, "new")))
    add(verify_case("std-rotation-old-expired-both-sent", "rotation: the old secret has expired; the new one matches",
                    secrets=[secret(SECRET_A, NOW - 1, "old"), secret(SECRET_B, None, "new")],
                    headers=std_headers(MSG_ID, ts, f"{sig_a} {sig_b}"), valid=matched(1, "new")))
    add(verify_case("std-rotation-only-expired-secret-signed", "an expired secret no longer verifies",
                    secrets=[secret(SECRET_A, NOW - 1, "old"), secret(SECRET_B, None, "new")],
                    headers=std_headers(MSG_ID, ts, sig_a), error="no_matching_signature"))
    add(verify_case("std-three-secrets-one-expired", "three secrets, the first expired; the third matches",
                    secrets=[secret(SECRET_A, NOW - 100, "2026-q2"), secret(SECRET_B, NOW + 100, "2026-q3"),
                             secret(SECRET_C, None, "2026-q4")],
                    headers=std_headers(MSG_ID, ts, sig_c), valid=matched(2, "2026-q4")))
    add(verify_case("std-three-secrets-middle-matches", "three secrets, one expired; the middle one matches",
                    secrets=[secret(SECRET_A, NOW - 100), secret(SECRET_B, NOW + 100, "b"), secret(SECRET_C)],
                    headers=std_headers(MSG_ID, ts, f"{sig_b} {sig_wrong}"), valid=matched(1, "b")))
    add(verify_case("std-all-expired", "every secret has expired", secrets=[secret(SECRET_A, NOW - 10),
                    secret(SECRET_B, NOW)], headers=std_headers(MSG_ID, ts, sig_a), error="no_active_secret"))
    add(verify_case("std-expiry-edge-expired", "a secret expiring exactly now is expired",
                    secrets=[secret(SECRET_A, NOW)], headers=std_headers(MSG_ID, ts, sig_a), error="no_active_secret"))
    add(verify_case("std-expiry-edge-active", "a secret expiring one second from now is active",
                    secrets=[secret(SECRET_A, NOW + 1)], headers=std_headers(MSG_ID, ts, sig_a), valid=matched(0)))

    # Tolerance edges: the signature is valid for its own timestamp; only the distance to `now` varies.
    for offset, expect in ((-300, None), (-301, "timestamp_too_old"), (300, None), (301, "timestamp_too_new")):
        stamp = str(NOW + offset)
        name = f"std-tolerance-{'past' if offset < 0 else 'future'}-{abs(offset)}"
        add(verify_case(name, f"timestamp {offset:+d} s from now with the default tolerance of 300 s", secrets=one,
                        headers=std_headers(MSG_ID, stamp, v1(KEY_A, MSG_ID, stamp, UTF8)),
                        valid=None if expect else matched(0, ts=NOW + offset), error=expect))
    stamp = str(NOW - 1)
    add(verify_case("std-tolerance-zero-refuses-one-second", "tolerance 0: one second old is too old", secrets=one,
                    tolerance=0, headers=std_headers(MSG_ID, stamp, v1(KEY_A, MSG_ID, stamp, UTF8)),
                    error="timestamp_too_old"))
    add(verify_case("std-tolerance-zero-exact", "tolerance 0: the same second is accepted", secrets=one, tolerance=0,
                    headers=std_headers(MSG_ID, ts, sig_a), valid=matched(0)))
    length = len(ORDER_BODY.encode())
    add(verify_case("std-body-at-limit", "a body exactly as long as bodyLimitBytes is verified", secrets=one,
                    body_limit=length, headers=std_headers(MSG_ID, ts, sig_a), valid=matched(0)))
    add(verify_case("std-body-over-limit", "a body one byte over bodyLimitBytes is refused before any HMAC, "
                    "even with a good signature", secrets=one, body_limit=length - 1,
                    headers=std_headers(MSG_ID, ts, sig_a), error="payload_too_large"))
    add(verify_case("std-body-limit-after-headers", "the headers are checked before the body's length: a stale "
                    "timestamp is reported for a body over the limit", secrets=one, body_limit=length - 1,
                    headers=std_headers(MSG_ID, ts, sig_a), now=NOW + 86400, error="timestamp_too_old"))
    stamp = str(NOW - 3600)
    add(verify_case("std-tolerance-custom-hour", "tolerance 3600: an hour old is accepted (queued processing)",
                    secrets=one, tolerance=3600, headers=std_headers(MSG_ID, stamp, v1(KEY_A, MSG_ID, stamp, UTF8)),
                    valid=matched(0, ts=NOW - 3600)))
    add(verify_case("std-replay-next-day", "a captured request replayed a day later", secrets=one,
                    headers=std_headers(MSG_ID, ts, sig_a), now=NOW + 86400, error="timestamp_too_old"))
    add(verify_case("std-timestamp-zero", "timestamp 0 is digits but decades old", secrets=one,
                    headers=std_headers(MSG_ID, "0", v1(KEY_A, MSG_ID, "0", UTF8)), error="timestamp_too_old"))
    add(verify_case("std-tolerance-checked-before-signature", "an old timestamp is reported even when the "
                    "signature is also wrong", secrets=one, headers=std_headers(MSG_ID, str(NOW - 1000), sig_wrong),
                    error="timestamp_too_old"))

    # Header names: any case, and Svix's aliases.
    add(verify_case("std-header-case-upper", "header names in upper case", secrets=one,
                    headers=[["WEBHOOK-ID", MSG_ID], ["WEBHOOK-TIMESTAMP", ts], ["WEBHOOK-SIGNATURE", sig_a]],
                    valid=matched(0)))
    add(verify_case("std-header-case-mixed", "header names in mixed case", secrets=one,
                    headers=[["Webhook-Id", MSG_ID], ["Webhook-Timestamp", ts], ["wEbHoOk-SiGnAtUrE", sig_a]],
                    valid=matched(0)))
    add(verify_case("std-svix-aliases", "a Svix sender's header names", secrets=one,
                    headers=[["svix-id", MSG_ID], ["svix-timestamp", ts], ["svix-signature", sig_a]],
                    valid=matched(0)))
    add(verify_case("std-svix-aliases-mixed-case", "Svix names in title case", secrets=one,
                    headers=[["Svix-Id", MSG_ID], ["Svix-Timestamp", ts], ["Svix-Signature", sig_a]],
                    valid=matched(0)))
    add(verify_case("std-aliases-mixed-families", "webhook-id with svix-timestamp and svix-signature", secrets=one,
                    headers=[["webhook-id", MSG_ID], ["svix-timestamp", ts], ["svix-signature", sig_a]],
                    valid=matched(0)))
    add(verify_case("std-webhook-names-win-over-svix", "when both names are present the webhook- ones are used",
                    secrets=one, headers=std_headers(MSG_ID, ts, sig_a) + [["svix-signature", sig_wrong],
                                                                             ["svix-id", "msg_other"]],
                    valid=matched(0)))
    add(verify_case("std-extra-headers-ignored", "unrelated headers around the three", secrets=one,
                    headers=[["content-type", "application/json"], ["user-agent", "dropship/1"]]
                    + std_headers(MSG_ID, ts, sig_a) + [["x-forwarded-for", "203.0.113.9"]], valid=matched(0)))

    # Missing headers, reported in the order id, timestamp, signature.
    add(verify_case("std-missing-id", "no webhook-id", secrets=one,
                    headers=[["webhook-timestamp", ts], ["webhook-signature", sig_a]], error="missing_header"))
    add(verify_case("std-missing-timestamp", "no webhook-timestamp", secrets=one,
                    headers=[["webhook-id", MSG_ID], ["webhook-signature", sig_a]], error="missing_header"))
    add(verify_case("std-missing-signature", "no webhook-signature", secrets=one,
                    headers=[["webhook-id", MSG_ID], ["webhook-timestamp", ts]], error="missing_header"))
    add(verify_case("std-missing-all", "no headers at all", secrets=one, headers=[], error="missing_header"))
    add(verify_case("std-fabric-header-is-not-standard", "a fabric signature sent to a standard verifier",
                    secrets=one, headers=[["fabric-dropship-signature", fabric_hex(FABRIC_A, UTF8)]],
                    error="missing_header"))

    # Whitespace and garbage.
    add(verify_case("std-whitespace-around-values", "optional whitespace around every header value", secrets=one,
                    headers=std_headers(f" {MSG_ID}\t", f"  {ts} ", f"  {sig_a}  "), valid=matched(0)))
    add(verify_case("std-several-spaces-between-entries", "entries separated by several spaces and a tab",
                    secrets=one, headers=std_headers(MSG_ID, ts, f"{sig_wrong}   \t {sig_a}"), valid=matched(0)))
    add(verify_case("std-unknown-version-skipped", "a v2 entry beside v1 is skipped", secrets=one,
                    headers=std_headers(MSG_ID, ts, f"v2,bm90LWEtcmVhbC1zaWduYXR1cmU= {sig_a}"), valid=matched(0)))
    add(verify_case("std-only-unknown-versions", "only v1a and v2 entries: nothing to check", secrets=one,
                    headers=std_headers(MSG_ID, ts, "v1a,c2lnbmF0dXJl v2," + sig_a[3:]),
                    error="no_matching_signature"))
    add(verify_case("std-version-is-case-sensitive", "V1 is not v1", secrets=one,
                    headers=std_headers(MSG_ID, ts, "V1," + sig_a[3:]), error="no_matching_signature"))
    add(verify_case("std-garbage-entry-beside-good", "a malformed entry does not hide a good one", secrets=one,
                    headers=std_headers(MSG_ID, ts, f"garbage,,, ;; {sig_a}"), valid=matched(0)))
    add(verify_case("std-damaged-v1-beside-good", "a v1 entry that is not base64 of 32 bytes is skipped",
                    secrets=one, headers=std_headers(MSG_ID, ts, f"v1,!!!notbase64!!! v1,AAAA {sig_a}"),
                    valid=matched(0)))
    add(verify_case("std-signature-header-garbage", "a signature header with no version,value entry", secrets=one,
                    headers=std_headers(MSG_ID, ts, "garbage"), error="invalid_header"))
    add(verify_case("std-signature-header-empty", "an empty signature header", secrets=one,
                    headers=std_headers(MSG_ID, ts, ""), error="invalid_header"))
    add(verify_case("std-signature-header-blank", "a signature header of spaces", secrets=one,
                    headers=std_headers(MSG_ID, ts, "   "), error="invalid_header"))
    add(verify_case("std-signature-hex-instead-of-base64", "a hex signature in a v1 entry does not count",
                    secrets=one, headers=std_headers(MSG_ID, ts, "v1," + mac(KEY_A, b"x").hex()),
                    error="no_matching_signature"))
    add(verify_case("std-signature-unpadded", "base64 without its trailing '=' is accepted", secrets=one,
                    headers=std_headers(MSG_ID, ts, sig_a.rstrip("=")), valid=matched(0)))
    urlsafe = "v1," + base64.urlsafe_b64encode(mac(KEY_A, f"{MSG_ID}.{ts}.".encode() + ORDER_BODY.encode())).decode()
    if urlsafe != sig_a:  # only meaningful when the alphabets differ for this tag
        add(verify_case("std-signature-urlsafe-alphabet", "URL-safe base64 is not the standard alphabet",
                        secrets=one, headers=std_headers(MSG_ID, ts, urlsafe), error="no_matching_signature"))
    for name, value in (("letters", "abc"), ("negative", "-1795341600"), ("plus-sign", "+1795341600"),
                        ("fraction", "1795341600.5"), ("exponent", "1.7953416e9"), ("empty", ""),
                        ("inner-space", "17953 41600"), ("hex", "0x6B01A1A0"), ("milliseconds-overflow",
                        "99999999999999999999"), ("twenty-one-digits", "179534160000000000000"),
                        ("fullwidth-digits", "１７９５３４１６００")):
        add(verify_case(f"std-timestamp-{name}", f"timestamp {value!r} is not plain unix seconds", secrets=one,
                        headers=std_headers(MSG_ID, value, sig_a), error="invalid_header"))
    padded = "000" + ts
    add(verify_case("std-timestamp-leading-zeros", "leading zeros are digits; the signature covers them verbatim",
                    secrets=one, headers=std_headers(MSG_ID, padded, v1(KEY_A, MSG_ID, padded, UTF8)),
                    valid=matched(0)))
    add(verify_case("std-id-empty", "an empty message id", secrets=one, headers=std_headers("", ts, sig_a),
                    error="invalid_header"))
    add(verify_case("std-id-inner-space", "a message id with a space", secrets=one,
                    headers=std_headers("msg 1", ts, v1(KEY_A, "msg 1", ts, UTF8)), error="invalid_header"))
    add(verify_case("std-id-non-ascii", "a message id with a non-ASCII character", secrets=one,
                    headers=std_headers("msg_é", ts, sig_a), error="invalid_header"))
    long_id = "msg_" + "x" * 252
    add(verify_case("std-id-256-bytes", "the longest accepted message id", secrets=one,
                    headers=std_headers(long_id, ts, v1(KEY_A, long_id, ts, UTF8)), valid=matched(0, msg_id=long_id)))
    add(verify_case("std-id-257-bytes", "one byte over the message id limit", secrets=one,
                    headers=std_headers(long_id + "x", ts, v1(KEY_A, long_id + "x", ts, UTF8)),
                    error="invalid_header"))
    add(verify_case("std-signature-header-too-long", "a signature header over 8 KiB is refused before any work",
                    secrets=one, headers=std_headers(MSG_ID, ts, (sig_wrong + " ") * 200 + sig_a),
                    error="invalid_header"))
    add(verify_case("std-signature-65-entries", "more than 64 entries are refused", secrets=one,
                    headers=std_headers(MSG_ID, ts, " ".join(["v2,eA=="] * 64 + [sig_a])), error="invalid_header"))
    add(verify_case("std-signature-64-entries", "64 entries are the most accepted", secrets=one,
                    headers=std_headers(MSG_ID, ts, " ".join(["v2,eA=="] * 63 + [sig_a])), valid=matched(0)))

    # Tampering and the wrong secret.
    add(verify_case("std-tampered-body", "one byte of the body changed", secrets=one,
                    headers=std_headers(MSG_ID, ts, sig_a), body={"utf8": ORDER_BODY.replace('"quantity":2',
                                                                                             '"quantity":9')},
                    error="no_matching_signature"))
    add(verify_case("std-reserialized-body", "the body parsed and serialized again with spaces", secrets=one,
                    headers=std_headers(MSG_ID, ts, sig_a),
                    body={"utf8": json.dumps(json.loads(ORDER_BODY))}, error="no_matching_signature"))
    add(verify_case("std-tampered-id", "the signature belongs to another message id", secrets=one,
                    headers=std_headers("msg_other", ts, sig_a), error="no_matching_signature"))
    add(verify_case("std-tampered-timestamp", "the timestamp moved by one second within tolerance", secrets=one,
                    headers=std_headers(MSG_ID, str(NOW - 1), sig_a), error="no_matching_signature"))
    add(verify_case("std-wrong-secret", "signed with a secret this receiver does not hold", secrets=one,
                    headers=std_headers(MSG_ID, ts, sig_wrong), error="no_matching_signature"))
    add(verify_case("std-trailing-newline", "a body that lost its trailing newline", secrets=one,
                    headers=std_headers(MSG_ID, ts, v1(KEY_A, MSG_ID, ts, {"utf8": ORDER_BODY + "\n"})),
                    error="no_matching_signature"))

    # Bodies.
    for name, body in (("empty", {"utf8": ""}), ("non-utf8", {"hex": "fffe00c328ff80"}),
                       ("unicode", {"utf8": '{"name":"Tasse – Grün ☕","emoji":"📦"}'}),
                       ("one-mib", {"repeat": "dropship-hooks--", "count": MIB // 16})):
        add(verify_case(f"std-body-{name}", f"a {name} body", secrets=one, body=body,
                        headers=std_headers(MSG_ID, ts, v1(KEY_A, MSG_ID, ts, body)), valid=matched(0)))
    over = {"repeat": "dropship-", "count": MIB // 9 + 1}
    add(verify_case("std-body-over-default-limit", "a body past 1 MiB, the default bodyLimitBytes, signed correctly",
                    secrets=one, body=over, headers=std_headers(MSG_ID, ts, v1(KEY_A, MSG_ID, ts, over)),
                    error="payload_too_large"))
    add(verify_case("std-body-parsed-object", "an already-parsed JSON object instead of the raw body (bindings only)",
                    secrets=one, body={"parsed": json.loads(ORDER_BODY)}, headers=std_headers(MSG_ID, ts, sig_a),
                    error="payload_not_raw"))

    # Secrets written differently.
    add(verify_case("std-secret-without-prefix", "a secret given as bare base64 (no whsec_)",
                    secrets=[secret(base64.b64encode(KEY_A).decode())], headers=std_headers(MSG_ID, ts, sig_a),
                    valid=matched(0)))
    add(verify_case("std-secret-24-bytes", "the shortest key", secrets=[secret(SECRET_B)],
                    headers=std_headers(MSG_ID, ts, sig_b), valid=matched(0)))
    add(verify_case("std-secret-64-bytes", "the longest key", secrets=[secret(SECRET_C, label="long")],
                    headers=std_headers(MSG_ID, ts, sig_c), valid=matched(0, "long")))

    # Signing: the headers a sender puts on the request.
    def sign_case(case_id: str, comment: str, secrets: list[dict[str, Any]], msg_id: str, timestamp: int,
                  body: dict[str, Any], keys: list[bytes] | None = None, error: str | None = None) -> Case:
        case: Case = {"id": case_id, "comment": comment, "operation": "sign", "secrets": secrets, "msgId": msg_id,
                      "timestamp": timestamp, "body": body}
        if error:
            case.update(result="invalid", error=error)
        else:
            assert keys is not None
            signature = " ".join(v1(k, msg_id, str(timestamp), body) for k in keys)
            case.update(result="valid", expected={"headers": std_headers(msg_id, str(timestamp), signature)})
        return case

    add(sign_case("std-sign-one-secret", "one secret signs", one, MSG_ID, NOW, UTF8, [KEY_A]))
    add(sign_case("std-sign-rotation", "every active secret signs, in set order; the expired one does not",
                  [secret(SECRET_A, NOW, "expired"), secret(SECRET_B, NOW + 1), secret(SECRET_C)], MSG_ID, NOW,
                  UTF8, [KEY_B, KEY_C]))
    add(sign_case("std-sign-id-with-dot", "a sender never signs an id with `.`, the separator of the signed content",
                  one, "evt.1", NOW, UTF8, error="invalid_header"))
    dotted = "msg.from.another.sender"
    add(verify_case("std-verify-id-with-dot", "a receiver still verifies another sender's id with `.` (the signed "
                    "content is rebuilt from the headers as received)", secrets=one,
                    headers=std_headers(dotted, ts, v1(KEY_A, dotted, ts, UTF8)), valid=matched(0, msg_id=dotted)))
    add(sign_case("std-sign-empty-body", "an empty body is signed", one, "msg_empty", NOW, {"utf8": ""}, [KEY_A]))
    add(sign_case("std-sign-timestamp-zero", "timestamp 0 is written as 0", one, MSG_ID, 0, UTF8, [KEY_A]))
    add(sign_case("std-sign-all-expired", "nothing can sign", [secret(SECRET_A, NOW)], MSG_ID, NOW, UTF8,
                  error="no_active_secret"))
    add(sign_case("std-sign-bad-id", "an id with a space cannot travel in a header", one, "msg 1", NOW, UTF8,
                  error="invalid_header"))
    return cases


def fabric_cases() -> list[Case]:
    one = [secret(FABRIC_A)]
    digest = mac(FABRIC_A.encode(), ORDER_BODY.encode())
    lower = digest.hex()
    header = [["fabric-dropship-signature", lower]]
    cases: list[Case] = []
    add = cases.append

    def fabric(case_id: str, comment: str, *, secrets: list[dict[str, Any]] = one,
               headers: list[list[str]] = header, body: dict[str, Any] = UTF8, valid: dict[str, Any] | None = None,
               error: str | None = None, now: int = NOW, body_limit: int | None = None) -> Case:
        return verify_case(case_id, comment, secrets=secrets, headers=headers, body=body, valid=valid, error=error,
                           now=now, body_limit=body_limit)

    def hit(index: int, label: str | None = None) -> dict[str, Any]:
        return matched(index, label, msg_id=None, ts=None)

    add(fabric("fabric-lower-hex", "the form fabric sends", valid=hit(0)))
    add(fabric("fabric-body-over-limit", "a body over bodyLimitBytes is refused before any HMAC",
               body_limit=len(ORDER_BODY.encode()) - 1, error="payload_too_large"))
    add(fabric("fabric-upper-hex", "hex in upper case", headers=[["fabric-dropship-signature", lower.upper()]],
               valid=hit(0)))
    add(fabric("fabric-base64", "the tag as base64",
               headers=[["fabric-dropship-signature", base64.b64encode(digest).decode()]], valid=hit(0)))
    add(fabric("fabric-base64-unpadded", "base64 without padding",
               headers=[["fabric-dropship-signature", base64.b64encode(digest).decode().rstrip("=")]], valid=hit(0)))
    add(fabric("fabric-header-case", "header name in title case",
               headers=[["Fabric-Dropship-Signature", lower]], valid=hit(0)))
    add(fabric("fabric-whitespace", "whitespace around the value",
               headers=[["fabric-dropship-signature", f"  {lower}\t"]], valid=hit(0)))
    add(fabric("fabric-no-replay-window", "no timestamp: a day later still verifies (dedupe by event id)",
               now=NOW + 86400, valid=hit(0)))
    add(fabric("fabric-rotation", "two secrets; the second one matches",
               secrets=[secret(FABRIC_B, NOW + 10, "old"), secret(FABRIC_A, None, "new")], valid=hit(1, "new")))
    add(fabric("fabric-rotation-several-values", "several signatures separated by spaces",
               secrets=[secret(FABRIC_B, label="b")],
               headers=[["fabric-dropship-signature", f"{lower} {fabric_hex(FABRIC_B, UTF8)}"]], valid=hit(0, "b")))
    add(fabric("fabric-comma-separated", "several signatures separated by a comma and space",
               headers=[["fabric-dropship-signature", f"{fabric_hex(FABRIC_B, UTF8)}, {lower}"]], valid=hit(0)))
    add(fabric("fabric-32-secrets", "32 secrets, the most a set holds; the last one matches",
               secrets=[secret(f"old-secret-{i}") for i in range(31)] + [secret(FABRIC_A, label="current")],
               valid=hit(31, "current")))
    add(fabric("fabric-expired-secret", "the only secret has expired", secrets=[secret(FABRIC_A, NOW)],
               error="no_active_secret"))
    add(fabric("fabric-expired-secret-does-not-verify", "the matching secret expired; another is active",
               secrets=[secret(FABRIC_A, NOW - 5), secret(FABRIC_B)], error="no_matching_signature"))
    add(fabric("fabric-missing", "no fabric header, though Standard Webhooks headers are present",
               headers=[["webhook-id", MSG_ID], ["webhook-timestamp", str(NOW)], ["webhook-signature", "v1,abc"]],
               error="missing_header"))
    add(fabric("fabric-empty", "an empty header", headers=[["fabric-dropship-signature", ""]],
               error="invalid_header"))
    add(fabric("fabric-garbage", "not hex, not base64", headers=[["fabric-dropship-signature", "not a signature"]],
               error="invalid_header"))
    add(fabric("fabric-hex-63-digits", "one hex digit short", headers=[["fabric-dropship-signature", lower[:-1]]],
               error="invalid_header"))
    add(fabric("fabric-prefixed", "a sha256= prefix is not part of the format",
               headers=[["fabric-dropship-signature", "sha256=" + lower]], error="invalid_header"))
    add(fabric("fabric-too-long", "a header over 4 KiB", headers=[["fabric-dropship-signature", (lower + " ") * 70]],
               error="invalid_header"))
    add(fabric("fabric-too-many", "65 signatures", headers=[["fabric-dropship-signature", " ".join([lower] * 65)]],
               error="invalid_header"))
    add(fabric("fabric-tampered-body", "the body changed", body={"utf8": ORDER_BODY + " "},
               error="no_matching_signature"))
    add(fabric("fabric-wrong-secret", "another secret", secrets=[secret(FABRIC_B)], error="no_matching_signature"))
    add(fabric("fabric-whsec-string-is-bytes", "a whsec_-looking fabric secret is used as its string bytes",
               secrets=[secret(SECRET_A)],
               headers=[["fabric-dropship-signature", mac(SECRET_A.encode(), ORDER_BODY.encode()).hex()]],
               valid=hit(0)))
    for name, body in (("empty", {"utf8": ""}), ("non-utf8", {"hex": "00ff10fe"}),
                       ("one-mib", {"repeat": "0123456789abcdef", "count": MIB // 16})):
        add(fabric(f"fabric-body-{name}", f"a {name} body", body=body,
                   headers=[["fabric-dropship-signature", fabric_hex(FABRIC_A, body)]], valid=hit(0)))
    add(fabric("fabric-body-parsed-object", "an already-parsed object (bindings only)",
               body={"parsed": {"id": "evt_1"}}, error="payload_not_raw"))

    def sign(case_id: str, comment: str, secrets: list[dict[str, Any]], values: list[str] | None,
             error: str | None = None) -> Case:
        case: Case = {"id": case_id, "comment": comment, "operation": "sign", "secrets": secrets, "msgId": MSG_ID,
                      "timestamp": NOW, "body": UTF8}
        if error:
            case.update(result="invalid", error=error)
        else:
            assert values is not None
            case.update(result="valid", expected={"headers": [["fabric-dropship-signature", " ".join(values)]]})
        return case

    add(sign("fabric-sign-one", "lowercase hex of HMAC(secret bytes, body)", one, [lower]))
    add(sign("fabric-sign-two-active", "two active secrets: two values, in set order",
             [secret(FABRIC_B), secret(FABRIC_A)], [fabric_hex(FABRIC_B, UTF8), lower]))
    add(sign("fabric-sign-expired", "nothing active at the timestamp", [secret(FABRIC_A, NOW - 1)], None,
             error="no_active_secret"))
    for case in cases:
        case["scheme"] = "fabric"
    return cases


def secret_cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append
    probe = {"msgId": MSG_ID, "timestamp": NOW, "body": UTF8}

    def construct(case_id: str, comment: str, scheme: str, values: list[str], key: bytes | None = None,
                  error: str | None = None) -> Case:
        case: Case = {"id": case_id, "comment": comment, "operation": "construct", "scheme": scheme,
                      "secrets": [secret(v) for v in values]}
        if error:
            case.update(result="invalid", error=error)
            return case
        assert key is not None
        case["sign"] = probe
        if scheme.lower() == "fabric":
            headers = [["fabric-dropship-signature", mac(key, ORDER_BODY.encode()).hex()]]
        else:
            headers = std_headers(MSG_ID, str(NOW), v1(key, MSG_ID, str(NOW), UTF8))
        case.update(result="valid", expected={"headers": headers})
        return case

    b64 = base64.b64encode
    add(construct("secret-whsec-32", "the usual secret: whsec_ + 32 bytes", "standard", [SECRET_A], KEY_A))
    add(construct("secret-whsec-24", "24 bytes, as Svix generates", "standard", [SECRET_B], KEY_B))
    add(construct("secret-whsec-64", "64 bytes, the longest", "standard", [SECRET_C], KEY_C))
    add(construct("secret-bare-base64", "no whsec_ prefix", "standard", [b64(KEY_A).decode()], KEY_A))
    add(construct("secret-unpadded", "base64 without its padding", "standard",
                  [SECRET_A.rstrip("=")], KEY_A))
    add(construct("secret-surrounding-whitespace", "a trailing newline from an env file is ignored", "standard",
                  [f"  {SECRET_A}\n"], KEY_A))
    add(construct("secret-scheme-name-any-case", "scheme names are case-insensitive", "STANDARD", [SECRET_A], KEY_A))
    add(construct("secret-empty", "an empty string", "standard", [""], error="invalid_secret"))
    add(construct("secret-prefix-only", "just the prefix", "standard", ["whsec_"], error="invalid_secret"))
    add(construct("secret-too-short", "23 bytes", "standard", [whsec(key_bytes("short", 23))],
                  error="invalid_secret"))
    add(construct("secret-too-long", "65 bytes", "standard", [whsec(key_bytes("long", 65))], error="invalid_secret"))
    add(construct("secret-absurdly-long", "a 10 KB secret is refused before decoding", "standard", ["whsec_" + "A" * 10_000],
                  error="invalid_secret"))
    add(construct("secret-not-base64", "characters outside base64", "standard", ["whsec_not*base64*at*all*!!!!"],
                  error="invalid_secret"))
    add(construct("secret-urlsafe-alphabet", "URL-safe base64 is not accepted",
                  "standard", ["whsec_" + base64.urlsafe_b64encode(b"\xfb\xff" * 16).decode()],
                  error="invalid_secret"))
    add(construct("secret-wrong-prefix", "a different prefix is not base64", "standard",
                  ["whsk_" + b64(KEY_A).decode()], error="invalid_secret"))
    add(construct("secret-second-invalid", "one bad secret among good ones fails construction", "standard",
                  [SECRET_A, "whsec_???"], error="invalid_secret"))
    add(construct("secret-set-empty", "no secrets at all", "standard", [], error="invalid_secret"))
    add(construct("secret-set-33", "33 secrets: every one would sign each request", "standard", [SECRET_A] * 33,
                  error="invalid_secret"))
    add(construct("secret-fabric-string", "fabric keys are the string's UTF-8 bytes", "fabric", [FABRIC_A],
                  FABRIC_A.encode()))
    add(construct("secret-fabric-unicode", "non-ASCII fabric secrets are UTF-8 encoded", "Fabric", [FABRIC_B],
                  FABRIC_B.encode()))
    add(construct("secret-fabric-empty", "an empty fabric secret", "fabric", [""], error="invalid_secret"))
    add(construct("secret-fabric-too-long", "a fabric secret over 1024 bytes", "fabric", ["x" * 1025],
                  error="invalid_secret"))
    add(construct("secret-scheme-unknown", "an unknown scheme name", "hmac-sha256", [SECRET_A],
                  error="invalid_option"))

    def generate(case_id: str, comment: str, random: bytes, valid: bool) -> Case:
        case: Case = {"id": case_id, "comment": comment, "operation": "generate", "randomHex": random.hex()}
        if valid:
            case.update(result="valid", expected={"secret": whsec(random)})
        else:
            case.update(result="invalid", error="invalid_option")
        return case

    add(generate("generate-32", "32 random bytes, the default", key_bytes("rand", 32), True))
    add(generate("generate-24", "24 random bytes", key_bytes("rand", 24), True))
    add(generate("generate-64", "64 random bytes", key_bytes("rand", 64), True))
    add(generate("generate-23", "too few random bytes", key_bytes("rand", 23), False))
    add(generate("generate-65", "too many random bytes", key_bytes("rand", 65), False))
    add(generate("generate-0", "no random bytes", b"", False))
    return cases


def all_topics() -> list[str]:
    from events_cases import SAMPLES
    return sorted(path.stem for path in SAMPLES.glob("*.json"))


FILES = {
    "signature_standard.json": (
        "Standard Webhooks v1 verification and signing (DESIGN.md 3.1, 3.3). Cases without 'scheme' use 'standard'; "
        "'toleranceSeconds' defaults to 300, 'bodyLimitBytes' to 1048576.",
        standard_cases,
    ),
    "signature_fabric.json": ("fabric-dropship-signature verification and signing (DESIGN.md 3.2).", fabric_cases),
    "secrets.json": ("Secret parsing per scheme, scheme names, and secret generation (DESIGN.md 3.1, 3.3).",
                     secret_cases),
    "events.json": ("Event parsing: every topic's sample, tolerant spellings, malformed bodies (DESIGN.md 4). "
                    "'expected.event' is the canonical JSON the parser returns.",
                    lambda: events_cases(all_topics())),
    "retry_schedule.json": ("Retry delays with jitter and Retry-After clamping (DESIGN.md 5). A null schedule is "
                            "the default; expectedMs null means the message is given up (or the header unusable).",
                            retry_cases),
    "health.json": ("Endpoint health through sequences of outcomes, and rate/burst limits (DESIGN.md 5).",
                    lambda: health_cases() + limit_cases()),
    "endpoint_config.json": ("Endpoint configuration rules: URL, topics, method, limits, secrets (DESIGN.md 5).",
                             endpoint_cases),
}


def render(description: str, cases: list[Case]) -> str:
    ids = [case["id"] for case in cases]
    assert len(ids) == len(set(ids)), "duplicate vector ids"
    document = {
        "description": description,
        "generatedBy": "tests/vectors/generate.py (Python hmac/hashlib/base64; edit the script, not this file)",
        "now": NOW,
        "cases": cases,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def main() -> int:
    outputs = {HERE / name: render(description, build()) for name, (description, build) in FILES.items()}
    return write_or_check(outputs, "make generate")


if __name__ == "__main__":
    sys.exit(main())
