"""Find what to monitor in a construct tree: one pass over the tree, indexes built once per stack.

The inventory reads CloudFormation resources (L1s), so it reaches L2 constructs, bare ``Cfn*`` classes and the
functions CDK creates for itself. It decides, once per resource: is it under ``XRayTracing.exclude`` (decisions
are cached per construct path, so a subtree is looked at once), is it a CDK-internal function
(:func:`~constructs_lib.discovery.is_cdk_internal_function`), is it in the monitoring construct's own Stage
(CDK cannot reference across Stages: one warning per foreign Stage), is a queue some resource's dead-letter
queue, which REST API a stage belongs to, which kind a trace group is.

Example::

    from constructs import Construct
    from constructs_lib.monitoring.inventory import Inventory

    inventory = Inventory.scan(stack, owner=Construct(stack, "Owner"))
    [f.path for f in inventory.functions]
    inventory.dead_letter_queues
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from aws_cdk import CfnResource, Stack, Stage
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from .._passes import ref_of
from .._pipeline import get_each
from .._validation import warn
from .._walk import Walk, inherits
from ..discovery import cfn_property, class_cfn_type, is_cdk_internal_function, path_of, paths_of
from ..filters import TraceGroupKind, classify
from ..tracing import XRayTracing
from .given import GivenProperties, referenced_logical_id, unresolved_property
from .metrics import (
    GraphqlApiMetrics,
    LambdaFunctionMetrics,
    QueueMetrics,
    RestStageMetrics,
    StateMachineMetrics,
    TopicMetrics,
    TraceGroupMetrics,
    cfn_type_of,
    graphql_api_metrics,
    lambda_timeout,
    queue_metrics,
    state_machine_metrics,
    topic_metrics,
)
from .specs import TRACE_GROUP_TYPE, TraceGroupTarget

__all__ = ["Inventory", "MonitoredResource", "MonitoringConstruct"]

FUNCTION = "AWS::Lambda::Function"
REST_STAGE = "AWS::ApiGateway::Stage"
REST_API = "AWS::ApiGateway::RestApi"
QUEUE = "AWS::SQS::Queue"
TOPIC = "AWS::SNS::Topic"
SUBSCRIPTION = "AWS::SNS::Subscription"
RULE = "AWS::Events::Rule"
STATE_MACHINE = "AWS::StepFunctions::StateMachine"
GRAPHQL_API = "AWS::AppSync::GraphQLApi"

_MONITORED = frozenset({FUNCTION, REST_STAGE, QUEUE, TOPIC, STATE_MACHINE, GRAPHQL_API, TRACE_GROUP_TYPE})
_INDEXED = _MONITORED | {REST_API, SUBSCRIPTION, RULE}


class MonitoringConstruct(Construct):
    """The base of the library's monitoring constructs: what they create for their own use (the alarm topic, the
    alarms, the dashboard) is never monitored."""




@dataclass
class MonitoredResource:
    """One resource to monitor: its L1, type, construct path and stack path; metrics are read on first use.

    A trace group named by ``TraceGroupTarget(group="<name>")`` that is not in the app has no L1 (``l1`` is None,
    ``path`` is ``group:<name>``)."""

    l1: CfnResource | None
    cfn_type: str
    path: str
    stack_path: str
    #: For a REST stage: the API's ``Name`` (None when the API is not in the app or has no name).
    api_name: str | None = None
    #: For a queue: True when some resource names it as its dead-letter queue.
    dead_letter: bool = False
    #: For a trace group: its name, and its kind (None when it is neither a fault, an error nor a slow group: it
    #: is graphed, not alarmed).
    group_name: str | None = None
    group_kind: TraceGroupKind | None = None

    @property
    def cfn(self) -> CfnResource:
        """The L1 (every resource but a trace group known only by name has one)."""
        assert self.l1 is not None, f"{self.path} has no CloudFormation resource in the app"
        return self.l1

    @cached_property
    def properties(self) -> GivenProperties:
        """The L1's properties as given, each read on first use."""
        return GivenProperties(self.cfn)

    @cached_property
    def ref(self) -> str:
        """The L1's ``Ref`` token."""
        return self.cfn.ref

    @staticmethod
    def read_together(resources: list[MonitoredResource], names: Sequence[str] = (), *, ref: bool = False) -> None:
        """Read the given properties (and the ``Ref``) of many resources in one exchange with Node.js
        (``_pipeline``), so that :attr:`properties` and :attr:`ref` then answer without a round trip each."""
        MonitoredResource.read_all([(r, n) for r in resources for n in names], refs=resources if ref else ())

    @staticmethod
    def read_all(wanted: Sequence[tuple[MonitoredResource, str]], *, refs: Sequence[MonitoredResource] = (),
                 also: Sequence[tuple[Any, str]] = ()) -> list[Any]:
        """:meth:`read_together` for properties of several names and resources (and the ``Ref`` of ``refs``), in
        one exchange; ``also`` are more ``(object, jsii property)`` reads for it, whose values are returned."""
        todo = [r for r in refs if "ref" not in r.__dict__ and r.l1 is not None]
        values = GivenProperties.read_all([(r.properties, n) for r, n in wanted],
                                          also=[*((r.cfn, "ref") for r in todo), *also])
        for resource, value in zip(todo, values, strict=False):
            resource.__dict__["ref"] = value  # what the cached property would have read
        return values[len(todo):]

    @cached_property
    def function(self) -> LambdaFunctionMetrics:
        return LambdaFunctionMetrics(function_name=self.ref, timeout_seconds=self.timeout_seconds)

    @cached_property
    def timeout_seconds(self) -> float:
        return lambda_timeout(self.cfn, self.properties)

    @cached_property
    def stage(self) -> RestStageMetrics:
        stage_name = self.properties.string("StageName")
        assert self.api_name is not None
        return RestStageMetrics(api_name=self.api_name, stage_name=stage_name if stage_name is not None
                                else self.ref)

    @cached_property
    def graphql_api(self) -> GraphqlApiMetrics:
        return graphql_api_metrics(self.cfn)

    @cached_property
    def queue(self) -> QueueMetrics:
        return queue_metrics(self.cfn)

    @cached_property
    def topic(self) -> TopicMetrics:
        return topic_metrics(self.cfn)

    @cached_property
    def state_machine(self) -> StateMachineMetrics:
        return state_machine_metrics(self.cfn)

    @cached_property
    def trace_group(self) -> TraceGroupMetrics:
        assert self.group_name is not None
        return TraceGroupMetrics(group_name=self.group_name)

    @cached_property
    def literal_name(self) -> str | None:
        """The resource's name when the template sets it as a plain string (``FunctionName``, ``QueueName``...)."""
        prop = {FUNCTION: "FunctionName", QUEUE: "QueueName", TOPIC: "TopicName"}.get(self.cfn_type)
        value = self.properties.string(prop) if prop else None
        return value if isinstance(value, str) and "${Token[" not in value else None


