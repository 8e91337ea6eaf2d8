"""find_trace_roots: the event sources that start traced functions and state machines on their own.

Why these are roots: "Tracing event-driven applications" (X-Ray developer guide: SQS consumers start traces linked
to the producer's), "Amazon EventBridge integration with AWS X-Ray" (no trace header for scheduled events or events
from AWS services; only PutEvents calls that carried one are continued).
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as notifications
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn

from constructs_lib import TraceRootKind, XRayTracing, find_trace_roots


def _function(stack: Stack, id: str, tracing: lambda_.Tracing | None = lambda_.Tracing.ACTIVE) -> lambda_.Function:
    return lambda_.Function(stack, id, runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(e, c): pass"), tracing=tracing)


@pytest.fixture(scope="module")
def app_roots() -> dict[str, Any]:
    app = App()
    stack = Stack(app, "S")
    worker = _function(stack, "Worker")
    queue = sqs.Queue(stack, "Queue")
    worker.add_event_source(sources.SqsEventSource(queue))
    table = dynamodb.TableV2(stack, "Table", partition_key=dynamodb.Attribute(
        name="pk", type=dynamodb.AttributeType.STRING), dynamo_stream=dynamodb.StreamViewType.NEW_IMAGE)
    worker.add_event_source(sources.DynamoEventSource(table, starting_position=lambda_.StartingPosition.LATEST))
    stream = kinesis.Stream(stack, "Stream")
    worker.add_event_source(sources.KinesisEventSource(stream, starting_position=lambda_.StartingPosition.LATEST))
    imported = sqs.Queue.from_queue_arn(stack, "Imported", "arn:aws:sqs:eu-west-1:111111111111:elsewhere")
    worker.add_event_source(sources.SqsEventSource(imported))
    events.Rule(stack, "Every5Minutes", schedule=events.Schedule.rate(Duration.minutes(5)),
                targets=[targets.LambdaFunction(worker)])
    machine = sfn.StateMachine(stack, "Machine", state_machine_name="fulfilment", tracing_enabled=True,
                               definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Pass")))
    events.Rule(stack, "OnEvent", event_pattern=events.EventPattern(source=["orders"]),
                targets=[targets.SfnStateMachine(machine)])
    bucket = s3.Bucket(stack, "Bucket")
    bucket.add_event_notification(s3.EventType.OBJECT_CREATED, notifications.LambdaDestination(worker))
    untraced = _function(stack, "Untraced", tracing=None)
    untraced.add_event_source(sources.SqsEventSource(sqs.Queue(stack, "Quiet")))
    scheduler.CfnSchedule(stack, "Nightly", schedule_expression="cron(0 3 * * ? *)",
                          flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                          target=scheduler.CfnSchedule.TargetProperty(arn=worker.function_arn,
                                                                      role_arn="arn:aws:iam::1:role/r"))
    return {"roots": find_trace_roots(stack), "stack": stack}


def test_every_kind_of_event_source_is_found(app_roots: dict[str, Any]) -> None:
    found = sorted(((root.kind, root.label) for root in app_roots["roots"]), key=lambda pair: pair[1])
    assert found == sorted([
        (TraceRootKind.SQS_QUEUE, "SQS queue S/Queue -> S/Worker (Lambda)"),
        (TraceRootKind.DYNAMODB_STREAM, "DynamoDB stream S/Table -> S/Worker (Lambda)"),
        (TraceRootKind.KINESIS_STREAM, "Kinesis stream S/Stream -> S/Worker (Lambda)"),
        # an imported queue is not in the app: the event source mapping stands for it
        (TraceRootKind.SQS_QUEUE, "SQS queue S/Worker/SqsEventSource:SImported8E6EB648 -> S/Worker (Lambda)"),
        (TraceRootKind.EVENTBRIDGE_SCHEDULE, "EventBridge schedule S/Every5Minutes -> S/Worker (Lambda)"),
        (TraceRootKind.EVENTBRIDGE_SCHEDULE, "EventBridge schedule S/Nightly -> S/Worker (Lambda)"),
        (TraceRootKind.EVENTBRIDGE_RULE, "EventBridge rule S/OnEvent -> S/Machine (state machine)"),
        (TraceRootKind.S3_NOTIFICATION, "S3 notification S/Bucket -> S/Worker (Lambda)"),
        (TraceRootKind.SQS_QUEUE, "SQS queue S/Quiet -> S/Untraced (Lambda)"),
    ], key=lambda pair: pair[1])


def test_roots_say_whether_their_target_is_traced(app_roots: dict[str, Any]) -> None:
    traced = {root.label: root.traced for root in app_roots["roots"]}
    assert traced["SQS queue S/Quiet -> S/Untraced (Lambda)"] is False
    assert traced["SQS queue S/Queue -> S/Worker (Lambda)"] is True
    machine = next(root for root in app_roots["roots"] if not root.starts_lambda)
    assert machine.traced and machine.state_machine_name == "fulfilment"


def test_tracing_switched_on_by_the_aspect_counts_at_synth() -> None:
    app = App()
    stack = Stack(app, "S")
    worker = _function(stack, "Worker", tracing=None)
    worker.add_event_source(sources.SqsEventSource(sqs.Queue(stack, "Queue")))
    assert [root.traced for root in find_trace_roots(stack)] == [False]
    XRayTracing.enable(app)
    app.synth()  # the aspect sets TracingConfig Active on the L1
    assert [root.traced for root in find_trace_roots(stack)] == [True]


def test_only_the_given_environment() -> None:
    app = App()
    here = Stack(app, "Here", env={"account": "111111111111", "region": "eu-west-1"})
    there = Stack(app, "There", env={"account": "111111111111", "region": "us-east-1"})
    for stack in (here, there):
        _function(stack, "Fn").add_event_source(sources.SqsEventSource(sqs.Queue(stack, "Queue")))
    roots = find_trace_roots(app, env=("111111111111", "eu-west-1"))
    assert [root.label for root in roots] == ["SQS queue Here/Queue -> Here/Fn (Lambda)"]


def test_a_scope_inside_a_stack_finds_its_sources_with_targets_beside_it() -> None:
    from constructs import Construct

    stack = Stack(App(), "S")
    ingest = Construct(stack, "Ingest")
    queue = sqs.Queue(ingest, "Queue")
    _function(stack, "Worker").add_event_source(sources.SqsEventSource(queue))  # the mapping sits under Worker
    _function(stack, "Other").add_event_source(sources.SqsEventSource(sqs.Queue(stack, "Elsewhere")))
    assert [root.label for root in find_trace_roots(ingest)] == ["SQS queue S/Ingest/Queue -> S/Worker (Lambda)"]
