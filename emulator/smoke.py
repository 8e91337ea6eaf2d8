"""Smoke test of the sample app deployed to the local emulator, through boto3 and the API's HTTP endpoint.

    python emulator/smoke.py [--port 4566] [--cdk-out DIR]

Checks, against the templates `cdk deploy` synthesized (``<cdk-out>/<Stack>.template.json``) and the stack
outputs (``<cdk-out>/outputs.json``):

1. tracing as deployed matches the template: each Lambda function's TracingConfig mode, each REST stage's
   tracingEnabled, each SNS topic's TracingConfig attribute;
2. an order POSTed to the orders API is stored in DynamoDB, published to SNS (seen by a probe queue this test
   subscribes for the duration of the run), delivered through SQS to the worker, which marks it PROCESSED;
   EventBridge then starts the fulfilment state machine, which marks it SCHEDULED; GET /orders/{id} reads it;
3. the handlers' X-Ray segments (the host executor collects what their Powertools Tracer sends to the daemon
   address, see emulator/localstack_host_lambda): the API request that created the order has its
   ``## handler`` subsegment with ``ColdStart``, ``order_id``, ``customer_tier`` and ``outcome`` annotations
   and one subsegment per AWS call (DynamoDB PutItem, SNS Publish); the worker's record for that order has
   its own trace, linked to the API's (``source_trace_id``), with DynamoDB UpdateItem and EventBridge
   PutEvents. This proves the Powertools layer resolved
   through its public SSM parameter and loaded in the functions;
4. malformed orders get a 4XX and land nowhere: no new item, no message on the topic;
5. the minimal stack's GET /hello answers.

The test classes and functions here are also what tests/integration runs. Exit code 0 when everything held.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from emulator import control

ORDERS_STACK = "Orders"
MINIMAL_STACK = "Minimal"


class SmokeFailure(AssertionError):
    """Something in the running system is not as it should be."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def wait_for(what: str, probe: Callable[[], Any], timeout: float = 60.0, interval: float = 0.5) -> Any:
    """Poll ``probe`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise SmokeFailure(f"timed out after {timeout:.0f} s waiting for {what} (last seen: {last!r})")


@dataclass
class HttpResponse:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


def http(method: str, url: str, body: Any = None, raw: str | None = None) -> HttpResponse:
    data = raw.encode() if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return HttpResponse(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return HttpResponse(error.code, error.read().decode())


@dataclass
class Deployment:
    """The deployed app as the smoke test sees it: templates, outputs, and boto3 clients on the emulator."""

    port: int
    cdk_out: Path
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, port: int, cdk_out: Path) -> Deployment:
        outputs = json.loads((cdk_out / "outputs.json").read_text())
        templates = {name: json.loads((cdk_out / f"{name}.template.json").read_text()) for name in outputs}
        return cls(port, cdk_out, outputs, templates)

    def client(self, service: str) -> Any:
        import boto3

        return boto3.session.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name=control.REGION
        ).client(service, endpoint_url=control.endpoint(self.port))

    def physical_ids(self, stack: str) -> dict[str, str]:
        resources = self.client("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
        return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}

    def resources(self, stack: str, type_: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.templates[stack]["Resources"].items() if v["Type"] == type_}

    def api_base(self, stack: str) -> str:
        """The emulator's path-style URL of a stack's REST API stage (the ApiUrl output names a host the
        emulator would need DNS for): http://localhost:<port>/_aws/execute-api/<api-id>/<stage>."""
        outputs = self.outputs[stack]
        api_id = outputs["ApiId"]
        stage = outputs.get("StageName") or urlparse(outputs["ApiUrl"]).path.strip("/").split("/")[0]
        return f"{control.endpoint(self.port)}/_aws/execute-api/{api_id}/{stage}"


# --- 1. tracing as deployed matches the templates --------------------------------------------------------

