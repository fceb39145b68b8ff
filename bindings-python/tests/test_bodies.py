"""Bodies that cannot be the bytes that were signed are refused with the package's own error, not Python's."""

from __future__ import annotations

import pytest

import dropship_webhooks as dw

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = 1795341600


def test_a_str_with_lone_surrogates_is_a_payload_error() -> None:
    webhook = dw.Webhook(SECRET)
    raw = b'{"id":"evt_1","topic":"order.created","data":{"note":"\xff"}}'
    headers = webhook.sign("msg_1", NOW, raw)
    text = raw.decode("utf-8", errors="surrogateescape")
    with pytest.raises(dw.WebhookPayloadError) as caught:
        webhook.verify(text, headers, now=NOW)
    assert caught.value.code == "payload_not_raw"
    assert "surrogateescape" in str(caught.value)
    with pytest.raises(dw.WebhookPayloadError):
        dw.parse_event(text)
    # The bytes themselves verify (the signature covers them).
    with pytest.raises(dw.WebhookPayloadError) as shape:
        webhook.verify(raw, headers, now=NOW)
    assert shape.value.code in ("invalid_json", "invalid_payload")
