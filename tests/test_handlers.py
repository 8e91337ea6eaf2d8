"""The sample app's Lambda handlers, run in-process with their AWS clients replaced by fakes."""

from __future__ import annotations

import importlib
import json
import socket
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from .conftest import ROOT

HANDLERS = ROOT / "sample_stacks" / "orders" / "handlers"


class FakeTable:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def put_item(self, *, Item: dict[str, Any]) -> None:
        self.items[Item["order_id"]] = Item

    def get_item(self, *, Key: dict[str, str]) -> dict[str, Any]:
        item = self.items.get(Key["order_id"])
        return {"Item": item} if item else {}

    def update_item(self, *, Key: dict[str, str], ExpressionAttributeValues: dict[str, Any], **_: Any) -> None:
        item = self.items[Key["order_id"]]  # the real call has ConditionExpression attribute_exists(order_id)
        item.update(status=ExpressionAttributeValues[":processed"], units=ExpressionAttributeValues[":units"])


class Fakes:
    def __init__(self) -> None:
        self.table = FakeTable()
        self.published: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def Table(self, name: str) -> FakeTable:
        assert name == "orders-table"
        return self.table

    def publish(self, **kwargs: Any) -> None:
        self.published.append(kwargs)

    def put_events(self, *, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.events.extend(Entries)
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]}


@pytest.fixture
def handlers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, ModuleType, Fakes]]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("TABLE_NAME", "orders-table")
    monkeypatch.setenv("TOPIC_ARN", "arn:aws:sns:eu-west-1:111111111111:orders")
    monkeypatch.setenv("EVENT_BUS_NAME", "orders-bus")
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    monkeypatch.syspath_prepend(str(HANDLERS))
    for name in ("api", "worker", "xray_annotations"):
        sys.modules.pop(name, None)
    api, worker = importlib.import_module("api"), importlib.import_module("worker")
    fakes = Fakes()
    monkeypatch.setattr(api, "_dynamodb", fakes)
    monkeypatch.setattr(api, "_sns", fakes)
    monkeypatch.setattr(worker, "_dynamodb", fakes)
    monkeypatch.setattr(worker, "_events", fakes)
    yield api, worker, fakes
    for name in ("api", "worker", "xray_annotations"):
        sys.modules.pop(name, None)


def post(api: ModuleType, body: Any) -> dict[str, Any]:
    raw = body if isinstance(body, str) else json.dumps(body)
    return api.handler({"httpMethod": "POST", "resource": "/orders", "body": raw}, None)  # type: ignore[no-any-return]


ORDER = {"customer_id": "c-1", "items": [{"sku": "book", "quantity": 2}, {"sku": "pen", "quantity": 3}]}


def test_an_order_goes_from_the_api_through_the_worker(handlers: tuple[ModuleType, ModuleType, Fakes]) -> None:
    api, worker, fakes = handlers
    created = post(api, ORDER)
    assert created["statusCode"] == 201
    order_id = json.loads(created["body"])["order_id"]
    assert fakes.table.items[order_id]["status"] == "RECEIVED"
    (message,) = fakes.published
    assert json.loads(message["Message"])["order_id"] == order_id

    result = worker.handler({"Records": [{"messageId": "m1", "body": message["Message"]}]}, None)
    assert result == {"batchItemFailures": []}
    assert fakes.table.items[order_id]["status"] == "PROCESSED"
    assert fakes.table.items[order_id]["units"] == 5
    (event,) = fakes.events
    assert (event["Source"], event["DetailType"], event["EventBusName"]) == ("orders.worker", "OrderProcessed",
                                                                             "orders-bus")

    read = api.handler({"httpMethod": "GET", "resource": "/orders/{order_id}",
                        "pathParameters": {"order_id": order_id}}, None)
    assert read["statusCode"] == 200 and json.loads(read["body"])["status"] == "PROCESSED"


