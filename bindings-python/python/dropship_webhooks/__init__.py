"""Verify, sign and parse dropship platform webhooks.

HMAC-SHA256 signatures checked against several active secrets (rotation without downtime), replay protection and
a typed event for each of the 29 topics, over the project's Rust core (shared with the Node and WebAssembly
packages, with the same error codes)::

    from dropship_webhooks import Webhook

    webhook = Webhook(["whsec_...old", "whsec_...new"])
    event = webhook.verify(request_body_bytes, request_headers)
    if event["topic"] == "order.created":
        print(event["data"]["purchaseOrderNumber"])
"""

from __future__ import annotations

import json
import os
import random as _random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Union, cast

from . import _native
from ._native import (
    VerifiedSignature,
    WebhookError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from .events import WebhookErrorCode, WebhookEvent
from .router import Webhook, WebhookAnswer

__all__ = [
    "DEFAULT_BODY_LIMIT_BYTES",
    "DEFAULT_FAILURE_WINDOW_SECONDS",
    "DEFAULT_TOLERANCE_SECONDS",
    "Secret",
    "VerifiedSignature",
    "Webhook",
    "WebhookAnswer",
    "WebhookError",
    "WebhookErrorCode",
    "WebhookEvent",
    "WebhookPayloadError",
    "WebhookVerificationError",
    "burst_allows",
    "generate_secret",
    "health_reactivate",
    "health_record_failure",
    "health_record_success",
    "next_retry_delay",
    "parse_event",
    "rate_limit_check",
    "retry_after_delay",
    "retry_schedule",
    "topics",
    "validate_endpoint",
]

_defaults: Dict[str, int] = json.loads(_native.defaults_json())

DEFAULT_TOLERANCE_SECONDS: int = _defaults["tolerance_seconds"]
"""How far a message timestamp may be from now, both ways, unless ``tolerance_seconds`` says otherwise."""

DEFAULT_FAILURE_WINDOW_SECONDS: int = _defaults["failure_window_seconds"]
"""How long an endpoint may fail before it is FAILED (three days)."""

DEFAULT_BODY_LIMIT_BYTES: int = _defaults["body_limit_bytes"]
"""The longest body verified unless ``body_limit_bytes`` says otherwise (1 MiB): longer is ``payload_too_large``."""


@dataclass(frozen=True)
class Secret:
    """A secret with an optional expiry (unix seconds or datetime) and label; ``repr`` never shows the value."""

    secret: str
    expires_at: Optional[Union[int, float, datetime]] = None
    label: Optional[str] = None

    def __repr__(self) -> str:
        return f"Secret(secret=<redacted>, expires_at={self.expires_at!r}, label={self.label!r})"


def generate_secret(random_bytes: Optional[bytes] = None) -> str:
    """A new ``whsec_`` secret from 32 bytes of ``os.urandom``, or from the 24 to 64 random bytes given."""
    return _native.generate_secret_from(os.urandom(32) if random_bytes is None else random_bytes)


def parse_event(body: Union[bytes, bytearray, memoryview, str]) -> WebhookEvent:
    """Parses a body into a typed event without checking any signature (tests, replays)."""
    return _native.parse_event(body)


topics: List[Dict[str, str]] = json.loads(_native.topics_json())
"""The topic catalog: ``name``, ``group``, ``audience``, ``description``, ``payload`` for each of the 29 topics."""

retry_schedule: Dict[str, int] = json.loads(_native.retry_schedule_json())
"""The default retry schedule: 30 s doubling to a 2 h cap, ten retries, 20 % jitter."""


def next_retry_delay(
    failures: int, random: Optional[float] = None, schedule: Optional[Mapping[str, int]] = None
) -> Optional[int]:
    """Milliseconds to wait after ``failures`` failed attempts, or None once the retries are used up."""
    return _native.next_retry_delay(failures, _random.random() if random is None else random, schedule)


def retry_after_delay(
    header: Optional[str], now: Optional[Union[int, float, datetime]] = None,
    schedule: Optional[Mapping[str, int]] = None,
) -> Optional[int]:
    """Milliseconds a ``Retry-After`` header asks for, clamped to the schedule; None if absent or unreadable."""
    return _native.retry_after_delay(header, time.time() if now is None else now, schedule)


def _answer(text: str) -> Dict[str, Any]:
    """A helper's answer: the core writes it as JSON with snake_case keys."""
    return cast(Dict[str, Any], json.loads(text))


def health_record_failure(
    state: Optional[Mapping[str, Any]], at: Union[int, float, datetime],
    window_seconds: int = DEFAULT_FAILURE_WINDOW_SECONDS,
) -> Dict[str, Any]:
    """The endpoint's health after a failed delivery at ``at``: FAILED once failing for ``window_seconds``."""
    return _answer(_native.health_record_failure(state, at, window_seconds))


def health_record_success(state: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """The endpoint's health after a delivery it accepted."""
    return _answer(_native.health_record_success(state))


def health_reactivate(state: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """The endpoint's health after its owner re-activated it: HEALTHY, with a fresh streak."""
    return _answer(_native.health_reactivate(state))


def rate_limit_check(rate: int, tat_us: int, now_us: int) -> Dict[str, int]:
    """One rate-limiter step: ``{"next_tat_us": …}`` if a request may go now, else ``{"wait_us": …}``."""
    return cast(Dict[str, int], json.loads(_native.rate_limit_check(rate, tat_us, now_us)))


def burst_allows(burst: int, in_flight: int) -> bool:
    """Whether one more request may start while ``in_flight`` run; burst 0 means unlimited."""
    return _native.burst_allows(burst, in_flight)


def validate_endpoint(config: Mapping[str, Any], *, allow_insecure_loopback: bool = False) -> Dict[str, Any]:
    """Checks an endpoint configuration (``url``, ``topics``, ``method``, ``rate_limit``, ``burst_limit``,
    ``scheme``, ``secrets``); returns it normalized or raises ``invalid_endpoint`` / ``invalid_secret``."""
    return _answer(_native.validate_endpoint_json(config, allow_insecure_loopback))
