"""Find the map's nodes in a cloud assembly: which resources they are, whether each is traced, and which Lambda
functions have instrumented code.

Nodes: REST API stages, HTTP/WebSocket API stages, AppSync GraphQL APIs, Lambda functions, SNS topics, SQS queues,
EventBridge buses and scheduled rules, Step Functions state machines, DynamoDB tables, Kinesis streams and S3
buckets. The functions CDK creates for itself (custom-resource providers, bucket-notification handlers, log
retention, singleton functions) are left out: no request of the app goes through them. Imported and external
resources become nodes when a hop reaches them (:meth:`NodeIndex.external`).

A function is *instrumented* when its template resource carries the metadata
``"constructs-lib:instrumentation"`` (``"powertools-tracer"`` or ``"opentelemetry"``), or when it clearly has
hand-made instrumentation: a layer whose ARN names ``AWSLambdaPowertoolsPython``,
``AWSLambdaPowertoolsTypeScript``, ``AWSOpenTelemetryDistro`` or ``aws-otel``; a layer resolved from a Powertools
SSM parameter (``{{resolve:ssm:/aws/service/powertools/...}}``); or the environment variable
``AWS_LAMBDA_EXEC_WRAPPER`` (the OpenTelemetry wrapper).

Example::

    index = discover_nodes(assembly, Resolver(assembly))
    index.nodes["Orders/ApiFunction"].traced
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from ._assembly import CloudAssembly, StackTemplate
from ._references import Resolver, ResourceRef
from .model import MapNode, NodeTracing

#: The resource metadata key that marks instrumented code, and the values this library writes.
INSTRUMENTATION_METADATA = "constructs-lib:instrumentation"
POWERTOOLS_TRACER = "powertools-tracer"
OPENTELEMETRY = "opentelemetry"

_POWERTOOLS_LAYER = re.compile(r"AWSLambdaPowertools(Python|TypeScript)|\{\{resolve:ssm:/aws/service/powertools/")
_OTEL_LAYER = re.compile(r"AWSOpenTelemetryDistro|aws-otel")
#: Construct ids (path parts) of the Lambda functions CDK makes for itself.
_CDK_INTERNAL_FUNCTION = re.compile(
    r"^(SingletonLambda|BucketNotificationsHandler|LogRetention[0-9a-f]{32}|framework-on|Custom::|"
    r"AWS679f53fac002430cb0da5b7982bd2287)"
)

#: What kind of resource each CloudFormation type is, as the map says it.
KIND_LABELS: dict[str, str] = {
    "AWS::Lambda::Function": "Lambda function",
    "AWS::ApiGateway::Stage": "REST API stage",
    "AWS::ApiGateway::RestApi": "REST API",
    "AWS::ApiGatewayV2::Stage": "HTTP API stage",
    "AWS::ApiGatewayV2::Api": "HTTP API",
    "AWS::AppSync::GraphQLApi": "GraphQL API",
    "AWS::SNS::Topic": "SNS topic",
    "AWS::SQS::Queue": "SQS queue",
    "AWS::Events::EventBus": "event bus",
    "AWS::Events::Rule": "EventBridge schedule",
    "AWS::StepFunctions::StateMachine": "state machine",
    "AWS::DynamoDB::Table": "DynamoDB table",
    "AWS::DynamoDB::GlobalTable": "DynamoDB table",
    "AWS::Kinesis::Stream": "Kinesis stream",
    "AWS::S3::Bucket": "S3 bucket",
}

#: ARN service and resource-type prefix → CloudFormation type, for imported and external resources.
_ARN_TYPES: tuple[tuple[str, str, str], ...] = (
    ("lambda", "function:", "AWS::Lambda::Function"),
    ("sns", "", "AWS::SNS::Topic"),
    ("sqs", "", "AWS::SQS::Queue"),
    ("events", "event-bus/", "AWS::Events::EventBus"),
    ("states", "stateMachine:", "AWS::StepFunctions::StateMachine"),
    ("dynamodb", "table/", "AWS::DynamoDB::Table"),
    ("kinesis", "stream/", "AWS::Kinesis::Stream"),
    ("s3", "", "AWS::S3::Bucket"),
)
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_ARN = re.compile(r"^arn:[^:]*:(?P<service>[a-z0-9-]+):[^:]*:[^:]*:(?P<resource>.+)$")
DEFAULT_EVENT_BUS = "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"


def arn_type(arn: str) -> str | None:
    """The CloudFormation type an ARN names, for the services on the map (None for others).

    Placeholders (``${AWS::Region}``) may stand for any part."""
    match = _ARN.match(_mask(arn))
    if match is None:
        return None
    for service, prefix, rtype in _ARN_TYPES:
        if match["service"] == service and match["resource"].startswith(prefix):
            return rtype
    return None


class NodeIndex:
    """The nodes of the map, and which node(s) each resource of the assembly is."""

    def __init__(self) -> None:
        self.nodes: dict[str, MapNode] = {}
        self._by_resource: dict[tuple[str, str], list[str]] = {}

    def add(self, node: MapNode, *resources: ResourceRef) -> None:
        self.nodes.setdefault(node.id, node)
        for ref in resources:
            ids = self._by_resource.setdefault(ref.key, [])
            if node.id not in ids:
                ids.append(node.id)

    def ids_for(self, ref: ResourceRef) -> list[str]:
        """The node ids of a resource: one, several for a REST API with several stages, none if not on the map."""
        return list(self._by_resource.get(ref.key, ()))

    def external(self, arn: str, rtype: str, *, name: str | None = None, tracing: NodeTracing = NodeTracing.UNKNOWN,
                 description: str | None = None) -> str:
        """The node of an imported or external resource, by its ARN (or URL) as the template spells it."""
        if arn not in self.nodes:
            kind = KIND_LABELS.get(rtype, rtype)
            self.nodes[arn] = MapNode(
                id=arn, type=rtype, stack=None, traced=tracing is not NodeTracing.UNKNOWN,
                name=name or _arn_name(arn), description=description or f"imported {kind}; tracing unknown",
                tracing=tracing, external=True,
            )
        return arn

    def default_event_bus(self) -> str:
        """The account's default event bus: AWS-managed, no tracing switch, carries trace headers."""
        return self.external(DEFAULT_EVENT_BUS, "AWS::Events::EventBus", name="default event bus",
                             tracing=NodeTracing.CARRIER, description="event bus; carries the trace header")


