"""The router: ``on`` / ``on_any``, ``dispatch``, ``handle`` and the Flask, Starlette (FastAPI) and Django helpers
built on them — dispatch by topic, an unknown topic, a throwing handler, a refused signature."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Dict, List, Tuple

import pytest

from dropship_webhooks import (
    Webhook,
    WebhookEvent,
    generate_secret,
)
from dropship_webhooks.events import OrderCreatedEvent, ProductSelectedEvent

SECRET = generate_secret()
ORDER = json.dumps({"id": "evt_r1", "topic": "order.created", "data": {"id": "ord_1", "lines": []}})
PRODUCT = json.dumps({"id": "evt_r2", "topic": "product.selected", "data": {"id": "prod_1", "variants": []}})
UNKNOWN = json.dumps({"id": "evt_r3", "topic": "order.teleported", "data": {"id": "x"}})
BOOM = json.dumps({"id": "evt_r4", "topic": "order.created", "data": {"id": "boom", "lines": []}})


def signed(body: str) -> Tuple[str, Dict[str, str]]:
    return body, {**Webhook(SECRET).sign("msg_router", int(time.time()), body), "content-type": "application/json"}


def routed() -> Tuple[Webhook, List[str]]:
    """A router whose handlers write down what they saw; an order with id "boom" raises."""
    seen: List[str] = []
    webhook = Webhook(SECRET)

    @webhook.on("order.created")
    def created(event: OrderCreatedEvent) -> None:
        if event["data"]["id"] == "boom":
            raise RuntimeError("handler failed on purpose")
        seen.append(f"order:{event['data']['id']}")

    webhook.on("order.created", lambda event: seen.append(f"second:{event['id']}"))

    @webhook.on(["product.selected", "product.inventoryChanged"])
    def product(event: Any) -> None:
        seen.append(f"product:{event['data']['id']}")

    @webhook.on_any
    def anything(event: WebhookEvent) -> None:
        seen.append(f"any:{event['topic']}")

    return webhook, seen


def test_dispatches_by_topic_in_order_and_the_rest_to_on_any() -> None:
    webhook, seen = routed()
    for body in (ORDER, PRODUCT, UNKNOWN):
        answer = webhook.handle(*signed(body))
        assert answer.status == 204 and answer.error is None
        assert answer.event is not None and answer.event["id"] == json.loads(body)["id"]
    assert seen == ["order:ord_1", "second:evt_r1", "product:prod_1", "any:order.teleported"]


def test_a_refused_signature_is_an_answer_and_calls_no_handler() -> None:
    webhook, seen = routed()
    body, headers = signed(ORDER)
    answer = webhook.handle(body.replace("ord_1", "ord_2"), headers)
    assert answer.status == 401
    assert answer.error is not None and answer.error.code == "no_matching_signature"
    assert json.loads(answer.body)["error"] == "no_matching_signature"
    assert answer.headers == {"content-type": "application/json"}
    assert seen == []


def test_a_handler_exception_propagates_and_stops_the_rest() -> None:
    webhook, seen = routed()
    with pytest.raises(RuntimeError, match="on purpose"):
        webhook.handle(*signed(BOOM))
    assert seen == []


def test_unknown_topic_names_and_non_callables_are_refused() -> None:
    webhook = Webhook(SECRET)
    with pytest.raises(ValueError, match="order.shipped"):
        webhook.on("order.shipped", lambda event: None)  # type: ignore[call-overload]
    with pytest.raises(ValueError):
        webhook.on([], lambda event: None)
    with pytest.raises(TypeError):
        webhook.on_any("not callable")  # type: ignore[arg-type]


def test_async_handlers_need_the_async_path() -> None:
    seen: List[str] = []
    webhook = Webhook(SECRET)

    @webhook.on("product.selected")
    async def selected(event: ProductSelectedEvent) -> None:
        await asyncio.sleep(0)
        seen.append(event["data"]["id"])

    with pytest.raises(TypeError, match="dispatch_async"):
        webhook.handle(*signed(PRODUCT))
    answer = asyncio.run(webhook.handle_async(*signed(PRODUCT)))
    assert answer.status == 204 and seen == ["prod_1"]


def test_the_router_is_still_the_verifier() -> None:
    from dropship_webhooks import _native

    webhook = Webhook(SECRET, tolerance_seconds=60)
    assert isinstance(webhook, _native.Webhook)
    assert webhook.tolerance_seconds == 60
    assert SECRET.removeprefix("whsec_") not in repr(webhook)
    body, headers = signed(ORDER)
    assert webhook.verify(body, headers)["topic"] == "order.created"


def test_flask_handle() -> None:
    from flask import Flask

    from dropship_webhooks.frameworks import handle_flask

    webhook, seen = routed()
    app = Flask(__name__)
    app.add_url_rule("/webhooks", "hooks", lambda: handle_flask(webhook), methods=["POST"])
    client = app.test_client()
    body, headers = signed(ORDER)
    assert client.post("/webhooks", data=body, headers=headers).status_code == 204
    refused = client.post("/webhooks", data=body.replace("ord_1", "ord_2"), headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"] == "no_matching_signature"
    body, headers = signed(BOOM)
    assert client.post("/webhooks", data=body, headers=headers).status_code == 500
    assert seen == ["order:ord_1", "second:evt_r1"]


def test_fastapi_handle_starlette() -> None:
    from fastapi import FastAPI, Request
    from fastapi.testclient import TestClient

    from dropship_webhooks.frameworks import handle_starlette

    webhook, seen = routed()

    @webhook.on("connection.created")
    async def connected(event: Any) -> None:
        await asyncio.sleep(0)
        seen.append("connection")

    app = FastAPI()

    async def receive(request: Request) -> Any:
        return await handle_starlette(webhook, request)

    receive.__annotations__["request"] = Request  # postponed annotations: give FastAPI the class itself
    app.add_api_route("/webhooks", receive, methods=["POST"])
    client = TestClient(app, raise_server_exceptions=False)
    for body in (ORDER, json.dumps({"id": "evt_c", "topic": "connection.created", "data": {"id": "c1"}})):
        body, headers = signed(body)
        assert client.post("/webhooks", content=body, headers=headers).status_code == 204
    body, headers = signed(ORDER)
    refused = client.post("/webhooks", content=body.replace("ord_1", "ord_2"), headers=headers)
    assert refused.status_code == 401 and refused.json()["error"] == "no_matching_signature"
    body, headers = signed(BOOM)
    assert client.post("/webhooks", content=body, headers=headers).status_code == 500
    assert seen == ["order:ord_1", "second:evt_r1", "connection"]


def test_django_handle() -> None:
    import django  # type: ignore[import-untyped]
    from django.conf import settings  # type: ignore[import-untyped]
    from django.test import RequestFactory  # type: ignore[import-untyped]

    from dropship_webhooks.frameworks import handle_django

    if not settings.configured:
        settings.configure(ALLOWED_HOSTS=["testserver"], DEFAULT_CHARSET="utf-8")
        django.setup()
    webhook, seen = routed()
    factory = RequestFactory()

    def post(body: str, headers: Dict[str, str]) -> Any:
        request = factory.post("/webhooks", data=body, content_type="application/json",
                               **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()
                                  if name.lower() != "content-type"})
        return handle_django(webhook, request)

    body, headers = signed(UNKNOWN)
    assert post(body, headers).status_code == 204
    refused = post(body.replace("teleported", "beamed"), headers)
    assert refused.status_code == 401 and json.loads(refused.content)["error"] == "no_matching_signature"
    body, headers = signed(BOOM)
    with pytest.raises(RuntimeError, match="on purpose"):
        post(body, headers)
    assert seen == ["any:order.teleported"]