def tracing_mismatches(d: Deployment) -> tuple[list[str], list[str]]:
    """Compare tracing settings read back through boto3 with the templates: (mismatches, what was checked)."""
    bad: list[str] = []
    seen: list[str] = []
    lambda_, apigw, sns = d.client("lambda"), d.client("apigateway"), d.client("sns")
    for stack in d.templates:
        ids = d.physical_ids(stack)
        for logical, res in d.resources(stack, "AWS::Lambda::Function").items():
            want = (res["Properties"].get("TracingConfig") or {}).get("Mode", "PassThrough")
            got = lambda_.get_function_configuration(FunctionName=ids[logical])["TracingConfig"]["Mode"]
            seen.append(f"{stack}/{logical} Lambda TracingConfig.Mode={got}")
            if got != want:
                bad.append(f"{stack}/{logical}: function tracing {got!r}, template says {want!r}")
        for logical, res in d.resources(stack, "AWS::ApiGateway::Stage").items():
            props = res["Properties"]
            want = bool(props.get("TracingEnabled", False))
            api_id = ids[props["RestApiId"]["Ref"]]
            got = bool(apigw.get_stage(restApiId=api_id, stageName=props["StageName"]).get("tracingEnabled"))
            seen.append(f"{stack}/{logical} REST stage tracingEnabled={got}")
            if got != want:
                bad.append(f"{stack}/{logical}: stage tracingEnabled {got}, template says {want}")
        for logical, res in d.resources(stack, "AWS::SNS::Topic").items():
            want = res["Properties"].get("TracingConfig", "PassThrough")
            attrs = sns.get_topic_attributes(TopicArn=ids[logical])["Attributes"]
            got = attrs.get("TracingConfig", "PassThrough")
            seen.append(f"{stack}/{logical} SNS TracingConfig={got}")
            if got != want:
                bad.append(f"{stack}/{logical}: topic TracingConfig {got!r}, template says {want!r}")
    return bad, seen


def check_tracing(d: Deployment) -> list[str]:
    bad, seen = tracing_mismatches(d)
    check(not bad, "deployed tracing differs from the template:\n  " + "\n  ".join(bad))
    check(seen, "no traced resources found in the templates")
    return seen


# --- 2. an order through the system ----------------------------------------------------------------------

@contextmanager
def topic_probe(d: Deployment, topic_arn: str) -> Iterator[Callable[[float], list[dict[str, Any]]]]:
    """Subscribe a throwaway SQS queue to the topic; yield a function returning the messages it got."""
    sqs, sns = d.client("sqs"), d.client("sns")
    url = sqs.create_queue(QueueName=f"smoke-probe-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sub = sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn,
                        Attributes={"RawMessageDelivery": "true"}, ReturnSubscriptionArn=True)["SubscriptionArn"]

    def received(wait: float = 1.0) -> list[dict[str, Any]]:
        messages, deadline = [], time.monotonic() + wait
        while True:
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            for m in batch:
                messages.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            if (messages and not batch) or time.monotonic() > deadline:
                return messages

    try:
        yield received
    finally:
        sns.unsubscribe(SubscriptionArn=sub)
        sqs.delete_queue(QueueUrl=url)


def get_order_item(d: Deployment, order_id: str) -> dict[str, Any] | None:
    from boto3.dynamodb.types import TypeDeserializer

    item = d.client("dynamodb").get_item(
        TableName=d.outputs[ORDERS_STACK]["TableName"], Key={"order_id": {"S": order_id}}, ConsistentRead=True
    ).get("Item")
    return {k: TypeDeserializer().deserialize(v) for k, v in item.items()} if item else None


def count_orders(d: Deployment) -> int:
    return d.client("dynamodb").scan(TableName=d.outputs[ORDERS_STACK]["TableName"], Select="COUNT")["Count"]


