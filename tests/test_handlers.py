"""The sample app's Lambda handlers: their business logic in-process with fake AWS clients, and their X-Ray
traces under the real Powertools Tracer.

Traced runs happen in a fresh Python process per run (``tests/handler_runner.py``), set up as Lambda sets up a
function: ``LAMBDA_TASK_ROOT``, ``_X_AMZN_TRACE_ID`` per invocation, ``AWS_XRAY_DAEMON_ADDRESS`` pointing at a
UDP listener the test opens on a free port, and the environment the CDK app renders for that function (read
from the synthesized template). The AWS calls go to botocore stubs. What the test asserts is what the X-Ray
daemon would receive. (AWS X-Ray developer guide, "Sending segment documents to the X-Ray daemon": one UDP
datagram per document, a JSON header line ``{"format": "json", "version": 1}`` and the document.)
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import ROOT, SynthesizedApp, resources_of

ORDERS_HANDLERS = ROOT / "sample_stacks" / "orders" / "handlers"
MINIMAL_HANDLERS = ROOT / "sample_stacks" / "minimal" / "handlers"
RUNNER = Path(__file__).with_name("handler_runner.py")
HANDLER_MODULES = ("api", "worker", "hello")


# -- business logic, in-process ---------------------------------------------------------------------------------
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
    monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)  # outside Lambda the Tracer is off and patches nothing
    monkeypatch.syspath_prepend(str(ORDERS_HANDLERS))
    for name in HANDLER_MODULES:
        sys.modules.pop(name, None)
    api, worker = importlib.import_module("api"), importlib.import_module("worker")
    fakes = Fakes()
    monkeypatch.setattr(api, "_dynamodb", fakes)
    monkeypatch.setattr(api, "_sns", fakes)
    monkeypatch.setattr(worker, "_dynamodb", fakes)
    monkeypatch.setattr(worker, "_events", fakes)
    yield api, worker, fakes
    for name in HANDLER_MODULES:
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
    stored = fakes.table.items[order_id]
    assert (stored["status"], stored["customer_tier"]) == ("RECEIVED", "standard")  # the tier defaults
    (message,) = fakes.published
    assert json.loads(message["Message"])["order_id"] == order_id

    result = worker.handler({"Records": [sqs_record("m1", message["Message"])]}, None)
    assert result == {"batchItemFailures": []}
    assert fakes.table.items[order_id]["status"] == "PROCESSED"
    assert fakes.table.items[order_id]["units"] == 5
    (event,) = fakes.events
    assert (event["Source"], event["DetailType"], event["EventBusName"]) == ("orders.worker", "OrderProcessed",
                                                                             "orders-bus")
    assert "TraceHeader" not in event  # the record carried no AWSTraceHeader: nothing to continue

    read = api.handler({"httpMethod": "GET", "resource": "/orders/{order_id}",
                        "pathParameters": {"order_id": order_id}}, None)
    assert read["statusCode"] == 200 and json.loads(read["body"])["status"] == "PROCESSED"


@pytest.mark.parametrize(("body", "message"), [
    ("not json", "body is not JSON"),
    ([1, 2], "body must be a JSON object"),
    ({"items": ORDER["items"]}, "customer_id must be a non-empty string"),
    ({**ORDER, "customer_tier": "gold"}, "customer_tier must be one of standard, premium"),
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
    records = [sqs_record("ok", json.dumps({**ORDER, "order_id": good})),
               sqs_record("bad", json.dumps({**ORDER, "order_id": "missing"})),
               sqs_record("garbled", "{not json")]
    assert worker.handler({"Records": records}, None) == {
        "batchItemFailures": [{"itemIdentifier": "bad"}, {"itemIdentifier": "garbled"}]}


def test_a_batch_that_fails_entirely_fails_the_invocation(handlers: tuple[ModuleType, ModuleType, Fakes]) -> None:
    # Powertools batch processing: when every record fails, the invocation fails, so Lambda retries the batch.
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    _, worker, _ = handlers
    with pytest.raises(BatchProcessingError, match="All records failed"):
        worker.handler({"Records": [sqs_record("bad", json.dumps({**ORDER, "order_id": "missing"}))]}, None)


def test_a_missing_order_is_404(handlers: tuple[ModuleType, ModuleType, Fakes]) -> None:
    api, _, _ = handlers
    response = api.handler({"httpMethod": "GET", "resource": "/orders/{order_id}",
                            "pathParameters": {"order_id": "nope"}}, None)
    assert response["statusCode"] == 404


@pytest.mark.parametrize("handler_file", sorted([*ORDERS_HANDLERS.glob("*.py"), *MINIMAL_HANDLERS.glob("*.py")]),
                         ids=lambda p: p.name)
def test_no_handler_opens_a_socket_itself(handler_file: Path) -> None:
    tree = ast.parse(handler_file.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"socket", "xray_annotations", "aws_xray_sdk"}, imported
    assert "aws_lambda_powertools" in imported  # the Tracer talks to the daemon


# -- traces, under the real Powertools ---------------------------------------------------------------------------
TRACE_A = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
TRACE_B = "Root=1-5759e988-bd862e3fe1be46a994272794;Parent=53995c3f42cd8ad9;Sampled=1"
PRODUCER_1 = "Root=1-6a1b2c3d-000000000000000000000001;Parent=1111111111111111;Sampled=1"
PRODUCER_2 = "Root=1-6a1b2c3d-000000000000000000000002;Parent=2222222222222222;Sampled=1"
SECRET_CUSTOMER = "customer-7c1e-not-for-traces"
PREMIUM_ORDER = {"customer_id": SECRET_CUSTOMER, "customer_tier": "premium",
                 "items": [{"sku": "book", "quantity": 2}, {"sku": "pen", "quantity": 3}]}


@dataclass
class TracedRun:
    results: list[dict[str, Any]]
    documents: list[dict[str, Any]]

    def named(self, name: str) -> list[dict[str, Any]]:
        return [d for d in self.documents if d["name"] == name]

    def children(self, parent: dict[str, Any]) -> list[dict[str, Any]]:
        return [d for d in self.documents if d.get("parent_id") == parent["id"]]

    @property
    def aws_calls(self) -> list[tuple[str, str]]:
        return [(d["name"], d["aws"]["operation"]) for d in self.documents if d.get("namespace") == "aws"]


@pytest.fixture
def daemon() -> Iterator[socket.socket]:
    """A UDP listener on a free port of 127.0.0.1, standing in for the X-Ray daemon."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock


