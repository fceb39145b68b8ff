"""The demo's Python receiver: a FastAPI app that verifies with the installed ``dropship_webhooks`` wheel.

``PUT /_demo/config`` sets its secrets and how long it fails on purpose; ``GET /_demo/stats`` reports what it saw.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Dict, List, Optional, Set

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from dropship_webhooks import Webhook, WebhookError

app = FastAPI()
webhook: Optional[Webhook] = None
fail_until = 0.0
event_ids: Set[str] = set()
stats: Dict[str, Any] = {"received": 0, "verified": 0, "rejected": 0, "failedOnPurpose": 0, "codes": {}}


@app.put("/_demo/config")
async def configure(request: Request) -> Dict[str, bool]:
    global webhook, fail_until
    config: Dict[str, Any] = await request.json()
    secrets: List[str] = config["secrets"]
    webhook = Webhook(secrets)
    fail_until = time.time() + float(config.get("failForSeconds", 0))
    return {"ok": True}


@app.get("/_demo/stats")
async def report() -> Dict[str, Any]:
    return {**stats, "eventIds": sorted(event_ids)}


@app.post("/webhooks")
async def receive(request: Request) -> Response:
    stats["received"] += 1
    if time.time() < fail_until:
        stats["failedOnPurpose"] += 1
        return JSONResponse({"error": "warming up"}, status_code=503)
    assert webhook is not None, "configure the receiver first"
    try:
        # Raw bytes: the signature covers the body exactly as sent.
        event = webhook.verify(await request.body(), request.headers)
    except WebhookError as error:
        stats["rejected"] += 1
        stats["codes"][error.code] = stats["codes"].get(error.code, 0) + 1
        return JSONResponse({"error": error.code}, status_code=error.status)
    stats["verified"] += 1
    event_ids.add(event["id"])
    return Response(status_code=204)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
