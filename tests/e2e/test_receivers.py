"""Every Python receiver example in examples/receivers/python, run with its framework's own test client (or the
event shape its platform sends): a signed event is accepted, a tampered one refused with 401 and the error code."""

from __future__ import annotations

import base64
import importlib
import json
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Iterator, Tuple

import pytest

from dropship_webhooks import Webhook, generate_secret

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples" / "receivers" / "python"
SECRET = generate_secret()
BODY = json.dumps({"id": "evt_example_1", "topic": "order.created", "data": {"id": "ord_42", "lines": []}})


def signed() -> Tuple[Dict[str, str], str]:
    headers = dict(Webhook(SECRET).sign("evt_example_1", int(time.time()), BODY))
    return {**headers, "content-type": "application/json"}, BODY


def tampered() -> Tuple[Dict[str, str], str]:
    headers, body = signed()
    return headers, body.replace("ord_42", "ord_43")


@pytest.fixture(autouse=True)
def example_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    yield


def load(name: str) -> ModuleType:
    sys.modules.pop(name, None)  # read WEBHOOK_SECRET afresh
    return importlib.import_module(name)


def test_flask() -> None:
    client = load("flask_app").create_app(SECRET).test_client()
    headers, body = signed()
    assert client.post("/webhooks", data=body, headers=headers).get_json() == {"received": "evt_example_1"}
    headers, body = tampered()
    refused = client.post("/webhooks", data=body, headers=headers)
    assert (refused.status_code, refused.get_json()["error"]) == (401, "no_matching_signature")


def test_fastapi() -> None:
    from fastapi.testclient import TestClient

    client = TestClient(load("fastapi_app").create_app(SECRET))
    headers, body = signed()
    assert client.post("/webhooks", content=body, headers=headers).json() == {"received": "evt_example_1"}
    headers, body = tampered()
    refused = client.post("/webhooks", content=body, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["detail"]["error"] == "no_matching_signature"


def test_django() -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(DEBUG=True, ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], SECRET_KEY="e2e",
                           MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"])
        django.setup()
    from django.test import Client
    from django.urls import path

    views = load("django_views")
    sys.modules[__name__].urlpatterns = [path("webhooks", views.receive)]  # type: ignore[attr-defined]
    client = Client(enforce_csrf_checks=True)

    def post(headers: Dict[str, str], body: str) -> Any:
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        return client.post("/webhooks", data=body, content_type="application/json", **extra)

    assert post(*signed()).json() == {"received": "evt_example_1"}
    refused = post(*tampered())
    assert (refused.status_code, refused.json()["error"]) == (401, "no_matching_signature")


def test_google_cloud_function() -> None:
    from functions_framework import create_app

    # functions-framework ships no types.
    client = create_app("receive", str(EXAMPLES / "cloud_function.py")).test_client()  # type: ignore[no-untyped-call]
    headers, body = signed()
    assert client.post("/", data=body, headers=headers).get_json() == {"received": "evt_example_1"}
    headers, body = tampered()
    refused = client.post("/", data=body, headers=headers)
    assert (refused.status_code, refused.get_json()["error"]) == (401, "no_matching_signature")


@pytest.mark.parametrize("version", ["1.0", "2.0"])
@pytest.mark.parametrize("encoded", [False, True], ids=["text", "base64"])
def test_aws_lambda(version: str, encoded: bool) -> None:
    handler = load("lambda_handler").handler

    def event(headers: Dict[str, str], body: str) -> Dict[str, Any]:
        if version == "1.0":
            shaped: Dict[str, Any] = {"version": "1.0", "headers": {k.title(): v for k, v in headers.items()}}
        else:
            shaped = {"version": "2.0", "headers": {k.lower(): v for k, v in headers.items()}}
        shaped["isBase64Encoded"] = encoded
        shaped["body"] = base64.b64encode(body.encode()).decode() if encoded else body
        return shaped

    accepted = handler(event(*signed()), None)
    assert (accepted["statusCode"], json.loads(accepted["body"])) == (200, {"received": "evt_example_1"})
    refused = handler(event(*tampered()), None)
    assert (refused["statusCode"], json.loads(refused["body"])["error"]) == (401, "no_matching_signature")


def test_examples_do_not_run_without_a_secret() -> None:
    # A missing WEBHOOK_SECRET must fail loudly at start, not accept everything.
    os.environ.pop("WEBHOOK_SECRET", None)
    with pytest.raises(Exception) as caught:
        load("lambda_handler")
    assert getattr(caught.value, "code", None) in ("invalid_secret", "no_active_secret")
