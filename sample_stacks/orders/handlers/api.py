"""Orders API: POST /orders stores an order and announces it; GET /orders/{order_id} reads it back.

Runs behind an API Gateway REST API (Lambda proxy integration). boto3 comes with the Lambda runtime;
Powertools for AWS Lambda (its Tracer, with the X-Ray SDK) comes from the public layer the CDK app adds
(``LambdaInstrumentation``), which also sets ``POWERTOOLS_SERVICE_NAME`` and what the Tracer captures.

What a trace of one request shows in X-Ray:

- ``## handler`` with the ``ColdStart`` and ``Service`` annotations (the app's ``cold-starts`` trace group
  filters on ``annotation.ColdStart``), and the annotations ``order_id``, ``customer_tier`` and ``outcome``
  (``created``, ``rejected``, ``found``, ``not_found``, ``no_route``, ``error``), which trace filters can search;
- a subsegment per business step (``## api.validate_order``, ``## api.store_order``, ``## api.announce_order``,
  ``## api.read_order``) and, under them, one per AWS call (DynamoDB ``PutItem``/``GetItem``, SNS ``Publish``),
  which puts DynamoDB and SNS on the trace map;
- metadata ``order`` (item and unit counts, no customer data) under the service's namespace.

The SDK sends the trace header with every AWS call, so SNS (Active tracing) continues this trace.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from decimal import Decimal
from typing import Any

import boto3
from aws_lambda_powertools import Tracer

tracer = Tracer()  # service name from POWERTOOLS_SERVICE_NAME; patches boto3, so every AWS call is a subsegment

_dynamodb = boto3.resource("dynamodb")
_sns = boto3.client("sns")

MAX_ITEMS = 50
MAX_QUANTITY = 1000
CUSTOMER_TIERS = ("standard", "premium")


class BadRequest(Exception):
    """The request body is not a valid order."""


def parse_order(body: str | None) -> dict[str, Any]:
    """Validate a POST /orders body.

    ``{"customer_id": str, "customer_tier": "standard" | "premium" (optional), "items": [{"sku", "quantity"}]}``
    """
    try:
        data = json.loads(body or "")
    except json.JSONDecodeError as exc:
        raise BadRequest(f"body is not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    customer_id = data.get("customer_id")
    if not isinstance(customer_id, str) or not customer_id.strip():
        raise BadRequest("customer_id must be a non-empty string")
    tier = data.get("customer_tier", "standard")
    if tier not in CUSTOMER_TIERS:
        raise BadRequest(f"customer_tier must be one of {', '.join(CUSTOMER_TIERS)}")
    items = data.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        raise BadRequest(f"items must be a list of 1 to {MAX_ITEMS} items")
    clean_items = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise BadRequest(f"items[{index}] must be an object")
        sku, quantity = item.get("sku"), item.get("quantity")
        if not isinstance(sku, str) or not sku.strip():
            raise BadRequest(f"items[{index}].sku must be a non-empty string")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            raise BadRequest(f"items[{index}].quantity must be an integer from 1 to {MAX_QUANTITY}")
        clean_items.append({"sku": sku, "quantity": quantity})
    return {"customer_id": customer_id, "customer_tier": tier, "items": clean_items}


@tracer.capture_method
def validate_order(body: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """The order, or why it is rejected. A rejection is the client's error, not a fault of this function: no
    exception leaves the subsegment (one would mark it as a fault in X-Ray)."""
    try:
        return parse_order(body), None
    except BadRequest as exc:
        return None, str(exc)


@tracer.capture_method
def store_order(record: dict[str, Any]) -> None:
    _dynamodb.Table(os.environ["TABLE_NAME"]).put_item(Item=record)


@tracer.capture_method
def announce_order(record: dict[str, Any]) -> None:
    _sns.publish(
        TopicArn=os.environ["TOPIC_ARN"],
        Message=json.dumps(record),
        MessageAttributes={"event_type": {"DataType": "String", "StringValue": "OrderCreated"}},
    )


@tracer.capture_method
def read_order(order_id: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = (
        _dynamodb.Table(os.environ["TABLE_NAME"]).get_item(Key={"order_id": order_id}).get("Item")
    )
    return item


def create_order(event: dict[str, Any]) -> dict[str, Any]:
    order, rejection = validate_order(event.get("body"))
    if order is None:
        tracer.put_annotation("outcome", "rejected")
        return _response(400, {"message": rejection})
    order_id = str(uuid.uuid4())
    record = {**order, "order_id": order_id, "status": "RECEIVED", "created_at": int(time.time())}
    tracer.put_annotation("order_id", order_id)
    tracer.put_annotation("customer_tier", order["customer_tier"])
    tracer.put_metadata("order", {"items": len(order["items"]),
                                  "units": sum(item["quantity"] for item in order["items"])})
    store_order(record)
    announce_order(record)
    tracer.put_annotation("outcome", "created")
    return _response(201, {"order_id": order_id, "status": "RECEIVED"})


def get_order(event: dict[str, Any]) -> dict[str, Any]:
    order_id = (event.get("pathParameters") or {}).get("order_id", "")
    tracer.put_annotation("order_id", order_id)
    item = read_order(order_id)
    if item is None:
        tracer.put_annotation("outcome", "not_found")
        return _response(404, {"message": f"order {order_id!r} not found"})
    tracer.put_annotation("customer_tier", str(item.get("customer_tier", "standard")))
    tracer.put_annotation("outcome", "found")
    return _response(200, item)


@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        if event.get("httpMethod") == "POST" and event.get("resource") == "/orders":
            return create_order(event)
        if event.get("httpMethod") == "GET" and event.get("resource") == "/orders/{order_id}":
            return get_order(event)
    except Exception:
        tracer.put_annotation("outcome", "error")  # the Tracer records the exception itself
        raise
    tracer.put_annotation("outcome", "no_route")
    return _response(404, {"message": "no such route"})


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, default=_json_default),
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")