def function_environment(sample_app: SynthesizedApp, stack: str, handler: str) -> dict[str, str]:
    """The environment variables the CDK app renders for the function whose handler is ``handler``."""
    (function,) = [f for f in resources_of(sample_app.templates[stack], "AWS::Lambda::Function").values()
                   if f["Properties"].get("Handler") == handler]
    variables = function["Properties"]["Environment"]["Variables"]
    return {k: v for k, v in variables.items() if isinstance(v, str)}  # references (Ref...) are the tests' own


def run_traced(daemon: socket.socket, tmp_path: Path, *, module: str, handlers: Path, environment: dict[str, str],
               invocations: list[tuple[str, dict[str, Any]]], stubs: list[list[Any]] | None = None) -> TracedRun:
    plan = {"module": module, "stubs": stubs or [],
            "invocations": [{"trace_header": header, "event": event} for header, event in invocations]}
    plan_file = tmp_path / f"{module}-plan.json"
    plan_file.write_text(json.dumps(plan))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LAMBDA_TASK_ROOT": str(handlers),
        "PYTHONPATH": str(handlers),
        "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon.getsockname()[1]}",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "TABLE_NAME": "orders-table",
        "TOPIC_ARN": "arn:aws:sns:eu-west-1:111111111111:orders",
        "EVENT_BUS_NAME": "orders-bus",
        **environment,
    }
    proc = subprocess.run([sys.executable, str(RUNNER), str(plan_file)], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    documents = []
    daemon.settimeout(0.2)
    while True:
        try:
            datagram = daemon.recv(65536)
        except TimeoutError:
            break
        header, _, body = datagram.partition(b"\n")
        assert json.loads(header) == {"format": "json", "version": 1}
        documents.append(json.loads(body))
    return TracedRun(results, documents)


@pytest.fixture
def api_env(sample_app: SynthesizedApp) -> dict[str, str]:
    env = function_environment(sample_app, "Orders", "api.handler")
    # What LambdaInstrumentation renders for the function (the defaults): responses off, errors on.
    assert (env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"], env["POWERTOOLS_TRACER_CAPTURE_ERROR"]) == ("false", "true")
    return env


API_STUBS = [
    ["_dynamodb", "put_item", {}, None],
    ["_sns", "publish", {"MessageId": "m-1"}, None],
    ["_dynamodb", "get_item", {"Item": {"order_id": {"S": "o-1"}, "customer_tier": {"S": "premium"},
                                        "customer_id": {"S": SECRET_CUSTOMER}}}, None],
]
API_CALLS = [
    (TRACE_A, {"httpMethod": "POST", "resource": "/orders", "body": json.dumps(PREMIUM_ORDER)}),
    (TRACE_B, {"httpMethod": "GET", "resource": "/orders/{order_id}", "pathParameters": {"order_id": "o-1"}}),
]


def test_the_api_trace_shows_cold_start_steps_aws_calls_annotations_and_metadata(
    daemon: socket.socket, tmp_path: Path, api_env: dict[str, str]
) -> None:
    run = run_traced(daemon, tmp_path, module="api", handlers=ORDERS_HANDLERS, environment=api_env,
                     invocations=API_CALLS, stubs=API_STUBS)
    created, read = (r["result"] for r in run.results)
    assert (created["statusCode"], read["statusCode"]) == (201, 200)
    order_id = json.loads(created["body"])["order_id"]

    post_handler, get_handler = run.named("## handler")
    # The handler subsegments hang under the segment Lambda made for each invocation (the Parent of its header).
    assert (post_handler["trace_id"], post_handler["parent_id"]) == ("1-5759e988-bd862e3fe1be46a994272793",
                                                                     "53995c3f42cd8ad8")
    assert get_handler["parent_id"] == "53995c3f42cd8ad9"
    service = api_env["POWERTOOLS_SERVICE_NAME"]
    assert post_handler["annotations"] == {"ColdStart": True, "Service": service, "order_id": order_id,
                                           "customer_tier": "premium", "outcome": "created"}
    assert get_handler["annotations"] == {"ColdStart": False, "Service": service, "order_id": "o-1",
                                          "customer_tier": "premium", "outcome": "found"}
    assert post_handler["metadata"] == {service: {"order": {"items": 2, "units": 5}}}

    # One subsegment per business step, and under the steps one per AWS call, each exactly once.
    steps = {d["name"]: d for d in run.children(post_handler)}
    assert set(steps) == {"## api.validate_order", "## api.store_order", "## api.announce_order"}
    assert [(d["name"], d["aws"]["operation"]) for d in run.children(steps["## api.store_order"])] == [
        ("dynamodb", "PutItem")]
    assert [(d["name"], d["aws"]["operation"]) for d in run.children(steps["## api.announce_order"])] == [
        ("sns", "Publish")]
    assert run.aws_calls == [("dynamodb", "PutItem"), ("sns", "Publish"), ("dynamodb", "GetItem")]

    # Responses are not captured by default: no "... response" metadata, and the customer is nowhere.
    assert not [d["name"] for d in run.documents if any("response" in key for key in _metadata_keys(d))]
    assert SECRET_CUSTOMER not in json.dumps(run.documents)


def test_capturing_responses_is_the_settings_choice(daemon: socket.socket, tmp_path: Path,
                                                    api_env: dict[str, str]) -> None:
    """The control for the test above: with the setting on, the same run does record responses."""
    run = run_traced(daemon, tmp_path, module="api", handlers=ORDERS_HANDLERS,
                     environment={**api_env, "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "true"},
                     invocations=API_CALLS, stubs=API_STUBS)
    (get_handler,) = [d for d in run.named("## handler") if d["parent_id"] == "53995c3f42cd8ad9"]
    assert "handler response" in _metadata_keys(get_handler)
    assert SECRET_CUSTOMER in json.dumps(run.documents)


def test_errors_are_captured_and_annotated(daemon: socket.socket, tmp_path: Path, api_env: dict[str, str]) -> None:
    run = run_traced(daemon, tmp_path, module="api", handlers=ORDERS_HANDLERS, environment=api_env,
                     invocations=API_CALLS[:1],
                     stubs=[["_dynamodb", "put_item", {"error": "ProvisionedThroughputExceededException"}, None]])
    assert run.results == [{"error": "ProvisionedThroughputExceededException", "message": "An error occurred "
                            "(ProvisionedThroughputExceededException) when calling the PutItem operation: "}]
    (handler,) = run.named("## handler")
    assert handler["annotations"]["outcome"] == "error" and handler["fault"] is True
    (store,) = run.named("## api.store_order")
    assert "api.store_order error" in _metadata_keys(store)  # POWERTOOLS_TRACER_CAPTURE_ERROR=true
    (call,) = run.named("dynamodb")
    assert call["cause"]["exceptions"][0]["type"] == "ProvisionedThroughputExceededException"
    assert run.aws_calls == [("dynamodb", "PutItem")]


def test_a_rejected_order_is_not_a_fault(daemon: socket.socket, tmp_path: Path, api_env: dict[str, str]) -> None:
    run = run_traced(daemon, tmp_path, module="api", handlers=ORDERS_HANDLERS, environment=api_env,
                     invocations=[(TRACE_A, {"httpMethod": "POST", "resource": "/orders", "body": "{"})])
    assert run.results[0]["result"]["statusCode"] == 400
    assert run.aws_calls == []
    assert not [d["name"] for d in run.documents if d.get("fault") or d.get("error")]
    (handler,) = run.named("## handler")
    assert handler["annotations"]["outcome"] == "rejected"


def sqs_record(message_id: str, body: str, trace_header: str | None = None) -> dict[str, Any]:
    attributes = {"ApproximateReceiveCount": "1"}
    if trace_header:
        attributes["AWSTraceHeader"] = trace_header
    return {"messageId": message_id, "receiptHandle": "r", "body": body, "attributes": attributes,
            "messageAttributes": {}, "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:eu-west-1:111111111111:orders"}


def test_the_worker_links_and_continues_each_records_own_trace(
    daemon: socket.socket, tmp_path: Path, sample_app: SynthesizedApp
) -> None:
    env = function_environment(sample_app, "Orders", "worker.handler")
    good = {**PREMIUM_ORDER, "order_id": "o-good"}
    bad = {**PREMIUM_ORDER, "customer_tier": "standard", "order_id": "o-gone"}
    event = {"Records": [sqs_record("m-good", json.dumps(good), PRODUCER_1),
                         sqs_record("m-bad", json.dumps(bad), PRODUCER_2)]}
    put_events = {"Entries": [{"EventBusName": "orders-bus", "Source": "orders.worker", "DetailType": "OrderProcessed",
                               "Detail": json.dumps({"order_id": "o-good", "customer_id": SECRET_CUSTOMER,
                                                     "units": 5}),
                               "TraceHeader": PRODUCER_1}]}  # the record's own header, not this invocation's
    run = run_traced(daemon, tmp_path, module="worker", handlers=ORDERS_HANDLERS, environment=env,
                     invocations=[(TRACE_A, event)],
                     stubs=[["_dynamodb", "update_item", {}, None],
                            ["_events", "put_events", {"FailedEntryCount": 0, "Entries": [{"EventId": "e"}]},
                             put_events],
                            ["_dynamodb", "update_item", {"error": "ConditionalCheckFailedException"}, None]])
    assert run.results == [{"result": {"batchItemFailures": [{"itemIdentifier": "m-bad"}]}}]

    (handler,) = run.named("## handler")
    assert handler["annotations"] == {"ColdStart": True, "Service": env["POWERTOOLS_SERVICE_NAME"], "records": 2}
    records = {d["annotations"]["order_id"]: d for d in run.named("## worker.process_record")}
    assert records["o-good"]["annotations"] == {"source_trace_id": "1-6a1b2c3d-000000000000000000000001",
                                                "order_id": "o-good", "customer_tier": "premium",
                                                "outcome": "processed"}
    assert records["o-gone"]["annotations"] == {"source_trace_id": "1-6a1b2c3d-000000000000000000000002",
                                                "order_id": "o-gone", "customer_tier": "standard",
                                                "outcome": "failed"}
    assert all(r["parent_id"] == handler["id"] for r in records.values())
    assert records["o-gone"]["fault"] is True and "fault" not in records["o-good"]
    assert sorted(run.aws_calls) == [("dynamodb", "UpdateItem"), ("dynamodb", "UpdateItem"),
                                     ("events", "PutEvents")]
    assert SECRET_CUSTOMER not in json.dumps(run.documents)


def test_unsampled_invocations_send_nothing(daemon: socket.socket, tmp_path: Path, api_env: dict[str, str]) -> None:
    unsampled = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"
    run = run_traced(daemon, tmp_path, module="api", handlers=ORDERS_HANDLERS, environment=api_env,
                     invocations=[(unsampled, API_CALLS[1][1])], stubs=API_STUBS[2:])
    assert run.results[0]["result"]["statusCode"] == 200
    assert run.documents == []


def test_the_minimal_handler_is_traced(daemon: socket.socket, tmp_path: Path, sample_app: SynthesizedApp) -> None:
    env = function_environment(sample_app, "Minimal", "hello.handler")
    event = {"queryStringParameters": {"name": "ada"}}
    run = run_traced(daemon, tmp_path, module="hello", handlers=MINIMAL_HANDLERS, environment=env,
                     invocations=[(TRACE_A, event), (TRACE_B, {})])
    assert [json.loads(r["result"]["body"]) for r in run.results] == [{"message": "hello, ada"},
                                                                      {"message": "hello, world"}]
    assert [(d["annotations"]["ColdStart"], d["annotations"]["default_name"]) for d in run.named("## handler")] == [
        (True, False), (False, True)]


def _metadata_keys(document: dict[str, Any]) -> set[str]:
    return {key for namespace in (document.get("metadata") or {}).values() for key in namespace}
