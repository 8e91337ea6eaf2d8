"""CloudWatch alarms on errors, faults and latency for every traced resource in a scope.

Example::

    alarms = TracingAlarms(
        monitoring_stack, "Alarms",
        monitored_scope=orders_stack,
        defaults={AlarmType.LAMBDA_ERROR_RATE: AlarmOverride(threshold=5)},
        overrides=[ResourceOverride(target=orders_stack.worker, override=AlarmOverride(enabled=False))],
    )
    alarms.alarms        # every metric alarm, including those discovery creates (safe to call before synth)

Discovery reads CloudFormation resources (L1s) with the same :mod:`~constructs_lib.discovery` helpers as
:class:`~constructs_lib.tracing.XRayTracing`: Lambda functions, REST API stages, SQS queues (dead-letter queues get
their own alarm), SNS topics, Step Functions state machines and X-Ray groups (classified as fault, error or slow
from their filter expression). Subtrees passed to ``XRayTracing.exclude`` get no alarms (unless
``include_excluded=True``), and resources in another ``Stage`` than the alarms are skipped with a warning (CDK
cannot reference across Stages). Discovery runs on demand from the accessors and again, late, from an aspect, and
never creates an alarm twice for one resource and alarm type.

Functions CDK creates for itself (custom-resource providers, log retention, bucket notifications, singleton
functions) get no alarms unless ``include_cdk_internal_functions=True``: they run only while CloudFormation
deploys, a failure there already fails the deployment, and their names change with CDK versions.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import (
    AspectPriority,
    Aspects,
    CfnResource,
    Duration,
    IAspect,
    RemovalPolicy,
    Stack,
    Stage,
    Token,
)
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct, IConstruct, IValidation

from . import _metrics as m
from ._lazy import lazy_number, lazy_string
from ._validation import XRayValidationError, check_length, check_number, check_pattern, fail, warn
from .discovery import ServiceKind, cfn_property, is_cdk_internal_function, kind_of
from .filters import TraceGroupKind, classify
from .tracing import XRayTracing

if TYPE_CHECKING:
    from .dashboard import TracingDashboard

TRACE_GROUP_TYPE = "AWS::XRay::Group"
MAX_ALARM_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 1024
MAX_ALARM_RULE_LENGTH = 10240
#: Underlying alarms per composite alarm before the roll-up nests (CloudWatch allows 100).
MAX_ALARMS_PER_COMPOSITE = 100


class AlarmMode(Enum):
    """How alarms cover resources.

    ``PER_RESOURCE``: one alarm per metric per resource (percentiles, rates, thresholds per function timeout).
    ``METRICS_INSIGHTS``: one alarm per metric per service type, a Metrics Insights query grouped by the
    resource's dimension; every resource is a contributor, so the alarm count stays flat as the app grows.
    """

    PER_RESOURCE = "per-resource"
    METRICS_INSIGHTS = "metrics-insights"


class QueryScope(Enum):
    """What a Metrics Insights alarm's query covers.

    ``ACCOUNT``: every resource of the kind in the account and region (short query, catches resources made
    outside the app too). ``APP``: only the app's resources, through ``WHERE <dimension> = '...' OR ...``; the
    query is limited to 2,048 characters, so large apps fall back to ``ACCOUNT`` with a warning.

    Whatever the scope, three queries always list the app's resources, because their threshold or meaning holds
    only for them: dead-letter queues (``DLQ_MESSAGES``), Lambda duration (one alarm per distinct timeout) and
    trace groups.
    """

    ACCOUNT = "account"
    APP = "app"


class AlarmType(Enum):
    """Every alarm the construct can create: ``(CloudFormation type, short name used in alarm names)``."""

    LAMBDA_ERROR_RATE = ("AWS::Lambda::Function", "error-rate")
    LAMBDA_ERRORS = ("AWS::Lambda::Function", "errors")
    LAMBDA_THROTTLES = ("AWS::Lambda::Function", "throttles")
    LAMBDA_DURATION = ("AWS::Lambda::Function", "duration")
    REST_FAULTS = ("AWS::ApiGateway::Stage", "5xx-faults")
    REST_CLIENT_ERROR_RATE = ("AWS::ApiGateway::Stage", "4xx-rate")
    REST_LATENCY = ("AWS::ApiGateway::Stage", "latency")
    QUEUE_MESSAGE_AGE = ("AWS::SQS::Queue", "oldest-message-age")
    DLQ_MESSAGES = ("AWS::SQS::Queue", "dlq-messages")
    TOPIC_FAILED_NOTIFICATIONS = ("AWS::SNS::Topic", "failed-notifications")
    STATE_MACHINE_FAILED = ("AWS::StepFunctions::StateMachine", "executions-failed")
    STATE_MACHINE_TIMED_OUT = ("AWS::StepFunctions::StateMachine", "executions-timed-out")
    STATE_MACHINE_THROTTLED = ("AWS::StepFunctions::StateMachine", "executions-throttled")
    TRACE_GROUP_FAULTS = (TRACE_GROUP_TYPE, "fault-traces")
    TRACE_GROUP_ERRORS = (TRACE_GROUP_TYPE, "error-traces")
    TRACE_GROUP_SLOW = (TRACE_GROUP_TYPE, "slow-traces")

    @property
    def cfn_type(self) -> str:
        """The CloudFormation type of the resources this alarm watches."""
        return str(self.value[0])

    @property
    def short_name(self) -> str:
        """The suffix of the alarm's name, e.g. ``error-rate``."""
        return str(self.value[1])


@dataclass(frozen=True)
class AlarmSpec:
    """When one kind of alarm fires.

    ``threshold`` is in the metric's unit, except for ``LAMBDA_DURATION``, where it is the share (0-1] of each
    function's own timeout (in both modes). The alarm fires when ``datapoints_to_alarm`` of the last
    ``evaluation_periods`` periods are at or above the threshold.

    Example::

        AlarmSpec(threshold=1, period=Duration.minutes(1), evaluation_periods=5, datapoints_to_alarm=3)
    """

    threshold: float
    period: Duration = Duration.minutes(5)  # noqa: RUF009 - Duration is immutable
    evaluation_periods: int = 3
    datapoints_to_alarm: int = 2
    treat_missing_data: cw.TreatMissingData = cw.TreatMissingData.NOT_BREACHING
    enabled: bool = True

    def __post_init__(self) -> None:
        check_number("AlarmSpec", "threshold", self.threshold, minimum=0)
        check_number("AlarmSpec", "evaluation_periods", self.evaluation_periods, minimum=1, integer=True)
        check_number("AlarmSpec", "datapoints_to_alarm", self.datapoints_to_alarm, minimum=1,
                     maximum=self.evaluation_periods if isinstance(self.evaluation_periods, int) else None,
                     integer=True)
        if not isinstance(self.period, Duration):
            raise fail("AlarmSpec", "period", self.period, "a Duration")
        if not self.period.is_unresolved():
            seconds = self.period.to_seconds()
            if seconds not in (10, 20, 30) and (seconds < 60 or seconds % 60):
                raise fail("AlarmSpec", "period", f"{seconds} s", "10, 20, 30 seconds or a multiple of 60 seconds")
            if isinstance(self.evaluation_periods, int) and seconds * self.evaluation_periods > 86400:
                raise fail("AlarmSpec", "period x evaluation_periods", f"{seconds * self.evaluation_periods} s",
                           "at most 1 day (86,400 s)")
        if not isinstance(self.treat_missing_data, cw.TreatMissingData):
            raise fail("AlarmSpec", "treat_missing_data", self.treat_missing_data, "a cloudwatch.TreatMissingData")