def queue_depth(d: Deployment, url: str) -> int:
    attrs = d.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def check_order_flow(d: Deployment, timeout: float = 60.0) -> list[str]:
    """POST an order and follow it through every service; returns what was seen, step by step."""
    out = d.outputs[ORDERS_STACK]
    steps: list[str] = []
    order = {"customer_id": f"smoke-{uuid.uuid4().hex[:6]}", "items": [{"sku": "SKU-1", "quantity": 2},
                                                                      {"sku": "SKU-2", "quantity": 3}]}
    with topic_probe(d, out["TopicArn"]) as topic_messages:
        response = http("POST", f"{d.api_base(ORDERS_STACK)}/orders", order)
        check(response.status == 201, f"POST /orders: HTTP {response.status} {response.body}")
        order_id = response.json()["order_id"]
        steps.append(f"POST /orders -> 201, order_id {order_id}")

        item = wait_for("the order in DynamoDB", lambda: get_order_item(d, order_id), timeout)
        check(item["customer_id"] == order["customer_id"] and item["items"] == order["items"],
              f"stored order differs from the one posted: {item}")
        steps.append(f"stored in DynamoDB table {out['TableName']} (status {item['status']})")

        published = wait_for("the OrderCreated message on the SNS topic",
                             lambda: [m for m in topic_messages(2.0) if m.get("order_id") == order_id], timeout)
        check(published[0]["customer_id"] == order["customer_id"], f"published message: {published[0]}")
        steps.append("published to the SNS topic (seen by a probe subscription)")

        processed = wait_for("the worker to mark the order PROCESSED",
                             lambda: (i := get_order_item(d, order_id)) and i.get("status") == "PROCESSED" and i,
                             timeout)
        check(int(processed.get("units", 0)) == 5, f"worker computed units {processed.get('units')}, expected 5")
        steps.append("delivered through SQS to the worker, which marked it PROCESSED (units 5)")

        wait_for("the order queue to drain", lambda: queue_depth(d, out["QueueUrl"]) == 0, timeout)
        check(queue_depth(d, out["DeadLetterQueueUrl"]) == 0, "a message landed in the order queue's DLQ")
        steps.append("order queue drained, dead-letter queue empty")

        scheduled = wait_for("the fulfilment state machine to mark the order SCHEDULED",
                             lambda: (i := get_order_item(d, order_id)) and i.get("fulfilment") == "SCHEDULED",
                             timeout)
        check(scheduled, "fulfilment not scheduled")
        executions = d.client("stepfunctions").list_executions(stateMachineArn=out["StateMachineArn"])["executions"]
        check(any(e["status"] == "SUCCEEDED" for e in executions), f"no succeeded execution: {executions}")
        steps.append("EventBridge rule started the fulfilment state machine: SUCCEEDED, order SCHEDULED")

        got = http("GET", f"{d.api_base(ORDERS_STACK)}/orders/{order_id}")
        check(got.status == 200 and got.json()["status"] == "PROCESSED", f"GET /orders/{order_id}: {got}")
        missing = http("GET", f"{d.api_base(ORDERS_STACK)}/orders/{uuid.uuid4()}")
        check(missing.status == 404, f"GET of an unknown order: HTTP {missing.status}")
        steps.append("GET /orders/{id} -> 200 PROCESSED; unknown id -> 404")
    return steps


# --- 3. the handlers' traces -------------------------------------------------------------------------------------

def segments(d: Deployment) -> list[dict[str, Any]]:
    """Every segment document the functions' X-Ray SDK sent to the emulator's daemon address."""
    path = control.state_dir(d.port) / "lambda-logs" / "xray-segments.jsonl"
    try:
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    except OSError:
        return []


def check_traces(d: Deployment, timeout: float = 15.0) -> list[str]:
    """The traces of the last order ``check_order_flow`` created: API and worker subsegments, annotations, calls."""

    def order_documents() -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]] | None:
        documents = segments(d)
        created = [s for s in documents if s.get("name") == "## handler"
                   and (s.get("annotations") or {}).get("outcome") == "created"]
        if not created:
            return None
        api = created[-1]
        order_id = api["annotations"]["order_id"]
        worker = [s for s in documents if s.get("name") == "## worker.process_record"
                  and (s.get("annotations") or {}).get("order_id") == order_id]
        return (documents, api, worker[-1]) if worker else None

    found = wait_for("the API's and the worker's X-Ray subsegments for the order", order_documents, timeout)
    documents, api, record = found
    steps: list[str] = []

    def calls(trace_id: str) -> list[str]:
        return sorted(f"{s['name']} {s['aws']['operation']}" for s in documents
                      if s.get("trace_id") == trace_id and s.get("namespace") == "aws")

    annotations = api["annotations"]
    check(isinstance(annotations.get("ColdStart"), bool) and annotations.get("customer_tier") == "standard",
          f"API ## handler annotations: {annotations}")
    check(calls(api["trace_id"]) == ["dynamodb PutItem", "sns Publish"],
          f"AWS calls in the API's trace {api['trace_id']}: {calls(api['trace_id'])}")
    steps.append(f"API trace {api['trace_id']}: ## handler {annotations}, calls {calls(api['trace_id'])}")
    check(record["annotations"].get("outcome") == "processed", f"worker record annotations: {record['annotations']}")
    # SQS -> Lambda starts a new trace; the record's AWSTraceHeader links it to the API request's.
    check(record["annotations"].get("source_trace_id") == api["trace_id"],
          f"the worker's record links to {record['annotations'].get('source_trace_id')}, not {api['trace_id']}")
    worker_calls = calls(record["trace_id"])
    check({"dynamodb UpdateItem", "events PutEvents"} <= set(worker_calls),
          f"AWS calls in the worker's trace {record['trace_id']}: {worker_calls}")
    steps.append(f"worker trace {record['trace_id']}: ## worker.process_record {record['annotations']}, "
                 f"calls {worker_calls}")
    handlers = [s for s in documents if s.get("name") == "## handler"]
    check(all(isinstance((s.get("annotations") or {}).get("ColdStart"), bool) for s in handlers),
          "a ## handler subsegment without its ColdStart annotation")
    steps.append(f"{len(documents)} segment documents, {len(handlers)} handler subsegments, each with ColdStart")
    return steps


