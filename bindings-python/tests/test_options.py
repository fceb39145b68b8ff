"""The cold helpers' option sets: the core's options layer reads them in snake_case, so partial sets take the
defaults, a value JSON cannot carry (NaN, inf, huge ints, other types) is refused with the field named, datetimes
are seconds, and answers come back in snake_case."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any, Callable

import pytest

import dropship_webhooks as dw

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CONFIG: dict[str, Any] = {"url": "https://example.com/hook", "topics": ["order.created"], "secrets": [SECRET]}


def refused(run: Callable[[], Any], code: str, mention: str) -> None:
    with pytest.raises(dw.WebhookError) as raised:
        run()
    assert raised.value.code == code
    assert mention in str(raised.value), str(raised.value)


def test_the_default_schedule_comes_from_the_core_in_snake_case() -> None:
    assert sorted(dw.retry_schedule) == ["base_delay_ms", "factor", "jitter_percent", "max_delay_ms", "max_retries",
                                         "min_retry_after_ms"]
    assert dw.next_retry_delay(2, 0.5, {"factor": 3}) == 90_000
    assert dw.next_retry_delay(1, 0.5, {"factor": 3, "maxRetries": 0}) == 30_000  # camelCase is not Python's


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1, 2**70, "3", True, b"3", object()])
def test_a_field_that_is_not_a_whole_number_is_named(bad: Any) -> None:
    refused(lambda: dw.next_retry_delay(1, 0.5, {"max_retries": bad}), "invalid_option", "`max_retries`")


def test_errors_from_the_rules_name_the_field_in_snake_case() -> None:
    refused(lambda: dw.next_retry_delay(1, 0.5, {"max_delay_ms": 1}), "invalid_option", "`max_delay_ms`")
    refused(lambda: dw.validate_endpoint(dict(CONFIG, rate_limit=-1)), "invalid_endpoint", "`rate_limit`")
    refused(lambda: dw.validate_endpoint(dict(CONFIG, burst_limit=math.nan)), "invalid_endpoint", "`burst_limit`")


def test_health_states_take_datetimes_and_answer_in_snake_case() -> None:
    since = datetime.fromtimestamp(1_000_000, tz=timezone.utc)
    failing = dw.health_record_failure({"status": "HEALTHY", "failing_since": since}, 1_000_000 + 3 * 86_400)
    assert failing == {"status": "FAILED", "failing_since": 1_000_000}
    assert dw.health_reactivate(failing) == {"status": "HEALTHY", "failing_since": None}
    refused(lambda: dw.health_record_success({"status": "SLEEPY"}), "invalid_option", "`status`")


def test_rate_decisions_carry_exactly_one_field() -> None:
    assert dw.rate_limit_check(4, 0, 1_000) == {"next_tat_us": 251_000}
    assert dw.rate_limit_check(4, 251_000, 1_000) == {"wait_us": 250_000}
    refused(lambda: dw.burst_allows(2**32, 0), "invalid_option", "`burst`")


def test_a_valid_endpoint_answers_in_snake_case() -> None:
    valid = dw.validate_endpoint(dict(CONFIG, rate_limit=25, secrets=[dw.Secret(SECRET, label="held")]))
    assert valid == {"url": "https://example.com/hook", "host": "example.com", "topics": ["order.created"],
                     "method": "POST", "rate_limit": 25, "burst_limit": 0}
    refused(lambda: dw.validate_endpoint(dict(CONFIG, secrets=[SECRET, {"secret": SECRET, "expires_at": -5}])),
            "invalid_secret", "#1")