@dataclass(frozen=True)
class AlarmOverride:
    """A partial :class:`AlarmSpec`: the fields set here replace the defaults; ``enabled=False`` drops the alarm.

    Example::

        AlarmOverride(threshold=0.5)          # e.g. p99 duration at 50 % of the timeout
        AlarmOverride(enabled=False)          # no such alarm
    """

    threshold: float | None = None
    period: Duration | None = None
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None
    treat_missing_data: cw.TreatMissingData | None = None
    enabled: bool | None = None

    def apply(self, spec: AlarmSpec) -> AlarmSpec:
        """``spec`` with this override's fields replaced (validated again)."""
        changes = {k: v for k, v in self.__dict__.items() if v is not None}
        return replace(spec, **changes)


@dataclass(frozen=True)
class ResourceOverride:
    """An :class:`AlarmOverride` for the resources under ``target``: a construct (its whole subtree) or a path glob
    (``"Orders/Worker*"``), for the listed ``alarm_types`` (all when empty).

    Example::

        ResourceOverride(target=stack.report_fn, alarm_types=(AlarmType.LAMBDA_DURATION,),
                         override=AlarmOverride(threshold=0.95))
    """

    target: IConstruct | str
    override: AlarmOverride
    alarm_types: tuple[AlarmType, ...] = ()

    def matches(self, path: str, alarm_type: AlarmType) -> bool:
        """True when this override applies to the resource at ``path`` for ``alarm_type``."""
        if self.alarm_types and alarm_type not in self.alarm_types:
            return False
        if isinstance(self.target, str):
            return fnmatch.fnmatchcase(path, self.target) or path.startswith(self.target.rstrip("/") + "/")
        target_path = self.target.node.path
        return path == target_path or path.startswith(target_path + "/")


@dataclass(frozen=True)
class TraceGroupTarget:
    """An X-Ray group to alarm on, with its kind: a construct holding an ``AWS::XRay::Group`` or the group's name.

    Example::

        TraceGroupTarget(group="orders-faults", kind=TraceGroupKind.FAULT)
    """

    group: IConstruct | str
    kind: TraceGroupKind


@dataclass(frozen=True)
class CreatedAlarm:
    """One alarm the construct made: what it watches (``resource_path`` is None for Metrics Insights alarms)."""

    alarm: cw.Alarm
    alarm_type: AlarmType
    resource_path: str | None


_MIN5 = Duration.minutes(5)
_MIN1 = Duration.minutes(1)


def _once(period: Duration) -> AlarmSpec:
    """Fire on the first period with at least one event."""
    return AlarmSpec(threshold=1, period=period, evaluation_periods=1, datapoints_to_alarm=1)


#: The defaults for per-resource mode (docs/alarms-and-dashboard.md shows them as a table).
DEFAULT_SPECS: Mapping[AlarmType, AlarmSpec] = {
    AlarmType.LAMBDA_ERROR_RATE: AlarmSpec(threshold=1, period=_MIN5, evaluation_periods=3, datapoints_to_alarm=2),
    AlarmType.LAMBDA_ERRORS: AlarmSpec(threshold=1, period=_MIN5, evaluation_periods=3, datapoints_to_alarm=2,
                                       enabled=False),
    AlarmType.LAMBDA_THROTTLES: AlarmSpec(threshold=1, period=_MIN5, evaluation_periods=3, datapoints_to_alarm=2),
    AlarmType.LAMBDA_DURATION: AlarmSpec(threshold=0.8, period=_MIN5, evaluation_periods=3, datapoints_to_alarm=2),
    AlarmType.REST_FAULTS: AlarmSpec(threshold=1, period=_MIN5, evaluation_periods=3, datapoints_to_alarm=2),
    AlarmType.REST_CLIENT_ERROR_RATE: AlarmSpec(threshold=0.05, period=_MIN5, evaluation_periods=3,
                                                datapoints_to_alarm=3),
    AlarmType.REST_LATENCY: AlarmSpec(threshold=3000, period=_MIN5, evaluation_periods=3, datapoints_to_alarm=2),
    AlarmType.QUEUE_MESSAGE_AGE: AlarmSpec(threshold=300, period=_MIN5, evaluation_periods=3,
                                           datapoints_to_alarm=3),
    AlarmType.DLQ_MESSAGES: _once(_MIN1),
    AlarmType.TOPIC_FAILED_NOTIFICATIONS: _once(_MIN5),
    AlarmType.STATE_MACHINE_FAILED: _once(_MIN5),
    AlarmType.STATE_MACHINE_TIMED_OUT: _once(_MIN5),
    AlarmType.STATE_MACHINE_THROTTLED: AlarmSpec(threshold=1, period=_MIN5, evaluation_periods=3,
                                                 datapoints_to_alarm=2),
    AlarmType.TRACE_GROUP_FAULTS: _once(_MIN5),
    AlarmType.TRACE_GROUP_ERRORS: AlarmSpec(threshold=10, period=_MIN5, evaluation_periods=3,
                                            datapoints_to_alarm=2),
    AlarmType.TRACE_GROUP_SLOW: AlarmSpec(threshold=5, period=_MIN5, evaluation_periods=3, datapoints_to_alarm=2),
}

#: What changes in Metrics Insights mode: no per-function rate (an Errors count instead). ``LAMBDA_DURATION`` stays
#: a share of the timeout: one alarm per distinct timeout, each listing the functions that have it.
INSIGHTS_SPEC_CHANGES: Mapping[AlarmType, AlarmOverride] = {
    AlarmType.LAMBDA_ERROR_RATE: AlarmOverride(enabled=False),
    AlarmType.LAMBDA_ERRORS: AlarmOverride(enabled=True),
}


def default_spec(alarm_type: AlarmType, mode: AlarmMode = AlarmMode.PER_RESOURCE) -> AlarmSpec:
    """The built-in spec of ``alarm_type`` in ``mode``.

    Example::

        default_spec(AlarmType.LAMBDA_DURATION).threshold   # 0.8 (of the timeout)
    """
    spec = DEFAULT_SPECS[alarm_type]
    if mode is AlarmMode.METRICS_INSIGHTS and alarm_type in INSIGHTS_SPEC_CHANGES:
        spec = INSIGHTS_SPEC_CHANGES[alarm_type].apply(spec)
    return spec


def _literal_text(value: Any) -> str | None:
    """A rendered string property as text, with the deploy-time parts of an ``Fn::Join`` as ``?``
    (a filter built from tokens, e.g. ``service("<api>/<stage ref>")``, still classifies)."""
    if isinstance(value, str):
        return value
    join = value.get("Fn::Join") if isinstance(value, dict) and len(value) == 1 else None
    if isinstance(join, list) and len(join) == 2 and isinstance(join[0], str) and isinstance(join[1], list):
        return join[0].join(part if isinstance(part, str) else "?" for part in join[1])
    return None


def is_excluded_from_tracing(node: IConstruct) -> bool:
    """True when ``node`` is under a subtree passed to ``XRayTracing.exclude`` and no ``XRayTracing.enable`` sits
    closer to it (the same rule ``XRayTracing`` follows to decide what it governs).

    Example::

        XRayTracing.exclude(stack.legacy)
        is_excluded_from_tracing(stack.legacy.node.default_child)   # True
    """
    return XRayTracing.is_excluded(node)