MALFORMED_ORDERS: dict[str, str] = {
    "not JSON": "{not json",
    "no items": json.dumps({"customer_id": "smoke-bad"}),
    "empty items": json.dumps({"customer_id": "smoke-bad", "items": []}),
    "quantity 0": json.dumps({"customer_id": "smoke-bad", "items": [{"sku": "A", "quantity": 0}]}),
    "quantity a string": json.dumps({"customer_id": "smoke-bad", "items": [{"sku": "A", "quantity": "2"}]}),
    "no customer": json.dumps({"items": [{"sku": "A", "quantity": 1}]}),
}


def check_malformed_orders(d: Deployment, settle: float = 3.0) -> list[str]:
    """Each malformed order gets a 4XX; afterwards no new item and no message on the topic."""
    out = d.outputs[ORDERS_STACK]
    steps = []
    with topic_probe(d, out["TopicArn"]) as topic_messages:
        before = count_orders(d)
        for name, body in MALFORMED_ORDERS.items():
            response = http("POST", f"{d.api_base(ORDERS_STACK)}/orders", raw=body)
            check(400 <= response.status < 500, f"malformed order ({name}): HTTP {response.status} {response.body}")
            steps.append(f"malformed order ({name}) -> {response.status}")
        messages = topic_messages(settle)
        check(not messages, f"malformed orders reached the topic: {messages}")
        after = count_orders(d)
        check(after == before, f"malformed orders reached DynamoDB: {before} items before, {after} after")
        steps.append(f"nothing stored ({after} items before and after), nothing published")
    return steps


def check_minimal(d: Deployment) -> list[str]:
    if MINIMAL_STACK not in d.outputs:
        return []
    response = http("GET", f"{d.api_base(MINIMAL_STACK)}/hello?name=smoke")
    check(response.status == 200 and "smoke" in response.body, f"GET /hello: HTTP {response.status} {response.body}")
    return [f"Minimal GET /hello?name=smoke -> 200 {response.body}"]


def run(d: Deployment) -> None:
    for title, step in (("tracing matches the templates", check_tracing),
                        ("an order through the system", check_order_flow),
                        ("the handlers' traces", check_traces),
                        ("malformed orders are rejected", check_malformed_orders),
                        ("the minimal stack answers", check_minimal)):
        started = time.monotonic()
        lines = step(d)
        print(f"smoke: ok  {title} ({time.monotonic() - started:.1f} s)")
        for line in lines:
            print(f"        {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke test of the sample app on the local emulator")
    parser.add_argument("--port", type=int, default=control.DEFAULT_PORT)
    parser.add_argument("--cdk-out", type=Path, help="cloud assembly of the deployment (default: the emulator's)")
    args = parser.parse_args(argv)
    cdk_out = args.cdk_out or control.state_dir(args.port) / "cdk.out"
    try:
        run(Deployment.load(args.port, cdk_out))
    except SmokeFailure as failure:
        print(f"smoke: FAILED {failure}", file=sys.stderr)
        return 1
    print("smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
