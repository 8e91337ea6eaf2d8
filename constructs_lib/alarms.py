"""CloudWatch alarms on errors, faults and latency for every traced resource in a scope.

Example::

    alarms = TracingAlarms(
        monitoring_stack, "Alarms",
        monitored_scope=orders_stack,
        defaults={AlarmType.LAMBDA_ERROR_RATE: AlarmOverride(threshold=5)},
        overrides=[ResourceOverride(target=orders_stack.worker, override=AlarmOverride(enabled=False))],
    )
    alarms.alarms        # every metric alarm, including those discovery creates (safe to call before synth)

Discovery reads CloudFormation resources (L1s), like :class:`~constructs_lib.tracing.XRayTracing`: Lambda functions,
REST API stages, SQS queues (dead-letter queues get their own alarm), SNS topics, Step Functions state machines and
X-Ray groups (classified as fault, error or slow from their filter expression). It runs on demand from the
accessors and again, late, from an aspect, and never creates an alarm twice for one resource and alarm type.

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
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import (
    Annotations,
    AspectPriority,
    Aspects,
    CfnResource,
    Duration,
    IAspect,
    IStableNumberProducer,
    IStableStringProducer,
    Lazy,
    Stack,
    Token,
)
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct, IConstruct

from . import _metrics as m
from ._validation import XRayValidationError, check_length, check_number, check_pattern, fail
from .discovery import cfn_property

if TYPE_CHECKING:
    from .dashboard import TracingDashboard

WARNING_PREFIX = "@constructs-lib/xray"
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
    """

    ACCOUNT = "account"
    APP = "app"


class TraceGroupKind(Enum):
    """What an X-Ray group's filter selects, which decides its alarm."""

    FAULT = "fault"
    ERROR = "error"
    SLOW = "slow"


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

    ``threshold`` is in the metric's unit, except for ``LAMBDA_DURATION`` in per-resource mode, where it is the
    share (0-1] of each function's own timeout. The alarm fires when ``datapoints_to_alarm`` of the last
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

#: What changes in Metrics Insights mode: no per-function rate (Errors count instead), and ``LAMBDA_DURATION`` is
#: an absolute threshold in ms computed from the functions' shortest timeout when not overridden.
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


def classify_filter_expression(expression: str) -> TraceGroupKind | None:
    """The kind of an X-Ray group from its filter expression: ``fault`` → FAULT, ``error`` → ERROR, a
    ``responsetime``/``duration`` greater-than comparison → SLOW (first match in that order), else None.
    Quoted strings are ignored, and negated keywords (``!fault``, ``fault = false``) do not count.

    Example::

        classify_filter_expression('service("api") { fault = true }')   # TraceGroupKind.FAULT
        classify_filter_expression("responsetime > 2")                   # TraceGroupKind.SLOW
    """
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expression).lower()

    def positive(keyword: str) -> bool:
        for match in re.finditer(rf"(!\s*)?\b{keyword}\b(\s*(=|!=)\s*(true|false))?", text):
            negated = bool(match.group(1))
            if match.group(3):
                negated ^= (match.group(3) == "!=") ^ (match.group(4) == "false")
            if not negated:
                return True
        return False

    if positive("fault"):
        return TraceGroupKind.FAULT
    if positive("error"):
        return TraceGroupKind.ERROR
    if re.search(r"\b(responsetime|duration)\s*(>|>=)\s*\d", text):
        return TraceGroupKind.SLOW
    return None


def _literal_text(value: Any) -> str | None:
    """A rendered string property as text, with the deploy-time parts of an ``Fn::Join`` as ``?``
    (a filter built from tokens, e.g. ``service("<api>/<stage ref>")``, still classifies)."""
    if isinstance(value, str):
        return value
    join = value.get("Fn::Join") if isinstance(value, dict) and len(value) == 1 else None
    if isinstance(join, list) and len(join) == 2 and isinstance(join[0], str) and isinstance(join[1], list):
        return join[0].join(part if isinstance(part, str) else "?" for part in join[1])
    return None


