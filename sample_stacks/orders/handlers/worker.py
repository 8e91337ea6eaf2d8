"""Order worker: takes OrderCreated messages from SQS, marks each order PROCESSED and emits OrderProcessed.

SNS delivers to the queue with raw message delivery, so each SQS body is the order JSON the API published.
Failed records are reported back individually (partial batch response): only they return to the queue and,
after the redrive limit, land in the dead-letter queue.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import boto3
from xray_annotations import annotate, propagate_trace_context, trace_header

_dynamodb = boto3.resource("dynamodb")
_events = propagate_trace_context(boto3.client("events"))
propagate_trace_context(_dynamodb.meta.client)
_COLD_START = True


def process(order: dict[str, Any]) -> None:
    order_id = order["order_id"]
    units = sum(int(item["quantity"]) for item in order["items"])
    _dynamodb.Table(os.environ["TABLE_NAME"]).update_item(
        Key={"order_id": order_id},
        UpdateExpression="SET #status = :processed, processed_at = :now, units = :units",
        ConditionExpression="attribute_exists(order_id)",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":processed": "PROCESSED", ":now": int(time.time()), ":units": units},
    )
    entry = {
        "EventBusName": os.environ["EVENT_BUS_NAME"],
        "Source": "orders.worker",
        "DetailType": "OrderProcessed",
        "Detail": json.dumps({"order_id": order_id, "customer_id": order["customer_id"], "units": units}),
    }
    header = trace_header()
    if header:  # the trace goes on through the rule to the state machine
        entry["TraceHeader"] = header
    response = _events.put_events(Entries=[entry])
    if response.get("FailedEntryCount"):
        raise RuntimeError(f"EventBridge rejected the OrderProcessed event: {response['Entries']}")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _COLD_START
    cold_start, _COLD_START = _COLD_START, False
    annotate("orders-worker", ColdStart=cold_start, Service="orders-worker", Records=len(event.get("Records", [])))
    failures = []
    for record in event.get("Records", []):
        try:
            process(json.loads(record["body"]))
        except Exception as exc:  # report the record, keep the batch going
            print(json.dumps({"message": "order failed", "message_id": record.get("messageId"), "error": repr(exc)}))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
