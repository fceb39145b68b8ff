"""AWS Lambda behind API Gateway (REST API v1 or HTTP API v2 events, base64 bodies too); set ``WEBHOOK_SECRET``."""

from __future__ import annotations

import json
import os
from typing import Any, Dict

from dropship_webhooks import Webhook, WebhookError
from dropship_webhooks.frameworks import http_status, verify_lambda_event

webhook = Webhook(os.environ.get("WEBHOOK_SECRET", ""))


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    try:
        verified = verify_lambda_event(webhook, event)
    except WebhookError as error:
        return {"statusCode": http_status(error), "body": json.dumps({"error": error.code})}
    return {"statusCode": 200, "body": json.dumps({"received": verified["id"]})}
