"""FastAPI: ``WEBHOOK_SECRET=whsec_… uvicorn fastapi_app:app``."""

from __future__ import annotations

import os
from typing import Dict

from fastapi import Depends, FastAPI

from dropship_webhooks import Webhook, WebhookEvent
from dropship_webhooks.frameworks import fastapi_dependency


def create_app(secret: str = os.environ.get("WEBHOOK_SECRET", "")) -> FastAPI:
    verified_event = fastapi_dependency(Webhook(secret))  # answers 401/400 with the error code itself
    app = FastAPI()

    @app.post("/webhooks")
    async def receive(event: WebhookEvent = Depends(verified_event)) -> Dict[str, str]:
        if event["topic"] == "product.inventoryChanged":
            print("stock changed", event["data"]["id"])
        return {"received": event["id"]}

    return app


if os.environ.get("WEBHOOK_SECRET"):
    app = create_app()