def discover_nodes(assembly: CloudAssembly, resolver: Resolver) -> NodeIndex:
    """Every node of the assembly's resources, in one pass over its templates."""
    index = NodeIndex()
    apis_with_stage: set[tuple[str, str]] = set()
    for template, logical_id, resource in assembly.resources():
        rtype = resource.get("Type")
        ref = ResourceRef(template, logical_id)
        props = template.properties(logical_id)
        path = template.path_of(logical_id)
        name = path.rsplit("/", 1)[-1]
        if rtype == "AWS::Lambda::Function":
            if not is_cdk_internal(path):
                index.add(_function_node(template, logical_id, resource, resolver), ref)
        elif rtype in ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
            api_key = "RestApiId" if rtype == "AWS::ApiGateway::Stage" else "ApiId"
            apis = resolver.refs(template, props.get(api_key))
            apis_with_stage.update(api.key for api in apis)
            node = _stage_node(template, logical_id, rtype, props, apis, resolver)
            index.add(node, ref, *apis)
        elif rtype == "AWS::Events::Rule":
            if "ScheduleExpression" in props:
                schedule = resolver.render(template, props["ScheduleExpression"])
                index.add(_node(template, logical_id, name, traced=False, tracing=NodeTracing.UNTRACEABLE,
                                details=(f"EventBridge schedule {schedule}", "X-Ray does not trace scheduled "
                                         "events")), ref)
        elif rtype in _SIMPLE_NODES:
            traced, tracing, details = _SIMPLE_NODES[rtype](props)
            index.add(_node(template, logical_id, name, traced=traced, tracing=tracing, details=details), ref)
    for template, logical_id, resource in assembly.resources():
        rtype = resource.get("Type")
        ref = ResourceRef(template, logical_id)
        if rtype in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api") and ref.key not in apis_with_stage:
            index.add(_api_without_stage(template, logical_id, rtype), ref)
    return index


