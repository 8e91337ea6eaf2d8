"""Order worker: takes OrderCreated messages from SQS, marks each order PROCESSED and emits OrderProcessed.

SNS delivers to the queue with raw message delivery, so each SQS body is the order JSON the API published.
Records are processed with Powertools' batch processing: a record that fails is reported back on its own
(partial batch response), so only it returns to the queue and, after the redrive limit, lands in the
dead-letter queue. If every record of a batch fails, the whole invocation fails, as Powertools documents.

Tracing. An SQS-triggered invocation starts a *new* trace: X-Ray links it to the producer's trace (the API
request that published the order), it does not continue it, and one batch can hold records from many producer
traces. Each record carries its producer's trace header in the ``AWSTraceHeader`` system attribute; this
handler uses it per record:

- it *links*: the record's subsegment ``## worker.process_record`` gets the annotation ``source_trace_id`` (the
  producer trace's id) beside ``order_id``, ``customer_tier`` and ``outcome`` (``processed`` / ``failed``), so a
  trace filter finds the worker's side of any order, or of any producer trace;
- it *continues*: the OrderProcessed event goes to EventBridge with the record's own header
  (``PutEvents``' ``TraceHeader``), so the fulfilment state machine joins the producer's trace, not this batch's.

Under each record, ``## worker.mark_processed`` and ``## worker.announce_processed`` hold the DynamoDB
``UpdateItem`` and EventBridge ``PutEvents`` calls (boto3 is patched by the Tracer).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import boto3
from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)

_dynamodb = boto3.resource("dynamodb")
_events = boto3.client("events")


def trace_id_of(header: str | None) -> str | None:
    """The trace id (``Root``) of an X-Ray trace header such as ``Root=1-...;Parent=...;Sampled=1``."""
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == "Root" and value:
            return value
    return None


@tracer.capture_method
def mark_processed(order: dict[str, Any]) -> int:
    units = sum(int(item["quantity"]) for item in order["items"])
    _dynamodb.Table(os.environ["TABLE_NAME"]).update_item(
        Key={"order_id": order["order_id"]},
        UpdateExpression="SET #status = :processed, processed_at = :now, units = :units",
        ConditionExpression="attribute_exists(order_id)",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":processed": "PROCESSED", ":now": int(time.time()), ":units": units},
    )
    return units


@tracer.capture_method
def announce_processed(order: dict[str, Any], units: int, trace_header: str | None) -> None:
    entry = {
        "EventBusName": os.environ["EVENT_BUS_NAME"],
        "Source": "orders.worker",
        "DetailType": "OrderProcessed",
        "Detail": json.dumps({"order_id": order["order_id"], "customer_id": order["customer_id"], "units": units}),
    }
    if trace_header:  # the producer's trace goes on through the rule to the state machine
        entry["TraceHeader"] = trace_header
    response = _events.put_events(Entries=[entry])
    if response.get("FailedEntryCount"):
        raise RuntimeError(f"EventBridge rejected the OrderProcessed event: {response['Entries']}")


@tracer.capture_method
def process_record(record: SQSRecord) -> None:
    source_header = record.attributes.aws_trace_header
    source_trace = trace_id_of(source_header)
    if source_trace:
        tracer.put_annotation("source_trace_id", source_trace)
    try:
        order = json.loads(record.body)
        tracer.put_annotation("order_id", str(order["order_id"]))
        tracer.put_annotation("customer_tier", str(order.get("customer_tier", "standard")))
        units = mark_processed(order)
        announce_processed(order, units, source_header)
    except Exception:
        tracer.put_annotation("outcome", "failed")
        raise  # the batch processor reports this record as failed
    tracer.put_annotation("outcome", "processed")
    tracer.put_metadata("order", {"items": len(order["items"]), "units": units})


@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    tracer.put_annotation("records", len(event.get("Records", [])))
    return process_partial_response(event=event, record_handler=process_record, processor=processor,
                                    context=context)
