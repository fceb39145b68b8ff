"""Flask: ``WEBHOOK_SECRET=whsec_… flask --app flask_app run``."""

from __future__ import annotations

import os
from typing import Any, Dict, Tuple

from flask import Flask

from dropship_webhooks import Webhook, WebhookError
from dropship_webhooks.frameworks import http_status, verify_flask


def create_app(secret: str = os.environ.get("WEBHOOK_SECRET", "")) -> Flask:
    webhook = Webhook(secret)
    app = Flask(__name__)

    @app.post("/webhooks")
    def receive() -> Tuple[Dict[str, Any], int]:
        try:
            event = verify_flask(webhook)  # the raw body of flask.request
        except WebhookError as error:
            return {"error": error.code}, http_status(error)
        if event["topic"] == "order.created":
            print("new order", event["data"].get("purchaseOrderNumber"))
        return {"received": event["id"]}, 200

    return app