def in_own_stage(owner: Construct, node: IConstruct, warned: set[str], effect: str, advice: str) -> bool:
    """True when ``node`` is in ``owner``'s Stage; otherwise warn once per foreign Stage (``warned`` remembers
    which) that its resources ``effect``, since CDK cannot reference a resource across Stages."""
    own, other = stage_path(owner), stage_path(node)
    if other == own:
        return True
    if other not in warned:
        warned.add(other)
        warn(owner, "crossStageResource",
             f"The resources in Stage '{other}' (first: {node.node.path}) {effect}, which is in Stage "
             f"'{own or '(the app)'}': CDK cannot reference a resource across Stages. {advice}")
    return False


def stage_path(construct: IConstruct) -> str:
    """The path of the ``Stage`` (or ``App``) ``construct`` belongs to; resources can be referenced only within one."""
    stage = Stage.of(construct)
    return stage.node.path if stage is not None else ""


def kind_label(cfn_type: str) -> str:
    """A short human-readable name of a resource type: the discovery label, or ``X-Ray group``."""
    return "X-Ray group" if cfn_type == TRACE_GROUP_TYPE else ServiceKind(cfn_type).label


_GROUP_ALARMS = {
    TraceGroupKind.FAULT: AlarmType.TRACE_GROUP_FAULTS,
    TraceGroupKind.ERROR: AlarmType.TRACE_GROUP_ERRORS,
    TraceGroupKind.SLOW: AlarmType.TRACE_GROUP_SLOW,
}


@dataclass(frozen=True)
class _Plan:
    """How to make one alarm: its metric, threshold, text, for one resource or one service type."""

    metric: cw.IMetric
    threshold: float
    what: str
    condition: str
    trace_filter: tuple[str, str, str] | str | None


_PlanFactory = Callable[[AlarmSpec], _Plan]


def _plan(
    metric: Callable[..., cw.IMetric],
    what: str,
    condition: Callable[[float], str],
    trace_filter: tuple[str, str, str] | str | None,
) -> _PlanFactory:
    """A plan on ``metric(period=...)`` (a ``metric_*`` method) whose threshold is the spec's;
    ``condition(threshold)`` says when it fires."""
    return lambda s: _Plan(metric(period=s.period), s.threshold, what, condition(s.threshold), trace_filter)


@dataclass
class _Chunk:
    """One Metrics Insights alarm and the dimension values its ``WHERE`` lists (when it is scoped)."""

    alarm: cw.Alarm | None
    values: list[str] = field(default_factory=list)
    resources: list[CfnResource] = field(default_factory=list)