@dataclass
class _StackIndex:
    stack: Stack
    path: str
    stage_path: str
    queues: list[MonitoredResource] = field(default_factory=list)
    dead_letter_ids: set[str] = field(default_factory=set)  # logical ids referenced as dead-letter targets


class Inventory:
    """The resources to monitor under a scope, read in one pass (see the module docstring).

    Build one with :meth:`scan`; it never changes afterwards.
    """

    def __init__(self, resources: Sequence[MonitoredResource], foreign_stages: Sequence[str]) -> None:
        self._resources = tuple(resources)
        self.foreign_stages = tuple(foreign_stages)

    @classmethod
    def scan(
        cls,
        scope: IConstruct,
        *,
        owner: IConstruct,
        include_excluded: bool = False,
        include_cdk_internal_functions: bool = False,
        trace_groups: Sequence[TraceGroupTarget] = (),
        warned_stages: set[str] | None = None,  # what was warned about already (Stages, stages without an API)
        effect: str = "are not monitored",
        advice: str = "Monitor them from a construct inside that Stage.",
    ) -> Inventory:
        """Find the resources under ``scope`` to monitor from ``owner`` (whose own subtree is skipped)."""
        return _Scanner(scope, owner, include_excluded, include_cdk_internal_functions, trace_groups,
                        warned_stages if warned_stages is not None else set(), effect, advice).run()

    @property
    def resources(self) -> tuple[MonitoredResource, ...]:
        """Every resource found, in tree order."""
        return self._resources

    def of_type(self, cfn_type: str) -> list[MonitoredResource]:
        """The resources of one CloudFormation type."""
        return [r for r in self._resources if r.cfn_type == cfn_type]

    @property
    def functions(self) -> list[MonitoredResource]:
        return self.of_type(FUNCTION)

    @property
    def dead_letter_queues(self) -> list[MonitoredResource]:
        return [r for r in self._resources if r.cfn_type == QUEUE and r.dead_letter]

    def has_type(self, cfn_type: str) -> bool:
        return any(r.cfn_type == cfn_type for r in self._resources)


