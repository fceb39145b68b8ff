"""Vectors for event parsing (DESIGN.md section 4): every topic's sample, tolerant spellings, malformed bodies.

Valid cases give the canonical event the parser must produce (camelCase, only the fields the sender gave: a field
absent or null on the wire is left out, an empty list given stays). For tolerant
variants the body is derived from a canonical sample by a spelling change whose canonical form is known (snake_case
aliases, integer ids, numbers for money, nulls for lists), so the expectation is the sample itself, adjusted.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

Case = dict[str, Any]
SAMPLES = Path(__file__).resolve().parents[2] / "core" / "samples"

SCHEMA = Path(__file__).resolve().parents[2] / "core" / "schema" / "events.schema.json"


def payload_kind(topic: str) -> str | None:
    """The topic's payload type, from the catalog in the schema (`x-topics`, which `make generate` writes first)."""
    catalog = json.loads(SCHEMA.read_text(encoding="utf-8"))["x-topics"]
    return next((str(entry["payload"]) for entry in catalog if entry["name"] == topic), None)


def sample(topic: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads((SAMPLES / f"{topic}.json").read_text(encoding="utf-8"))
    return value


def text(value: Any) -> dict[str, str]:
    return {"utf8": json.dumps(value, ensure_ascii=False, separators=(",", ":"))}


def valid(case_id: str, comment: str, body: dict[str, Any], event: dict[str, Any]) -> Case:
    topic = event["topic"]
    known = payload_kind(topic) if (SAMPLES / f"{topic}.json").exists() else None
    return {"id": case_id, "comment": comment, "operation": "parse", "body": body, "result": "valid",
            "expected": {"payloadKind": known, "event": event}}


def invalid(case_id: str, comment: str, body: dict[str, Any], error: str) -> Case:
    return {"id": case_id, "comment": comment, "operation": "parse", "body": body, "result": "invalid",
            "error": error}


def rename(mapping: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    return {renames.get(key, key): value for key, value in mapping.items()}


def events_cases(topics: list[str]) -> list[Case]:
    cases: list[Case] = []
    add = cases.append
    for topic in topics:
        event = sample(topic)
        add(valid(f"event-sample-{topic}", f"the sample {topic} event", text(event), event))

    order = sample("order.created")
    data = order["data"]

    # fabric-style snake_case spellings of an order, and Modern Dropship's older "Shape L".
    fabric = copy.deepcopy(data)
    fabric = rename(fabric, {"purchaseOrderNumber": "purchase_order_number", "buyer": "retailer", "seller": "brand",
                             "shipTo": "ship_to", "lines": "order_lines", "subtotal": "subtotal_charged",
                             "shipping": "shipping_charged", "customerReference": "customer_order_number",
                             "createdAt": "ordered_at", "updatedAt": "updated_at"})
    fabric["ship_to"] = rename(fabric["ship_to"], {"name": "name1", "addressOne": "street1",
                                                   "addressTwo": "street2", "state": "province",
                                                   "zip": "postal_code", "phoneNumber": "phone1"})
    fabric["order_lines"] = [rename(line, {"retailPrice": "price", "basePrice": "net_price",
                                           "quantityCancelled": "quantity_canceled",
                                           "quantityShipped": "quantity_shipped"}) for line in fabric["order_lines"]]
    add(valid("event-order-fabric-spellings", "snake_case fabric field names map onto the model",
              text(dict(order, data=fabric)), order))
    shape_l = rename(copy.deepcopy(data), {"id": "_id", "lines": "items", "shipTo": "shippingAddress",
                                           "buyerReference": "buyerOrderCode", "currency": "baseCurrency",
                                           "createdAt": "created", "updatedAt": "updated", "attributes": "custom"})
    shape_l["items"] = [rename(line, {"id": "_id", "sku": "sellerVariantCode"}) for line in shape_l["items"]]
    add(valid("event-order-modern-dropship-shape-l", "Modern Dropship's older order field names",
              text(dict(order, data=shape_l)), order))

    numeric = copy.deepcopy(data)
    numeric["id"] = 1001
    numeric["lines"][0]["basePrice"] = 11.5
    numeric["lines"][0]["retailPrice"] = 24
    numeric["subtotal"] = 42
    expected = copy.deepcopy(order)
    expected["data"].update(id="1001", subtotal="42")
    expected["data"]["lines"][0].update(basePrice="11.5", retailPrice="24")
    add(valid("event-order-integer-id-number-money", "integer ids become text; numbers become decimal text",
              text(dict(order, data=numeric)), expected))

    sparse: dict[str, Any] = {"id": "ord_2", "lines": None, "fulfillments": None, "attributes": None, "shipTo": None,
                               "status": None, "returns": [], "isTest": False}
    add(valid("event-order-nulls-and-missing", "null and missing fields are left out; an empty list and false stay",
              text({"id": "evt_sparse", "topic": "order.created", "createdAt": None, "data": sparse}),
              {"id": "evt_sparse", "topic": "order.created", "data": {"id": "ord_2", "returns": [], "isTest": False}}))

    noisy = copy.deepcopy(order)
    noisy["deliveryAttempt"] = 3
    noisy["data"]["futureField"] = {"nested": [1, 2, 3]}
    noisy["data"]["lines"][0]["giftWrap"] = True
    noisy["data"]["shipTo"]["geo"] = {"lat": 45.52, "lng": -122.68}
    add(valid("event-unknown-fields-ignored", "unknown fields at every level are ignored", text(noisy), order))

    envelope = {"_id": order["id"], "type": "order.created", "created": order["createdAt"], "data": data}
    add(valid("event-envelope-aliases", "_id, type and created spell the envelope too", text(envelope), order))
    add(valid("event-envelope-integer-id", "an integer event id", text(dict(order, id=42)), dict(order, id="42")))
    add(valid("event-envelope-no-created-at", "createdAt is optional",
              text({key: value for key, value in order.items() if key != "createdAt"}),
              {key: value for key, value in order.items() if key != "createdAt"}))
    add(valid("event-pretty-printed", "whitespace and key order do not matter",
              {"utf8": json.dumps(dict(reversed(list(order.items()))), indent=4)}, order))

    product = sample("product.selected")
    precise = copy.deepcopy(product)
    digits = "1" * 127 + ".42"
    body = json.dumps(product, separators=(",", ":")).replace('"weight":0.42', '"weight":' + digits, 1)
    precise["data"]["variants"][0]["weight"] = float(digits)  # the nearest double, as Python rounds it
    add(valid("event-number-nearest-double", "long decimals parse to the nearest double, exactly",
              {"utf8": body}, precise))

    exact = copy.deepcopy(order)
    exact_body = json.dumps(order, separators=(",", ":"))
    for field, written, decimal in (("subtotal", "4.25e1", "42.5"), ("shipping", "0.0695E2", "6.95")):
        exact_body = exact_body.replace(f'"{field}":"{order["data"][field]}"', f'"{field}":{written}', 1)
        exact["data"][field] = decimal
    exact_body = exact_body.replace('"basePrice":"11.50"', '"basePrice":12345678901234567890.125000', 1)
    exact["data"]["lines"][0]["basePrice"] = "12345678901234567890.125"
    add(valid("event-decimal-number-exact", "money written as a number becomes its exact decimal text: exponents "
              "applied, trailing zeros dropped, no rounding through a double", {"utf8": exact_body}, exact))

    kept = copy.deepcopy(product)
    written = '{"big":18446744073709551616,"small":1e-400,"padded":1.50,"z":2,"z":3}'
    kept_body = json.dumps(dict(product, data=dict(product["data"], attributes="ATTRIBUTES")),
                           separators=(",", ":")).replace('"ATTRIBUTES"', written, 1)
    kept["data"]["attributes"] = {"big": 18446744073709551616, "small": 0.0, "padded": 1.5, "z": 3}
    add(valid("event-attributes-numbers-as-written", "custom data keeps every number as written (a big integer "
              "stays exact) and the last of a repeated name", {"utf8": kept_body}, kept))

    cancelled = sample("order.cancelled")
    add(valid("event-topic-alias-canceled", "order.canceled (US spelling) is order.cancelled",
              text(dict(cancelled, topic="order.canceled")), cancelled))
    for topic in ("order.shipToAddressUpdated", "proposal.collaboratorAdded", "rma.returnReceived"):
        snake = topic.split(".")[0] + "." + "".join("_" + c.lower() if c.isupper() else c for c in topic.split(".")[1])
        event = sample(topic)
        add(valid(f"event-topic-snake-{topic}", f"{snake} is {topic}", text(dict(event, topic=snake)), event))

    unknown = {"id": "evt_new", "topic": "invoice.paid", "createdAt": "2026-11-22T10:00:00Z",
               "data": {"invoiceId": "inv_1", "total": "99.00", "lines": [1, 2]}}
    add(valid("event-unknown-topic-kept", "an unknown topic parses, keeping its data", text(unknown), unknown))
    add(valid("event-unknown-topic-null-data", "an unknown topic with null data",
              text(dict(unknown, data=None)), dict(unknown, data=None)))

    # The id-only payloads, in every spelling senders use.
    unavailable = sample("product.unavailable")
    for name, payload in (("underscore-id", {"_id": "prd_mug_stoneware"}),
                          ("product-id", {"productId": "prd_mug_stoneware"})):
        add(valid(f"event-product-unavailable-{name}", f"product.unavailable with {list(payload)[0]}",
                  text(dict(unavailable, data=payload)), unavailable))
    add(valid("event-product-unavailable-integer", "an integer product id",
              text(dict(unavailable, data={"id": 77})), dict(unavailable, data={"id": "77"})))
    variants = sample("variant.unavailable")
    variant_forms: list[tuple[str, dict[str, Any], list[str], str | None]] = [
            ("single-id", {"id": "var_1"}, ["var_1"], None),
            ("underscore-id", {"_id": "var_1"}, ["var_1"], None),
            ("variant-id", {"variantId": "var_1", "productId": "prd_1"}, ["var_1"], "prd_1"),
            ("ids", {"ids": ["var_1", "var_2"]}, ["var_1", "var_2"], None),
            ("integers", {"variantIds": [11, 12], "productId": 5}, ["11", "12"], "5"),
            ("id-and-list", {"id": "var_0", "variantIds": ["var_1"]}, ["var_0", "var_1"], None)]
    for name, payload, ids, product_id in variant_forms:
        add(valid(f"event-variant-unavailable-{name}", f"variant.unavailable as {payload}",
                  text(dict(variants, data=payload)),
                  dict(variants, data={"variantIds": ids, **({"productId": product_id} if product_id else {})})))
    add(invalid("event-variant-unavailable-empty", "no variant id at all",
                text(dict(variants, data={"productId": "prd_1"})), "invalid_payload"))

    # Not JSON.
    not_json: list[tuple[str, dict[str, str]]] = [("empty", {"utf8": ""}), ("truncated", {"utf8": json.dumps(order)[:-3]}),
                       ("trailing-garbage", {"utf8": json.dumps(order) + " x"}), ("not-utf8", {"hex": "7b22ff227d"}),
                       ("nan", {"utf8": '{"id":"e","topic":"order.created","data":NaN}'}),
                       ("single-quotes", {"utf8": "{'id': 'e'}"}),
                       ("deeply-nested", {"utf8": '{"id":"e","topic":"x.y","data":' + "[" * 300 + "]" * 300 + "}"})]
    for name, raw in not_json:
        add(invalid(f"event-not-json-{name}", f"the body is not JSON: {name}", raw, "invalid_json"))

    # JSON, but not an event of the right shape.
    def broken(name: str, comment: str, event: Any, topic: str = "order.created") -> None:
        add(invalid(f"event-bad-{name}", comment, text(event), "invalid_payload"))

    broken("array", "a JSON array", [order])
    broken("null", "JSON null", None)
    broken("number", "a JSON number", 42)
    broken("missing-id", "no event id", {k: v for k, v in order.items() if k != "id"})
    broken("missing-topic", "no topic", {k: v for k, v in order.items() if k != "topic"})
    broken("missing-data", "no data", {k: v for k, v in order.items() if k != "data"})
    broken("id-boolean", "an id that is true", dict(order, id=True))
    broken("topic-number", "a numeric topic", dict(order, topic=7))
    broken("data-array", "order data that is a list", dict(order, data=[data]))
    broken("order-missing-id", "an order without its id",
           dict(order, data={k: v for k, v in data.items() if k != "id"}))
    line = data["lines"][0]
    for name, bad_line in (("line-missing-quantity", {k: v for k, v in line.items() if k != "quantity"}),
                           ("line-negative-quantity", dict(line, quantity=-1)),
                           ("line-quantity-string", dict(line, quantity="2")),
                           ("line-quantity-fraction", dict(line, quantity=2.5)),
                           ("line-price-words", dict(line, retailPrice="twenty")),
                           ("line-price-exponent", dict(line, retailPrice="1e3")),
                           ("line-id-object", dict(line, id={"oid": 1}))):
        broken(name, f"an order line with {name.removeprefix('line-').replace('-', ' ')}",
               dict(order, data=dict(data, lines=[bad_line])))
    broken("lines-object", "lines that are an object", dict(order, data=dict(data, lines={"0": line})))
    broken("status-number", "a numeric status", dict(order, data=dict(data, status=3)))
    product = sample("product.selected")
    broken("product-variant-without-id", "a variant without an id",
           dict(product, data=dict(product["data"], variants=[{"sku": "X"}])))
    broken("product-inventory-text", "inventory as text",
           dict(product, data=dict(product["data"], variants=[dict(product["data"]["variants"][0],
                                                                   inventoryAmount="many")])))
    change = sample("proposal.productApproved")
    broken("proposal-change-without-proposal", "a product change without its proposal",
           dict(change, data={k: v for k, v in change["data"].items() if k != "proposal"}))
    rma_return = sample("rma.returnReceived")
    broken("rma-return-without-rma", "a return event without its RMA",
           dict(rma_return, data={"return": rma_return["data"]["return"]}))
    broken("connection-id-null", "a connection whose id is null",
           dict(sample("connection.created"), data=dict(sample("connection.created")["data"], id=None)))
    return cases