class TracingAlarms(Construct):
    """Alarms on errors, faults and latency for every traced resource under ``monitored_scope``.

    :param monitored_scope: the App, Stage, Stack or construct whose resources get alarms.
    :param alarm_topic: where alarm and OK notifications go; default a new topic, KMS-encrypted and SSL-only.
    :param mode: :class:`AlarmMode`; per resource (default) or one Metrics Insights alarm per metric and service.
    :param alarm_name_prefix: start of every alarm name (default: this construct's stack name); names are
        ``<prefix>-<resource path>-<alarm>``, at most 255 characters.
    :param defaults: per :class:`AlarmType`, an :class:`AlarmSpec` or :class:`AlarmOverride` over the defaults.
    :param overrides: :class:`ResourceOverride` per resource (per-resource mode only).
    :param trace_groups: groups to alarm on with an explicit kind (discovered groups are classified by their
        filter expression; an explicit kind wins).
    :param include_cdk_internal_functions: also alarm on functions CDK creates for itself.
    :param include_excluded: also alarm on resources under ``XRayTracing.exclude(...)`` subtrees.
    :param alarm_topic_key_removal_policy: what happens to the created topic's KMS key on stack deletion
        (default RETAIN, as for every CDK key; DESTROY schedules its deletion).
    :param query_scope: Metrics Insights mode: account-wide queries or queries limited to the app's resources.
    :param insights_limit: Metrics Insights mode: most time series (worst first) each query returns, 1-500.
    :param service_health_alarm: create the composite alarm that rolls every alarm up.
    :param dashboard: also create a :class:`~constructs_lib.dashboard.TracingDashboard` over the same scope.

    Example::

        alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS,
                               dashboard=True)
        alarms.service_health_alarm   # the composite alarm
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        monitored_scope: IConstruct,
        alarm_topic: sns.ITopic | None = None,
        mode: AlarmMode = AlarmMode.PER_RESOURCE,
        alarm_name_prefix: str | None = None,
        defaults: Mapping[AlarmType, AlarmSpec | AlarmOverride] | None = None,
        overrides: Sequence[ResourceOverride] = (),
        trace_groups: Sequence[TraceGroupTarget] = (),
        include_cdk_internal_functions: bool = False,
        include_excluded: bool = False,
        alarm_topic_key_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        query_scope: QueryScope = QueryScope.ACCOUNT,
        insights_limit: int = 100,
        service_health_alarm: bool = True,
        dashboard: bool = False,
        dashboard_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        owner = "TracingAlarms"
        if not isinstance(mode, AlarmMode):
            raise fail(owner, "mode", mode, "an AlarmMode")
        if not isinstance(query_scope, QueryScope):
            raise fail(owner, "query_scope", query_scope, "a QueryScope")
        check_number(owner, "insights_limit", insights_limit, minimum=1, maximum=500, integer=True)
        for key, value in (defaults or {}).items():
            if not isinstance(key, AlarmType):
                raise fail(owner, "defaults key", key, "an AlarmType")
            if not isinstance(value, (AlarmSpec, AlarmOverride)):
                raise fail(owner, f"defaults[{key.name}]", value, "an AlarmSpec or AlarmOverride")
        for override in overrides:
            if not isinstance(override, ResourceOverride):
                raise fail(owner, "overrides item", override, "a ResourceOverride")
        for target in trace_groups:
            if not isinstance(target, TraceGroupTarget):
                raise fail(owner, "trace_groups item", target, "a TraceGroupTarget")
        self._stack = Stack.of(self)
        prefix = alarm_name_prefix if alarm_name_prefix is not None else self._stack.stack_name
        check_length(owner, "alarm_name_prefix", prefix, minimum=1, maximum=128)
        check_pattern(owner, "alarm_name_prefix", prefix, r"[A-Za-z0-9._-]+", "letters, digits, '.', '_' and '-'")
        self.monitored_scope = monitored_scope
        self.mode = mode
        self.alarm_name_prefix = prefix
        self.query_scope = query_scope
        self.insights_limit = insights_limit
        self.include_cdk_internal_functions = include_cdk_internal_functions
        self.include_excluded = include_excluded
        self._key_removal_policy = alarm_topic_key_removal_policy
        self._defaults = dict(defaults or {})
        self._overrides = tuple(overrides)
        self._overrides_used: set[int] = set()
        self._explicit_groups = tuple(trace_groups)
        self._records: list[CreatedAlarm] = []
        self._done: set[tuple[str, AlarmType]] = set()
        self._seen: set[str] = set()
        self._foreign_stages: set[str] = set()
        #: Metrics Insights alarms: per (alarm type, timeout for LAMBDA_DURATION else None), the alarms in order.
        self._fleets: dict[tuple[AlarmType, float | None], list[_Chunk]] = {}
        self._unscoped: set[AlarmType] = set()
        self._dlq_fallback_warned = False
        self._dlq_ids: set[tuple[str, str]] | None = None
        if mode is AlarmMode.METRICS_INSIGHTS and self._overrides:
            warn(self, "overridesIgnored",
                 "Per-resource overrides do not apply in Metrics Insights mode: one alarm covers every resource of "
                 "a service type. Use `defaults` per AlarmType instead.")
        if mode is AlarmMode.METRICS_INSIGHTS:
            self.node.add_validation(_DurationBucketsStillHold(self))

        self.alarm_topic: sns.ITopic = alarm_topic if alarm_topic is not None else self._create_topic()
        self._health: _HealthRollup | None = _HealthRollup(self) if service_health_alarm else None
        self.dashboard: TracingDashboard | None = None
        if dashboard:
            from .dashboard import TracingDashboard

            self.dashboard = TracingDashboard(
                self, "Dashboard", monitored_scope=monitored_scope, alarms=self, dashboard_name=dashboard_name
            )
        Aspects.of(monitored_scope).add(_DiscoveryAspect(self), priority=AspectPriority.DEFAULT)

    # -- accessors ------------------------------------------------------------------------------------------
    @property
    def alarms(self) -> list[cw.Alarm]:
        """Every metric alarm this construct created, discovering the scope's resources first (safe before synth:
        later discovery, by the aspect, adds alarms only for resources added since)."""
        self.discover()
        return [r.alarm for r in self._records]

    @property
    def alarm_records(self) -> list[CreatedAlarm]:
        """Every alarm with its :class:`AlarmType` and resource path (discovers first, like :attr:`alarms`)."""
        self.discover()
        return list(self._records)

    @property
    def service_health_alarm(self) -> cw.CompositeAlarm | None:
        """The composite alarm that is in ALARM when any other alarm is (None when turned off)."""
        return self._health.top if self._health else None

    @property
    def composite_alarms(self) -> list[cw.CompositeAlarm]:
        """The service-health composite and the nested composites it uses past 100 alarms."""
        return self._health.all() if self._health else []

    def alarms_for(self, resource: IConstruct) -> list[cw.Alarm]:
        """The alarms that watch ``resource`` (a construct or its L1) in per-resource mode.

        Example::

            alarms.alarms_for(orders_fn)   # [error-rate, throttles, duration]
        """
        self.discover()
        path = resource.node.path
        return [
            r.alarm for r in self._records
            if r.resource_path is not None and (r.resource_path == path or r.resource_path.startswith(path + "/"))
        ]

    def spec_for(self, alarm_type: AlarmType, resource_path: str | None = None) -> AlarmSpec:
        """The effective spec: built-in default, then ``defaults``, then matching ``overrides`` in order."""
        spec = default_spec(alarm_type, self.mode)
        given = self._defaults.get(alarm_type)
        if isinstance(given, AlarmSpec):
            spec = given
        elif isinstance(given, AlarmOverride):
            spec = given.apply(spec)
        if resource_path is not None and self.mode is AlarmMode.PER_RESOURCE:
            for index, override in enumerate(self._overrides):
                if override.matches(resource_path, alarm_type):
                    spec = override.override.apply(spec)
                    self._overrides_used.add(index)
        owner = f"TracingAlarms '{self.node.path}' {alarm_type.name}" + (
            f" for '{resource_path}'" if resource_path else "")
        if alarm_type in _THRESHOLD_UNITS:
            maximum, unit = _THRESHOLD_UNITS[alarm_type]
            if not Token.is_unresolved(spec.threshold) and not 0 <= spec.threshold <= maximum:
                raise fail(owner, "threshold", spec.threshold, unit)
        if self.mode is AlarmMode.METRICS_INSIGHTS and not spec.period.is_unresolved():
            window = spec.period.to_seconds() * spec.evaluation_periods
            if window > 3 * 3600:
                raise fail(owner, "period x evaluation_periods", f"{window} s",
                           "at most 3 hours (10,800 s): Metrics Insights alarms see only 3 hours of data")
        return spec

    def _warn_unused_overrides(self) -> None:
        if self.mode is not AlarmMode.PER_RESOURCE:
            return  # Metrics Insights mode already warns that per-resource overrides do not apply
        for index, override in enumerate(self._overrides):
            if index not in self._overrides_used:
                target = override.target if isinstance(override.target, str) else override.target.node.path
                warn(self, "overrideMatchedNothing",
                     f"The ResourceOverride for '{target}' matched no alarm: check the construct path (or the "
                     "construct) and the alarm_types it names.")

    # -- discovery ------------------------------------------------------------------------------------------
    def discover(self) -> None:
        """Create the alarms for every resource under the monitored scope that has none yet (idempotent).

        The accessors call this; the aspect calls it again at synth for constructs added later.
        """
        self._dlq_ids = None
        for node in self.monitored_scope.node.find_all():
            self._visit(node)
        for target in self._explicit_groups:
            if isinstance(target.group, str):
                self._trace_group_by_name(target.group, target.kind)

    def _visit(self, node: IConstruct) -> None:
        if not isinstance(node, CfnResource):
            return
        kind = kind_of(node)
        handler = self._HANDLERS.get(kind) if kind is not None else (
            TracingAlarms._trace_group if node.cfn_resource_type == TRACE_GROUP_TYPE else None)
        if handler is None:
            return
        path = node.node.path
        if path in self._seen or path.startswith(self.node.path + "/"):
            return
        self._seen.add(path)
        if not self.include_excluded and is_excluded_from_tracing(node):
            return
        if not self._same_stage(node):
            return
        handler(self, node)

    def _same_stage(self, node: CfnResource) -> bool:
        return in_own_stage(self, node, self._foreign_stages,
                            "get no alarms from this TracingAlarms",
                            "Create a TracingAlarms inside that Stage (or give it a monitored_scope within one Stage).")

    def _lambda(self, fn: CfnResource) -> None:
        if not self.include_cdk_internal_functions and is_cdk_internal_function(fn):
            return
        metrics = m.lambda_metrics(fn)
        name_filter = m.service_filter(metrics.function_name, "AWS::Lambda::Function")

        def timeout_ms(share: float) -> float:
            return round(share * m.lambda_metrics(fn).timeout_seconds * 1000, 3)

        self._cover(fn, {
            AlarmType.LAMBDA_ERROR_RATE: lambda s: _Plan(
                metrics.metric_error_rate(period=s.period), s.threshold, "Error rate",
                f"errors are at least {s.threshold:g} % of invocations", name_filter),
            AlarmType.LAMBDA_ERRORS: _plan(metrics.metric_errors, "Errors",
                                           lambda t: f"at least {t:g} errors", name_filter),
            AlarmType.LAMBDA_THROTTLES: _plan(metrics.metric_throttles, "Throttles",
                                              lambda t: f"at least {t:g} throttled invocations", name_filter),
            AlarmType.LAMBDA_DURATION: lambda s: _Plan(
                metrics.metric_duration(period=s.period), lazy_number(lambda: timeout_ms(s.threshold)),
                "p99 duration", f"p99 duration is at least {s.threshold:.0%} of the function's timeout "
                f"({lazy_string(lambda: f'{timeout_ms(s.threshold):g}')} ms)", name_filter),
        }, _insights_value(fn, "FunctionName", metrics.function_name))

    def _rest_stage(self, stage: CfnResource) -> None:
        try:
            metrics = m.rest_stage_metrics(stage)
        except XRayValidationError as error:
            warn(stage, "stageNotMonitored", f"No alarms for this stage: {error}")
            return
        name_filter = m.service_filter(f"{metrics.api_name}/{metrics.stage_name}", "AWS::ApiGateway::Stage")
        self._cover(stage, {
            AlarmType.REST_FAULTS: _plan(metrics.metric_faults, "5XX faults",
                                         lambda t: f"at least {t:g} 5XX responses", name_filter),
            AlarmType.REST_CLIENT_ERROR_RATE: _plan(
                metrics.metric_client_error_rate, "4XX rate",
                lambda t: f"at least {t:.0%} of requests got a 4XX response", name_filter),
            AlarmType.REST_LATENCY: _plan(metrics.metric_latency, "p99 latency",
                                          lambda t: f"p99 latency is at least {t:g} ms", name_filter),
        }, metrics.api_name)

    def _queue(self, queue: CfnResource) -> None:
        metrics = m.queue_metrics(queue)
        name_filter = m.service_filter(metrics.queue_name, None)
        if self._is_dlq(queue):
            plans = {AlarmType.DLQ_MESSAGES: _plan(
                metrics.metric_messages_visible, "Messages in dead-letter queue",
                lambda t: f"at least {t:g} messages are waiting in this dead-letter queue", name_filter)}
        else:
            plans = {AlarmType.QUEUE_MESSAGE_AGE: _plan(
                metrics.metric_age_of_oldest_message, "Age of oldest message",
                lambda t: f"the oldest message is at least {t:g} s old", name_filter)}
        self._cover(queue, plans, _insights_value(queue, "QueueName", metrics.queue_name))

    def _topic(self, topic: CfnResource) -> None:
        metrics = m.topic_metrics(topic)
        self._cover(topic, {AlarmType.TOPIC_FAILED_NOTIFICATIONS: _plan(
            metrics.metric_notifications_failed, "Failed notifications",
            lambda t: f"at least {t:g} notifications failed", m.service_filter(metrics.topic_name, "AWS::SNS"))},
            _insights_value(topic, "TopicName", metrics.topic_name))

    def _state_machine(self, machine: CfnResource) -> None:
        metrics = m.state_machine_metrics(machine)
        name_filter = m.service_filter(Token.as_string(machine.get_att("Name")), "AWS::StepFunctions::StateMachine")

        def executions(factory: Callable[..., cw.Metric], what: str) -> _PlanFactory:
            return _plan(factory, f"Executions {what}", lambda t: f"at least {t:g} executions {what}", name_filter)

        self._cover(machine, {
            AlarmType.STATE_MACHINE_FAILED: executions(metrics.metric_executions_failed, "failed"),
            AlarmType.STATE_MACHINE_TIMED_OUT: executions(metrics.metric_executions_timed_out, "timed out"),
            AlarmType.STATE_MACHINE_THROTTLED: executions(metrics.metric_executions_throttled, "throttled"),
        }, metrics.state_machine_arn)

    def _trace_group(self, group: CfnResource) -> None:
        name = m.group_name_of(group)
        kind = self._explicit_kind(group, name)
        if kind is None:
            expression = _literal_text(cfn_property(group, "FilterExpression"))
            kind = classify(expression) if expression is not None else None
        if kind is None or name is None:
            return
        self._group_alarm(group.node.path, name, kind, group)

    def _trace_group_by_name(self, name: str, kind: TraceGroupKind) -> None:
        key = f"group:{name}"
        if key in self._seen:
            return
        self._seen.add(key)
        self._group_alarm(key, name, kind, None)

    def _group_alarm(self, key: str, name: str, kind: TraceGroupKind, group: CfnResource | None) -> None:
        def metric(*, period: Duration) -> cw.Metric:
            if group is not None:
                return m.trace_count_metric(group, period=period)
            return m.TraceGroupMetrics(group_name=name).metric_approximate_trace_count(period=period)

        group_filter: tuple[str, str, str] | str = ('group.name = "', name, '"') if Token.is_unresolved(name) \
            else f'group.name = "{name}"'
        self._cover_at(key, group, {_GROUP_ALARMS[kind]: _plan(
            metric, f"{kind.value.capitalize()} traces",
            lambda t: f"at least {t:g} traces matched the {kind.value} group {name}", group_filter)},
            name, label=f"group-{name}" if not Token.is_unresolved(name) else None)

    def _explicit_kind(self, group: CfnResource, name: Any) -> TraceGroupKind | None:
        for target in self._explicit_groups:
            if isinstance(target.group, str):
                if target.group == name:
                    self._seen.add(f"group:{name}")
                    return target.kind
            elif group.node.path == target.group.node.path or group.node.path.startswith(
                    target.group.node.path + "/"):
                return target.kind
        return None

    _HANDLERS: dict[ServiceKind, Callable[[TracingAlarms, CfnResource], None]] = {  # noqa: RUF012 - read-only
        ServiceKind.LAMBDA_FUNCTION: _lambda,
        ServiceKind.REST_API_STAGE: _rest_stage,
        ServiceKind.SQS_QUEUE: _queue,
        ServiceKind.SNS_TOPIC: _topic,
        ServiceKind.STATE_MACHINE: _state_machine,
    }

    # -- one resource: its alarms in either mode ------------------------------------------------------------
    def _cover(self, resource: CfnResource, plans: Mapping[AlarmType, _PlanFactory], value: str) -> None:
        self._cover_at(resource.node.path, resource, plans, value)

    def _cover_at(
        self, path: str, resource: CfnResource | None, plans: Mapping[AlarmType, _PlanFactory], value: str,
        *, label: str | None = None,
    ) -> None:
        """Per-resource mode: one alarm per plan. Metrics Insights mode: add the resource (its dimension
        ``value``) to the alarm of each type; an overflowing dead-letter queue falls back to its own alarm."""
        for alarm_type, plan in plans.items():
            if self.mode is AlarmMode.PER_RESOURCE:
                self._per_resource_at(path, resource, alarm_type, plan, label=label)
            elif alarm_type in INSIGHTS_METRICS and not self._fleet_add(resource, alarm_type, value):
                self._per_resource_at(path, resource, alarm_type, plan, label=label, force=True)

    def _per_resource_at(
        self, path: str, resource: CfnResource | None, alarm_type: AlarmType, plan: _PlanFactory,
        *, label: str | None = None, force: bool = False,
    ) -> None:
        if (self.mode is not AlarmMode.PER_RESOURCE and not force) or (path, alarm_type) in self._done:
            return
        self._done.add((path, alarm_type))
        spec = self.spec_for(alarm_type, path)
        if not spec.enabled:
            return
        the_plan = plan(spec)
        label = label or _path_label(path, Stack.of(self).node.path)
        where = f"the {kind_label(alarm_type.cfn_type)} {path}" if resource is not None else f"the group {path}"
        alarm = self._make_alarm(f"{label}-{alarm_type.short_name}", spec, the_plan, where,
                                 _MAX_NAME_LENGTH[alarm_type.cfn_type])
        self._register(CreatedAlarm(alarm=alarm, alarm_type=alarm_type, resource_path=path))

    # -- Metrics Insights alarms ----------------------------------------------------------------------------
    def _always_scoped(self, alarm_type: AlarmType) -> bool:
        return alarm_type in _ALWAYS_SCOPED or alarm_type.cfn_type == TRACE_GROUP_TYPE

    def _scoped(self, alarm_type: AlarmType) -> bool:
        if self._always_scoped(alarm_type):
            return True
        return self.query_scope is QueryScope.APP and alarm_type not in self._unscoped

    def _fleet_add(self, resource: CfnResource | None, alarm_type: AlarmType, value: str) -> bool:
        """Add a resource to the Metrics Insights alarm of its type (and timeout); False when it must have its own
        per-resource alarm instead (a dead-letter queue past the query-length limit)."""
        spec = self.spec_for(alarm_type)
        if not spec.enabled:
            return True
        bucket: float | None = None
        if alarm_type is AlarmType.LAMBDA_DURATION and resource is not None:
            bucket = m.lambda_metrics(resource).timeout_seconds
        chunks = self._fleets.setdefault((alarm_type, bucket), [])
        if any(value in c.values for c in chunks):
            return True
        if not chunks:
            chunks.append(self._new_chunk(alarm_type, bucket, 0, spec))
        chunk = chunks[-1]
        if self._scoped(alarm_type) and self._too_long(alarm_type, [*chunk.values, value]):
            if alarm_type is AlarmType.DLQ_MESSAGES:
                if not self._dlq_fallback_warned:
                    self._dlq_fallback_warned = True
                    warn(self, "dlqQueryTooLong",
                         f"The dead-letter-queue query listing {len(chunk.values)} queues would exceed "
                         f"{m.MAX_EXPRESSION_LENGTH} characters; the dead-letter queues past it (first: "
                         f"{resource.node.path if resource is not None else value}) get one alarm each instead.")
                return False
            if self._always_scoped(alarm_type):
                chunk = self._new_chunk(alarm_type, bucket, len(chunks), spec)
                chunks.append(chunk)
            else:
                self._unscoped.add(alarm_type)
                warn(self, "insightsQueryTooLong",
                     f"The {alarm_type.name} query listing the app's {len(chunk.values) + 1} resources could "
                     f"exceed {m.MAX_EXPRESSION_LENGTH} characters; it covers the whole account and region instead.")
        chunk.values.append(value)
        if resource is not None:
            chunk.resources.append(resource)
        return True

    def _too_long(self, alarm_type: AlarmType, values: Sequence[str]) -> bool:
        query = INSIGHTS_METRICS[alarm_type].query(where_values=values, limit=self.insights_limit)
        return query.max_length(token_length=_MAX_NAME_LENGTH[alarm_type.cfn_type]) > m.MAX_EXPRESSION_LENGTH

    def _new_chunk(self, alarm_type: AlarmType, bucket: float | None, index: int, spec: AlarmSpec) -> _Chunk:
        chunk = _Chunk(alarm=None)
        label = f"{_INSIGHTS_LABELS[alarm_type.cfn_type]}-{alarm_type.short_name}"
        metric = INSIGHTS_METRICS[alarm_type]
        what = f"{metric.metric_name} ({kind_label(alarm_type.cfn_type)}s)"
        threshold = spec.threshold
        condition = f"at least {spec.threshold:g} for any one resource"
        if bucket is not None:
            label += f"-{bucket:g}s"
            threshold = round(spec.threshold * bucket * 1000, 3)
            what = f"Duration (Lambda functions with a {bucket:g} s timeout)"
            condition = f"at least {spec.threshold:.0%} of their {bucket:g} s timeout ({threshold:g} ms) for any one"
        if index:
            label += f"-part{index + 1}"
        query = lazy_string(lambda: self._chunk_query(alarm_type, chunk))
        plan = _Plan(cw.MathExpression(expression=query, period=spec.period, label=what), threshold, what,
                     condition, _INSIGHTS_TRACE_FILTERS.get(alarm_type))
        where = f"any {kind_label(alarm_type.cfn_type)} (Metrics Insights query; the alarm's contributors name it)"
        chunk.alarm = self._make_alarm(label, spec, plan, where, 0)
        self._register(CreatedAlarm(alarm=chunk.alarm, alarm_type=alarm_type, resource_path=None))
        return chunk

    def _chunk_query(self, alarm_type: AlarmType, chunk: _Chunk) -> str:
        values = chunk.values if self._scoped(alarm_type) else ()
        return str(INSIGHTS_METRICS[alarm_type].query(where_values=values, limit=self.insights_limit))

    def insights_queries(self, alarm_type: AlarmType) -> list[str]:
        """The query text of every Metrics Insights alarm of ``alarm_type`` (one per timeout and part for
        ``LAMBDA_DURATION``, one for the others), in creation order."""
        return [self._chunk_query(alarm_type, chunk)
                for (kind, _), chunks in self._fleets.items() if kind is alarm_type for chunk in chunks]

    def insights_query(self, alarm_type: AlarmType) -> str:
        """The Metrics Insights query text for ``alarm_type`` (its first alarm's, see :meth:`insights_queries`),
        e.g. ``SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY MAX()
        DESC LIMIT 100``. Resource names can be tokens (a ``WHERE`` clause with ``QueryScope.APP``)."""
        queries = self.insights_queries(alarm_type)
        return queries[0] if queries else self._chunk_query(alarm_type, _Chunk(alarm=None))

    # -- building blocks ------------------------------------------------------------------------------------
    def _make_alarm(self, label: str, spec: AlarmSpec, plan: _Plan, where: str, name_length: int) -> cw.Alarm:
        construct_id = re.sub(r"[^A-Za-z0-9.-]", "-", label)
        if self.node.try_find_child(construct_id) is not None:
            # Two paths that read alike once made a name part ("a_b" / "a-b", "S/Q-x" / "S/Q/x"): keep both apart.
            label = f"{label}-{hashlib.sha256(where.encode()).hexdigest()[:8]}"
            construct_id = re.sub(r"[^A-Za-z0-9.-]", "-", label)
        name = _alarm_name(self.alarm_name_prefix, label)
        region = self._stack.region
        if len(where) > 200:
            where = where[:97] + "..." + where[-100:]
        description = (f"{plan.what} of {where}: {plan.condition}. "
                       f"X-Ray trace map: {m.console_url(region, 'service-map/map', plan.trace_filter)}")
        traces = f" Traces: {m.console_url(region, 'traces/query', plan.trace_filter)}"
        if _max_rendered_length(description + traces, plan.trace_filter, name_length) <= MAX_DESCRIPTION_LENGTH:
            description += traces
        alarm = cw.Alarm(
            self, construct_id,
            alarm_name=name,
            alarm_description=description,
            metric=plan.metric,
            threshold=plan.threshold,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            treat_missing_data=spec.treat_missing_data,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        )
        action = cw_actions.SnsAction(self.alarm_topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        return alarm

    def _register(self, record: CreatedAlarm) -> None:
        self._records.append(record)
        if self._health is not None:
            self._health.add(record.alarm)

    def _create_topic(self) -> sns.ITopic:
        key = kms.Key(self, "AlarmTopicKey", enable_key_rotation=True,
                      description="Encrypts the X-Ray tracing alarm notifications",
                      removal_policy=self._key_removal_policy)
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowCloudWatchAlarmsToUseTheKey",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],
        ))
        topic = sns.Topic(self, "AlarmTopic", master_key=key, enforce_ssl=True,
                          display_name="X-Ray tracing alarms")
        topic.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowCloudWatchAlarmsToPublish",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions={"StringEquals": {"aws:SourceAccount": self._stack.account}},
        ))
        return topic

    # -- dead-letter queues ---------------------------------------------------------------------------------
    def _is_dlq(self, queue: CfnResource) -> bool:
        if self._dlq_ids is None:
            self._dlq_ids = _dead_letter_targets(queue.node.root)
        stack = Stack.of(queue)
        logical_id = stack.resolve(queue.logical_id)
        same_stack = {lid for (path, lid) in self._dlq_ids if path == stack.node.path}
        if logical_id in same_stack:
            return True
        return any(lid == logical_id and path != stack.node.path and not _stack_has_queue(path, lid, queue)
                   for (path, lid) in self._dlq_ids)


@jsii.implements(IValidation)
class _DurationBucketsStillHold:
    """Metrics Insights duration alarms group functions by their timeout when discovery sees them; a timeout
    changed afterwards would leave a function under the wrong threshold, so synthesis fails instead."""

    def __init__(self, owner: TracingAlarms) -> None:
        self.owner = owner

    def validate(self) -> list[str]:
        errors: list[str] = []
        for (alarm_type, bucket), chunks in self.owner._fleets.items():
            if alarm_type is not AlarmType.LAMBDA_DURATION or bucket is None:
                continue
            for chunk in chunks:
                for fn in chunk.resources:
                    now = m.lambda_metrics(fn).timeout_seconds
                    if now != bucket:
                        errors.append(
                            f"TracingAlarms '{self.owner.node.path}': the timeout of {fn.node.path} must not change "
                            f"after its Metrics Insights duration alarm was created (it was {bucket:g} s, got "
                            f"{now:g} s). Set timeouts before reading `alarms`.")
        return errors


def _insights_value(resource: CfnResource, name_property: str, fallback: str) -> str:
    """The resource's name for a Metrics Insights ``WHERE``: the literal name when the template sets one (no
    reference, so no cross-stack export), else ``fallback`` (a reference)."""
    literal = cfn_property(resource, name_property)
    return literal if isinstance(literal, str) else fallback


def _stack_has_queue(stack_path: str, logical_id: str, near: IConstruct) -> bool:
    for node in near.node.root.node.find_all():
        if isinstance(node, CfnResource) and node.cfn_resource_type == "AWS::SQS::Queue":
            stack = Stack.of(node)
            if stack.node.path == stack_path and stack.resolve(node.logical_id) == logical_id:
                return True
    return False


def _dead_letter_targets(root: IConstruct) -> set[tuple[str, str]]:
    """``(stack path, logical id)`` of every queue some resource uses as a dead-letter queue: a queue's
    ``RedrivePolicy.deadLetterTargetArn``, an SNS subscription's ``RedrivePolicy``, a Lambda function's
    ``DeadLetterConfig.TargetArn`` or an EventBridge target's ``DeadLetterConfig.Arn``."""
    found: set[tuple[str, str]] = set()
    for node in root.node.find_all():
        if not isinstance(node, CfnResource):
            continue
        arns: list[Any] = []
        kind = node.cfn_resource_type
        if kind in ("AWS::SQS::Queue", "AWS::SNS::Subscription"):
            policy = cfn_property(node, "RedrivePolicy")
            if isinstance(policy, str):
                try:
                    policy = json.loads(policy)
                except ValueError:
                    policy = None
            if isinstance(policy, dict):
                arns.append(policy.get("deadLetterTargetArn"))
        elif kind == "AWS::Lambda::Function":
            config = cfn_property(node, "DeadLetterConfig")
            if isinstance(config, dict):
                arns.append(config.get("TargetArn"))
        elif kind == "AWS::Events::Rule":
            for target in cfn_property(node, "Targets") or []:
                if isinstance(target, dict) and isinstance(target.get("DeadLetterConfig"), dict):
                    arns.append(target["DeadLetterConfig"].get("Arn"))
        stack_path = Stack.of(node).node.path
        for arn in arns:
            logical_id = m.referenced_logical_id(arn)
            if logical_id is not None:
                found.add((stack_path, logical_id))
    return found


