"""Helpers for web frameworks and serverless platforms: each hands the raw body and the headers to
:meth:`Webhook.verify` and returns the event. Framework modules are imported lazily, so none is required.

- Flask and Google Cloud Functions (``functions-framework`` passes a Flask request): :func:`verify_flask`.
- Starlette and FastAPI: ``await`` :func:`verify_starlette`, or the FastAPI dependency :func:`fastapi_dependency`.
- Django: :func:`verify_django`.
- AWS Lambda behind API Gateway (REST v1 and HTTP v2 events, base64 bodies): :func:`verify_lambda_event`.

With a router (:meth:`Webhook.on`), :func:`handle_flask`, :func:`handle_starlette` (FastAPI) and
:func:`handle_django` verify, dispatch and return the framework's response: 204 once the handlers have finished, the
refusal's status with ``{"error", "message"}``; a handler's exception propagates, so the framework answers 500.

Every helper checks the headers first (present, well formed, timestamp within the tolerance, a secret active) and
refuses what cannot pass before reading the body; it then reads at most the webhook's ``body_limit_bytes`` (1 MiB
unless set), refusing a longer body with ``payload_too_large`` (HTTP 413) as soon as it is over, declared or read.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any, Awaitable, Callable, List, Mapping, Optional, Union

from ._native import Webhook, WebhookError
from .events import WebhookEvent

from .router import WebhookAnswer

if TYPE_CHECKING:
    from .router import Webhook as Router

if TYPE_CHECKING:
    from datetime import datetime

    Seconds = Union[int, float, datetime]

__all__ = [
    "fastapi_dependency",
    "handle_django",
    "handle_flask",
    "handle_starlette",
    "http_status",
    "verify_django",
    "verify_flask",
    "verify_lambda_event",
    "verify_starlette",
]


def http_status(error: WebhookError) -> int:
    """The status to answer a refused webhook with (decided by the core): 401 for verification, 400 for a bad
    payload, 413 for a body over the limit (``payload_too_large``), and 500 when the receiver itself handed over a
    parsed body (``payload_not_raw``)."""
    return error.status


def _check_before_body(webhook: Webhook, headers: Any, declared: Optional[int], now: Optional[Seconds]) -> None:
    """What is refused before a byte of the body is read: the headers, then the declared length."""
    webhook.check_headers(headers, now=now)
    if declared is not None:
        webhook.check_body_length(declared)


def _declared_length(value: Any) -> Optional[int]:
    """A ``Content-Length`` as a number of bytes, or None when absent or not a number (the server decides then)."""
    try:
        return int(value) if value is not None and int(value) >= 0 else None
    except (TypeError, ValueError):
        return None


def verify_flask(webhook: Webhook, request: Any = None, *, now: Optional[Seconds] = None) -> WebhookEvent:
    """Verifies a Flask (or Cloud Functions) request; defaults to ``flask.request``. The body read stays available
    through ``request.get_data()``."""
    if request is None:
        from flask import request as current_request

        request = current_request
    _check_before_body(webhook, request.headers, request.content_length, now)
    # Werkzeug refuses (413) a body over max_content_length, declared or streamed: the cap applies to this read.
    # Flask before 3.1 has no per-request setting; the length is then checked once read.
    try:
        request.max_content_length = webhook.body_limit_bytes
    except AttributeError:
        pass
    try:
        body = request.get_data(cache=True)
    except Exception as error:  # werkzeug.exceptions.RequestEntityTooLarge, without importing werkzeug here
        if getattr(error, "code", None) == 413:
            webhook.check_body_length(webhook.body_limit_bytes + 1)
        raise
    webhook.check_body_length(len(body))
    return webhook.verify(body, request.headers, now=now)


async def verify_starlette(webhook: Webhook, request: Any, *, now: Optional[Seconds] = None) -> WebhookEvent:
    """Verifies a Starlette or FastAPI request, reading at most ``body_limit_bytes`` of its body (kept as
    ``request.body()`` would keep it)."""
    _check_before_body(webhook, request.headers, _declared_length(request.headers.get("content-length")), now)
    chunks: List[bytes] = []
    length = 0
    async for chunk in request.stream():
        length += len(chunk)
        webhook.check_body_length(length)
        chunks.append(chunk)
    body = b"".join(chunks)
    # What request.body() would have cached, so the route can read the body again.
    request._body = body
    return webhook.verify(body, request.headers, now=now)


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
    """Verifies a Django ``HttpRequest`` (``request.body`` and ``request.headers``). Django reads the body itself
    (its own ``DATA_UPLOAD_MAX_MEMORY_SIZE`` caps it); the headers and the declared length are checked before."""
    _check_before_body(webhook, request.headers, _declared_length(request.headers.get("Content-Length")), now)
    body = request.body
    webhook.check_body_length(len(body))
    return webhook.verify(body, request.headers, now=now)


def verify_lambda_event(
    webhook: Webhook, event: Mapping[str, Any], *, now: Optional[Seconds] = None
) -> WebhookEvent:
    """Verifies an API Gateway proxy event (REST API v1 or HTTP API v2), decoding a base64 body."""
    headers = dict(event.get("headers") or {})
    for name, values in (event.get("multiValueHeaders") or {}).items():
        if values and name not in headers:
            headers[name] = values[0]
    webhook.check_headers(headers, now=now)
    body: Union[str, bytes] = event.get("body") or ""
    # Base64 takes 4 characters for 3 bytes: a text over the limit by that measure is refused before decoding it.
    webhook.check_body_length(len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body))
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body)
    return webhook.verify(body, headers, now=now)


def handle_flask(webhook: Router, request: Any = None, *, now: Optional[Seconds] = None) -> Any:
    """:func:`verify_flask`, then :meth:`Webhook.dispatch`: a Flask response (204, or the refusal)."""
    from flask import Response

    try:
        event = verify_flask(webhook, request, now=now)
    except WebhookError as error:
        refused = WebhookAnswer.refusal(error)
        return Response(refused.body, status=refused.status, headers=refused.headers)
    webhook.dispatch(event)
    return Response(status=204)


async def handle_starlette(webhook: Router, request: Any, *, now: Optional[Seconds] = None) -> Any:
    """:func:`verify_starlette`, then ``await`` :meth:`Webhook.dispatch_async`: a Starlette response (FastAPI routes
    return it as it is)."""
    from starlette.responses import Response

    try:
        event = await verify_starlette(webhook, request, now=now)
    except WebhookError as error:
        refused = WebhookAnswer.refusal(error)
        return Response(refused.body, status_code=refused.status, headers=refused.headers)
    await webhook.dispatch_async(event)
    return Response(status_code=204)


def handle_django(webhook: Router, request: Any, *, now: Optional[Seconds] = None) -> Any:
    """:func:`verify_django`, then :meth:`Webhook.dispatch`: a Django ``HttpResponse``."""
    from django.http import HttpResponse  # type: ignore[import-untyped]

    try:
        event = verify_django(webhook, request, now=now)
    except WebhookError as error:
        refused = WebhookAnswer.refusal(error)
        return HttpResponse(refused.body, status=refused.status, headers=refused.headers)
    webhook.dispatch(event)
    return HttpResponse(status=204)