def is_cdk_internal_function(function: CfnResource) -> bool:
    """True for Lambda functions CDK makes for itself: plain ``CfnResource`` functions (custom-resource
    providers, log retention, auto-delete), ``SingletonFunction``s, bucket-notification handlers and the
    ``custom_resources.Provider`` framework functions.

    Example::

        [fn for fn in traced_resources(app) if not is_cdk_internal_function(fn)]
    """
    if not isinstance(function, lambda_.CfnFunction):
        return True
    current: IConstruct | None = function.node.scope
    while current is not None:
        node_id = current.node.id
        if (
            isinstance(current, lambda_.SingletonFunction)
            or node_id.startswith(("SingletonLambda", "BucketNotificationsHandler", "framework-on"))
        ):
            return True
        current = current.node.scope
    return False


_KIND_LABELS = {
    "AWS::Lambda::Function": "Lambda function",
    "AWS::ApiGateway::Stage": "REST API stage",
    "AWS::SQS::Queue": "SQS queue",
    "AWS::SNS::Topic": "SNS topic",
    "AWS::StepFunctions::StateMachine": "state machine",
    TRACE_GROUP_TYPE: "X-Ray group",
}
_GROUP_ALARMS = {
    TraceGroupKind.FAULT: AlarmType.TRACE_GROUP_FAULTS,
    TraceGroupKind.ERROR: AlarmType.TRACE_GROUP_ERRORS,
    TraceGroupKind.SLOW: AlarmType.TRACE_GROUP_SLOW,
}
_GROUP_FILTERS = {
    TraceGroupKind.FAULT: "fault = true",
    TraceGroupKind.ERROR: "error = true",
    TraceGroupKind.SLOW: "responsetime > 1",
}


