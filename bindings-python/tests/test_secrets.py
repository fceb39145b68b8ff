"""The Python forms of a secret list (str, mapping, object) and the index a bad one is reported with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from dropship_webhooks import Webhook, WebhookVerificationError

GOOD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class Held:
    secret: Any
    label: Any = None


@pytest.mark.parametrize(
    ("secrets", "index"),
    [
        ([GOOD, 42], 1),
        ([GOOD, GOOD, {"label": "no secret"}], 2),
        ([{"secret": 7}], 0),
        ([GOOD, Held(secret=GOOD, label=3)], 1),
        ([Held(secret=b"bytes")], 0),
    ],
)
def test_a_bad_secret_is_reported_with_its_index(secrets: list[Any], index: int) -> None:
    with pytest.raises(WebhookVerificationError) as raised:
        Webhook(secrets)
    assert raised.value.code == "invalid_secret"
    assert f"secret #{index} is invalid" in str(raised.value)


def test_every_form_of_a_good_secret_is_accepted() -> None:
    webhook = Webhook([GOOD, {"secret": GOOD, "label": "next"}, Held(secret=GOOD, label="held")])
    headers = webhook.sign("msg_1", 1_790_000_000, b"{}")
    verified = Webhook([Held(secret=GOOD, label="held")]).verify_signature(b"{}", headers, now=1_790_000_000)
    assert (verified.secret_index, verified.secret_label) == (0, "held")
