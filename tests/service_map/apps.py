"""Small apps for the service-map tests, one stack per scenario, all in one App so it is synthesized once.

Every stack is traced by ``XRayTracing.enable(app)``, as a user would; the scenarios differ in what they wire up.
Functions marked ``instrumented`` carry the ``constructs-lib:instrumentation`` metadata that the library's Lambda
instrumentation writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import App, Duration, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigatewayv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from constructs_lib import XRayTracing

SCHEMA = Path(__file__).resolve().parents[1] / "schema.graphql"
IMPORTED_FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:legacy-billing"
IMPORTED_TOPIC = "arn:aws:sns:eu-west-1:123456789012:partner-events"
POWERTOOLS_LAYER = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:7"
POWERTOOLS_SSM_LAYER = "{{resolve:ssm:/aws/service/powertools/python/arm64/python3.13/3.4.0}}"
ADOT_LAYER = "arn:aws:lambda:eu-west-1:615299751070:layer:AWSOpenTelemetryDistroPython:5"


def function(scope: Stack, id: str, *, instrumented: bool = False, **kwargs: Any) -> lambda_.Function:
    fn = lambda_.Function(
        scope, id, runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"), **kwargs,
    )
    if instrumented:
        fn.node.default_child.add_metadata("constructs-lib:instrumentation", "powertools-tracer")  # type: ignore[union-attr]
    return fn


def rest_api(scope: Stack, id: str = "Api") -> apigateway.RestApi:
    return apigateway.RestApi(scope, id, cloud_watch_role=False)


def http_api_stack(app: App) -> Stack:
    """An HTTP API in front of a traced function: X-Ray cannot trace HTTP APIs."""
    stack = Stack(app, "HttpApi")
    handler = function(stack, "Handler", instrumented=True)
    apigatewayv2.HttpApi(stack, "Http", default_integration=integrations.HttpLambdaIntegration("ToHandler", handler))
    return stack


def api_to_queue_stack(app: App) -> Stack:
    """A REST API sends to SQS through an AWS integration; a function consumes the queue and writes a table."""
    stack = Stack(app, "ApiToQueue")
    queue = sqs.Queue(stack, "Jobs")
    table = dynamodb.TableV2(stack, "Results", partition_key=dynamodb.Attribute(
        name="id", type=dynamodb.AttributeType.STRING))
    role = iam.Role(stack, "ApiRole", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"))
    queue.grant_send_messages(role)
    api = rest_api(stack)
    api.root.add_resource("jobs").add_method("POST", apigateway.AwsIntegration(
        service="sqs", path=f"{stack.account}/{queue.queue_name}", integration_http_method="POST",
        options=apigateway.IntegrationOptions(credentials_role=role),
    ))
    worker = function(stack, "Worker", instrumented=True)
    worker.add_event_source(event_sources.SqsEventSource(queue))
    table.grant_write_data(worker)
    return stack


def excluded_stack(app: App) -> tuple[Stack, lambda_.Function]:
    """A traced API → a function left untraced (``XRayTracing.exclude``) → a traced topic → queue → function."""
    stack = Stack(app, "Excluded")
    legacy = function(stack, "Legacy")
    rest_api(stack).root.add_method("POST", apigateway.LambdaIntegration(legacy))
    topic = sns.Topic(stack, "Orders")
    topic.grant_publish(legacy)
    queue = sqs.Queue(stack, "Queue")
    topic.add_subscription(subscriptions.SqsSubscription(queue))
    function(stack, "Worker", instrumented=True).add_event_source(event_sources.SqsEventSource(queue))
    return stack, legacy


def imported_stack(app: App) -> Stack:
    """A traced API in front of an imported function; a function that publishes to an imported topic."""
    stack = Stack(app, "Imported")
    legacy = lambda_.Function.from_function_attributes(
        stack, "LegacyBilling", function_arn=IMPORTED_FUNCTION, same_environment=True)
    rest_api(stack).root.add_method("GET", apigateway.LambdaIntegration(legacy))
    publisher = function(stack, "Publisher", instrumented=True)
    sns.Topic.from_topic_arn(stack, "PartnerEvents", IMPORTED_TOPIC).grant_publish(publisher)
    return stack


def cross_stack(app: App) -> tuple[Stack, Stack]:
    """Two stacks: the consumer's API and function publish to the producer's topic, which the consumer's queue
    subscribes to."""
    producer = Stack(app, "Producer")
    topic = sns.Topic(producer, "Events")
    consumer = Stack(app, "Consumer")
    handler = function(consumer, "Handler", instrumented=True)
    rest_api(consumer).root.add_method("POST", apigateway.LambdaIntegration(handler))
    topic.grant_publish(handler)
    inbox = sqs.Queue(consumer, "Inbox")
    topic.add_subscription(subscriptions.SqsSubscription(inbox))
    return producer, consumer


def events_stack(app: App) -> Stack:
    """S3 notifications, EventBridge schedules and AWS-service events, Step Functions tasks, a DynamoDB stream."""
    stack = Stack(app, "Events")
    uploads = s3.Bucket(stack, "Uploads")
    uploader = function(stack, "Uploader", instrumented=True)
    uploads.grant_put(uploader)
    uploads.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(
        function(stack, "OnUpload", instrumented=True)))
    inbox = s3.Bucket(stack, "Inbox")  # written from outside the app only
    inbox.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(function(stack, "OnInbox")))

    nightly = function(stack, "Nightly")
    events.Rule(stack, "EveryNight", schedule=events.Schedule.cron(hour="2", minute="0"),
                targets=[targets.LambdaFunction(nightly)])
    events.Rule(stack, "Ec2Changes", event_pattern=events.EventPattern(source=["aws.ec2"]),
                targets=[targets.LambdaFunction(nightly)])

    bus = events.EventBus(stack, "Bus")
    table = dynamodb.TableV2(stack, "Ledger", partition_key=dynamodb.Attribute(
        name="id", type=dynamodb.AttributeType.STRING), dynamo_stream=dynamodb.StreamViewType.NEW_IMAGE)
    step = function(stack, "Step", instrumented=True)
    machine = sfn.StateMachine(stack, "Flow", definition_body=sfn.DefinitionBody.from_chainable(
        tasks.LambdaInvoke(stack, "RunStep", lambda_function=step)
        .next(tasks.DynamoPutItem(stack, "Record", table=table, item={
            "id": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$$.Execution.Id"))}))
        .next(tasks.EventBridgePutEvents(stack, "Announce", entries=[tasks.EventBridgePutEventsEntry(
            detail=sfn.TaskInput.from_object({"done": True}), detail_type="Done", source="flow",
            event_bus=bus)]))
    ), timeout=Duration.minutes(5))
    starter = function(stack, "Starter", instrumented=True)
    machine.grant_start_execution(starter)
    bus.grant_put_events_to(starter)
    events.Rule(stack, "Done", event_bus=bus, event_pattern=events.EventPattern(source=["flow"]),
                targets=[targets.LambdaFunction(function(stack, "OnDone", instrumented=True))])
    table.grant_write_data(nightly)
    auditor = function(stack, "Auditor")
    auditor.add_event_source(event_sources.DynamoEventSource(
        table, starting_position=lambda_.StartingPosition.LATEST))
    return stack


def graphql_stack(app: App) -> Stack:
    stack = Stack(app, "GraphQL")
    api = appsync.GraphqlApi(stack, "Api", name="service-map-test",
                             definition=appsync.Definition.from_file(str(SCHEMA)))
    api.add_lambda_data_source("Resolver", function(stack, "Resolver", instrumented=True))
    return stack


def instrumentation_stack(app: App) -> Stack:
    """One function per way of recognising instrumented code, and one without."""
    stack = Stack(app, "Instrumentation")

    def layer(id: str, arn: str) -> lambda_.ILayerVersion:
        return lambda_.LayerVersion.from_layer_version_arn(stack, f"{id}LayerVersion", arn)

    function(stack, "Declared", instrumented=True)
    function(stack, "PowertoolsLayer", layers=[layer("Powertools", POWERTOOLS_LAYER)])
    function(stack, "PowertoolsSsm", layers=[layer("PowertoolsSsm", POWERTOOLS_SSM_LAYER)])
    function(stack, "AdotLayer", layers=[layer("Adot", ADOT_LAYER)])
    function(stack, "ExecWrapper", environment={"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"})
    function(stack, "Plain")
    return stack


def build_scenarios(app: App) -> None:
    """Every scenario stack in ``app``, traced, with the excluded function left as it is."""
    http_api_stack(app)
    api_to_queue_stack(app)
    _, legacy = excluded_stack(app)
    imported_stack(app)
    cross_stack(app)
    events_stack(app)
    graphql_stack(app)
    instrumentation_stack(app)
    XRayTracing.enable(app)
    XRayTracing.exclude(legacy)