@dataclass(frozen=True)
class _Plan:
    """How to make one alarm: its metric, threshold, text, for one resource or one service type."""

    metric: cw.IMetric
    threshold: float
    what: str
    condition: str
    trace_filter: tuple[str, str, str] | str | None


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
        self._defaults = dict(defaults or {})
        self._overrides = tuple(overrides)
        self._explicit_groups = tuple(trace_groups)
        self._records: list[CreatedAlarm] = []
        self._done: set[tuple[str, AlarmType]] = set()
        self._seen: set[str] = set()
        self._fleet: dict[AlarmType, list[CfnResource]] = {}
        self._fleet_alarms: dict[AlarmType, cw.Alarm | None] = {}
        self._group_names: dict[AlarmType, list[str]] = {}
        self._unscoped: set[AlarmType] = set()
        self._dlq_ids: set[tuple[str, str]] | None = None
        if mode is AlarmMode.METRICS_INSIGHTS and self._overrides:
            Annotations.of(self).add_warning_v2(
                f"{WARNING_PREFIX}:overridesIgnored",
                "Per-resource overrides do not apply in Metrics Insights mode: one alarm covers every resource of "
                "a service type. Use `defaults` per AlarmType instead.",
            )

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
            for override in self._overrides:
                if override.matches(resource_path, alarm_type):
                    spec = override.override.apply(spec)
        if self.mode is AlarmMode.METRICS_INSIGHTS and not spec.period.is_unresolved():
            window = spec.period.to_seconds() * spec.evaluation_periods
            if window > 3 * 3600:
                raise fail(f"TracingAlarms {alarm_type.name}", "period x evaluation_periods", f"{window} s",
                           "at most 3 hours (10,800 s): Metrics Insights alarms see only 3 hours of data")
        return spec

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
        path = node.node.path
        if path in self._seen or path.startswith(self.node.path + "/"):
            return
        handler = self._HANDLERS.get(node.cfn_resource_type)
        if handler is None:
            return
        self._seen.add(path)
        handler(self, node)

    def _lambda(self, fn: CfnResource) -> None:
        if not self.include_cdk_internal_functions and is_cdk_internal_function(fn):
            return
        metrics = m.lambda_metrics(fn)
        name_filter = m.service_filter(metrics.function_name, "AWS::Lambda::Function")

        def duration_threshold(spec: AlarmSpec) -> float:
            return _lazy_number(lambda: round(spec.threshold * m.lambda_metrics(fn).timeout_seconds * 1000, 3))

        self._per_resource(fn, AlarmType.LAMBDA_ERROR_RATE, lambda s: _Plan(
            metrics.metric_error_rate(period=s.period), s.threshold, "Error rate",
            f"errors are at least {s.threshold:g} % of invocations", name_filter))
        self._per_resource(fn, AlarmType.LAMBDA_ERRORS, lambda s: _Plan(
            metrics.metric_errors(period=s.period), s.threshold, "Errors",
            f"at least {s.threshold:g} errors", name_filter))
        self._per_resource(fn, AlarmType.LAMBDA_THROTTLES, lambda s: _Plan(
            metrics.metric_throttles(period=s.period), s.threshold, "Throttles",
            f"at least {s.threshold:g} throttled invocations", name_filter))
        self._per_resource(fn, AlarmType.LAMBDA_DURATION, lambda s: _Plan(
            metrics.metric_duration(period=s.period), duration_threshold(s), "p99 duration",
            f"p99 duration is at least {s.threshold:.0%} of the function's timeout "
            f"({_lazy_string(lambda: str(round(s.threshold * m.lambda_metrics(fn).timeout_seconds * 1000)))} ms)",
            name_filter))
        self._fleet_member(fn, (AlarmType.LAMBDA_ERRORS, AlarmType.LAMBDA_THROTTLES, AlarmType.LAMBDA_DURATION))

    def _rest_stage(self, stage: CfnResource) -> None:
        try:
            metrics = m.rest_stage_metrics(stage)
        except XRayValidationError as error:
            Annotations.of(stage).add_warning_v2(f"{WARNING_PREFIX}:stageNotMonitored",
                                                 f"No alarms for this stage: {error}")
            return
        name_filter = m.service_filter(f"{metrics.api_name}/{metrics.stage_name}", "AWS::ApiGateway::Stage")
        self._per_resource(stage, AlarmType.REST_FAULTS, lambda s: _Plan(
            metrics.metric_faults(period=s.period), s.threshold, "5XX faults",
            f"at least {s.threshold:g} 5XX responses", name_filter))
        self._per_resource(stage, AlarmType.REST_CLIENT_ERROR_RATE, lambda s: _Plan(
            metrics.metric_client_error_rate(period=s.period), s.threshold, "4XX rate",
            f"at least {s.threshold:.0%} of requests got a 4XX response", name_filter))
        self._per_resource(stage, AlarmType.REST_LATENCY, lambda s: _Plan(
            metrics.metric_latency(period=s.period), s.threshold, "p99 latency",
            f"p99 latency is at least {s.threshold:g} ms", name_filter))
        self._fleet_member(stage, (AlarmType.REST_FAULTS, AlarmType.REST_CLIENT_ERROR_RATE, AlarmType.REST_LATENCY))

    def _queue(self, queue: CfnResource) -> None:
        metrics = m.queue_metrics(queue)
        name_filter = m.service_filter(metrics.queue_name, None)
        if self._is_dlq(queue):
            self._per_resource(queue, AlarmType.DLQ_MESSAGES, lambda s: _Plan(
                metrics.metric_messages_visible(period=s.period), s.threshold, "Messages in dead-letter queue",
                f"at least {s.threshold:g} messages are waiting in this dead-letter queue", name_filter))
            self._fleet_member(queue, (AlarmType.DLQ_MESSAGES,))
        else:
            self._per_resource(queue, AlarmType.QUEUE_MESSAGE_AGE, lambda s: _Plan(
                metrics.metric_age_of_oldest_message(period=s.period), s.threshold, "Age of oldest message",
                f"the oldest message is at least {s.threshold:g} s old", name_filter))
            self._fleet_member(queue, (AlarmType.QUEUE_MESSAGE_AGE,))

    def _topic(self, topic: CfnResource) -> None:
        metrics = m.topic_metrics(topic)
        self._per_resource(topic, AlarmType.TOPIC_FAILED_NOTIFICATIONS, lambda s: _Plan(
            metrics.metric_notifications_failed(period=s.period), s.threshold, "Failed notifications",
            f"at least {s.threshold:g} notifications failed", m.service_filter(metrics.topic_name, "AWS::SNS")))
        self._fleet_member(topic, (AlarmType.TOPIC_FAILED_NOTIFICATIONS,))

    def _state_machine(self, machine: CfnResource) -> None:
        metrics = m.state_machine_metrics(machine)
        name_filter = m.service_filter(Token.as_string(machine.get_att("Name")), "AWS::StepFunctions::StateMachine")
        for alarm_type, factory, what in (
            (AlarmType.STATE_MACHINE_FAILED, metrics.metric_executions_failed, "failed"),
            (AlarmType.STATE_MACHINE_TIMED_OUT, metrics.metric_executions_timed_out, "timed out"),
            (AlarmType.STATE_MACHINE_THROTTLED, metrics.metric_executions_throttled, "throttled"),
        ):
            self._per_resource(machine, alarm_type, _machine_plan(factory, what, name_filter))
        self._fleet_member(machine, (AlarmType.STATE_MACHINE_FAILED, AlarmType.STATE_MACHINE_TIMED_OUT,
                                     AlarmType.STATE_MACHINE_THROTTLED))

    def _trace_group(self, group: CfnResource) -> None:
        name = cfn_property(group, "GroupName")
        kind = self._explicit_kind(group, name)
        if kind is None:
            expression = _literal_text(cfn_property(group, "FilterExpression"))
            kind = classify_filter_expression(expression) if expression is not None else None
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
        alarm_type = _GROUP_ALARMS[kind]
        metrics = m.TraceGroupMetrics(group_name=name)
        group_filter = f'group.name = "{name}"' if not Token.is_unresolved(name) else _GROUP_FILTERS[kind]
        self._per_resource_at(key, group, alarm_type, lambda s: _Plan(
            metrics.metric_approximate_trace_count(period=s.period), s.threshold, f"{kind.value.capitalize()} traces",
            f"at least {s.threshold:g} traces matched the {kind.value} group {name}", group_filter),
            label=f"group-{name}" if not Token.is_unresolved(name) else None)
        if self.mode is AlarmMode.METRICS_INSIGHTS:
            self._fleet.setdefault(alarm_type, [])
            self._group_names.setdefault(alarm_type, []).append(name)
            self._ensure_fleet_alarm(alarm_type)

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

    _HANDLERS: dict[str, Callable[[TracingAlarms, CfnResource], None]] = {  # noqa: RUF012 - read-only
        "AWS::Lambda::Function": _lambda,
        "AWS::ApiGateway::Stage": _rest_stage,
        "AWS::SQS::Queue": _queue,
        "AWS::SNS::Topic": _topic,
        "AWS::StepFunctions::StateMachine": _state_machine,
        TRACE_GROUP_TYPE: _trace_group,
    }

    # -- per-resource alarms ------------------------------------------------------------------------------
    def _per_resource(self, resource: CfnResource, alarm_type: AlarmType, plan: Callable[[AlarmSpec], _Plan]) -> None:
        self._per_resource_at(resource.node.path, resource, alarm_type, plan)

    def _per_resource_at(
        self, path: str, resource: CfnResource | None, alarm_type: AlarmType, plan: Callable[[AlarmSpec], _Plan],
        *, label: str | None = None,
    ) -> None:
        if self.mode is not AlarmMode.PER_RESOURCE or (path, alarm_type) in self._done:
            return
        self._done.add((path, alarm_type))
        spec = self.spec_for(alarm_type, path)
        if not spec.enabled:
            return
        the_plan = plan(spec)
        label = label or _path_label(path, Stack.of(self).node.path)
        where = f"the {_KIND_LABELS[alarm_type.cfn_type]} {path}" if resource is not None else f"the group {path}"
        alarm = self._make_alarm(f"{label}-{alarm_type.short_name}", spec, the_plan, where,
                                 _MAX_NAME_LENGTH[alarm_type.cfn_type])
        self._register(CreatedAlarm(alarm=alarm, alarm_type=alarm_type, resource_path=path))

    # -- Metrics Insights alarms ----------------------------------------------------------------------------
    def _fleet_member(self, resource: CfnResource, alarm_types: tuple[AlarmType, ...]) -> None:
        if self.mode is not AlarmMode.METRICS_INSIGHTS:
            return
        for alarm_type in alarm_types:
            self._fleet.setdefault(alarm_type, []).append(resource)
            self._ensure_fleet_alarm(alarm_type)
            if self.query_scope is QueryScope.APP and alarm_type not in self._unscoped:
                query = self._query(alarm_type)
                limit = _MAX_NAME_LENGTH[alarm_type.cfn_type]
                if query.max_length(token_length=limit) > m.MAX_EXPRESSION_LENGTH:
                    self._unscoped.add(alarm_type)
                    Annotations.of(self).add_warning_v2(
                        f"{WARNING_PREFIX}:insightsQueryTooLong",
                        f"The {alarm_type.name} query listing the app's {len(query.where_values)} resources could "
                        f"exceed {m.MAX_EXPRESSION_LENGTH} characters; it covers the whole account and region "
                        "instead.")

    def _ensure_fleet_alarm(self, alarm_type: AlarmType) -> None:
        if alarm_type in self._fleet_alarms:
            return
        spec = self.spec_for(alarm_type)
        if not spec.enabled:
            self._fleet_alarms[alarm_type] = None
            return
        query_text = _lazy_string(lambda: self.insights_query(alarm_type))
        threshold: float = spec.threshold
        condition = f"at least {spec.threshold:g}"
        given = self._defaults.get(alarm_type)
        if alarm_type is AlarmType.LAMBDA_DURATION and (given is None or (isinstance(given, AlarmOverride)
                                                         and given.threshold is None)):
            threshold = _lazy_number(lambda: round(spec.threshold * self._shortest_timeout() * 1000, 3))
            condition = (f"at least {spec.threshold:.0%} of the shortest function timeout "
                         f"({_lazy_string(lambda: str(round(spec.threshold * self._shortest_timeout() * 1000)))} ms)")
        what = f"{_INSIGHTS_METRICS[alarm_type][1]} ({_KIND_LABELS[alarm_type.cfn_type]}s)"
        plan = _Plan(
            cw.MathExpression(expression=query_text, period=spec.period, label=what),
            threshold, what, f"{condition} for any one resource", _INSIGHTS_TRACE_FILTERS.get(alarm_type),
        )
        alarm = self._make_alarm(
            f"{_INSIGHTS_LABELS[alarm_type.cfn_type]}-{alarm_type.short_name}", spec, plan,
            f"any {_KIND_LABELS[alarm_type.cfn_type]} (Metrics Insights query; the alarm's contributors name it)",
            0,
        )
        self._fleet_alarms[alarm_type] = alarm
        self._register(CreatedAlarm(alarm=alarm, alarm_type=alarm_type, resource_path=None))

    def insights_query(self, alarm_type: AlarmType) -> str:
        """The Metrics Insights query text for ``alarm_type`` (Metrics Insights mode), e.g.
        ``SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY MAX() DESC
        LIMIT 100``. Resource names can be tokens (a ``WHERE`` clause with ``QueryScope.APP``)."""
        query = self._query(alarm_type)
        if alarm_type in self._unscoped:
            query = replace(query, where_values=())
        return str(query)

    def _query(self, alarm_type: AlarmType) -> m.InsightsQuery:
        namespace, metric_name, function, dims = _INSIGHTS_METRICS[alarm_type]
        where: tuple[str, ...] = ()
        if alarm_type.cfn_type == TRACE_GROUP_TYPE:
            where = tuple(self._group_names.get(alarm_type, []))
        elif self.query_scope is QueryScope.APP:
            where = tuple(_dimension_value(r) for r in self._fleet.get(alarm_type, []))
        return m.InsightsQuery(namespace=namespace, metric_name=metric_name, dimensions=dims, function=function,
                               where_values=tuple(dict.fromkeys(where)), limit=self.insights_limit)

    def _shortest_timeout(self) -> float:
        fleet = self._fleet.get(AlarmType.LAMBDA_DURATION, [])
        return min((m.lambda_metrics(fn).timeout_seconds for fn in fleet), default=m.DEFAULT_LAMBDA_TIMEOUT_SECONDS)

    # -- building blocks ------------------------------------------------------------------------------------
    def _make_alarm(self, label: str, spec: AlarmSpec, plan: _Plan, where: str, name_length: int) -> cw.Alarm:
        name = _alarm_name(self.alarm_name_prefix, label)
        construct_id = re.sub(r"[^A-Za-z0-9.-]", "-", label)
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
                      description="Encrypts the X-Ray tracing alarm notifications")
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