class _Scanner:
    def __init__(self, scope: IConstruct, owner: IConstruct, include_excluded: bool, include_internal: bool,
                 trace_groups: Sequence[TraceGroupTarget], warned: set[str], effect: str, advice: str) -> None:
        self.scope = scope
        self.owner = owner
        self.include_excluded = include_excluded
        self.include_internal = include_internal
        self.trace_groups = tuple(trace_groups)
        self.warned = warned
        self.effect = effect
        self.advice = advice
        self.owner_path = path_of(owner)
        self.stacks: dict[str, _StackIndex] = {}
        self.fallback_stack: Stack | None = None
        # REST APIs are only looked up, by the stages that reference them, so their paths are not read. Indexed by
        # their Ref token on first use; a stage takes an API of its own stack only.
        self.rest_apis: list[CfnResource] = []
        self._apis_by_ref: dict[str, CfnResource] | None = None
        self.single_stack = False  # True when everything scanned is in one stack

    def run(self) -> Inventory:
        excluded = XRayTracing.exclusion_test(self.scope)
        nodes = Walk(self.scope).objects(_looked_at)  # Python objects for these only, in tree order
        own_stage = _stage_path(self.owner)
        stack_nodes: list[Stack] = [n for n in nodes if isinstance(n, Stack)]
        self.single_stack = len(stack_nodes) <= 1  # the scope is a stack without nested stacks, or inside one
        stack_paths = sorted(zip(paths_of(list(stack_nodes)), stack_nodes, strict=True), key=lambda p: -len(p[0]))
        found: list[MonitoredResource] = []
        dlq_sources: list[tuple[_StackIndex, CfnResource, str]] = []
        maybe_sources: list[tuple[_StackIndex, MonitoredResource]] = []  # functions and queues, excluded ones too
        foreign: list[str] = []
        own = [n for n in nodes if isinstance(n, MonitoringConstruct)]
        indexed: list[tuple[CfnResource, str]] = []
        for node in nodes:
            if not isinstance(node, CfnResource):
                continue
            cfn_type = cfn_type_of(node)
            if cfn_type == REST_API:
                self.rest_apis.append(node)
            elif cfn_type in _INDEXED:
                indexed.append((node, cfn_type))
        paths = paths_of([*own, *(node for node, _ in indexed)])  # read together
        own_prefixes = tuple({self.owner_path + "/", *(p + "/" for p in paths[:len(own)])})
        for (node, cfn_type), path in zip(indexed, paths[len(own):], strict=True):
            if path.startswith(own_prefixes):
                continue  # the monitoring constructs' own topic, alarms, dashboard
            index = self._stack_of(node, path, stack_paths)
            if index.stage_path != own_stage:
                if index.stage_path not in self.warned:
                    self.warned.add(index.stage_path)
                    foreign.append(index.stage_path)
                    warn(self.owner, "crossStageResource",
                         f"The resources in Stage '{index.stage_path}' (first: {path}) {self.effect}, which is in "
                         f"Stage '{own_stage or '(the app)'}': CDK cannot reference a resource across Stages. "
                         f"{self.advice}")
                continue
            if cfn_type in (SUBSCRIPTION, RULE):
                dlq_sources.append((index, node, cfn_type))
                continue
            resource = MonitoredResource(l1=node, cfn_type=cfn_type, path=path, stack_path=index.path)
            if cfn_type in (FUNCTION, QUEUE):
                maybe_sources.append((index, resource))
            if not self.include_excluded and excluded(path):
                continue
            if cfn_type == FUNCTION and not self.include_internal and is_cdk_internal_function(node, path=path):
                continue
            if cfn_type == QUEUE:
                index.queues.append(resource)
            elif cfn_type == TRACE_GROUP_TYPE:
                self._classify_group(resource)
                if resource.group_name is None:
                    continue  # no name, no metric
            found.append(resource)
        # Everything the alarms need read in one exchange with Node.js: dead-letter settings (when there is a queue
        # to find), stages' API and name, the REST APIs' Refs, functions' timeouts and Refs; the APIs' names next.
        any_queue = any(index.queues for index in self.stacks.values())  # no queue, no dead-letter queue to find
        stages = [r for r in found if r.cfn_type == REST_STAGE]
        functions = [r for r in found if r.cfn_type == FUNCTION]
        api_refs = MonitoredResource.read_all(
            [*((r, "DeadLetterConfig" if r.cfn_type == FUNCTION else "RedrivePolicy")
               for _, r in (maybe_sources if any_queue else ())),
             *((r, n) for r in stages for n in ("RestApiId", "StageName")),
             *((r, "Timeout") for r in functions)],
            refs=functions, also=[(api, "ref") for api in self.rest_apis] if stages and self._apis_by_ref is None
            else ())
        if stages and self._apis_by_ref is None:
            self._apis_by_ref = dict(zip(api_refs, self.rest_apis, strict=True))
        if any_queue:
            dlq_sources += [(index, r.cfn, r.cfn_type) for index, r in maybe_sources if _names_dead_letter_target(r)]
            self._mark_dead_letter_queues(dlq_sources)
        apis = [self._api_of(stage) for stage in stages]
        names = self._api_names([api for api in apis if api is not None])
        for stage, api in zip(stages, apis, strict=True):
            stage.api_name = names[ref_of(api)] if api is not None else None
        found = [r for r in found if r.cfn_type != REST_STAGE or r.api_name is not None]
        named = {r.group_name for r in found if r.cfn_type == TRACE_GROUP_TYPE}
        for target in self.trace_groups:  # groups named by the user that the app does not define
            if isinstance(target.group, str) and target.group not in named:
                named.add(target.group)
                found.append(MonitoredResource(l1=None, cfn_type=TRACE_GROUP_TYPE, path=f"group:{target.group}",
                                               stack_path="", group_name=target.group, group_kind=target.kind))
        return Inventory(found, foreign)

    # -- stacks ---------------------------------------------------------------------------------------------
    def _stack_of(self, node: CfnResource, path: str, stack_paths: list[tuple[str, Stack]]) -> _StackIndex:
        for stack_path, stack in stack_paths:
            if path.startswith(stack_path + "/"):
                return self._index(stack, stack_path)
        if self.fallback_stack is None:  # the scope is inside a stack
            self.fallback_stack = Stack.of(node)
        return self._index(self.fallback_stack, path_of(self.fallback_stack))

    def _index(self, stack: Stack, path: str) -> _StackIndex:
        index = self.stacks.get(path)
        if index is None:
            index = self.stacks[path] = _StackIndex(stack=stack, path=path, stage_path=_stage_path(stack))
        return index

    # -- dead-letter queues -----------------------------------------------------------------------------------
    def _mark_dead_letter_queues(self, sources: Iterable[tuple[_StackIndex, CfnResource, str]]) -> None:
        for index, node, cfn_type in sources:
            for arn in _dead_letter_arns(index.stack, node, cfn_type):
                logical_id = referenced_logical_id(arn)
                if logical_id is not None:
                    index.dead_letter_ids.add(logical_id)
        if not any(i.dead_letter_ids for i in self.stacks.values()):
            return
        by_stack: dict[str, dict[str, MonitoredResource]] = {}
        for path, index in self.stacks.items():
            by_stack[path] = {index.stack.resolve(q.cfn.logical_id): q for q in index.queues}
        for path, index in self.stacks.items():
            for logical_id in index.dead_letter_ids:
                queue = by_stack[path].get(logical_id)
                if queue is not None:
                    queue.dead_letter = True
                    continue
                # A reference to another stack's queue resolves to that stack's logical id.
                for other_path, queues in by_stack.items():
                    if other_path != path and logical_id in queues:
                        queues[logical_id].dead_letter = True

    # -- REST APIs ----------------------------------------------------------------------------------------------
    def _api_of(self, stage: MonitoredResource) -> CfnResource | None:
        """The REST API a stage's ``RestApiId`` references in its stack (a warning when there is none)."""
        index = self.stacks[stage.stack_path]
        reference = stage.properties.string("RestApiId")
        if self._apis_by_ref is None:
            self._apis_by_ref = dict(zip(get_each(self.rest_apis, "ref"), self.rest_apis, strict=True))
        api = self._apis_by_ref.get(reference) if reference is not None else None
        if api is not None and not self._in_stack(api, index):
            api = None
        if api is None and self.rest_apis:  # a reference built another way: compare logical ids in the stack
            logical_id = referenced_logical_id(index.stack.resolve(reference))
            api = next((a for a in self.rest_apis if self._in_stack(a, index)
                        and index.stack.resolve(a.logical_id) == logical_id), None)
        if api is None:
            if f"stage:{stage.path}" in self.warned:
                return None
            self.warned.add(f"stage:{stage.path}")
            warn(stage.cfn, "stageNotMonitored",
                 "No alarms or graphs for this stage: its RestApiId does not reference an AWS::ApiGateway::RestApi "
                 "of the same stack, and CloudWatch names the API by its Name.")
            return None
        return api

    @staticmethod
    def _api_names(apis: list[CfnResource]) -> dict[str, str | None]:
        """Each API's ``Name`` as given (tokens kept), by jsii reference, read together."""
        unique = list({ref_of(api): api for api in apis}.values())
        given = [GivenProperties(api) for api in unique]
        GivenProperties.read_together(given, "Name")
        return {ref_of(api): g.string("Name") for api, g in zip(unique, given, strict=True)}

    def _in_stack(self, node: CfnResource, index: _StackIndex) -> bool:
        return self.single_stack or ref_of(Stack.of(node)) == ref_of(index.stack)

    # -- trace groups ---------------------------------------------------------------------------------------
    def _classify_group(self, resource: MonitoredResource) -> None:
        group = resource.cfn
        name = unresolved_property(group, "GroupName")
        resource.group_name = name
        for target in self.trace_groups:
            if isinstance(target.group, str):
                if target.group == name:
                    resource.group_kind = target.kind
                    return
            else:
                target_path = target.group.node.path
                if resource.path == target_path or resource.path.startswith(target_path + "/"):
                    resource.group_kind = target.kind
                    return
        typed = class_cfn_type(type(group)) == TRACE_GROUP_TYPE  # an xray.CfnGroup
        expression: Any = (group.filter_expression if typed  # type: ignore[attr-defined]
                           else cfn_property(group, "FilterExpression"))
        if expression is not None and not (isinstance(expression, str) and "${Token[" not in expression):
            expression = group.stack.resolve(expression)
        text = literal_text(expression)
        resource.group_kind = classify(text) if text is not None else None


