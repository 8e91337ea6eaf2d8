"""Where an app's traces start: the event sources that start traced functions and state machines on their own.

Sampling is decided at the root of a trace. REST API stages are roots (their traffic is a
:class:`~constructs_lib.cost.TrafficProfile`); so are the app's own event sources, which start a traced function or
state machine without a sampled caller in front of it:

- SQS: a function fed by a queue starts a new trace per invocation, *linked* to the producer's trace, not part of it
  ("Tracing event-driven applications", X-Ray developer guide);
- EventBridge: a rule passes a trace header only for events from a ``PutEvents`` call that carried one; scheduled
  events and events from AWS services are not traced ("Amazon EventBridge integration with AWS X-Ray"), so their
  targets start traces; EventBridge Scheduler schedules likewise;
- S3 event notifications, DynamoDB streams and Kinesis streams invoke a function with no trace context.

A Lambda function starting a trace ignores sampling rules: 1 request per second, then 5 %. A state machine started
this way samples by the rules, as the service ``<state machine name>`` of type ``AWS::StepFunctions::StateMachine``.

Example::

    for root in find_trace_roots(app):
        print(root.label)   # SQS queue Orders/OrderQueue -> Orders/WorkerFunction (Lambda)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from aws_cdk import CfnResource, Stack
from constructs import IConstruct

from .discovery import cfn_property, env_key

__all__ = ["TraceRoot", "TraceRootKind", "find_trace_roots", "stage_service_names"]

LAMBDA_TYPE = "AWS::Lambda::Function"
STATE_MACHINE_TYPE = "AWS::StepFunctions::StateMachine"
REST_API_TYPE = "AWS::ApiGateway::RestApi"
REST_STAGE_TYPE = "AWS::ApiGateway::Stage"
_MAPPING = "AWS::Lambda::EventSourceMapping"
_RULE = "AWS::Events::Rule"
_SCHEDULE = "AWS::Scheduler::Schedule"
_BUCKET = "AWS::S3::Bucket"
_BUCKET_NOTIFICATIONS = "Custom::S3BucketNotifications"
_ALIASES = ("AWS::Lambda::Alias", "AWS::Lambda::Version")
#: The resource types a discovery pass needs, as sources, targets or names.
TYPES = frozenset({LAMBDA_TYPE, STATE_MACHINE_TYPE, REST_API_TYPE, REST_STAGE_TYPE, _MAPPING, _RULE, _SCHEDULE,
                   _BUCKET, _BUCKET_NOTIFICATIONS, *_ALIASES, "AWS::SQS::Queue", "AWS::DynamoDB::Table",
                   "AWS::DynamoDB::GlobalTable", "AWS::Kinesis::Stream"})


class TraceRootKind(Enum):
    """An event source that starts traces."""

    SQS_QUEUE = "SQS queue"
    EVENTBRIDGE_RULE = "EventBridge rule"
    EVENTBRIDGE_SCHEDULE = "EventBridge schedule"
    S3_NOTIFICATION = "S3 notification"
    DYNAMODB_STREAM = "DynamoDB stream"
    KINESIS_STREAM = "Kinesis stream"


_BY_SOURCE_TYPE = {
    "AWS::SQS::Queue": TraceRootKind.SQS_QUEUE,
    "AWS::DynamoDB::Table": TraceRootKind.DYNAMODB_STREAM,
    "AWS::DynamoDB::GlobalTable": TraceRootKind.DYNAMODB_STREAM,
    "AWS::Kinesis::Stream": TraceRootKind.KINESIS_STREAM,
}
_BY_ARN_SERVICE = {"sqs": TraceRootKind.SQS_QUEUE, "dynamodb": TraceRootKind.DYNAMODB_STREAM,
                   "kinesis": TraceRootKind.KINESIS_STREAM}


@dataclass(frozen=True)
class TraceRoot:
    """One event source starting one function or state machine.

    :param source: the queue, rule, schedule, bucket, table or stream (its L1; the event source mapping when the
        source is not defined in the app).
    :param target: the function or state machine it starts (its L1).
    :param traced: whether the target is traced (Lambda ``Active``, state machine tracing on), so starts traces.
    :param state_machine_name: for a state machine target, its name (the service name rules match), or None.
    """

    kind: TraceRootKind
    source: IConstruct
    target: CfnResource
    traced: bool
    state_machine_name: str | None = None

    @property
    def starts_lambda(self) -> bool:
        """True when the target is a Lambda function (which samples 1/s + 5 % whatever the rules say)."""
        return self.target.cfn_resource_type == LAMBDA_TYPE

    @property
    def label(self) -> str:
        """``SQS queue Orders/OrderQueue -> Orders/WorkerFunction (Lambda)``, for reports."""
        what = "Lambda" if self.starts_lambda else "state machine"
        return f"{self.kind.value} {_path(self.source)} -> {_path(self.target)} ({what})"


def find_trace_roots(scope: IConstruct, *, env: tuple[str, str] | None = None) -> list[TraceRoot]:
    """Every event source under ``scope``'s app that starts a function or state machine, in ``env`` (an
    :func:`~constructs_lib.discovery.env_key`) if given; untraced targets are included with ``traced=False``.

    Example::

        [root.label for root in find_trace_roots(stack) if root.traced]
    """
    resources = [node for node in scope.node.find_all()
                 if isinstance(node, CfnResource) and node.cfn_resource_type in TYPES]
    return trace_roots_of(resources, env=env)


def trace_roots_of(resources: Iterable[CfnResource], *, env: tuple[str, str] | None = None) -> list[TraceRoot]:
    """:func:`find_trace_roots` over L1s already collected (of the types in :data:`TYPES`), in one pass."""
    index = _Index(resources, env)
    return list(index.roots())


def stage_service_names(resources: Iterable[CfnResource]) -> dict[tuple[str, str], list[str]]:
    """``{api-name}/{stage}`` of every REST API stage among ``resources`` whose names are known at synth (the
    service name API Gateway reports), by :func:`~constructs_lib.discovery.env_key`."""
    names: dict[tuple[str, str], str] = {}  # by (stack path, logical id)
    stages: list[CfnResource] = []
    for resource in resources:
        if resource.cfn_resource_type == REST_API_TYPE:
            name = cfn_property(resource, "Name")
            if isinstance(name, str):
                stack = Stack.of(resource)
                names[(stack.node.path, stack.resolve(resource.logical_id))] = name
        elif resource.cfn_resource_type == REST_STAGE_TYPE:
            stages.append(resource)
    by_env: dict[tuple[str, str], list[str]] = {}
    for stage in stages:
        api_ref, stage_name = cfn_property(stage, "RestApiId"), cfn_property(stage, "StageName")
        logical_id = api_ref.get("Ref") if isinstance(api_ref, dict) else None
        api_name = names.get((Stack.of(stage).node.path, logical_id)) if isinstance(logical_id, str) else None
        if api_name is not None and isinstance(stage_name, str):
            by_env.setdefault(env_key(stage), []).append(f"{api_name}/{stage_name}")
    return by_env


def _path(node: IConstruct) -> str:
    """The path users know: the L2's for an L2's ``Resource``."""
    path = node.node.path
    return path.removesuffix("/Resource")


class _Index:
    """The collected L1s by stack and logical id, to follow ``Ref`` and ``Fn::GetAtt``."""

    def __init__(self, resources: Iterable[CfnResource], env: tuple[str, str] | None) -> None:
        self.by_id: dict[tuple[str, str], CfnResource] = {}
        self.sources: list[CfnResource] = []
        for resource in resources:
            if env is not None and env_key(resource) != env:
                continue
            stack = Stack.of(resource)
            self.by_id[(stack.node.path, stack.resolve(resource.logical_id))] = resource
            if resource.cfn_resource_type in (_MAPPING, _RULE, _SCHEDULE, _BUCKET, _BUCKET_NOTIFICATIONS):
                self.sources.append(resource)

    def roots(self) -> Iterator[TraceRoot]:
        for source in self.sources:
            kind = source.cfn_resource_type
            if kind == _MAPPING:
                yield from self._mapping(source)
            elif kind in (_RULE, _SCHEDULE):
                yield from self._rule(source)
            else:
                yield from self._bucket(source)

    # -- following references ---------------------------------------------------------------------------------
    def _referenced(self, owner: CfnResource, value: Any) -> CfnResource | None:
        """The L1 that ``{"Ref": id}`` or ``{"Fn::GetAtt": [id, attr]}`` in ``owner``'s stack points at."""
        if not isinstance(value, dict) or len(value) != 1:
            return None
        if "Ref" in value:
            logical_id = value["Ref"]
        elif "Fn::GetAtt" in value and isinstance(value["Fn::GetAtt"], list):
            logical_id = value["Fn::GetAtt"][0]
        else:
            return None
        return self.by_id.get((Stack.of(owner).node.path, logical_id)) if isinstance(logical_id, str) else None

    def _target(self, owner: CfnResource, value: Any) -> CfnResource | None:
        """The function or state machine ``value`` points at (through an alias or version)."""
        target = self._referenced(owner, value)
        if target is not None and target.cfn_resource_type in _ALIASES:
            target = self._referenced(target, cfn_property(target, "FunctionName"))
        if target is None or target.cfn_resource_type not in (LAMBDA_TYPE, STATE_MACHINE_TYPE):
            return None
        return target

    def _root(self, kind: TraceRootKind, source: IConstruct, target: CfnResource) -> TraceRoot:
        if target.cfn_resource_type == LAMBDA_TYPE:
            config = cfn_property(target, "TracingConfig")
            traced = isinstance(config, dict) and config.get("Mode") == "Active"
            return TraceRoot(kind, source, target, traced)
        config = cfn_property(target, "TracingConfiguration")
        traced = isinstance(config, dict) and config.get("Enabled") is True
        name = cfn_property(target, "StateMachineName")
        return TraceRoot(kind, source, target, traced, name if isinstance(name, str) else None)

    # -- the sources -------------------------------------------------------------------------------------------
    def _mapping(self, mapping: CfnResource) -> Iterator[TraceRoot]:
        target = self._target(mapping, cfn_property(mapping, "FunctionName"))
        arn = cfn_property(mapping, "EventSourceArn")
        source = self._referenced(mapping, arn)
        kind = _BY_SOURCE_TYPE.get(source.cfn_resource_type) if source is not None else _kind_of_arn(arn)
        if target is not None and kind is not None:
            yield self._root(kind, source if source is not None else mapping, target)

    def _rule(self, rule: CfnResource) -> Iterator[TraceRoot]:
        if rule.cfn_resource_type == _SCHEDULE:
            kind, targets = TraceRootKind.EVENTBRIDGE_SCHEDULE, [cfn_property(rule, "Target")]
        else:
            scheduled = cfn_property(rule, "ScheduleExpression") is not None
            kind = TraceRootKind.EVENTBRIDGE_SCHEDULE if scheduled else TraceRootKind.EVENTBRIDGE_RULE
            targets = cfn_property(rule, "Targets") or []
        for entry in targets:
            target = self._target(rule, entry.get("Arn")) if isinstance(entry, dict) else None
            if target is not None:
                yield self._root(kind, rule, target)

    def _bucket(self, resource: CfnResource) -> Iterator[TraceRoot]:
        config = cfn_property(resource, "NotificationConfiguration")
        if not isinstance(config, dict):
            return
        if resource.cfn_resource_type == _BUCKET:
            bucket: CfnResource | None = resource
            entries, key = config.get("LambdaConfigurations") or [], "Function"
        else:  # the custom resource CDK's bucket.add_event_notification creates
            bucket = self._referenced(resource, cfn_property(resource, "BucketName"))
            entries, key = config.get("LambdaFunctionConfigurations") or [], "LambdaFunctionArn"
        for entry in entries:
            target = self._target(resource, entry.get(key)) if isinstance(entry, dict) else None
            if target is not None:
                yield self._root(TraceRootKind.S3_NOTIFICATION, bucket or resource, target)


def _kind_of_arn(arn: Any) -> TraceRootKind | None:
    """The kind of an event source given as a literal ARN (``arn:aws:sqs:...``), or None."""
    if isinstance(arn, str) and arn.startswith("arn:"):
        parts = arn.split(":")
        return _BY_ARN_SERVICE.get(parts[2]) if len(parts) > 2 else None
    return None
