"""Routing verified events to handlers by topic, as octokit's ``webhooks.on`` does::

    webhook = Webhook(secret)

    @webhook.on("order.created")
    def created(event: OrderCreatedEvent) -> None: ...

    @webhook.on_any
    def everything_else(event: WebhookEvent) -> None: ...

    answer = webhook.handle(body, headers)   # 204, or the refusal's status and {"error", "message"}

A handler's exception is never turned into an answer: it propagates out of :meth:`Webhook.handle`, so the web
framework answers 500 and logs it, and the sender retries later. The framework helpers in
:mod:`dropship_webhooks.frameworks` (``handle_flask``, ``handle_starlette``, ``handle_django``) build on this.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from . import _native
from ._native import WebhookError
from ._routes import TopicRoutes
from .events import WebhookEvent

if TYPE_CHECKING:
    from datetime import datetime

    from ._native import _Body, _Headers, _SecretLike

    Seconds = Union[int, float, datetime]

__all__ = ["Webhook", "WebhookAnswer"]

Handler = Callable[[Any], Any]

_TOPICS = frozenset(topic["name"] for topic in json.loads(_native.topics_json()))


@dataclass(frozen=True)
class WebhookAnswer:
    """What to answer the sender: ``status``, ``headers`` and ``body`` (bytes), with the verified ``event`` (on
    success) or the refusal's ``error``."""

    status: int
    headers: Dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    event: Optional[WebhookEvent] = None
    error: Optional[WebhookError] = None

    @classmethod
    def refusal(cls, error: WebhookError) -> "WebhookAnswer":
        """The error's status with ``{"error": code, "message": ...}`` as JSON."""
        body = json.dumps({"error": error.code, "message": str(error)}).encode()
        return cls(error.status, {"content-type": "application/json"}, body, error=error)


class Webhook(_native.Webhook, TopicRoutes):
    """Verifies and signs webhooks with one or more active secrets, and routes verified events to handlers by
    topic (:meth:`on`, :meth:`on_any`, :meth:`dispatch`, :meth:`handle`)."""

    _handlers: Dict[str, List[Handler]]
    _fallback: List[Handler]

    def __init__(
        self,
        secrets: Union[_SecretLike, Sequence[_SecretLike]],
        *,
        scheme: Optional[str] = None,
        tolerance_seconds: Optional[int] = None,
        body_limit_bytes: Optional[int] = None,
    ) -> None:
        # The secrets and options were taken by the native __new__; only the router's state is made here.
        self._handlers = {}
        self._fallback = []

    def _add_route(self, topics: List[str], handler: Handler) -> None:
        if not callable(handler):
            raise TypeError("on(topic, handler): the handler must be callable")
        if not topics:
            raise ValueError("on(topic, handler): name at least one topic")
        for topic in topics:
            if topic not in _TOPICS:
                raise ValueError(f"on(): {topic!r} is not a topic of the catalog (see topics()); on_any takes every other event")
        for topic in topics:
            self._handlers.setdefault(topic, []).append(handler)

    def on_any(self, handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Adds a handler for every event no :meth:`on` handler takes: other topics, and topics newer than this
        version. Usable as a decorator."""
        if not callable(handler):
            raise TypeError("on_any(handler): the handler must be callable")
        self._fallback.append(handler)
        return handler

    def _handlers_of(self, event: Mapping[str, Any]) -> List[Handler]:
        return self._handlers.get(event.get("topic"), self._fallback)  # type: ignore[arg-type]

    def dispatch(self, event: WebhookEvent) -> int:
        """Calls the handlers of the event's topic in order (or the :meth:`on_any` ones when it has none); returns
        how many ran. A handler's exception propagates and the handlers after it don't run. An ``async`` handler
        needs :meth:`dispatch_async`."""
        handlers = self._handlers_of(event)
        for handler in handlers:
            result = handler(event)
            if inspect.isawaitable(result):
                if inspect.iscoroutine(result):
                    result.close()  # never awaited: close it rather than leave a "never awaited" warning
                raise TypeError(f"the handler {handler!r} is async: use await webhook.dispatch_async / handle_async")
        return len(handlers)

    async def dispatch_async(self, event: WebhookEvent) -> int:
        """:meth:`dispatch` for async code: awaits what a handler returns when it is awaitable."""
        handlers = self._handlers_of(event)
        for handler in handlers:
            result = handler(event)
            if inspect.isawaitable(result):
                await result
        return len(handlers)

    def handle(self, body: _Body, headers: _Headers, *, now: Optional[Seconds] = None) -> WebhookAnswer:
        """Verifies and dispatches; returns the answer to give (204, or the refusal). A handler's exception
        propagates (the framework answers 500)."""
        try:
            event = self.verify(body, headers, now=now)
        except WebhookError as error:
            return WebhookAnswer.refusal(error)
        self.dispatch(event)
        return WebhookAnswer(204, event=event)

    async def handle_async(
        self, body: _Body, headers: _Headers, *, now: Optional[Seconds] = None
    ) -> WebhookAnswer:
        """:meth:`handle` for async code (awaits async handlers)."""
        try:
            event = self.verify(body, headers, now=now)
        except WebhookError as error:
            return WebhookAnswer.refusal(error)
        await self.dispatch_async(event)
        return WebhookAnswer(204, event=event)