def _machine_plan(
    factory: Callable[..., cw.Metric], what: str, name_filter: tuple[str, str, str]
) -> Callable[[AlarmSpec], _Plan]:
    def plan(spec: AlarmSpec) -> _Plan:
        return _Plan(factory(period=spec.period), spec.threshold, f"Executions {what}",
                     f"at least {spec.threshold:g} executions {what}", name_filter)

    return plan


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
            logical_id = m._referenced_logical_id(arn)
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
            alarm_rule=cw.AlarmRule.from_string(_lazy_string(self._top_rule)),
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
            alarm_rule=cw.AlarmRule.from_string(_lazy_string(lambda: _rule(self.chunks[index]))),
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
#: (namespace, metric, function, dimensions) per alarm type in Metrics Insights mode.
_INSIGHTS_METRICS: dict[AlarmType, tuple[str, str, m.InsightsFunction, tuple[str, ...]]] = {
    AlarmType.LAMBDA_ERRORS: (m.LAMBDA_NAMESPACE, "Errors", _F.SUM, ("FunctionName",)),
    AlarmType.LAMBDA_THROTTLES: (m.LAMBDA_NAMESPACE, "Throttles", _F.SUM, ("FunctionName",)),
    AlarmType.LAMBDA_DURATION: (m.LAMBDA_NAMESPACE, "Duration", _F.MAX, ("FunctionName",)),
    AlarmType.REST_FAULTS: (m.APIGATEWAY_NAMESPACE, "5XXError", _F.SUM, ("ApiName", "Stage")),
    AlarmType.REST_CLIENT_ERROR_RATE: (m.APIGATEWAY_NAMESPACE, "4XXError", _F.AVG, ("ApiName", "Stage")),
    AlarmType.REST_LATENCY: (m.APIGATEWAY_NAMESPACE, "Latency", _F.AVG, ("ApiName", "Stage")),
    AlarmType.QUEUE_MESSAGE_AGE: (m.SQS_NAMESPACE, "ApproximateAgeOfOldestMessage", _F.MAX, ("QueueName",)),
    AlarmType.DLQ_MESSAGES: (m.SQS_NAMESPACE, "ApproximateNumberOfMessagesVisible", _F.MAX, ("QueueName",)),
    AlarmType.TOPIC_FAILED_NOTIFICATIONS: (m.SNS_NAMESPACE, "NumberOfNotificationsFailed", _F.SUM, ("TopicName",)),
    AlarmType.STATE_MACHINE_FAILED: (m.STATES_NAMESPACE, "ExecutionsFailed", _F.SUM, ("StateMachineArn",)),
    AlarmType.STATE_MACHINE_TIMED_OUT: (m.STATES_NAMESPACE, "ExecutionsTimedOut", _F.SUM, ("StateMachineArn",)),
    AlarmType.STATE_MACHINE_THROTTLED: (m.STATES_NAMESPACE, "ExecutionThrottled", _F.SUM, ("StateMachineArn",)),
    AlarmType.TRACE_GROUP_FAULTS: (m.XRAY_NAMESPACE, "ApproximateTraceCount", _F.SUM, ("GroupName",)),
    AlarmType.TRACE_GROUP_ERRORS: (m.XRAY_NAMESPACE, "ApproximateTraceCount", _F.SUM, ("GroupName",)),
    AlarmType.TRACE_GROUP_SLOW: (m.XRAY_NAMESPACE, "ApproximateTraceCount", _F.SUM, ("GroupName",)),
}
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