# -- the composite roll-up ------------------------------------------------------------------------------------
class _HealthRollup:
    """The service-health composite alarm; past 100 alarms (or the 10,240-character rule limit) it nests
    composite alarms of up to 100 alarms each under the top one."""

    def __init__(self, owner: TracingAlarms) -> None:
        self.owner = owner
        self.chunks: list[list[cw.Alarm]] = [[]]
        self.children: list[cw.CompositeAlarm] = []
        self.child_names: list[str] = []
        name = _alarm_name(owner.alarm_name_prefix, "service-health")
        self.top = cw.CompositeAlarm(
            owner, "ServiceHealth",
            composite_alarm_name=name,
            alarm_description=(
                "Service health: in ALARM when any X-Ray tracing alarm of this app is. Its alarms list shows which. "
                f"Trace map: {m.console_url(owner._stack.region, 'service-map/map')}"
            ),
            alarm_rule=cw.AlarmRule.from_string(lazy_string(self._top_rule)),
        )
        action = cw_actions.SnsAction(owner.alarm_topic)
        self.top.add_alarm_action(action)
        self.top.add_ok_action(action)

    def all(self) -> list[cw.CompositeAlarm]:
        return [self.top, *self.children]

    def add(self, alarm: cw.Alarm) -> None:
        chunk = self.chunks[-1]
        if len(chunk) >= MAX_ALARMS_PER_COMPOSITE or _rule_length([*chunk, alarm]) > MAX_ALARM_RULE_LENGTH:
            if not self.children:
                self._child(0)
            self.chunks.append([])
            self._child(len(self.chunks) - 1)
            chunk = self.chunks[-1]
        chunk.append(alarm)
        target = self.children[-1] if self.children else self.top
        target.node.add_dependency(alarm)

    def _child(self, index: int) -> None:
        name = _alarm_name(self.owner.alarm_name_prefix, f"service-health-part{index + 1}")
        self.child_names.append(name)
        child = cw.CompositeAlarm(
            self.owner, f"ServiceHealthPart{index + 1}",
            composite_alarm_name=name,
            alarm_description=f"Part {index + 1} of the service-health roll-up (no actions; the top alarm notifies).",
            alarm_rule=cw.AlarmRule.from_string(lazy_string(lambda: _rule(self.chunks[index]))),
        )
        for alarm in self.chunks[index]:
            child.node.add_dependency(alarm)
        self.children.append(child)
        self.top.node.add_dependency(child)

    def _top_rule(self) -> str:
        if not self.children:
            return _rule(self.chunks[0]) if self.chunks[0] else "FALSE"
        return " OR ".join(f'ALARM("{name}")' for name in self.child_names)


