"""X-Ray trace groups: a filter expression, its own trace map and one CloudWatch metric.

Example::

    from constructs_lib.filters import TraceFilter as F

    faults = TraceGroup(self, "Faults", group_name="orders-faults",
                        filter_expression=F.service("orders-api/prod") & F.fault(), insights=True)
    cloudwatch.Alarm(self, "FaultAlarm", metric=faults.metric_approximate_trace_count(),
                     threshold=1, evaluation_periods=1)

Each group publishes ``AWS/X-Ray`` ``ApproximateTraceCount`` (dimension ``GroupName``) every minute. Group names are
unique per account and region, and there are at most 25 groups (not adjustable): across the app (bare
``CfnGroup``s included), a name used twice or a 26th group in one account/region is a synth error.

What a group can see: X-Ray checks each trace against the group's filter expression as the trace is stored
("Configuring groups in the X-Ray console"), so a group only ever sees traces that were recorded, that is sampled.
A fault group behind a 1/s + 1 % sampling rule counts about 1 % of the faults: it shows where faults happen, not how
many there are. Counts of every request come from the services' own metrics (Lambda ``Errors``, API Gateway
``5XXError``), which :class:`~constructs_lib.alarms.TracingAlarms` alarms on.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_xray as xray
from constructs import Construct

from ._validation import XRayValidationError, check_length, check_pattern, fail, is_token
from .filters import TraceFilter, TraceGroupKind
from .monitoring.metrics import TraceGroupMetrics
from .sampling import GROUP_QUOTA, install_app_checks

__all__ = ["GROUP_QUOTA", "TraceGroup"]

GROUP_NAME_PATTERN = r"[A-Za-z0-9-]+"


class TraceGroup(Construct):
    """An ``AWS::XRay::Group``: traces selected by a filter expression, with optional X-Ray Insights.

    :param group_name: 1-32 letters, digits and hyphens; ``Default`` is reserved.
    :param filter_expression: a :class:`~constructs_lib.filters.TraceFilter`, or a string (validated by
        :meth:`TraceFilter.parse` unless it is a token; the string is deployed as written). Either way the
        expression must parse: a filter built with ``coverage`` outside a response-time root-cause block is an
        error here.
    :param insights: turn on X-Ray Insights (anomaly detection) for the group.
    :param notifications: Insights notifications through EventBridge; needs ``insights``.

    Example::

        TraceGroup(self, "ColdStarts", group_name="orders-cold-starts",
                   filter_expression=TraceFilter.annotation("ColdStart").is_true())
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        group_name: str,
        filter_expression: TraceFilter | str,
        insights: bool = False,
        notifications: bool = False,
    ) -> None:
        super().__init__(scope, id)
        owner = f"TraceGroup '{self.node.path}'"
        check_length(owner, "group_name", group_name, minimum=1, maximum=32)
        check_pattern(owner, "group_name", group_name, GROUP_NAME_PATTERN, "made of letters, digits and hyphens")
        if group_name == "Default":
            raise fail(owner, "group_name", group_name, "a name other than 'Default' (reserved for the built-in group)")
        if notifications and not insights:
            raise fail(owner, "notifications", notifications, "False unless insights=True (notifications are "
                       "Insights notifications)")
        self._trace_filter: TraceFilter | None
        if isinstance(filter_expression, TraceFilter):
            self._trace_filter = filter_expression
            text = str(filter_expression)
        elif isinstance(filter_expression, str):
            self._trace_filter = None
            text = filter_expression
        else:
            raise fail(owner, "filter_expression", filter_expression, "a TraceFilter or a string")
        if not is_token(text):  # a value known only at deploy time is not validated
            try:
                parsed = TraceFilter.parse(text)
            except XRayValidationError as error:
                raise XRayValidationError(f"{owner}: filter_expression is not valid: {error}") from None
            if self._trace_filter is None:
                self._trace_filter = parsed
        self._group_name = group_name
        self._filter_expression = text
        self.resource = xray.CfnGroup(
            self,
            "Resource",
            group_name=group_name,
            filter_expression=text,
            insights_configuration=xray.CfnGroup.InsightsConfigurationProperty(
                insights_enabled=insights, notifications_enabled=notifications
            ),
        )
        install_app_checks(self)

    @property
    def group_name(self) -> str:
        """The group's name (also the metric's ``GroupName`` dimension)."""
        return self._group_name

    @property
    def group_arn(self) -> str:
        """The group's ARN (``Fn::GetAtt GroupARN``)."""
        return self.resource.attr_group_arn

    @property
    def filter_expression(self) -> str:
        """The filter expression as deployed."""
        return self._filter_expression

    @property
    def trace_filter(self) -> TraceFilter | None:
        """The expression as a :class:`TraceFilter` (None when it was given as a token)."""
        return self._trace_filter

    @property
    def kind(self) -> TraceGroupKind | None:
        """What the group selects: FAULT, ERROR, SLOW, or None for anything else (or a token), from the one
        negation-aware classifier (:func:`~constructs_lib.filters.classify`) that the alarms and the dashboard use.

        Example::

            group.kind   # TraceGroupKind.FAULT for 'service("api") { fault }', None for '!fault'
        """
        return self._trace_filter.classify() if self._trace_filter is not None else None

    def metric_approximate_trace_count(
        self,
        *,
        period: Duration | None = None,
        statistic: str = "Sum",
        label: str | None = None,
        **kwargs: Any,
    ) -> cloudwatch.Metric:
        """The group's ``AWS/X-Ray`` ``ApproximateTraceCount`` metric (dimension ``GroupName``).

        Extra keyword arguments go to ``cloudwatch.Metric`` (``color``, ``unit``, ``account``, ``region``...).

        Example::

            group.metric_approximate_trace_count(period=Duration.minutes(5)).create_alarm(
                self, "Faults", threshold=1, evaluation_periods=1)
        """
        return TraceGroupMetrics(group_name=self._group_name).metric_approximate_trace_count(
            period=period, statistic=statistic, label=label, **kwargs)