def literal_text(value: Any) -> str | None:
    """A rendered string property as text, with the deploy-time parts of an ``Fn::Join`` as ``?`` (a filter
    built from tokens, e.g. ``service("<api>/<stage ref>")``, still classifies)."""
    if isinstance(value, str):
        return value
    join = value.get("Fn::Join") if isinstance(value, dict) and len(value) == 1 else None
    if isinstance(join, list) and len(join) == 2 and isinstance(join[0], str) and isinstance(join[1], list):
        return join[0].join(part if isinstance(part, str) else "?" for part in join[1])
    return None


def _looked_at(cls: type) -> bool:
    """Whether the scan looks at constructs of class ``cls``: stacks, the library's own monitoring constructs, and
    the L1s of the types it indexes (or of a type only the object knows: a plain ``CfnResource``)."""
    if inherits(cls, CfnResource):
        cfn_type = class_cfn_type(cls)
        return cfn_type is None or cfn_type in _INDEXED or cfn_type == REST_API
    return inherits(cls, Stack, MonitoringConstruct)


_STAGE_PATHS: dict[str, str] = {}  # a construct's jsii reference -> the path of its Stage (it never moves)


def _stage_path(construct: IConstruct) -> str:
    key = ref_of(construct)
    if key not in _STAGE_PATHS:
        stage = Stage.of(construct)
        _STAGE_PATHS[key] = path_of(stage) if stage is not None else ""
    return _STAGE_PATHS[key]


