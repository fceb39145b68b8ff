"""Django: route ``path("webhooks", django_views.receive)`` in your urls.py; set ``WEBHOOK_SECRET``."""

from __future__ import annotations

import os

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dropship_webhooks import Webhook, WebhookError
from dropship_webhooks.frameworks import http_status, verify_django

webhook = Webhook(os.environ.get("WEBHOOK_SECRET", ""))


@csrf_exempt  # webhooks carry a signature, not a CSRF token
@require_POST
def receive(request: HttpRequest) -> JsonResponse:
    try:
        event = verify_django(webhook, request)
    except WebhookError as error:
        return JsonResponse({"error": error.code}, status=http_status(error))
    return JsonResponse({"received": event["id"]})