def is_cdk_internal(path: str) -> bool:
    """True for the construct path of a function CDK creates for itself (custom resources, log retention...)."""
    return any(_CDK_INTERNAL_FUNCTION.match(part) for part in path.split("/"))


def instrumentation_of(template: StackTemplate, resource: Mapping[str, Any], resolver: Resolver) -> str | None:
    """How a function's code is instrumented, from its metadata, layers or exec wrapper (None if it is not)."""
    declared = (resource.get("Metadata") or {}).get(INSTRUMENTATION_METADATA)
    if isinstance(declared, str) and declared:
        return declared
    props = resource.get("Properties") or {}
    layers = " ".join(resolver.render(template, layer) for layer in props.get("Layers") or ())
    if _POWERTOOLS_LAYER.search(layers):
        return POWERTOOLS_TRACER
    if _OTEL_LAYER.search(layers):
        return OPENTELEMETRY
    variables = (props.get("Environment") or {}).get("Variables") or {}
    if isinstance(variables, Mapping) and "AWS_LAMBDA_EXEC_WRAPPER" in variables:
        return OPENTELEMETRY
    return None


_INSTRUMENTATION_LABELS = {POWERTOOLS_TRACER: "Powertools Tracer", OPENTELEMETRY: "OpenTelemetry"}


def _function_node(template: StackTemplate, logical_id: str, resource: Mapping[str, Any],
                   resolver: Resolver) -> MapNode:
    props = resource.get("Properties") or {}
    config = props.get("TracingConfig")
    mode = resolver.render(template, config.get("Mode")) if isinstance(config, Mapping) else ""
    instrumentation = instrumentation_of(template, resource, resolver)
    if mode == "Active":
        tracing, state = NodeTracing.ACTIVE, "Active tracing"
    elif mode == "PassThrough":
        tracing, state = NodeTracing.JOINS, "PassThrough tracing"
    else:
        tracing, state = NodeTracing.OFF, "tracing off"
    code = (f"instrumented: {_INSTRUMENTATION_LABELS.get(instrumentation, instrumentation)}" if instrumentation
            else "code not instrumented")
    path = template.path_of(logical_id)
    node = _node(template, logical_id, path.rsplit("/", 1)[-1], traced=tracing is not NodeTracing.OFF,
                 tracing=tracing, details=("Lambda function", state, code))
    return replace(node, instrumentation=instrumentation)


def _stage_node(template: StackTemplate, logical_id: str, rtype: str, props: Mapping[str, Any],
                apis: Iterable[ResourceRef], resolver: Resolver) -> MapNode:
    api = next(iter(apis), None)
    api_name = api.template.path_of(api.logical_id).rsplit("/", 1)[-1] if api else "API"
    stage = resolver.render(template, props.get("StageName"))
    if rtype == "AWS::ApiGateway::Stage":
        traced = props.get("TracingEnabled") in (True, "true", "True")
        tracing, details = (NodeTracing.ACTIVE, ("REST API stage", "tracing on")) if traced else (
            NodeTracing.JOINS, ("REST API stage", "tracing off"))
    else:
        protocol = resolver.render(api.template, api.properties.get("ProtocolType")) if api else ""
        kind = "WebSocket API stage" if protocol == "WEBSOCKET" else "HTTP API stage"
        traced, tracing, details = False, NodeTracing.UNTRACEABLE, (kind, "X-Ray cannot trace HTTP APIs")
    return _node(template, logical_id, f"{api_name}/{stage}", traced=traced, tracing=tracing, details=details,
                 rtype=rtype)