def _names_dead_letter_target(resource: MonitoredResource) -> bool:
    """Whether a function sets a ``DeadLetterConfig``, or a queue a ``RedrivePolicy``."""
    name, l1_class = (("DeadLetterConfig", lambda_.CfnFunction) if resource.cfn_type == FUNCTION
                      else ("RedrivePolicy", sqs.CfnQueue))
    if isinstance(resource.cfn, l1_class):
        return resource.properties.get(name) is not None
    return cfn_property(resource.cfn, name) is not None  # any other class (CDK's own resources): as rendered


def _dead_letter_arns(stack: Stack, node: CfnResource, cfn_type: str) -> list[Any]:
    """The dead-letter target ARNs a resource names (resolved): a queue's or an SNS subscription's
    ``RedrivePolicy.deadLetterTargetArn``, a function's ``DeadLetterConfig.TargetArn``, an EventBridge rule
    target's ``DeadLetterConfig.Arn``."""
    arns: list[Any] = []
    if cfn_type in (QUEUE, SUBSCRIPTION):
        if isinstance(node, (sqs.CfnQueue, sns.CfnSubscription)):
            policy = stack.resolve(node.redrive_policy)
        else:
            policy = cfn_property(node, "RedrivePolicy")
        if isinstance(policy, str):
            try:
                policy = json.loads(policy)
            except ValueError:
                policy = None
        if isinstance(policy, dict):
            arns.append(policy.get("deadLetterTargetArn"))
    elif cfn_type == FUNCTION:
        config = stack.resolve(node.dead_letter_config) if isinstance(node, lambda_.CfnFunction) \
            else cfn_property(node, "DeadLetterConfig")
        if isinstance(config, dict):
            arns.append(config.get("targetArn", config.get("TargetArn")))
    elif cfn_type == RULE:
        typed = class_cfn_type(type(node)) == RULE  # an events.CfnRule
        targets = stack.resolve(node.targets) if typed else cfn_property(node, "Targets")  # type: ignore[attr-defined]
        for target in targets or []:
            if isinstance(target, dict):
                config = target.get("deadLetterConfig", target.get("DeadLetterConfig"))
                if isinstance(config, dict):
                    arns.append(config.get("arn", config.get("Arn")))
    return arns