@pytest.mark.parametrize(("body", "message"), [
    ("not json", "body is not JSON"),
    ([1, 2], "body must be a JSON object"),
    ({"items": ORDER["items"]}, "customer_id must be a non-empty string"),
    ({"customer_id": "c", "items": []}, "items must be a list of 1 to 50 items"),
    ({"customer_id": "c", "items": [{"sku": "", "quantity": 1}]}, "items[0].sku must be a non-empty string"),
    ({"customer_id": "c", "items": [{"sku": "a", "quantity": 0}]}, "items[0].quantity must be an integer"),
    ({"customer_id": "c", "items": [{"sku": "a", "quantity": True}]}, "items[0].quantity must be an integer"),
])
def test_a_malformed_order_is_rejected_and_lands_nowhere(
    handlers: tuple[ModuleType, ModuleType, Fakes], body: Any, message: str
) -> None:
    api, _, fakes = handlers
    response = post(api, body)
    assert response["statusCode"] == 400
    assert message in json.loads(response["body"])["message"]
    assert fakes.table.items == {} and fakes.published == []


def test_the_worker_reports_only_the_failed_records(handlers: tuple[ModuleType, ModuleType, Fakes]) -> None:
    api, worker, _fakes = handlers
    good = json.loads(post(api, ORDER)["body"])["order_id"]
    records = [{"messageId": "ok", "body": json.dumps({**ORDER, "order_id": good})},
               {"messageId": "bad", "body": json.dumps({**ORDER, "order_id": "missing"})}]
    assert worker.handler({"Records": records}, None) == {"batchItemFailures": [{"itemIdentifier": "bad"}]}


def test_a_missing_order_is_404(handlers: tuple[ModuleType, ModuleType, Fakes]) -> None:
    api, _, _ = handlers
    response = api.handler({"httpMethod": "GET", "resource": "/orders/{order_id}",
                            "pathParameters": {"order_id": "nope"}}, None)
    assert response["statusCode"] == 404


def test_cold_starts_are_annotated_on_the_trace(
    handlers: tuple[ModuleType, ModuleType, Fakes], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, _, _ = handlers
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as daemon:
        daemon.bind(("127.0.0.1", 0))
        daemon.settimeout(5)
        monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", f"127.0.0.1:{daemon.getsockname()[1]}")
        monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;"
                                               "Sampled=1")
        documents = []
        for _ in range(2):
            api.handler({"httpMethod": "GET", "resource": "/orders/{order_id}",
                         "pathParameters": {"order_id": "x"}}, None)
            header, body = daemon.recv(65536).split(b"\n", 1)
            assert json.loads(header) == {"format": "json", "version": 1}
            documents.append(json.loads(body))
    assert [d["annotations"]["ColdStart"] for d in documents] == [True, False]
    first = documents[0]
    assert (first["type"], first["trace_id"], first["parent_id"]) == (
        "subsegment", "1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8")


def test_unsampled_invocations_send_nothing(handlers: tuple[ModuleType, ModuleType, Fakes],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    annotations = importlib.import_module("xray_annotations")
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;"
                                           "Sampled=0")
    assert annotations.annotate("x", ColdStart=True) is False
    with pytest.raises(ValueError, match="annotation 'bad-key'"):
        annotations.subsegment("x", {"bad-key": 1})


TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def test_the_trace_goes_on_through_eventbridge(handlers: tuple[ModuleType, ModuleType, Fakes],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    api, worker, fakes = handlers
    post(api, ORDER)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE)
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:9")  # the annotation goes nowhere
    worker.handler({"Records": [{"messageId": "m", "body": fakes.published[0]["Message"]}]}, None)
    assert [e.get("TraceHeader") for e in fakes.events] == [TRACE]


def test_aws_calls_carry_the_trace_header(handlers: tuple[ModuleType, ModuleType, Fakes],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    from botocore.awsrequest import AWSRequest

    context = importlib.import_module("xray_annotations")
    client = context.propagate_trace_context(boto3.client("sns", region_name="eu-west-1"))
    request = AWSRequest(method="POST", url="https://sns.eu-west-1.amazonaws.com/")
    client.meta.events.emit("before-sign.sns.Publish", request=request)
    assert "X-Amzn-Trace-Id" not in request.headers  # outside a traced invocation: nothing to send
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE)
    client.meta.events.emit("before-sign.sns.Publish", request=request)
    assert request.headers["X-Amzn-Trace-Id"] == TRACE
