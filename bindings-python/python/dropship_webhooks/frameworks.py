"""Helpers for web frameworks and serverless platforms: each hands the raw body and the headers to
:meth:`Webhook.verify` and returns the event. Framework modules are imported lazily, so none is required.

- Flask and Google Cloud Functions (``functions-framework`` passes a Flask request): :func:`verify_flask`.
- Starlette and FastAPI: ``await`` :func:`verify_starlette`, or the FastAPI dependency :func:`fastapi_dependency`.
- Django: :func:`verify_django`.
- AWS Lambda behind API Gateway (REST v1 and HTTP v2 events, base64 bodies): :func:`verify_lambda_event`.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping, Optional, Union

from ._native import Webhook, WebhookError
from .events import WebhookEvent

if TYPE_CHECKING:
    from datetime import datetime

    Seconds = Union[int, float, datetime]

__all__ = [
    "fastapi_dependency",
    "http_status",
    "verify_django",
    "verify_flask",
    "verify_lambda_event",
    "verify_starlette",
]


def http_status(error: WebhookError) -> int:
    """The status to answer a refused webhook with (decided by the core): 401 for verification, 400 for a bad
    payload, and 500 when the receiver itself handed over a parsed body (``payload_not_raw``)."""
    return error.status


def verify_flask(webhook: Webhook, request: Any = None, *, now: Optional[Seconds] = None) -> WebhookEvent:
    """Verifies a Flask (or Cloud Functions) request; defaults to ``flask.request``."""
    if request is None:
        from flask import request as current_request

        request = current_request
    return webhook.verify(request.get_data(cache=True), request.headers, now=now)


async def verify_starlette(webhook: Webhook, request: Any, *, now: Optional[Seconds] = None) -> WebhookEvent:
    """Verifies a Starlette or FastAPI request (reads its body)."""
    return webhook.verify(await request.body(), request.headers, now=now)


def fastapi_dependency(webhook: Webhook) -> Callable[..., Awaitable[WebhookEvent]]:
    """A FastAPI dependency that yields the verified event or answers with :func:`http_status` and
    ``{"error": code, "message": ...}``::

        @app.post("/webhooks")
        async def receive(event: WebhookEvent = Depends(fastapi_dependency(webhook))) -> None: ...
    """
    from fastapi import HTTPException, Request

    async def verified_event(request: Request) -> WebhookEvent:
        try:
            return await verify_starlette(webhook, request)
        except WebhookError as error:
            raise HTTPException(http_status(error), {"error": error.code, "message": str(error)}) from error

    # With postponed annotations FastAPI would see the string "Request" and take it for a query parameter.
    verified_event.__annotations__["request"] = Request
    return verified_event


def verify_django(webhook: Webhook, request: Any, *, now: Optional[Seconds] = None) -> WebhookEvent:
    """Verifies a Django ``HttpRequest`` (``request.body`` and ``request.headers``)."""
    return webhook.verify(request.body, request.headers, now=now)


def verify_lambda_event(
    webhook: Webhook, event: Mapping[str, Any], *, now: Optional[Seconds] = None
) -> WebhookEvent:
    """Verifies an API Gateway proxy event (REST API v1 or HTTP API v2), decoding a base64 body."""
    headers = dict(event.get("headers") or {})
    for name, values in (event.get("multiValueHeaders") or {}).items():
        if values and name not in headers:
            headers[name] = values[0]
    body: Union[str, bytes] = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body)
    return webhook.verify(body, headers, now=now)