def _max_rendered_length(text: str, trace_filter: tuple[str, str, str] | str | None, name_length: int) -> int:
    """Longest ``text`` can render: the unresolved resource name as ``name_length``, other tokens as 20."""
    name = trace_filter[1] if isinstance(trace_filter, tuple) else ""
    markers = re.findall(r"\$\{Token\[[^\]]*\]\}", text)
    length = len(text)
    for marker in markers:
        length += (name_length if marker == name else 20) - len(marker)
    return length


def _rule(alarms: Sequence[cw.Alarm]) -> str:
    return " OR ".join(f'ALARM("{_name_of(a)}")' for a in alarms) or "FALSE"


def _rule_length(alarms: Sequence[cw.Alarm]) -> int:
    return sum(len('ALARM("")') + len(" OR ") + (MAX_ALARM_NAME_LENGTH if Token.is_unresolved(_name_of(a))
                                                  else len(_name_of(a))) for a in alarms)


def _name_of(alarm: cw.Alarm) -> str:
    child = alarm.node.default_child
    assert isinstance(child, cw.CfnAlarm)
    return str(child.alarm_name)


# -- Metrics Insights tables ----------------------------------------------------------------------------------
_F = m.InsightsFunction
_LAMBDA, _REST, _SQS = ("FunctionName",), ("ApiName", "Stage"), ("QueueName",)
_SNS, _STATES, _GROUPS = ("TopicName",), ("StateMachineArn",), ("GroupName",)
#: The Metrics Insights metric of each alarm type; the dashboard's Metrics Insights graphs use the same table.
INSIGHTS_METRICS: Mapping[AlarmType, m.InsightsMetric] = {
    AlarmType.LAMBDA_ERRORS: m.InsightsMetric(m.LAMBDA_NAMESPACE, "Errors", _F.SUM, _LAMBDA),
    AlarmType.LAMBDA_THROTTLES: m.InsightsMetric(m.LAMBDA_NAMESPACE, "Throttles", _F.SUM, _LAMBDA),
    AlarmType.LAMBDA_DURATION: m.InsightsMetric(m.LAMBDA_NAMESPACE, "Duration", _F.MAX, _LAMBDA),
    AlarmType.REST_FAULTS: m.InsightsMetric(m.APIGATEWAY_NAMESPACE, "5XXError", _F.SUM, _REST),
    AlarmType.REST_CLIENT_ERROR_RATE: m.InsightsMetric(m.APIGATEWAY_NAMESPACE, "4XXError", _F.AVG, _REST),
    AlarmType.REST_LATENCY: m.InsightsMetric(m.APIGATEWAY_NAMESPACE, "Latency", _F.AVG, _REST),
    AlarmType.QUEUE_MESSAGE_AGE: m.InsightsMetric(m.SQS_NAMESPACE, "ApproximateAgeOfOldestMessage", _F.MAX, _SQS),
    AlarmType.DLQ_MESSAGES: m.InsightsMetric(m.SQS_NAMESPACE, "ApproximateNumberOfMessagesVisible", _F.MAX, _SQS),
    AlarmType.TOPIC_FAILED_NOTIFICATIONS: m.InsightsMetric(m.SNS_NAMESPACE, "NumberOfNotificationsFailed", _F.SUM,
                                                           _SNS),
    AlarmType.STATE_MACHINE_FAILED: m.InsightsMetric(m.STATES_NAMESPACE, "ExecutionsFailed", _F.SUM, _STATES),
    AlarmType.STATE_MACHINE_TIMED_OUT: m.InsightsMetric(m.STATES_NAMESPACE, "ExecutionsTimedOut", _F.SUM, _STATES),
    AlarmType.STATE_MACHINE_THROTTLED: m.InsightsMetric(m.STATES_NAMESPACE, "ExecutionThrottled", _F.SUM, _STATES),
    AlarmType.TRACE_GROUP_FAULTS: m.InsightsMetric(m.XRAY_NAMESPACE, "ApproximateTraceCount", _F.SUM, _GROUPS),
    AlarmType.TRACE_GROUP_ERRORS: m.InsightsMetric(m.XRAY_NAMESPACE, "ApproximateTraceCount", _F.SUM, _GROUPS),
    AlarmType.TRACE_GROUP_SLOW: m.InsightsMetric(m.XRAY_NAMESPACE, "ApproximateTraceCount", _F.SUM, _GROUPS),
}
#: Metrics Insights alarms that list the app's resources whatever the QueryScope: a dead-letter queue is only
#: "a message in a DLQ" for the app's DLQs, and a duration threshold holds only for functions with that timeout.
_ALWAYS_SCOPED = frozenset({AlarmType.DLQ_MESSAGES, AlarmType.LAMBDA_DURATION})
_INSIGHTS_LABELS = {
    "AWS::Lambda::Function": "lambda",
    "AWS::ApiGateway::Stage": "rest-api",
    "AWS::SQS::Queue": "sqs",
    "AWS::SNS::Topic": "sns",
    "AWS::StepFunctions::StateMachine": "states",
    TRACE_GROUP_TYPE: "xray-groups",
}
_INSIGHTS_TRACE_FILTERS: dict[AlarmType, str] = {
    AlarmType.LAMBDA_ERRORS: "fault = true OR error = true",
    AlarmType.LAMBDA_THROTTLES: "throttle = true",
    AlarmType.LAMBDA_DURATION: "responsetime > 1",
    AlarmType.REST_FAULTS: "fault = true",
    AlarmType.REST_CLIENT_ERROR_RATE: "error = true",
    AlarmType.REST_LATENCY: "responsetime > 1",
    AlarmType.STATE_MACHINE_FAILED: "fault = true",
    AlarmType.TRACE_GROUP_FAULTS: "fault = true",
    AlarmType.TRACE_GROUP_ERRORS: "error = true",
}
#: Longest name a resource of the type can have, for query-length estimates of unresolved names.
_MAX_NAME_LENGTH = {
    "AWS::Lambda::Function": 64,
    "AWS::ApiGateway::Stage": 128,
    "AWS::SQS::Queue": 80,
    "AWS::SNS::Topic": 256,
    "AWS::StepFunctions::StateMachine": 256,
    TRACE_GROUP_TYPE: 32,
}