def _api_without_stage(template: StackTemplate, logical_id: str, rtype: str) -> MapNode:
    name = template.path_of(logical_id).rsplit("/", 1)[-1]
    if rtype == "AWS::ApiGateway::RestApi":
        return _node(template, logical_id, name, traced=False, tracing=NodeTracing.JOINS,
                     details=("REST API", "no stage in this app"))
    return _node(template, logical_id, name, traced=False, tracing=NodeTracing.UNTRACEABLE,
                 details=("HTTP API", "X-Ray cannot trace HTTP APIs"))


def _node(template: StackTemplate, logical_id: str, name: str, *, traced: bool, tracing: NodeTracing,
          details: tuple[str, ...], rtype: str | None = None) -> MapNode:
    return MapNode(
        id=template.path_of(logical_id), type=rtype or template.type_of(logical_id) or "", stack=template.stack,
        traced=traced, name=name, description="; ".join(details), tracing=tracing,
    )


_Facts = tuple[bool, NodeTracing, tuple[str, ...]]


def _topic(props: Mapping[str, Any]) -> _Facts:
    mode = props.get("TracingConfig")
    if mode == "Active":  # SNS records what a sampled header brings; it samples nothing itself
        return True, NodeTracing.JOINS, ("SNS topic", "Active tracing")
    if mode == "PassThrough":
        return True, NodeTracing.FORWARDS, ("SNS topic", "PassThrough: passes traces on, records no segment")
    return False, NodeTracing.FORWARDS, ("SNS topic", "no TracingConfig: passes traces on, records no segment")


def _state_machine(props: Mapping[str, Any]) -> _Facts:
    if (props.get("TracingConfiguration") or {}).get("Enabled") in (True, "true", "True"):
        return True, NodeTracing.ACTIVE, ("state machine", "tracing on")
    return False, NodeTracing.JOINS, ("state machine", "tracing off: records only executions started with a "
                                                         "trace header")


def _graphql_api(props: Mapping[str, Any]) -> _Facts:
    if props.get("XrayEnabled") in (True, "true", "True"):
        return True, NodeTracing.ACTIVE, ("GraphQL API", "X-Ray enabled")
    return False, NodeTracing.JOINS, ("GraphQL API", "X-Ray off")


def _fixed(kind: str, tracing: NodeTracing, detail: str) -> Callable[[Mapping[str, Any]], _Facts]:
    """A service with no tracing switch: always ``traced``, the same everywhere."""
    return lambda props: (True, tracing, (kind, detail))


_SIMPLE_NODES: dict[str, Callable[[Mapping[str, Any]], _Facts]] = {
    "AWS::SNS::Topic": _topic,
    "AWS::StepFunctions::StateMachine": _state_machine,
    "AWS::AppSync::GraphQLApi": _graphql_api,
    "AWS::SQS::Queue": _fixed("SQS queue", NodeTracing.CARRIER, "carries the trace header"),
    "AWS::Events::EventBus": _fixed("event bus", NodeTracing.CARRIER, "carries the trace header"),
    "AWS::S3::Bucket": _fixed("S3 bucket", NodeTracing.CARRIER, "carries the trace header to notifications"),
    "AWS::DynamoDB::Table": _fixed("DynamoDB table", NodeTracing.ENDPOINT, "shown when its callers record calls"),
    "AWS::DynamoDB::GlobalTable": _fixed("DynamoDB table", NodeTracing.ENDPOINT,
                                         "shown when its callers record calls"),
    "AWS::Kinesis::Stream": _fixed("Kinesis stream", NodeTracing.ENDPOINT, "shown when its callers record calls"),
}


def _mask(text: str) -> str:
    """``text`` with each ``${...}`` placeholder blanked out (same length), so ``:`` splits only real parts."""
    return _PLACEHOLDER.sub(lambda m: "_" * len(m.group(0)), text)


def _arn_name(arn: str) -> str:
    match = _ARN.match(_mask(arn))
    resource = arn[match.start("resource"):] if match else arn
    masked = _mask(resource)
    return resource[max(masked.rfind(":"), masked.rfind("/")) + 1:] or arn
