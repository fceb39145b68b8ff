"""Google Cloud Functions (2nd gen, Python): deploy with ``--entry-point receive``; set ``WEBHOOK_SECRET``.

Locally: ``functions-framework --source cloud_function.py --target receive``.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Tuple

import functions_framework

from dropship_webhooks import Webhook, WebhookError
from dropship_webhooks.frameworks import http_status, verify_flask

webhook = Webhook(os.environ.get("WEBHOOK_SECRET", ""))


@functions_framework.http
def receive(request: Any) -> Tuple[Dict[str, Any], int]:
    try:
        event = verify_flask(webhook, request)
    except WebhookError as error:
        return {"error": error.code}, http_status(error)
    return {"received": event["id"]}, 200
