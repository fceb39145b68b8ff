"""The framework helpers with each framework's own test client: Flask, FastAPI/Starlette, Django, Google Cloud
Functions (functions-framework) and AWS Lambda (API Gateway v1 and v2 events)."""

from __future__ import annotations

import base64
import json
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest

from dropship_webhooks import Webhook, WebhookError, generate_secret
from dropship_webhooks.frameworks import (
    fastapi_dependency,
    http_status,
    verify_django,
    verify_flask,
    verify_lambda_event,
    verify_starlette,
)

SECRET = generate_secret()
WEBHOOK = Webhook(SECRET)
BODY = json.dumps({"id": "evt_py", "topic": "order.created", "data": {"id": "ord_7", "lines": []}})


def signed(body: str = BODY) -> Tuple[Dict[str, str], str]:
    headers = WEBHOOK.sign("msg_py", int(time.time()), body)
    return {**headers, "Content-Type": "application/json"}, body


def tampered() -> Tuple[Dict[str, str], str]:
    headers, body = signed()
    return headers, body.replace("ord_7", "ord_0")


def test_flask() -> None:
    from flask import Flask, jsonify

    app = Flask(__name__)

    @app.post("/webhooks")
    def receive() -> Any:
        try:
            event = verify_flask(WEBHOOK)
        except WebhookError as error:
            return jsonify(error=error.code), http_status(error)
        return jsonify(topic=event["topic"])

    client = app.test_client()
    headers, body = signed()
    assert client.post("/webhooks", data=body, headers=headers).get_json() == {"topic": "order.created"}
    headers, body = tampered()
    answer = client.post("/webhooks", data=body, headers=headers)
    assert answer.status_code == 401
    assert answer.get_json() == {"error": "no_matching_signature"}


def test_fastapi() -> None:
    from fastapi import Depends, FastAPI
    from fastapi.testclient import TestClient

    from dropship_webhooks.events import WebhookEvent

    app = FastAPI()

    @app.post("/webhooks")
    async def receive(event: WebhookEvent = Depends(fastapi_dependency(WEBHOOK))) -> Dict[str, str]:
        return {"id": event["data"]["id"]} if event["topic"] == "order.created" else {}

    client = TestClient(app)
    headers, body = signed()
    assert client.post("/webhooks", content=body, headers=headers).json() == {"id": "ord_7"}
    headers, body = tampered()
    answer = client.post("/webhooks", content=body, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["detail"]["error"] == "no_matching_signature"


def test_django() -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(DEBUG=True, ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], SECRET_KEY="test",
                           MIDDLEWARE=[])
        django.setup()
    from django.http import HttpRequest, JsonResponse
    from django.test import Client
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    @csrf_exempt
    def receive(request: HttpRequest) -> JsonResponse:
        try:
            event = verify_django(WEBHOOK, request)
        except WebhookError as error:
            return JsonResponse({"error": error.code}, status=http_status(error))
        return JsonResponse({"topic": event["topic"]})

    sys.modules[__name__].urlpatterns = [path("webhooks", receive)]  # type: ignore[attr-defined]
    client = Client()
    headers, body = signed()
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    answer = client.post("/webhooks", data=body, content_type="application/json", **extra)
    assert answer.json() == {"topic": "order.created"}
    headers, body = tampered()
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    answer = client.post("/webhooks", data=body, content_type="application/json", **extra)
    assert answer.status_code == 401
    assert answer.json() == {"error": "no_matching_signature"}


def test_google_cloud_function(tmp_path: Path) -> None:
    from functions_framework import create_app

    source = tmp_path / "main.py"
    source.write_text(textwrap.dedent(f"""
        import functions_framework
        from dropship_webhooks import Webhook, WebhookError
        from dropship_webhooks.frameworks import http_status, verify_flask

        webhook = Webhook({SECRET!r})

        @functions_framework.http
        def receive(request):
            try:
                event = verify_flask(webhook, request)
            except WebhookError as error:
                return {{"error": error.code}}, http_status(error)
            return {{"topic": event["topic"]}}
    """))
    client = create_app("receive", str(source)).test_client()
    headers, body = signed()
    assert client.post("/", data=body, headers=headers).get_json() == {"topic": "order.created"}
    headers, body = tampered()
    answer = client.post("/", data=body, headers=headers)
    assert answer.status_code == 401
    assert answer.get_json() == {"error": "no_matching_signature"}


@pytest.mark.parametrize("version", ["1.0", "2.0"])
@pytest.mark.parametrize("encoded", [False, True], ids=["text", "base64"])
def test_aws_lambda(version: str, encoded: bool) -> None:
    headers, body = signed()
    if version == "1.0":
        # REST API events keep the header case the client sent, and may carry multiValueHeaders.
        event: Dict[str, Any] = {"version": "1.0", "headers": {"Content-Type": "application/json"},
                                 "multiValueHeaders": {name.title(): [value] for name, value in headers.items()}}
    else:
        event = {"version": "2.0", "headers": {name.lower(): value for name, value in headers.items()}}
    event["isBase64Encoded"] = encoded
    event["body"] = base64.b64encode(body.encode()).decode() if encoded else body
    assert verify_lambda_event(WEBHOOK, event)["data"]["id"] == "ord_7"
    event["body"] = base64.b64encode(b"{}").decode() if encoded else "{}"
    with pytest.raises(WebhookError) as caught:
        verify_lambda_event(WEBHOOK, event)
    assert caught.value.code == "no_matching_signature"


def test_a_dict_body_is_refused_with_an_explanation() -> None:
    headers, body = signed()
    with pytest.raises(WebhookError) as caught:
        WEBHOOK.verify(json.loads(body), headers)
    assert caught.value.code == "payload_not_raw"
    assert http_status(caught.value) == 500
    assert "request.get_data()" in str(caught.value)


