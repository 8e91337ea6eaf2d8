"""What X-Ray shows on each kind of hop, rule by rule, each with the AWS page it comes from.

:func:`decide` takes one hop (its kind and its two ends), and whether a trace reaches the near end, and returns the
outcome, the rule and a sentence for this hop. ``docs/service-map.md`` lists the same rules in prose.

Example::

    from constructs_lib.service_map import MapNode, NodeTracing
    from constructs_lib.service_map.rules import HopKind, decide

    queue = MapNode(id="Orders/Queue", type="AWS::SQS::Queue", stack="Orders", traced=True, name="Queue",
                    description="SQS queue", tracing=NodeTracing.CARRIER)
    worker = MapNode(id="Orders/Worker", type="AWS::Lambda::Function", stack="Orders", traced=True, name="Worker",
                     description="Lambda function; Active tracing", tracing=NodeTracing.ACTIVE)
    decision = decide(HopKind.SQS_EVENT_SOURCE, queue, worker, trace_arrives=True)
    decision.outcome     # TraceOutcome.LINKED
    decision.rule.page   # 'Tracing event-driven applications'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .model import MapNode, NodeTracing, TraceOutcome, TraceRule


class HopKind(Enum):
    """What makes a hop, as the templates say it."""

    REST_API_INTEGRATION = "REST API integration"
    HTTP_API_INTEGRATION = "HTTP API integration"
    APPSYNC_DATA_SOURCE = "AppSync data source"
    SQS_EVENT_SOURCE = "SQS event source mapping"
    STREAM_EVENT_SOURCE = "stream event source mapping"
    SNS_SUBSCRIPTION = "SNS subscription"
    EVENTBRIDGE_RULE = "EventBridge rule"
    AWS_SERVICE_EVENTS_RULE = "EventBridge rule on AWS service events"
    SCHEDULE = "EventBridge schedule"
    S3_NOTIFICATION = "S3 event notification"
    S3_TO_EVENTBRIDGE = "S3 events to EventBridge"
    STATES_NATIVE_TASK = "Step Functions task (native X-Ray support)"
    STATES_CLIENT_SIDE_TASK = "Step Functions task (client-side trace only)"
    FUNCTION_CALL = "a function's AWS SDK call (IAM policy)"


def _rule(id: str, summary: str, page: str, url: str) -> TraceRule:
    return TraceRule(id=id, summary=summary, page=page, url=url)


_XRAY = "https://docs.aws.amazon.com/xray/latest/devguide/"

REST_API_INTEGRATION = _rule(
    "rest-api-integration",
    "A REST API stage with tracing on samples requests and passes the trace on to its integrations: Lambda "
    "functions and the AWS services it calls.",
    "Trace user requests to REST APIs using X-Ray in API Gateway",
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-xray.html",
)
HTTP_API_UNTRACEABLE = _rule(
    "http-api-untraceable",
    "X-Ray traces REST APIs only: an HTTP or WebSocket API never starts or carries a trace.",
    "Amazon API Gateway active tracing support for AWS X-Ray",
    _XRAY + "xray-services-apigateway.html",
)
APPSYNC_DATA_SOURCE = _rule(
    "appsync-data-source",
    "An AppSync API with X-Ray enabled traces requests through its resolvers and data sources.",
    "Using AWS X-Ray to trace requests in AWS AppSync",
    "https://docs.aws.amazon.com/appsync/latest/devguide/x-ray-tracing.html",
)
SQS_LAMBDA_LINKED = _rule(
    "sqs-lambda-linked",
    "A function that an SQS event source mapping invokes starts a new trace, which X-Ray links to the trace of "
    "the producer that sent the message.",
    "Tracing event-driven applications",
    _XRAY + "xray-tracelinking.html",
)
STREAM_EVENT_SOURCE = _rule(
    "stream-event-source",
    "Records of a DynamoDB or Kinesis stream carry no trace header: X-Ray documents propagation through SQS, SNS, "
    "EventBridge, S3 and Step Functions, and links consumer traces for SQS only.",
    "Integrating AWS X-Ray with other AWS services",
    _XRAY + "xray-services.html",
)
SNS_DELIVERY = _rule(
    "sns-delivery",
    "SNS passes the trace context from the publisher to Lambda, SQS, HTTP/S and Firehose subscriptions, with "
    "active tracing or without it (PassThrough is SNS's default); Active adds SNS's own segment.",
    "Amazon SNS and AWS X-Ray",
    _XRAY + "xray-services-sns.html",
)
EVENTBRIDGE_TARGET = _rule(
    "eventbridge-target",
    "EventBridge passes the trace header of a PutEvents request that carried one on to the rule's targets.",
    "Amazon EventBridge integration with AWS X-Ray",
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-xray-integ.html",
)
EVENTBRIDGE_UNTRACED_SOURCE = _rule(
    "eventbridge-untraced-source",
    "X-Ray does not trace scheduled events or events that AWS services send: their targets start their own traces.",
    "Amazon EventBridge integration with AWS X-Ray",
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-xray-integ.html",
)
S3_NOTIFICATION = _rule(
    "s3-notification",
    "S3 sends the tracing header of a traced request on to the Lambda, SQS or SNS subscriber of the bucket's "
    "event notification.",
    "Amazon S3 and AWS X-Ray",
    _XRAY + "xray-services-s3.html",
)
STATES_NATIVE_TASK = _rule(
    "states-native-task",
    "A Step Functions task that calls Lambda, SNS, SQS or Step Functions carries the trace on: these "
    "integrations have native X-Ray support.",
    "Trace Step Functions request data in AWS X-Ray",
    "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html",
)
STATES_CLIENT_SIDE_TASK = _rule(
    "states-client-side-task",
    "Other Step Functions tasks (DynamoDB, EventBridge, AWS SDK integrations...) get a client-side trace only: the "
    "call shows in the trace, but the context does not travel on.",
    "Trace Step Functions request data in AWS X-Ray",
    "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html",
)
FUNCTION_CALL = _rule(
    "function-call",
    "A traced function whose code is instrumented (X-Ray SDK, Powertools Tracer, OpenTelemetry) records its AWS "
    "SDK calls and sends the trace header with them.",
    "AWS Lambda and AWS X-Ray",
    _XRAY + "xray-services-lambda.html",
)
UNINSTRUMENTED_CALL = _rule(
    "uninstrumented-call",
    "A function whose code is not instrumented records none of its calls: a table it calls does not appear, and "
    "X-Ray documents carrying the trace through SQS, SNS, EventBridge and S3 only from instrumented callers "
    "(Step Functions asks callers to set the traceHeader).",
    "AWS Lambda and AWS X-Ray",
    _XRAY + "xray-services-lambda.html",
)
FUNCTION_TRACING_OFF = _rule(
    "function-tracing-off",
    "A Lambda function without a TracingConfig traces no request (aws-cdk-lib's Tracing.DISABLED), and a "
    "downstream function generates traces only if the function that calls it has tracing on.",
    "AWS Lambda and AWS X-Ray",
    _XRAY + "xray-services-lambda.html",
)
NO_TRACE_ARRIVES = _rule(
    "no-trace-arrives",
    "A resource that only joins traces an upstream caller sampled (a REST stage without tracing, a PassThrough "
    "function, a state machine without tracing, a queue, topic, bus or bucket) carries nothing when nothing in "
    "the app starts a trace that reaches it.",
    "Integrating AWS X-Ray with other AWS services",
    _XRAY + "xray-services.html",
)
EXTERNAL_UNKNOWN = _rule(
    "external-unknown",
    "An imported or external resource: the app's templates do not say how it is traced, so the hop cannot be "
    "shown to carry the trace.",
    "",
    "",
)

#: Every rule, in the order ``docs/service-map.md`` gives them.
RULES: tuple[TraceRule, ...] = (
    REST_API_INTEGRATION, HTTP_API_UNTRACEABLE, APPSYNC_DATA_SOURCE, SQS_LAMBDA_LINKED, STREAM_EVENT_SOURCE,
    SNS_DELIVERY, EVENTBRIDGE_TARGET, EVENTBRIDGE_UNTRACED_SOURCE,
    S3_NOTIFICATION, STATES_NATIVE_TASK, STATES_CLIENT_SIDE_TASK, FUNCTION_CALL, UNINSTRUMENTED_CALL,
    FUNCTION_TRACING_OFF, NO_TRACE_ARRIVES, EXTERNAL_UNKNOWN,
)

_NEVER_TRACED: dict[HopKind, TraceRule] = {
    HopKind.AWS_SERVICE_EVENTS_RULE: EVENTBRIDGE_UNTRACED_SOURCE,
    HopKind.S3_TO_EVENTBRIDGE: EVENTBRIDGE_UNTRACED_SOURCE,
    HopKind.SCHEDULE: EVENTBRIDGE_UNTRACED_SOURCE,
}
_CONTINUES: dict[HopKind, TraceRule] = {
    HopKind.REST_API_INTEGRATION: REST_API_INTEGRATION,
    HopKind.APPSYNC_DATA_SOURCE: APPSYNC_DATA_SOURCE,
    HopKind.SNS_SUBSCRIPTION: SNS_DELIVERY,
    HopKind.EVENTBRIDGE_RULE: EVENTBRIDGE_TARGET,
    HopKind.S3_NOTIFICATION: S3_NOTIFICATION,
    HopKind.STATES_NATIVE_TASK: STATES_NATIVE_TASK,
    HopKind.STATES_CLIENT_SIDE_TASK: STATES_CLIENT_SIDE_TASK,
    HopKind.FUNCTION_CALL: FUNCTION_CALL,
}


@dataclass(frozen=True)
class Decision:
    """The outcome of one hop, its rule, a sentence for the hop, and whether the trace context reaches the far
    end (it can, even where the far end records nothing of it: a function with tracing off)."""

    outcome: TraceOutcome
    rule: TraceRule
    reason: str
    delivers: bool = False


def decide(kind: HopKind, source: MapNode, target: MapNode, *, trace_arrives: bool) -> Decision:
    """What X-Ray will show for a hop of ``kind`` from ``source`` to ``target``.

    ``trace_arrives`` says whether a trace reaches ``source``: it starts traces, or a hop into it delivers one.
    """
    untraced = TraceOutcome.UNTRACED
    for end in (source, target):
        if end.tracing is NodeTracing.UNKNOWN:
            return Decision(untraced, EXTERNAL_UNKNOWN, f"{end.name} is imported or external: its tracing is not "
                                                        "in this app")
        if end.tracing is NodeTracing.UNTRACEABLE:
            rule = HTTP_API_UNTRACEABLE if end.type.startswith("AWS::ApiGatewayV2::") else EVENTBRIDGE_UNTRACED_SOURCE
            return Decision(untraced, rule, f"X-Ray cannot trace {end.name} ({end.description})")
    if kind in _NEVER_TRACED:
        return Decision(untraced, _NEVER_TRACED[kind], f"X-Ray does not trace a {kind.value}")
    if source.tracing is NodeTracing.OFF:
        if trace_arrives:
            return Decision(TraceOutcome.BREAKS, FUNCTION_TRACING_OFF,
                            f"{source.name} has tracing off: the trace that reaches it ends there")
        return Decision(untraced, FUNCTION_TRACING_OFF, f"{source.name} has tracing off")
    if not trace_arrives:
        return Decision(untraced, NO_TRACE_ARRIVES,
                        f"nothing in the app starts a trace that reaches {source.name} ({source.description})")
    if kind is HopKind.STREAM_EVENT_SOURCE:
        return Decision(TraceOutcome.BREAKS, STREAM_EVENT_SOURCE,
                        f"the records of {source.name}'s stream carry no trace header")
    if kind is HopKind.STATES_CLIENT_SIDE_TASK and target.tracing is not NodeTracing.ENDPOINT:
        return Decision(TraceOutcome.BREAKS, STATES_CLIENT_SIDE_TASK,
                        f"the task's call shows in the trace, but the trace does not travel on to {target.name}")
    uninstrumented = kind is HopKind.FUNCTION_CALL and source.instrumentation is None
    if not target.tracing.joins_traces:
        return Decision(untraced, FUNCTION_TRACING_OFF, f"{target.name} has tracing off", delivers=not uninstrumented)
    if uninstrumented:
        if target.tracing is NodeTracing.ENDPOINT:
            return Decision(untraced, UNINSTRUMENTED_CALL,
                            f"{source.name}'s code is not instrumented: its calls to {target.name} are not recorded")
        return Decision(TraceOutcome.BREAKS, UNINSTRUMENTED_CALL,
                        f"{source.name}'s code is not instrumented: no documented trace header goes with its call")
    if kind is HopKind.SQS_EVENT_SOURCE:
        return Decision(TraceOutcome.LINKED, SQS_LAMBDA_LINKED,
                        f"{target.name} starts a new trace linked to the message producer's", delivers=True)
    if kind is HopKind.HTTP_API_INTEGRATION:  # its stage is untraceable, so the first check decides; kept total
        return Decision(untraced, HTTP_API_UNTRACEABLE, "X-Ray cannot trace HTTP APIs")
    return Decision(TraceOutcome.CONTINUES, _CONTINUES[kind], f"the trace goes on to {target.name}", delivers=True)
