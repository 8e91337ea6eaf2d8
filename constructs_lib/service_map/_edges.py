"""Find the hops that the templates declare, one function per kind of hop: API integrations (REST and HTTP APIs),
AppSync data sources, Lambda event source mappings, SNS subscriptions, EventBridge rule targets and S3 event
notifications (including the ``Custom::S3BucketNotifications`` resource CDK writes). Step Functions tasks are in
:mod:`.state_machines`, the calls a function's IAM policy allows in :mod:`.iam_calls`.

Endpoints outside AWS (HTTP integrations, HTTP/S, email and SMS subscriptions) are not drawn.

Example::

    hops = declared_hops(assembly, HopContext(resolver, index))
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ._assembly import CloudAssembly, StackTemplate
from ._hops import HopContext, HopDraft, mask
from ._references import ResourceRef
from .rules import HopKind

LAMBDA = ("AWS::Lambda::Function",)
QUEUE = ("AWS::SQS::Queue",)
TOPIC = ("AWS::SNS::Topic",)
STATE_MACHINE = ("AWS::StepFunctions::StateMachine",)
TABLE = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")
EVENT_BUS = ("AWS::Events::EventBus",)
STREAM = ("AWS::Kinesis::Stream",)
BUCKET = ("AWS::S3::Bucket",)

#: An AWS service in an API Gateway integration URI → the resource types it reaches, and how to name it.
_SERVICES: dict[str, tuple[tuple[str, ...], str]] = {
    "lambda": (LAMBDA, "Lambda"),
    "sqs": (QUEUE, "SQS"),
    "sns": (TOPIC, "SNS"),
    "states": (STATE_MACHINE, "Step Functions"),
    "dynamodb": (TABLE, "DynamoDB"),
    "events": (EVENT_BUS, "EventBridge"),
    "kinesis": (STREAM, "Kinesis"),
    "s3": (BUCKET, "S3"),
}
#: HTTP API (v2) AWS-service integration subtypes → the resource types they reach.
_SUBTYPES: dict[str, tuple[str, ...]] = {
    "SQS": QUEUE, "EventBridge": EVENT_BUS, "Kinesis": STREAM, "StepFunctions": STATE_MACHINE,
}
_URI_SERVICE = re.compile(r":apigateway:[^:]*:(?P<service>[a-z0-9-]+):(?P<style>path|action)/(?P<rest>[^/&?]*)")
_LAMBDA_URI = re.compile(r"functions/(?P<arn>arn:.+?)/invocations")
_INTEGRATION_TARGET = re.compile(r"integrations/\$\{(?P<logical>[^}.]+)\}")


def declared_hops(assembly: CloudAssembly, context: HopContext) -> list[HopDraft]:
    """Every hop of these kinds in the assembly, in template order."""
    finders: dict[str, Callable[[HopContext, StackTemplate, str, Mapping[str, Any]], Iterator[HopDraft]]] = {
        "AWS::AppSync::DataSource": _appsync_data_source,
        "AWS::Lambda::EventSourceMapping": _event_source_mapping,
        "AWS::SNS::Subscription": _sns_subscription,
        "AWS::SNS::Topic": _sns_inline_subscriptions,
        "AWS::Events::Rule": _eventbridge_rule,
        "AWS::S3::Bucket": _s3_bucket_notifications,
        "Custom::S3BucketNotifications": _s3_custom_notifications,
    }
    hops: list[HopDraft] = list(_rest_api_integrations(assembly, context))
    hops.extend(_http_api_integrations(assembly, context))
    for template, logical_id, resource in assembly.resources():
        finder = finders.get(resource.get("Type", ""))
        if finder is not None:
            hops.extend(finder(context, template, logical_id, template.properties(logical_id)))
    return hops


def _rest_api_integrations(assembly: CloudAssembly, context: HopContext) -> Iterator[HopDraft]:
    """REST API methods: one hop per (stage, target, integration), listing the routes that use it."""
    routes: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for template, logical_id, resource in assembly.resources():
        if resource.get("Type") != "AWS::ApiGateway::Method":
            continue
        props = template.properties(logical_id)
        integration = props.get("Integration") or {}
        if integration.get("Type") not in ("AWS", "AWS_PROXY"):
            continue  # HTTP endpoints and mocks are not on the map
        stages = [node for api in context.resources(template, props.get("RestApiId"))
                  for node in context.index.ids_for(api)]
        route = f"{context.resolver.render(template, props.get('HttpMethod'))} " + _resource_path(
            context, template, props.get("ResourceId"))
        for target, description in _integration_targets(context, template, integration):
            for stage in stages:
                routes[(stage, target, description)].append(route)
    for (stage, target, description), route_list in routes.items():
        yield HopDraft(stage, target, f"{description}: {', '.join(sorted(set(route_list)))}",
                       HopKind.REST_API_INTEGRATION)


def _integration_targets(context: HopContext, template: StackTemplate, integration: Mapping[str, Any]
                         ) -> Iterator[tuple[str, str]]:
    uri_value = integration.get("Uri")
    uri = context.resolver.render(template, uri_value)
    match = _URI_SERVICE.search(mask(uri))
    if match is None or match["service"] not in _SERVICES:
        return
    types, service = _SERVICES[match["service"]]
    if match["service"] == "lambda":
        description = "Lambda proxy integration" if integration.get("Type") == "AWS_PROXY" else "Lambda integration"
        targets = context.node_ids(template, uri_value, types, externals=False)
        if not targets and (arn := _LAMBDA_URI.search(mask(uri))):
            targets = context.external_ids(uri[arn.start("arn"):arn.end("arn")], types)
    else:
        action = uri[match.start("rest"):match.end("rest")] if match["style"] == "action" else ""
        description = f"{service} integration" + (f" ({action})" if action else "")
        request = [uri_value, integration.get("RequestParameters"), integration.get("RequestTemplates")]
        targets = context.node_ids(template, request, types)
    for target in targets:
        yield target, description


def _resource_path(context: HopContext, template: StackTemplate, resource_id: Any) -> str:
    """``/orders/{order_id}``: the path of an API Gateway resource, from its chain of parents."""
    parts: list[str] = []
    value, owner = resource_id, template
    for _ in range(64):  # API Gateway allows far fewer levels; this only guards against a malformed template
        ref = next(iter(context.resolver.refs(owner, value)), None)
        if ref is None or ref.type != "AWS::ApiGateway::Resource":
            break
        parts.append(context.resolver.render(ref.template, ref.properties.get("PathPart")))
        value, owner = ref.properties.get("ParentId"), ref.template
    return "/" + "/".join(reversed(parts))


def _http_api_integrations(assembly: CloudAssembly, context: HopContext) -> Iterator[HopDraft]:
    """HTTP API (v2) integrations to Lambda and to AWS services, with the route keys that use each."""
    route_keys: dict[tuple[str, str], list[str]] = defaultdict(list)
    for template, logical_id, resource in assembly.resources():
        if resource.get("Type") == "AWS::ApiGatewayV2::Route":
            props = template.properties(logical_id)
            integration = _INTEGRATION_TARGET.search(context.resolver.render(template, props.get("Target")))
            if integration:
                route_keys[(template.key, integration["logical"])].append(
                    context.resolver.render(template, props.get("RouteKey")))
    for template, logical_id, resource in assembly.resources():
        if resource.get("Type") != "AWS::ApiGatewayV2::Integration":
            continue
        props = template.properties(logical_id)
        subtype = context.resolver.render(template, props.get("IntegrationSubtype"))
        if subtype:
            service = subtype.split("-", 1)[0]
            types = _SUBTYPES.get(service)
            if types is None:
                continue
            description = f"{service} integration ({subtype.split('-', 1)[-1]})"
            targets = context.node_ids(template, props.get("RequestParameters"), types)
        elif props.get("IntegrationType") == "AWS_PROXY":
            description = "Lambda proxy integration"
            targets = context.node_ids(template, props.get("IntegrationUri"), LAMBDA)
        else:
            continue
        stages = [node for api in context.resources(template, props.get("ApiId"))
                  for node in context.index.ids_for(api)]
        keys = sorted(route_keys.get((template.key, logical_id), ()))
        via = description + (f": {', '.join(keys)}" if keys else "")
        for stage in stages:
            for target in targets:
                yield HopDraft(stage, target, via, HopKind.HTTP_API_INTEGRATION)


def _appsync_data_source(context: HopContext, template: StackTemplate, logical_id: str,
                         props: Mapping[str, Any]) -> Iterator[HopDraft]:
    kind = props.get("Type")
    config = {
        "AWS_LAMBDA": (props.get("LambdaConfig") or {}).get("LambdaFunctionArn"),
        "AMAZON_DYNAMODB": (props.get("DynamoDBConfig") or {}).get("TableName"),
        "AMAZON_EVENTBRIDGE": (props.get("EventBridgeConfig") or {}).get("EventBusArn"),
    }.get(kind if isinstance(kind, str) else "")
    if config is None:
        return
    types = {"AWS_LAMBDA": LAMBDA, "AMAZON_DYNAMODB": TABLE, "AMAZON_EVENTBRIDGE": EVENT_BUS}[str(kind)]
    via = f"AppSync data source {context.resolver.render(template, props.get('Name'))}"
    for api in context.node_ids(template, props.get("ApiId"), ("AWS::AppSync::GraphQLApi",), externals=False):
        for target in context.node_ids(template, config, types):
            yield HopDraft(api, target, via, HopKind.APPSYNC_DATA_SOURCE)


def _event_source_mapping(context: HopContext, template: StackTemplate, logical_id: str,
                          props: Mapping[str, Any]) -> Iterator[HopDraft]:
    functions = context.node_ids(template, props.get("FunctionName"), LAMBDA)
    source_value = props.get("EventSourceArn")
    consumers = list(context.resources(template, source_value, ("AWS::Kinesis::StreamConsumer",)))
    if consumers:  # an enhanced fan-out consumer reads its stream
        source_value = consumers[0].properties.get("StreamARN")
        template = consumers[0].template
    for source in context.node_ids(template, source_value, QUEUE + TABLE + STREAM):
        rtype = context.index.nodes[source].type
        kind = HopKind.SQS_EVENT_SOURCE if rtype in QUEUE else HopKind.STREAM_EVENT_SOURCE
        for function in functions:
            yield HopDraft(source, function, "event source mapping", kind)


def _sns_subscription(context: HopContext, template: StackTemplate, logical_id: str,
                      props: Mapping[str, Any]) -> Iterator[HopDraft]:
    yield from _subscription(context, template, props.get("TopicArn"), props.get("Protocol"), props.get("Endpoint"))


def _sns_inline_subscriptions(context: HopContext, template: StackTemplate, logical_id: str,
                              props: Mapping[str, Any]) -> Iterator[HopDraft]:
    topic = {"Ref": logical_id}
    for subscription in props.get("Subscription") or ():
        yield from _subscription(context, template, topic, subscription.get("Protocol"), subscription.get("Endpoint"))


def _subscription(context: HopContext, template: StackTemplate, topic: Any, protocol: Any, endpoint: Any
                  ) -> Iterator[HopDraft]:
    types = {"lambda": LAMBDA, "sqs": QUEUE}.get(context.resolver.render(template, protocol))
    if types is None:
        return  # Firehose, HTTP/S, email, SMS and mobile endpoints are not on the map
    for source in context.node_ids(template, topic, TOPIC):
        for target in context.node_ids(template, endpoint, types):
            yield HopDraft(source, target, f"SNS subscription ({context.resolver.render(template, protocol)})",
                           HopKind.SNS_SUBSCRIPTION)


def _eventbridge_rule(context: HopContext, template: StackTemplate, logical_id: str,
                      props: Mapping[str, Any]) -> Iterator[HopDraft]:
    if "ScheduleExpression" in props:
        sources = context.index.ids_for(ResourceRef(template, logical_id))
        kind, via = HopKind.SCHEDULE, "schedule"
    else:
        sources = _rule_bus(context, template, props.get("EventBusName"))
        pattern = props.get("EventPattern")
        event_sources = pattern.get("source") if isinstance(pattern, Mapping) else None
        aws_only = isinstance(event_sources, list) and bool(event_sources) and all(
            isinstance(s, str) and s.startswith("aws.") for s in event_sources)
        kind = HopKind.AWS_SERVICE_EVENTS_RULE if aws_only else HopKind.EVENTBRIDGE_RULE
        via = f"rule {template.path_of(logical_id)}"
    for target in props.get("Targets") or ():
        for node in context.node_ids(template, target.get("Arn"), LAMBDA + QUEUE + TOPIC + STATE_MACHINE
                                     + EVENT_BUS + STREAM):
            for source in sources:
                if source != node:
                    yield HopDraft(source, node, via, kind)


def _rule_bus(context: HopContext, template: StackTemplate, bus: Any) -> list[str]:
    if bus is None or bus == "default":
        return [context.index.default_event_bus()]
    found = context.node_ids(template, bus, EVENT_BUS)
    if found:
        return found
    name = context.resolver.render(template, bus)
    if name.startswith("arn:"):
        return context.external_ids(name, EVENT_BUS)
    return context.external_ids(f"arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:event-bus/{name}",
                                EVENT_BUS)


def _s3_bucket_notifications(context: HopContext, template: StackTemplate, logical_id: str,
                             props: Mapping[str, Any]) -> Iterator[HopDraft]:
    config = props.get("NotificationConfiguration") or {}
    yield from _s3_notifications(context, template, {"Ref": logical_id}, config, {
        "LambdaConfigurations": ("Function", LAMBDA),
        "QueueConfigurations": ("Queue", QUEUE),
        "TopicConfigurations": ("Topic", TOPIC),
    }, (config.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled") in (True, "true"))


def _s3_custom_notifications(context: HopContext, template: StackTemplate, logical_id: str,
                             props: Mapping[str, Any]) -> Iterator[HopDraft]:
    """CDK's ``Custom::S3BucketNotifications``: the S3 API's field names (``LambdaFunctionConfigurations``...)."""
    config = props.get("NotificationConfiguration") or {}
    yield from _s3_notifications(context, template, props.get("BucketName"), config, {
        "LambdaFunctionConfigurations": ("LambdaFunctionArn", LAMBDA),
        "QueueConfigurations": ("QueueArn", QUEUE),
        "TopicConfigurations": ("TopicArn", TOPIC),
    }, "EventBridgeConfiguration" in config)


def _s3_notifications(context: HopContext, template: StackTemplate, bucket: Any, config: Mapping[str, Any],
                      fields: Mapping[str, tuple[str, tuple[str, ...]]], eventbridge: bool) -> Iterator[HopDraft]:
    buckets = context.node_ids(template, bucket, BUCKET)
    if not buckets:
        name = context.resolver.render(template, bucket)
        buckets = context.external_ids(f"arn:${{AWS::Partition}}:s3:::{name}", BUCKET) if name else []
    for source in buckets:
        for field_name, (target_key, types) in fields.items():
            for entry in config.get(field_name) or ():
                events = ", ".join(context.resolver.render(template, e) for e in entry.get("Events") or
                                   [entry.get("Event")] if e is not None)
                for target in context.node_ids(template, entry.get(target_key), types):
                    yield HopDraft(source, target, f"S3 notification ({events})", HopKind.S3_NOTIFICATION)
        if eventbridge:
            yield HopDraft(source, context.index.default_event_bus(), "S3 events to EventBridge",
                           HopKind.S3_TO_EVENTBRIDGE)