#: Thresholds that are shares or percentages, and what a user must give (checked, since a wrong unit never fires).
_THRESHOLD_UNITS = {
    AlarmType.LAMBDA_DURATION: (1, "a share of each function's timeout, from 0 to 1 (0.8 = 80 %)"),
    AlarmType.REST_CLIENT_ERROR_RATE: (1, "a share of requests, from 0 to 1 (0.05 = 5 %)"),
    AlarmType.LAMBDA_ERROR_RATE: (100, "a percentage of invocations, from 0 to 100 (1 = 1 %)"),
}


# -- names -----------------------------------------------------------------------------------------
def _path_label(path: str, own_stack_path: str = "") -> str:
    """The construct path as a name part; without the stack when it is ``own_stack_path`` (the alarms' stack)."""
    if own_stack_path and path.startswith(own_stack_path + "/"):
        path = path[len(own_stack_path) + 1:]
    parts = [p for p in path.split("/") if p]
    while len(parts) > 1 and parts[-1] in ("Resource", "Default"):
        parts.pop()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", "-".join(parts))


def _alarm_name(prefix: str, label: str) -> str:
    """``<prefix>-<label>``, shortened to 255 characters with a stable hash when needed."""
    name = f"{prefix}-{label}"
    if len(name) <= MAX_ALARM_NAME_LENGTH:
        return name
    digest = hashlib.sha256(label.encode()).hexdigest()[:8]
    keep = MAX_ALARM_NAME_LENGTH - len(prefix) - len(digest) - 3
    return f"{prefix}-{label[:keep // 2]}-{digest}-{label[-(keep - keep // 2):]}"


@jsii.implements(IAspect)
class _DiscoveryAspect:
    """Runs discovery late: the full pass when visiting the monitored scope, single resources afterwards."""

    def __init__(self, owner: TracingAlarms) -> None:
        self.owner = owner

    def visit(self, node: IConstruct) -> None:
        if node is self.owner.monitored_scope or node.node.path == self.owner.monitored_scope.node.path:
            self.owner.discover()
            self.owner._warn_unused_overrides()
        else:
            self.owner._visit(node)


__all__ = [
    "DEFAULT_SPECS",
    "INSIGHTS_METRICS",
    "AlarmMode",
    "AlarmOverride",
    "AlarmSpec",
    "AlarmType",
    "CreatedAlarm",
    "QueryScope",
    "ResourceOverride",
    "TraceGroupKind",
    "TraceGroupTarget",
    "TracingAlarms",
    "default_spec",
    "is_excluded_from_tracing",
    "kind_label",
    "stage_path",
]
