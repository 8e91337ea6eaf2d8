"""What an alarm will be, before it exists: a plain value the strategies produce and the construct renders.

Example::

    from constructs_lib.monitoring.plans import AlarmPlan
    from constructs_lib.monitoring.specs import AlarmType, default_spec

    plan = AlarmPlan(alarm_type=AlarmType.DLQ_MESSAGES, label="Dlq-dlq-messages", resource_paths=("S/Dlq",),
                     metric={"namespace": "AWS/SQS"}, threshold=1, spec=default_spec(AlarmType.DLQ_MESSAGES),
                     description="Messages in dead-letter queue")
    plan.alarm_properties(prefix="orders", actions=[])["alarm_name"]   # 'orders-Dlq-dlq-messages'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import aws_cloudwatch as cw

from .naming import alarm_name
from .specs import AlarmSpec, AlarmType

__all__ = ["AlarmPlan", "PlanContext"]

_COMPARISON = "GreaterThanOrEqualToThreshold"


@dataclass(frozen=True)
class PlanContext:
    """What every plan needs to know about where its alarms live."""

    own_stack_path: str
    console: str | None
    insights_limit: int = 100


@dataclass(frozen=True)
class AlarmPlan:
    """One alarm to create: its type, name label, what it watches, metric properties, threshold and text.

    ``metric`` holds the metric part of ``AWS::CloudWatch::Alarm`` as ``CfnAlarm`` keyword arguments: either a
    single metric (``namespace``, ``metric_name``, ``dimensions``, ``statistic``/``extended_statistic``,
    ``period``) or ``metrics`` (metric math, or a Metrics Insights query).
    """

    alarm_type: AlarmType
    label: str
    resource_paths: tuple[str, ...]
    metric: Mapping[str, Any]
    threshold: float
    spec: AlarmSpec
    description: str
    #: True when the alarm is a Metrics Insights query (it evaluates at most 3 hours of data).
    insights: bool = False
    #: Metric-math and query expressions of the alarm, for reading back (``TracingAlarms.insights_queries``).
    expressions: tuple[str, ...] = field(default=())
    #: ``(function L1, timeout seconds)`` the threshold was computed from (checked again at synth).
    timeouts: tuple[tuple[Any, float], ...] = field(default=(), compare=False)

    def alarm_properties(self, *, prefix: str, actions: Sequence[str]) -> dict[str, Any]:
        """``CfnAlarm`` keyword arguments for this plan."""
        props: dict[str, Any] = {
            "alarm_name": alarm_name(prefix, self.label),
            "alarm_description": self.description,
            "comparison_operator": _COMPARISON,
            "threshold": self.threshold,
            "evaluation_periods": self.spec.evaluation_periods,
            "datapoints_to_alarm": self.spec.datapoints_to_alarm,
            "treat_missing_data": _MISSING[self.spec.treat_missing_data],
            **self.metric,
        }
        if actions:
            props["alarm_actions"] = list(actions)
            props["ok_actions"] = list(actions)
        return props


_MISSING = {
    cw.TreatMissingData.BREACHING: "breaching",
    cw.TreatMissingData.NOT_BREACHING: "notBreaching",
    cw.TreatMissingData.IGNORE: "ignore",
    cw.TreatMissingData.MISSING: "missing",
}
