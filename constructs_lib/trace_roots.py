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

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from aws_cdk import CfnResource, Stack
from constructs import IConstruct

from .discovery import env_key

__all__ = ["Located", "TraceRoot", "TraceRootKind", "find_trace_roots", "locate", "stage_service_names"]

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
#: The types whose properties discovery reads (the others are only pointed at: queues, tables, streams).
_READ = frozenset({LAMBDA_TYPE, STATE_MACHINE_TYPE, REST_API_TYPE, REST_STAGE_TYPE, _MAPPING, _RULE, _SCHEDULE,
                   _BUCKET, _BUCKET_NOTIFICATIONS, *_ALIASES})
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
    :param starts_lambda: the target is a Lambda function (which samples 1/s + 5 % whatever the rules say).
    """

    kind: TraceRootKind
    source: IConstruct
    target: CfnResource
    traced: bool
    state_machine_name: str | None = None
    #: The construct paths of ``source`` and ``target`` (read once: every read of a construct is a jsii call).
    source_path: str = ""
    target_path: str = ""
    starts_lambda: bool = True

    @property
    def label(self) -> str:
        """``SQS queue Orders/OrderQueue -> Orders/WorkerFunction (Lambda)``, for reports."""
        what = "Lambda" if self.starts_lambda else "state machine"
        return f"{self.kind.value} {_user_path(self.source_path)} -> {_user_path(self.target_path)} ({what})"


def find_trace_roots(scope: IConstruct, *, env: tuple[str, str] | None = None) -> list[TraceRoot]:
    """Every event source under ``scope`` (an app, a stage, a stack or a construct in one) that starts a function
    or state machine, in ``env`` (an :func:`~constructs_lib.discovery.env_key`) if given; untraced targets are
    included with ``traced=False``. Under a construct inside a stack, the targets looked for are its stack's.

    Example::

        [root.label for root in find_trace_roots(stack) if root.traced]
    """
    sources = locate(scope, TYPES)
    if not isinstance(scope, Stack) and _enclosing_stack(scope) is not None:  # targets may sit beside the scope
        inside = {id(r.resource) for r in sources}
        stack = _enclosing_stack(scope)
        assert stack is not None
        targets = [r for r in locate(stack, TYPES) if id(r.resource) not in inside]
        prefix = scope.node.path + "/"
        return [root for root in trace_roots_of([*sources, *targets], env=env)
                if root.source_path.startswith(prefix)]
    return trace_roots_of(sources, env=env)


def _enclosing_stack(scope: IConstruct) -> Stack | None:
    try:
        return Stack.of(scope)
    except RuntimeError:  # an App or a Stage: not inside a stack
        return None


@dataclass(frozen=True)
class Located:
    """An L1 with what discovery needs about it, read once."""

    resource: CfnResource
    type: str
    stack: Stack
    stack_path: str
    env: tuple[str, str]
    path: str


# The generated L1 classes of the types discovery reads, by (module, class): no jsii call to tell a type.
_CLASS_TYPES = {
    ("aws_cdk.aws_lambda", "CfnFunction"): LAMBDA_TYPE,
    ("aws_cdk.aws_lambda", "CfnEventSourceMapping"): _MAPPING,
    ("aws_cdk.aws_lambda", "CfnAlias"): "AWS::Lambda::Alias",
    ("aws_cdk.aws_lambda", "CfnVersion"): "AWS::Lambda::Version",
    ("aws_cdk.aws_stepfunctions", "CfnStateMachine"): STATE_MACHINE_TYPE,
    ("aws_cdk.aws_apigateway", "CfnRestApi"): REST_API_TYPE,
    ("aws_cdk.aws_apigateway", "CfnStage"): REST_STAGE_TYPE,
    ("aws_cdk.aws_events", "CfnRule"): _RULE,
    ("aws_cdk.aws_scheduler", "CfnSchedule"): _SCHEDULE,
    ("aws_cdk.aws_s3", "CfnBucket"): _BUCKET,
    ("aws_cdk.aws_sqs", "CfnQueue"): "AWS::SQS::Queue",
    ("aws_cdk.aws_dynamodb", "CfnTable"): "AWS::DynamoDB::Table",
    ("aws_cdk.aws_dynamodb", "CfnGlobalTable"): "AWS::DynamoDB::GlobalTable",
    ("aws_cdk.aws_kinesis", "CfnStream"): "AWS::Kinesis::Stream",
    ("aws_cdk.aws_xray", "CfnGroup"): "AWS::XRay::Group",
    ("aws_cdk.aws_xray", "CfnTransactionSearchConfig"): "AWS::XRay::TransactionSearchConfig",
}


def locate(scope: IConstruct, types: Iterable[str], *, nodes: Sequence[IConstruct] | None = None) -> list[Located]:
    """The L1s of ``types`` under ``scope``, in one walk (or among ``nodes``, ``scope.node.find_all()`` already
    read): a generated L1's type is told by its class, and each stack's environment is read once (every read of a
    construct is a call into jsii)."""
    wanted = frozenset(types)
    stacks: list[tuple[str, Stack, tuple[str, str]]] = []
    enclosing = None if isinstance(scope, Stack) else _enclosing_stack(scope)
    if enclosing is not None:
        stacks.append((enclosing.node.path, enclosing, env_key(enclosing)))
    found: list[Located] = []
    for node in scope.node.find_all() if nodes is None else nodes:
        if isinstance(node, Stack):
            stacks.append((node.node.path, node, env_key(node)))
            continue
        if not isinstance(node, CfnResource):
            continue
        cls = type(node)
        kind = _CLASS_TYPES.get((cls.__module__, cls.__name__))
        if kind is None and cls is CfnResource:  # a plain L1 (CDK's own functions, custom resources)
            kind = node.cfn_resource_type
        if kind is None or kind not in wanted:
            continue
        path = node.node.path
        owner = max((entry for entry in stacks if path.startswith(entry[0] + "/")), key=lambda entry: len(entry[0]))
        found.append(Located(node, kind, owner[1], owner[0], owner[2], path))
    return found


def trace_roots_of(resources: Iterable[Located], *, env: tuple[str, str] | None = None) -> list[TraceRoot]:
    """:func:`find_trace_roots` over L1s already located (of the types in :data:`TYPES`)."""
    return list(_Index([r for r in resources if env is None or r.env == env]).roots())


def stage_service_names(resources: Iterable[Located]) -> dict[tuple[str, str], list[str]]:
    """``{api-name}/{stage}`` of every REST API stage among ``resources`` whose names are known at synth (the
    service name API Gateway reports), by :func:`~constructs_lib.discovery.env_key`."""
    index = _Index(list(resources))
    by_env: dict[tuple[str, str], list[str]] = {}
    for stage in index.of_type(REST_STAGE_TYPE):
        props = index.props(stage)
        api = index.referenced(stage, props.get("RestApiId"))
        api_name = index.props(api).get("Name") if api is not None else None
        stage_name = props.get("StageName")
        if isinstance(api_name, str) and isinstance(stage_name, str):
            by_env.setdefault(stage.env, []).append(f"{api_name}/{stage_name}")
    return by_env


def _user_path(path: str) -> str:
    """The path users know: the L2's for an L2's ``Resource``."""
    return path.removesuffix("/Resource")


class _Index:
    """Located L1s by stack and logical id, to follow ``Ref`` and ``Fn::GetAtt``, with their properties."""

    def __init__(self, resources: list[Located]) -> None:
        self.resources = resources
        self._by_id: dict[tuple[str, str], Located] | None = None
        self._props: dict[int, dict[str, Any]] = {}

    def of_type(self, *types: str) -> list[Located]:
        return [r for r in self.resources if r.type in types]

    def props(self, located: Located) -> dict[str, Any]:
        """The resolved properties of an L1 (CloudFormation names), read with the rest of its stack's."""
        self._load()
        return self._props.get(id(located), {})

    def referenced(self, owner: Located, value: Any) -> Located | None:
        """The L1 that ``{"Ref": id}`` or ``{"Fn::GetAtt": [id, attr]}`` in ``owner``'s stack points at."""
        if not isinstance(value, dict) or len(value) != 1:
            return None
        if "Ref" in value:
            logical_id = value["Ref"]
        elif "Fn::GetAtt" in value and isinstance(value["Fn::GetAtt"], list):
            logical_id = value["Fn::GetAtt"][0]
        else:
            return None
        by_id = self._load()
        return by_id.get((owner.stack_path, logical_id)) if isinstance(logical_id, str) else None

    def _load(self) -> dict[tuple[str, str], Located]:
        """Logical ids and properties of every located L1, resolved in one call per stack (each read of a
        construct is a call into jsii, and a large app has hundreds of these L1s). Properties are read as the L1
        holds them, keyed as CloudFormation names them; raw overrides (``add_property_override``) are not seen."""
        if self._by_id is None:
            self._by_id = {}
            by_stack: dict[str, list[Located]] = {}
            for located in self.resources:
                by_stack.setdefault(located.stack_path, []).append(located)
            for group in by_stack.values():
                resolved = group[0].stack.resolve([
                    [located.resource.logical_id, located.resource._cfn_properties if located.type in _READ else {}]
                    for located in group])
                for located, (logical_id, props) in zip(group, resolved, strict=True):
                    self._by_id[(located.stack_path, logical_id)] = located
                    self._props[id(located)] = _cloudformation_names(props) if isinstance(props, dict) else {}
        return self._by_id

    def roots(self) -> Iterator[TraceRoot]:
        for source in self.of_type(_MAPPING, _RULE, _SCHEDULE, _BUCKET, _BUCKET_NOTIFICATIONS):
            if source.type == _MAPPING:
                yield from self._mapping(source)
            elif source.type in (_RULE, _SCHEDULE):
                yield from self._rule(source)
            else:
                yield from self._bucket(source)

    # -- following references ---------------------------------------------------------------------------------
    def _target(self, owner: Located, value: Any) -> Located | None:
        """The function or state machine ``value`` points at (through an alias or version)."""
        target = self.referenced(owner, value)
        if target is not None and target.type in _ALIASES:
            target = self.referenced(target, self.props(target).get("FunctionName"))
        if target is None or target.type not in (LAMBDA_TYPE, STATE_MACHINE_TYPE):
            return None
        return target

    def _root(self, kind: TraceRootKind, source: Located, target: Located) -> TraceRoot:
        props = self.props(target)
        if target.type == LAMBDA_TYPE:
            config = props.get("TracingConfig")
            traced = isinstance(config, dict) and config.get("Mode") == "Active"
            return TraceRoot(kind, source.resource, target.resource, traced, source_path=source.path,
                             target_path=target.path)
        config = props.get("TracingConfiguration")
        traced = isinstance(config, dict) and config.get("Enabled") is True
        name = props.get("StateMachineName")
        return TraceRoot(kind, source.resource, target.resource, traced, name if isinstance(name, str) else None,
                         source_path=source.path, target_path=target.path, starts_lambda=False)

    # -- the sources -------------------------------------------------------------------------------------------
    def _mapping(self, mapping: Located) -> Iterator[TraceRoot]:
        props = self.props(mapping)
        target = self._target(mapping, props.get("FunctionName"))
        arn = props.get("EventSourceArn")
        source = self.referenced(mapping, arn)
        kind = _BY_SOURCE_TYPE.get(source.type) if source is not None else _kind_of_arn(arn)
        if target is not None and kind is not None:
            yield self._root(kind, source if source is not None else mapping, target)

    def _rule(self, rule: Located) -> Iterator[TraceRoot]:
        props = self.props(rule)
        if rule.type == _SCHEDULE:
            kind, targets = TraceRootKind.EVENTBRIDGE_SCHEDULE, [props.get("Target")]
        else:
            scheduled = props.get("ScheduleExpression") is not None
            kind = TraceRootKind.EVENTBRIDGE_SCHEDULE if scheduled else TraceRootKind.EVENTBRIDGE_RULE
            targets = props.get("Targets") or []
        for entry in targets:
            target = self._target(rule, entry.get("Arn")) if isinstance(entry, dict) else None
            if target is not None:
                yield self._root(kind, rule, target)

    def _bucket(self, located: Located) -> Iterator[TraceRoot]:
        props = self.props(located)
        config = props.get("NotificationConfiguration")
        if not isinstance(config, dict):
            return
        if located.type == _BUCKET:
            bucket: Located | None = located
            entries, key = config.get("LambdaConfigurations") or [], "Function"
        else:  # the custom resource CDK's bucket.add_event_notification creates
            bucket = self.referenced(located, props.get("BucketName"))
            entries, key = config.get("LambdaFunctionConfigurations") or [], "LambdaFunctionArn"
        for entry in entries:
            target = self._target(located, entry.get(key)) if isinstance(entry, dict) else None
            if target is not None:
                yield self._root(TraceRootKind.S3_NOTIFICATION, bucket or located, target)


def _kind_of_arn(arn: Any) -> TraceRootKind | None:
    """The kind of an event source given as a literal ARN (``arn:aws:sqs:...``), or None."""
    if isinstance(arn, str) and arn.startswith("arn:"):
        parts = arn.split(":")
        return _BY_ARN_SERVICE.get(parts[2]) if len(parts) > 2 else None
    return None


def _cloudformation_names(value: Any) -> Any:
    """Properties as an L1 holds them (``functionName``, ``tracingConfig.mode``) keyed as CloudFormation names them
    (``FunctionName``, ``TracingConfig.Mode``); intrinsics (``Ref``, ``Fn::GetAtt``) and plain L1s (already
    CloudFormation names) are unchanged. Enough for the properties read here, none of which has an acronym."""
    if isinstance(value, dict):
        return {(key[:1].upper() + key[1:]): _cloudformation_names(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cloudformation_names(item) for item in value]
    return value
