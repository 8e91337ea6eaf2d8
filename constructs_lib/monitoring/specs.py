"""What each alarm watches and when it fires: alarm types, specs, the defaults, and overrides.

Rates are **shares from 0 to 1** everywhere (``0.05`` = 5 %): the Lambda error rate, the REST 4XX and 5XX rates,
and the Lambda duration threshold (a share of each function's own timeout). Counts, milliseconds and seconds are
in the metric's own unit.

Example::

    from constructs_lib.monitoring import default_spec

    AlarmOverride(threshold=0.02)                 # e.g. LAMBDA_ERROR_RATE at 2 %
    AlarmOverride(enabled=False)                  # no such alarm
    default_spec(AlarmType.DLQ_MESSAGES)          # 1 message, 1 of 1 one-minute periods
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from enum import Enum

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from constructs import IConstruct

from .._validation import XRayValidationError, check_number, fail, is_token
from ..filters import TraceGroupKind

__all__ = [
    "DEFAULT_SPECS",
    "INSIGHTS_SPEC_CHANGES",
    "MAX_INSIGHTS_WINDOW_SECONDS",
    "TRACE_GROUP_TYPE",
    "AlarmMode",
    "AlarmOverride",
    "AlarmSpec",
    "AlarmType",
    "QueryScope",
    "ResourceOverride",
    "ThresholdUnit",
    "TraceGroupTarget",
    "check_insights_window",
    "default_spec",
]

TRACE_GROUP_TYPE = "AWS::XRay::Group"
#: "Only the latest 3 hours of data can be used for evaluating the alarm's conditions" (CloudWatch user guide,
#: "Limits that apply to alarms based on Metrics Insights queries").
MAX_INSIGHTS_WINDOW_SECONDS = 3 * 3600


class AlarmMode(Enum):
    """How alarms cover resources.

    ``PER_RESOURCE``: one alarm per metric per resource (percentiles, rates, a threshold per function timeout).
    ``METRICS_INSIGHTS``: one alarm per metric and service type, a Metrics Insights query grouped by the
    resource's dimension over the whole account and region; the few checks that hold only for some resources
    (dead-letter queues, duration against each function's timeout, trace groups of one kind) are metric-math
    alarms over up to 10 of them each. The alarm count stays flat as the app grows.
    """

    PER_RESOURCE = "per-resource"
    METRICS_INSIGHTS = "metrics-insights"


class QueryScope(Enum):
    """What the Metrics Insights mode's alarms cover. Metrics Insights has no ``OR``, so a query cannot list the
    app's resources; the choice is between:

    ``ACCOUNT`` (default): one query per metric over every resource of the kind in the account and Region,
    grouped by the resource's dimension (each resource is a contributor). Catches every resource of the app, and
    also those of other apps in the account. The checks that hold only for some resources (dead-letter queues,
    duration against each function's own timeout, trace groups of one kind) are metric-math alarms over up to 10
    of the app's resources each.

    ``APP``: every alarm is a metric-math alarm over up to 10 of the app's resources (``MAX([m0, m1, ...])``).
    Catches only the app's resources, with percentiles; the alarm count grows by one per 10 resources and metric.
    """

    ACCOUNT = "account"
    APP = "app"


class ThresholdUnit(Enum):
    """The unit of an alarm type's threshold (checked: a threshold in the wrong unit never fires)."""

    COUNT = "count"
    SHARE = "share of requests or invocations, from 0 to 1 (0.05 = 5 %)"
    SHARE_OF_TIMEOUT = "share of each function's timeout, from 0 to 1 (0.8 = 80 %)"
    MILLISECONDS = "milliseconds"
    SECONDS = "seconds"


class AlarmType(Enum):
    """Every alarm the library can create: ``(CloudFormation type, short name, threshold unit)``."""

    LAMBDA_ERROR_RATE = ("AWS::Lambda::Function", "error-rate", ThresholdUnit.SHARE)
    LAMBDA_ERRORS = ("AWS::Lambda::Function", "errors", ThresholdUnit.COUNT)
    LAMBDA_THROTTLES = ("AWS::Lambda::Function", "throttles", ThresholdUnit.COUNT)
    LAMBDA_DURATION = ("AWS::Lambda::Function", "duration", ThresholdUnit.SHARE_OF_TIMEOUT)
    REST_FAULTS = ("AWS::ApiGateway::Stage", "5xx-faults", ThresholdUnit.COUNT)
    REST_FAULT_RATE = ("AWS::ApiGateway::Stage", "5xx-rate", ThresholdUnit.SHARE)
    REST_CLIENT_ERROR_RATE = ("AWS::ApiGateway::Stage", "4xx-rate", ThresholdUnit.SHARE)
    REST_LATENCY = ("AWS::ApiGateway::Stage", "latency", ThresholdUnit.MILLISECONDS)
    GRAPHQL_FAULTS = ("AWS::AppSync::GraphQLApi", "5xx-faults", ThresholdUnit.COUNT)
    GRAPHQL_LATENCY = ("AWS::AppSync::GraphQLApi", "latency", ThresholdUnit.MILLISECONDS)
    QUEUE_MESSAGE_AGE = ("AWS::SQS::Queue", "oldest-message-age", ThresholdUnit.SECONDS)
    DLQ_MESSAGES = ("AWS::SQS::Queue", "dlq-messages", ThresholdUnit.COUNT)
    TOPIC_FAILED_NOTIFICATIONS = ("AWS::SNS::Topic", "failed-notifications", ThresholdUnit.COUNT)
    STATE_MACHINE_FAILED = ("AWS::StepFunctions::StateMachine", "executions-failed", ThresholdUnit.COUNT)
    STATE_MACHINE_TIMED_OUT = ("AWS::StepFunctions::StateMachine", "executions-timed-out", ThresholdUnit.COUNT)
    STATE_MACHINE_THROTTLED = ("AWS::StepFunctions::StateMachine", "executions-throttled", ThresholdUnit.COUNT)
    TRACE_GROUP_FAULTS = (TRACE_GROUP_TYPE, "fault-traces", ThresholdUnit.COUNT)
    TRACE_GROUP_ERRORS = (TRACE_GROUP_TYPE, "error-traces", ThresholdUnit.COUNT)
    TRACE_GROUP_SLOW = (TRACE_GROUP_TYPE, "slow-traces", ThresholdUnit.COUNT)

    @property
    def cfn_type(self) -> str:
        """The CloudFormation type of the resources this alarm watches."""
        return str(self.value[0])

    @property
    def short_name(self) -> str:
        """The suffix of the alarm's name, e.g. ``error-rate``."""
        return str(self.value[1])

    @property
    def unit(self) -> ThresholdUnit:
        """What the threshold counts."""
        unit = self.value[2]
        assert isinstance(unit, ThresholdUnit)
        return unit

    @staticmethod
    def for_group(kind: TraceGroupKind) -> AlarmType:
        """The alarm type of a trace group of ``kind``."""
        return {TraceGroupKind.FAULT: AlarmType.TRACE_GROUP_FAULTS, TraceGroupKind.ERROR: AlarmType.TRACE_GROUP_ERRORS,
                TraceGroupKind.SLOW: AlarmType.TRACE_GROUP_SLOW}[kind]


_UNSET = object()


def _window_limit(period_seconds: float) -> tuple[int, str]:
    """PutMetricAlarm: "An alarm's total current evaluation period can be no longer than seven days ... For alarms
    with a period of less than one hour (3,600 seconds), the total evaluation period can't be longer than one day"."""
    if period_seconds < 3600:
        return 86400, "at most 1 day (86,400 s) when the period is under an hour"
    return 604800, "at most 7 days (604,800 s)"


@dataclass(frozen=True)
class AlarmSpec:
    """When one kind of alarm fires: at or above ``threshold`` (in the alarm type's :class:`ThresholdUnit`) in
    ``datapoints_to_alarm`` of the last ``evaluation_periods`` periods.

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
        if not isinstance(self.treat_missing_data, cw.TreatMissingData):
            raise fail("AlarmSpec", "treat_missing_data", self.treat_missing_data, "a cloudwatch.TreatMissingData")
        if not isinstance(self.enabled, bool):
            raise fail("AlarmSpec", "enabled", self.enabled, "True or False")
        seconds = self.period_seconds
        if seconds is None:
            return
        if seconds not in (10, 20, 30) and (seconds < 60 or seconds % 60):
            raise fail("AlarmSpec", "period", f"{seconds} s", "10, 20, 30 seconds or a multiple of 60 seconds")
        if isinstance(self.evaluation_periods, int):
            limit, text = _window_limit(seconds)
            if seconds * self.evaluation_periods > limit:
                raise fail("AlarmSpec", "period x evaluation_periods", f"{seconds * self.evaluation_periods} s", text)

    @property
    def period_seconds(self) -> int | None:
        """The period in seconds (None while it is a token); read from the Duration once."""
        cached = self.__dict__.get("_period_seconds", _UNSET)
        if cached is _UNSET:
            cached = _seconds(self.period)
            object.__setattr__(self, "_period_seconds", cached)  # a cache on a frozen value
        return cached  # type: ignore[no-any-return]


_SECONDS: dict[str, int | None] = {}  # a Duration's jsii reference -> its seconds (a Duration never changes)


def _seconds(period: Duration) -> int | None:
    """``period`` in seconds (None while it is a token), read from Node.js once per Duration: the built-in specs
    share their Durations."""
    key = str(period.__jsii_ref__.ref)  # type: ignore[attr-defined]
    if key not in _SECONDS:
        _SECONDS[key] = None if period.is_unresolved() else int(period.to_seconds())
    return _SECONDS[key]


@dataclass(frozen=True)
class AlarmOverride:
    """A partial :class:`AlarmSpec`: the fields set here replace those of the spec it applies to; the others stay.
    ``enabled=False`` drops the alarm.

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
        changes = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}
        return replace(spec, **changes)


@dataclass(frozen=True)
class ResourceOverride:
    """An :class:`AlarmOverride` for the resources under ``target``: a construct (its whole subtree) or a path glob
    (``"Orders/Worker*"``), for the listed ``alarm_types`` (all when empty). Per-resource alarms only.

    Example::

        ResourceOverride(target="Orders/Report*", alarm_types=(AlarmType.LAMBDA_DURATION,),
                         override=AlarmOverride(threshold=0.95))   # or target=a construct: its whole subtree
    """

    target: IConstruct | str
    override: AlarmOverride
    alarm_types: tuple[AlarmType, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.override, AlarmOverride):
            raise fail("ResourceOverride", "override", self.override, "an AlarmOverride")
        if not isinstance(self.target, str) and not hasattr(self.target, "node"):
            raise fail("ResourceOverride", "target", self.target, "a construct or a construct-path glob")
        for alarm_type in self.alarm_types:
            if not isinstance(alarm_type, AlarmType):
                raise fail("ResourceOverride", "alarm_types item", alarm_type, "an AlarmType")

    @property
    def target_path(self) -> str:
        """The construct path (or glob) this override matches."""
        return self.target if isinstance(self.target, str) else self.target.node.path

    def matches(self, path: str, alarm_type: AlarmType, *, target_path: str | None = None) -> bool:
        """True when this override applies to the resource at ``path`` for ``alarm_type``."""
        if self.alarm_types and alarm_type not in self.alarm_types:
            return False
        target = target_path if target_path is not None else self.target_path
        if isinstance(self.target, str):
            return fnmatch.fnmatchcase(path, target) or path.startswith(target.rstrip("/") + "/")
        return path == target or path.startswith(target + "/")


@dataclass(frozen=True)
class TraceGroupTarget:
    """An X-Ray group to alarm on, with its kind: a construct holding an ``AWS::XRay::Group``, or the group's name.

    Example::

        TraceGroupTarget(group="orders-faults", kind=TraceGroupKind.FAULT)
    """

    group: IConstruct | str
    kind: TraceGroupKind

    def __post_init__(self) -> None:
        if not isinstance(self.kind, TraceGroupKind):
            raise fail("TraceGroupTarget", "kind", self.kind, "a TraceGroupKind")


_MIN5 = Duration.minutes(5)
_MIN1 = Duration.minutes(1)


def _two_of_three(threshold: float, *, enabled: bool = True) -> AlarmSpec:
    return AlarmSpec(threshold=threshold, period=_MIN5, evaluation_periods=3, datapoints_to_alarm=2, enabled=enabled)


def _once(period: Duration) -> AlarmSpec:
    """Fire on the first period with at least one event."""
    return AlarmSpec(threshold=1, period=period, evaluation_periods=1, datapoints_to_alarm=1)


#: The built-in specs (docs/alarms-and-dashboard.md shows them as a table).
DEFAULT_SPECS: Mapping[AlarmType, AlarmSpec] = {
    AlarmType.LAMBDA_ERROR_RATE: _two_of_three(0.01),
    AlarmType.LAMBDA_ERRORS: _two_of_three(1, enabled=False),
    AlarmType.LAMBDA_THROTTLES: _two_of_three(1),
    AlarmType.LAMBDA_DURATION: _two_of_three(0.8),
    AlarmType.REST_FAULTS: _two_of_three(1),
    AlarmType.REST_FAULT_RATE: _two_of_three(0.01, enabled=False),
    AlarmType.REST_CLIENT_ERROR_RATE: AlarmSpec(threshold=0.05, period=_MIN5, evaluation_periods=3,
                                                datapoints_to_alarm=3),
    AlarmType.REST_LATENCY: _two_of_three(3000),
    AlarmType.GRAPHQL_FAULTS: _two_of_three(1),
    AlarmType.GRAPHQL_LATENCY: _two_of_three(3000),
    AlarmType.QUEUE_MESSAGE_AGE: AlarmSpec(threshold=300, period=_MIN5, evaluation_periods=3, datapoints_to_alarm=3),
    AlarmType.DLQ_MESSAGES: _once(_MIN1),
    AlarmType.TOPIC_FAILED_NOTIFICATIONS: _once(_MIN5),
    AlarmType.STATE_MACHINE_FAILED: _once(_MIN5),
    AlarmType.STATE_MACHINE_TIMED_OUT: _once(_MIN5),
    AlarmType.STATE_MACHINE_THROTTLED: _two_of_three(1),
    AlarmType.TRACE_GROUP_FAULTS: _once(_MIN5),
    AlarmType.TRACE_GROUP_ERRORS: _two_of_three(10),
    AlarmType.TRACE_GROUP_SLOW: _two_of_three(5),
}

#: What changes in Metrics Insights mode: Metrics Insights has no metric math, so no per-function error rate
#: (an Errors count instead).
INSIGHTS_SPEC_CHANGES: Mapping[AlarmType, AlarmOverride] = {
    AlarmType.LAMBDA_ERROR_RATE: AlarmOverride(enabled=False),
    AlarmType.LAMBDA_ERRORS: AlarmOverride(enabled=True),
}


def default_spec(alarm_type: AlarmType, mode: AlarmMode = AlarmMode.PER_RESOURCE) -> AlarmSpec:
    """The built-in spec of ``alarm_type`` in ``mode``.

    Example::

        from constructs_lib.monitoring import default_spec

        default_spec(AlarmType.LAMBDA_DURATION).threshold   # 0.8 (of the timeout)
    """
    spec = DEFAULT_SPECS[alarm_type]
    if mode is AlarmMode.METRICS_INSIGHTS and alarm_type in INSIGHTS_SPEC_CHANGES:
        spec = INSIGHTS_SPEC_CHANGES[alarm_type].apply(spec)
    return spec


def check_threshold_unit(owner: str, alarm_type: AlarmType, spec: AlarmSpec) -> None:
    """Fail when a share threshold is outside 0 to 1 (a rate given in percent would never fire)."""
    if alarm_type.unit in (ThresholdUnit.SHARE, ThresholdUnit.SHARE_OF_TIMEOUT) \
            and not (spec.threshold < 0 and is_token(spec.threshold)) and not 0 <= spec.threshold <= 1:
        raise fail(owner, "threshold", spec.threshold, f"a {alarm_type.unit.value}")


def check_insights_window(owner: str, spec: AlarmSpec) -> None:
    """Fail when a Metrics Insights alarm would evaluate more than the 3 hours of data such alarms see."""
    seconds = spec.period_seconds
    if seconds is not None and seconds * spec.evaluation_periods > MAX_INSIGHTS_WINDOW_SECONDS:
        raise fail(owner, "period x evaluation_periods", f"{seconds * spec.evaluation_periods} s",
                   "at most 3 hours (10,800 s): Metrics Insights alarms evaluate only the latest 3 hours of data")


class SpecTable:
    """The effective spec of every alarm: the built-in default (per mode), then ``defaults``, then every matching
    :class:`ResourceOverride` in order. It remembers which overrides matched, for a warning about the others.

    Example::

        table = SpecTable(AlarmMode.PER_RESOURCE, {AlarmType.REST_LATENCY: AlarmOverride(threshold=1500)}, ())
        table.resolve(AlarmType.REST_LATENCY).threshold   # 1500
    """

    def __init__(self, mode: AlarmMode, defaults: Mapping[AlarmType, AlarmOverride],
                 overrides: tuple[ResourceOverride, ...], owner: str = "TracingAlarms") -> None:
        self.mode = mode
        self.owner = owner
        self._base = {t: self._apply(defaults[t], default_spec(t, mode), f"defaults[{t.name}]")
                      if t in defaults else default_spec(t, mode) for t in AlarmType}
        self._overrides = overrides
        self._targets = tuple(o.target_path for o in overrides)
        self.used: set[int] = set()
        self._checked: set[AlarmType] = set()

    def _apply(self, override: AlarmOverride, spec: AlarmSpec, where: str) -> AlarmSpec:
        try:
            return override.apply(spec)
        except XRayValidationError as error:
            raise XRayValidationError(f"{self.owner} {where}: {error}") from None

    def resolve(self, alarm_type: AlarmType, resource_path: str | None = None, *, track: bool = False) -> AlarmSpec:
        """The spec for ``alarm_type`` (on ``resource_path``, per-resource mode), validated for its unit."""
        spec = self._base[alarm_type]
        matched = False
        if resource_path is not None and self.mode is AlarmMode.PER_RESOURCE:
            for index, override in enumerate(self._overrides):
                if override.matches(resource_path, alarm_type, target_path=self._targets[index]):
                    spec = self._apply(override.override, spec, f"overrides[{index}] on '{resource_path}'")
                    matched = True
                    if track:
                        self.used.add(index)
        if not matched:
            if alarm_type not in self._checked:
                self._check(alarm_type, spec, None)
                self._checked.add(alarm_type)
            return spec
        self._check(alarm_type, spec, resource_path)
        return spec

    def _check(self, alarm_type: AlarmType, spec: AlarmSpec, resource_path: str | None) -> None:
        if spec.enabled:
            owner = f"{self.owner} {alarm_type.name}" + (f" for '{resource_path}'" if resource_path else "")
            check_threshold_unit(owner, alarm_type, spec)
            if spec.period_seconds is None:
                raise fail(owner, "period", spec.period, "a Duration known at synth (not a token)")

    def unused_overrides(self) -> list[ResourceOverride]:
        """The overrides that matched no alarm so far."""
        return [o for i, o in enumerate(self._overrides) if i not in self.used]
