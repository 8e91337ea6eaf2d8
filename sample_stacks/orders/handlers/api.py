"""Orders API: POST /orders stores an order and announces it; GET /orders/{order_id} reads it back.

Runs behind an API Gateway REST API (Lambda proxy integration). Only the AWS SDK, which the Lambda runtime
provides, is needed. X-Ray: the function is traced by the CDK app (Active mode); the trace context reaches SNS,
SQS and the worker through the AWSTraceHeader the services carry.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from decimal import Decimal
from typing import Any

import boto3
from xray_annotations import annotate, propagate_trace_context

_dynamodb = boto3.resource("dynamodb")
_sns = propagate_trace_context(boto3.client("sns"))  # SNS continues this trace, and SQS carries it on
propagate_trace_context(_dynamodb.meta.client)
_COLD_START = True

MAX_ITEMS = 50
MAX_QUANTITY = 1000


class BadRequest(Exception):
    """The request body is not a valid order."""


def parse_order(body: str | None) -> dict[str, Any]:
    """Validate a POST /orders body: {"customer_id": str, "items": [{"sku": str, "quantity": int}, ...]}."""
    try:
        data = json.loads(body or "")
    except json.JSONDecodeError as exc:
        raise BadRequest(f"body is not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    customer_id = data.get("customer_id")
    if not isinstance(customer_id, str) or not customer_id.strip():
        raise BadRequest("customer_id must be a non-empty string")
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
    return {"customer_id": customer_id, "items": clean_items}


def create_order(event: dict[str, Any]) -> dict[str, Any]:
    try:
        order = parse_order(event.get("body"))
    except BadRequest as exc:
        return _response(400, {"message": str(exc)})
    order_id = str(uuid.uuid4())
    record = {**order, "order_id": order_id, "status": "RECEIVED", "created_at": int(time.time())}
    _dynamodb.Table(os.environ["TABLE_NAME"]).put_item(Item=record)
    _sns.publish(
        TopicArn=os.environ["TOPIC_ARN"],
        Message=json.dumps(record),
        MessageAttributes={"event_type": {"DataType": "String", "StringValue": "OrderCreated"}},
    )
    return _response(201, {"order_id": order_id, "status": "RECEIVED"})


def get_order(event: dict[str, Any]) -> dict[str, Any]:
    order_id = (event.get("pathParameters") or {}).get("order_id", "")
    item = _dynamodb.Table(os.environ["TABLE_NAME"]).get_item(Key={"order_id": order_id}).get("Item")
    if item is None:
        return _response(404, {"message": f"order {order_id!r} not found"})
    return _response(200, item)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _COLD_START
    cold_start, _COLD_START = _COLD_START, False
    annotate("orders-api", ColdStart=cold_start, Service="orders-api")
    print(json.dumps({"message": "request", "method": event.get("httpMethod"), "path": event.get("resource"),
                      "cold_start": cold_start}))
    if event.get("httpMethod") == "POST" and event.get("resource") == "/orders":
        return create_order(event)
    if event.get("httpMethod") == "GET" and event.get("resource") == "/orders/{order_id}":
        return get_order(event)
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