# Body limits and headers first: a small limit, a body over it signed correctly, and bodies that must not be read.
SMALL = Webhook(SECRET, body_limit_bytes=1024)
BIG = json.dumps({"id": "evt_big", "topic": "order.created", "data": {"id": "ord_1", "note": "x" * 4096}})


def big_signed() -> Dict[str, str]:
    return {**SMALL.sign("msg_big", int(time.time()), BIG), "Content-Type": "application/json"}


class Unreadable:
    """A request body that fails the test if anyone reads it."""

    def read(self, *_: Any) -> bytes:
        raise AssertionError("the body was read although the headers could not pass")

    readline = read

    def tell(self) -> int:
        return 0

    def seek(self, *_: Any) -> int:
        return 0


def test_the_limit_is_an_option_with_a_default() -> None:
    import dropship_webhooks as dw

    assert dw.DEFAULT_BODY_LIMIT_BYTES == 1024 * 1024
    assert WEBHOOK.body_limit_bytes == dw.DEFAULT_BODY_LIMIT_BYTES and SMALL.body_limit_bytes == 1024
    with pytest.raises(WebhookError) as caught:
        Webhook(SECRET, body_limit_bytes=True)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_option"
    with pytest.raises(WebhookError) as caught:
        SMALL.verify(BIG, big_signed())
    assert (caught.value.code, http_status(caught.value)) == ("payload_too_large", 413)


def test_flask_checks_headers_before_the_body_and_caps_it() -> None:
    from flask import Flask, jsonify

    app = Flask(__name__)

    @app.post("/webhooks")
    def receive() -> Any:
        try:
            event = verify_flask(SMALL)
        except WebhookError as error:
            return jsonify(error=error.code), http_status(error)
        return jsonify(topic=event["topic"])

    client = app.test_client()
    # The declared length is set in the environ: the test client would otherwise measure the stream.
    huge = {"CONTENT_LENGTH": str(10**9)}
    unsigned = client.post("/webhooks", input_stream=Unreadable(), environ_overrides=huge,
                           headers={"Content-Type": "application/json"})
    assert (unsigned.status_code, unsigned.get_json()) == (401, {"error": "missing_header"})
    declared = client.post("/webhooks", input_stream=Unreadable(), environ_overrides=huge, headers=big_signed())
    assert (declared.status_code, declared.get_json()) == (413, {"error": "payload_too_large"})
    headers, body = signed()
    assert client.post("/webhooks", data=body, headers=headers).get_json() == {"topic": "order.created"}


def test_starlette_checks_headers_before_the_body_and_stops_reading_at_the_limit() -> None:
    from fastapi import Depends, FastAPI
    from fastapi.testclient import TestClient

    from dropship_webhooks.events import WebhookEvent

    app = FastAPI()

    @app.post("/webhooks")
    async def receive(event: WebhookEvent = Depends(fastapi_dependency(SMALL))) -> Dict[str, str]:
        return {"topic": event["topic"]}

    client = TestClient(app)
    # The test client reads a streamed body at the app's first receive(): an app that never asks pulls nothing.
    pulled = []

    def chunks(body: str, size: int = 512) -> Any:
        for start in range(0, len(body), size):
            pulled.append(start)
            yield body[start:start + size].encode()

    unsigned = client.post("/webhooks", content=chunks(BIG * 4), headers={"Content-Type": "application/json"})
    assert (unsigned.status_code, unsigned.json()["detail"]["error"]) == (401, "missing_header")
    assert pulled == [], f"{len(pulled)} chunks were read of a request that could not pass"
    headers, body = signed()
    assert client.post("/webhooks", content=body, headers=headers).json() == {"topic": "order.created"}

    # Straight through ASGI, one message per chunk: reading stops at the first chunk past the limit.
    import asyncio

    from starlette.requests import Request

    received = []

    async def receive() -> Dict[str, Any]:
        received.append(len(received))
        return {"type": "http.request", "body": b"x" * 512, "more_body": len(received) < 1000}

    scope = {"type": "http", "method": "POST", "path": "/webhooks", "query_string": b"",
             "headers": [(name.lower().encode(), value.encode()) for name, value in big_signed().items()]}
    with pytest.raises(WebhookError) as caught:
        asyncio.run(verify_starlette(SMALL, Request(scope, receive)))
    assert caught.value.code == "payload_too_large"
    assert len(received) == 3, f"{len(received)} chunks of 512 bytes were read for a limit of 1024"


def test_django_and_lambda_check_headers_first_and_cap_the_body() -> None:
    from django.test import RequestFactory

    test_django()  # configures Django
    factory = RequestFactory()
    request = factory.post("/webhooks", data="{}", content_type="application/json")
    request._stream = Unreadable()  # type: ignore[attr-defined]
    with pytest.raises(WebhookError) as caught:
        verify_django(SMALL, request)
    assert caught.value.code == "missing_header"
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in big_signed().items()}
    with pytest.raises(WebhookError) as caught:
        verify_django(SMALL, factory.post("/webhooks", data=BIG, content_type="application/json", **extra))
    assert caught.value.code == "payload_too_large"

    for encoded in (False, True):
        event = {"headers": big_signed(), "isBase64Encoded": encoded,
                 "body": base64.b64encode(BIG.encode()).decode() if encoded else BIG}
        with pytest.raises(WebhookError) as caught:
            verify_lambda_event(SMALL, event)
        assert caught.value.code == "payload_too_large"
        event["headers"] = {}
        with pytest.raises(WebhookError) as caught:
            verify_lambda_event(SMALL, event)
        assert caught.value.code == "missing_header"
