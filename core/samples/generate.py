#!/usr/bin/env python3
"""Write one realistic, deterministic sample event per catalog topic into core/samples/<topic>.json (and the
list core/src/samples.rs includes, core/samples/index.rs).

The samples are what `dropship_webhooks::samples::sample_event` returns (tests, the demo, tools). They are canonical
events: camelCase names and only the fields given (a field the sample leaves as `None` below is not written, as the
canonical form never writes `null`); tolerant spellings are exercised by tests/vectors/events.json instead.
``--check`` fails if a committed file differs from what this script writes.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "scripts"))
from generated_files import write_or_check  # noqa: E402
CREATED = "2026-11-22T10:00:00Z"

BUYER = {"id": "cmp_retail_4f2a", "name": "Northwind Home", "code": "NWH"}
SELLER = {"id": "cmp_supply_9c1e", "name": "Alder & Oak Ceramics", "code": "AOC"}
SHIP_TO = {
    "name": "Jordan Reyes", "company": None, "addressOne": "214 Harbor Street", "addressTwo": "Apt 5B",
    "city": "Portland", "state": "OR", "zip": "97205", "country": "US", "phoneNumber": "+1 503 555 0142",
    "email": "jordan.reyes@example.com",
}
LINES = [
    {"id": "oli_7d31", "variantId": "var_mug_blue", "sku": "AOC-MUG-BLU", "title": "Stoneware Mug — Ocean Blue",
     "quantity": 2, "quantityShipped": 0, "quantityCancelled": 0, "basePrice": "11.50", "retailPrice": "24.00",
     "cancelled": False, "cancelledReason": None, "cancelledBy": None, "cancelledAt": None, "status": "open"},
    {"id": "oli_7d32", "variantId": "var_bowl_sand", "sku": "AOC-BWL-SND", "title": "Serving Bowl — Sand",
     "quantity": 1, "quantityShipped": 0, "quantityCancelled": 0, "basePrice": "19.00", "retailPrice": "42.00",
     "cancelled": False, "cancelledReason": None, "cancelledBy": None, "cancelledAt": None, "status": "open"},
]
ORDER = {
    "id": "ord_1001", "purchaseOrderNumber": "PO-2026-118204", "buyerReference": "NWH-558201",
    "sellerReference": None, "customerReference": "#10482", "status": "open", "buyer": BUYER, "seller": SELLER,
    "currency": "USD", "subtotal": "42.00", "shipping": "6.95", "shipTo": SHIP_TO, "lines": LINES,
    "fulfillments": [], "cancellations": [], "returns": [], "hasCancellations": False, "isTest": False,
    "createdAt": "2026-11-22T09:58:12Z", "updatedAt": "2026-11-22T09:58:12Z", "cancelledAt": None,
    "fulfilledAt": None, "attributes": {"channel": "web"},
}
VARIANTS = [
    {"id": "var_mug_blue", "sku": "AOC-MUG-BLU", "title": "Ocean Blue", "inventoryAmount": 148,
     "retailPrice": "24.00", "retailCurrency": "USD", "basePrice": "11.50", "baseCurrency": "USD",
     "barcode": "0860001234563", "barcodeType": "gtin-13", "options": [{"name": "Color", "value": "Ocean Blue"}],
     "weight": 0.42, "weightUnits": "kg", "attributes": {}},
    {"id": "var_mug_sand", "sku": "AOC-MUG-SND", "title": "Sand", "inventoryAmount": 0, "retailPrice": "24.00",
     "retailCurrency": "USD", "basePrice": "11.50", "baseCurrency": "USD", "barcode": "0860001234570",
     "barcodeType": "gtin-13", "options": [{"name": "Color", "value": "Sand"}], "weight": 0.42,
     "weightUnits": "kg", "attributes": {}},
]
PRODUCT = {
    "id": "prd_mug_stoneware", "title": "Stoneware Mug", "brand": "Alder & Oak", "description":
    "<p>Hand-glazed stoneware, 350 ml. Dishwasher safe.</p>", "sellerReference": "shopify:7719203",
    "sellerId": SELLER["id"], "tags": ["kitchen", "ceramics"], "optionNames": ["Color"],
    "images": [{"id": "img_1", "source": "https://cdn.example.com/aoc/mug-blue.jpg"}], "variants": VARIANTS,
    "createdAt": "2026-03-02T14:20:00Z", "updatedAt": "2026-11-22T09:59:40Z", "attributes": {"material": "stoneware"},
}
CONNECTION = {
    "id": "con_51", "buyer": BUYER, "seller": SELLER, "status": "pending", "level": "full",
    "integrationType": "api", "onboardingStatus": "pending", "createdAt": "2026-11-22T09:50:00Z",
    "updatedAt": "2026-11-22T09:50:00Z",
}
OWNER = {"id": "usr_204", "name": "Priya Natarajan", "email": "priya@alderandoak.example"}
PROPOSAL = {
    "id": "prp_3307", "name": "Spring 2027 tableware", "status": "proposed", "proposalType": "new_product",
    "buyer": BUYER, "seller": SELLER, "connectionId": "con_51", "owner": OWNER, "collaborators": [],
    "itemCount": 12, "itemApprovedCount": 0, "itemRejectedCount": 0, "reason": None,
    "proposedAt": "2026-11-20T16:00:00Z", "revisedAt": None, "approvedAt": None, "declinedAt": None,
    "completedAt": None, "createdAt": "2026-11-19T11:00:00Z", "updatedAt": "2026-11-22T09:59:00Z",
}
RMA = {
    "id": "rma_880", "orderId": "ord_1001", "purchaseOrderNumber": "PO-2026-118204", "rmaNumber": "RMA-880",
    "status": "pending", "createdBy": "retailer",
    "lines": [{"id": "rml_1", "variantId": "var_mug_blue", "sku": "AOC-MUG-BLU", "quantity": 1,
               "reason": "Arrived chipped"}],
    "createdAt": "2026-11-21T18:30:00Z", "approvedAt": None, "rejectedAt": None, "completedAt": None,
}
RETURN = {"id": "ret_41", "status": "pending", "quantity": 1, "carrier": "USPS",
          "trackingNumber": "9400111899562537846312", "inspectionNotes": None}


def with_changes(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    value = copy.deepcopy(base)
    value.update(changes)
    return value


def order_data(topic: str) -> dict[str, Any]:
    if topic == "order.created":
        return ORDER
    if topic == "order.fulfilled":
        lines = [with_changes(line, quantityShipped=line["quantity"], status="shipped") for line in LINES]
        return with_changes(ORDER, status="fulfilled", lines=lines, fulfilledAt=CREATED, fulfillments=[{
            "id": "ful_9001", "carrier": "UPS", "trackingCode": "1Z999AA10123456784",
            "trackingUrls": ["https://www.ups.com/track?tracknum=1Z999AA10123456784"], "shippedAt": CREATED,
            "lines": [{"orderLineId": "oli_7d31", "quantity": 2}, {"orderLineId": "oli_7d32", "quantity": 1}]}])
    if topic == "order.cancelled":
        lines = [LINES[0], with_changes(LINES[1], cancelled=True, cancelledReason="Out of stock",
                                        cancelledBy="seller", cancelledAt=CREATED, quantityCancelled=1,
                                        status="cancelled")]
        return with_changes(ORDER, lines=lines, hasCancellations=True, cancellations=[{
            "id": "cnl_77", "reason": "Out of stock", "cancelledBy": "seller", "cancelledAt": CREATED,
            "lines": [{"orderLineId": "oli_7d32", "quantity": 1}]}])
    if topic == "order.returned":
        return with_changes(ORDER, status="closed", returns=[{
            "id": "rma_880", "rmaNumber": "RMA-880", "status": "pending", "reason": "Arrived chipped",
            "lines": [{"orderLineId": "oli_7d31", "quantity": 1}]}])
    if topic == "order.shipToAddressUpdated":
        return with_changes(ORDER, shipTo=with_changes(SHIP_TO, addressOne="88 Alder Lane", addressTwo=None,
                                                       zip="97210"), updatedAt=CREATED)
    raise KeyError(topic)


# The data of a topic this script has no sample of its own for (`product.unavailable`, `variant.unavailable`, a
# topic just added to the catalog): its payload type's base sample.
BASE_BY_PAYLOAD: dict[str, dict[str, Any]] = {
    "Order": ORDER,
    "Product": PRODUCT,
    "ProductRef": {"id": "prd_mug_stoneware"},
    "VariantRefs": {"variantIds": ["var_mug_sand"], "productId": "prd_mug_stoneware"},
    "Connection": CONNECTION,
    "Proposal": PROPOSAL,
    "ProposalProductChange": {"proposal": PROPOSAL, "product": {"id": "pp_19", "name": "Stoneware Mug"}},
    "ProposalVariantChange": {"proposal": PROPOSAL, "variant": {"id": "var_mug_sand", "name": "Sand"}},
    "Rma": RMA,
    "RmaReturn": {"rma": RMA, "return": RETURN},
}


def data_for(topic: str, payload: str) -> dict[str, Any]:
    try:
        return topic_data(topic)
    except KeyError:
        return BASE_BY_PAYLOAD[payload]


def topic_data(topic: str) -> dict[str, Any]:
    group, action = topic.split(".")
    if group == "order":
        return order_data(topic)
    if topic == "product.selected":
        return PRODUCT
    if topic == "product.inventoryChanged":
        return with_changes(PRODUCT, variants=[with_changes(VARIANTS[0], inventoryAmount=131), VARIANTS[1]],
                            updatedAt=CREATED)
    if group == "connection":
        return CONNECTION if action == "created" else with_changes(CONNECTION, status="active",
                                                                   onboardingStatus="complete", updatedAt=CREATED)
    if group == "proposal":
        status = {"approved": "approved", "completed": "completed", "declined": "declined", "revised": "revised",
                  "pricingApproved": "pricing_approved"}.get(action, "proposed")
        proposal = with_changes(PROPOSAL, status=status, updatedAt=CREATED)
        if action == "declined":
            proposal.update(reason="Pricing above category target", declinedAt=CREATED)
        if action == "collaboratorAdded":
            proposal["collaborators"] = [{"id": "usr_311", "name": "Sam Okafor", "email": "sam@northwind.example"}]
        if action == "ownerReassigned":
            proposal["owner"] = {"id": "usr_512", "name": "Lee Chen", "email": "lee@alderandoak.example"}
        if action.startswith("product"):
            verdict = "approved" if action.endswith("Approved") else "rejected"
            return {"proposal": proposal, "product": {"id": "pp_19", "name": "Stoneware Mug", "status": verdict},
                    "reason": None if verdict == "approved" else "Duplicate of an existing listing"}
        if action.startswith("variant"):
            verdict = {"variantApproved": "approved", "variantRejected": "rejected",
                       "variantRemoved": "removed"}[action]
            return {"proposal": proposal, "variant": {"id": "var_mug_sand", "name": "Sand", "sku": "AOC-MUG-SND",
                                                      "status": verdict},
                    "reason": None if verdict == "approved" else "Colour not in the spring palette"}
        return proposal
    if group == "rma":
        if action.startswith("return"):
            state = {"returnApproved": "approved", "returnReceived": "received", "returnRejected": "rejected"}[action]
            notes = {"received": "Box intact; one mug chipped as reported",
                     "rejected": "Item shows use beyond the return policy"}.get(state)
            return {"rma": with_changes(RMA, status="approved", approvedAt="2026-11-21T20:00:00Z"),
                    "return": with_changes(RETURN, status=state, inspectionNotes=notes)}
        stamp = {"approved": "approvedAt", "rejected": "rejectedAt", "completed": "completedAt"}[action]
        return with_changes(RMA, status=action, **{stamp: CREATED})
    raise KeyError(topic)


def catalog() -> list[tuple[str, str]]:
    """(topic, payload type) of every topic, in catalog order: the Rust catalog (`core/src/topics.rs`) as the schema
    generator wrote it (`x-topics` of core/schema/events.schema.json, which `make generate` writes first)."""
    schema = json.loads((HERE.parent / "schema" / "events.schema.json").read_text(encoding="utf-8"))
    return [(topic["name"], topic["payload"]) for topic in schema["x-topics"]]


def without_nulls(value: Any) -> Any:
    """The canonical form of a model value: members that are `None` left out (custom `attributes` are kept whole)."""
    if isinstance(value, dict):
        return {key: item if key == "attributes" else without_nulls(item)
                for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def render(topic: str, payload: str) -> str:
    # The id names the topic only, so a topic added to the catalog changes no other sample.
    event = {"id": f"evt_sample_{topic.replace('.', '_')}", "topic": topic, "createdAt": CREATED,
             "data": without_nulls(data_for(topic, payload))}
    return json.dumps(event, indent=2, ensure_ascii=False) + "\n"


def index_rs(topics: list[str]) -> str:
    """The list `core/src/samples.rs` includes: one `include_str!` per topic needs the names as literals."""
    names = "".join(f'    "{topic}",\n' for topic in topics)
    return ("// Generated by `make generate` (core/samples/generate.py) from the topic catalog. Do not edit.\n"
            f"sample_files!(\n{names});\n")


def main() -> int:
    topics = catalog()
    outputs = {HERE / f"{topic}.json": render(topic, payload) for topic, payload in topics}
    outputs[HERE / "index.rs"] = index_rs([topic for topic, _ in topics])
    return write_or_check(outputs, "make generate")


if __name__ == "__main__":
    sys.exit(main())
