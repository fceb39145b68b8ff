"""Static and runtime checks of the generated Python types (bindings-python/.../events.py).

`mypy --strict` checks the narrowing below (a stale or wrong TypedDict makes it fail); running the file imports the
module and validates every sample event and every canonical event in tests/vectors/events.json against the JSON
Schema the types are generated from, so the types describe exactly what the parser returns.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, assert_type

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "bindings-python" / "python" / "dropship_webhooks" / "events.py"

if TYPE_CHECKING:
    from dropship_webhooks.events import Order, ReturnShipment, RmaReturn, VariantRefs, WebhookEvent
else:
    # At run time load the generated module by itself: importing the package would need the built extension.
    _spec = importlib.util.spec_from_file_location("dropship_webhooks_events", EVENTS)
    _events = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_events)
    Order, ReturnShipment, RmaReturn, VariantRefs = _events.Order, _events.ReturnShipment, _events.RmaReturn, _events.VariantRefs
    WebhookEvent = _events.WebhookEvent


def describe(event: WebhookEvent) -> str:
    if event["topic"] == "order.created":
        assert_type(event["data"], Order)
        quantities: list[int] = [line["quantity"] for line in event["data"].get("lines", [])]
        return f"{event['data']['id']} x{sum(quantities)}"
    if event["topic"] == "variant.unavailable":
        assert_type(event["data"], VariantRefs)
        return ",".join(event["data"]["variantIds"])
    if event["topic"] == "rma.returnReceived":
        data = event["data"]
        assert_type(data, RmaReturn)
        shipment = data.get("return")  # NotRequired: absent when the sender gave none
        assert_type(shipment, ReturnShipment | None)
        if shipment is None:
            return data["rma"]["id"]
        status: str | None = shipment["status"]
        return status or ""
    identifier: str = event["id"]
    return identifier


if TYPE_CHECKING:
    from dropship_webhooks._routes import TopicRoutes
    from dropship_webhooks.events import OrderCreatedEvent, ProductSelectedEvent

    def routes(router: TopicRoutes) -> None:
        """The router's `on` (bindings-python/.../_routes.py): a handler's event is its topic's; a handler of
        another topic's event, or a name outside the catalog, does not type-check (strict mypy reports an unused
        ignore, so each ignore below proves its error)."""

        @router.on("order.created")
        def created(event: OrderCreatedEvent) -> str:
            assert_type(event["data"], Order)
            return event["id"]

        assert_type(created, Callable[[OrderCreatedEvent], str])

        def selected(event: ProductSelectedEvent) -> None: ...

        assert_type(router.on("product.selected", selected), Callable[[ProductSelectedEvent], None])

        @router.on("order.created")  # type: ignore[arg-type]
        def wrong(event: ProductSelectedEvent) -> None: ...

        router.on("order.shipped", lambda event: None)  # type: ignore[call-overload]


def main() -> int:
    import jsonschema  # only needed at run time, not by mypy

    schema = json.loads((ROOT / "core" / "schema" / "events.schema.json").read_text(encoding="utf-8"))
    kinds = {topic["name"]: topic["payload"] for topic in schema["x-topics"]}
    events = [json.loads(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "core" / "samples").glob("*.json"))]
    vectors = json.loads((ROOT / "tests" / "vectors" / "events.json").read_text(encoding="utf-8"))["cases"]
    events += [case["expected"]["event"] for case in vectors if case["result"] == "valid"]
    passed = failed = 0
    for event in events:
        kind = kinds.get(event["topic"])
        if kind is None:
            continue  # unknown topics keep raw data
        validator = jsonschema.Draft202012Validator({"$ref": f"#/$defs/{kind}", "$defs": schema["$defs"]})
        problems = [error.message for error in validator.iter_errors(event["data"])]
        if problems:
            failed += 1
            print(f"FAIL {event['id']} ({event['topic']}): {problems[:3]}")
        else:
            passed += 1
        describe(event)
    print(f"generated types: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