def _dimension_value(resource: CfnResource) -> str:
    kind = resource.cfn_resource_type
    if kind == "AWS::Lambda::Function":
        return m.lambda_metrics(resource).function_name
    if kind == "AWS::SQS::Queue":
        return m.queue_metrics(resource).queue_name
    if kind == "AWS::SNS::Topic":
        return m.topic_metrics(resource).topic_name
    if kind == "AWS::ApiGateway::Stage":
        return m.rest_stage_metrics(resource).api_name
    return m.state_machine_metrics(resource).state_machine_arn


# -- names and lazies -----------------------------------------------------------------------------------------
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


@jsii.implements(IStableStringProducer)
class _StringProducer:
    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self) -> str:
        return self._produce()


@jsii.implements(IStableNumberProducer)
class _NumberProducer:
    def __init__(self, produce: Callable[[], float]) -> None:
        self._produce = produce

    def produce(self) -> float:
        return self._produce()


def _lazy_string(produce: Callable[[], str]) -> str:
    return Lazy.string(_StringProducer(produce))


def _lazy_number(produce: Callable[[], float]) -> float:
    return Lazy.number(_NumberProducer(produce))


@jsii.implements(IAspect)
class _DiscoveryAspect:
    """Runs discovery late: the full pass when visiting the monitored scope, single resources afterwards."""

    def __init__(self, owner: TracingAlarms) -> None:
        self.owner = owner

    def visit(self, node: IConstruct) -> None:
        if node is self.owner.monitored_scope or node.node.path == self.owner.monitored_scope.node.path:
            self.owner.discover()
        else:
            self.owner._visit(node)


__all__ = [
    "DEFAULT_SPECS",
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
    "classify_filter_expression",
    "default_spec",
    "is_cdk_internal_function",
]
