"""``TracingMonitoring``: alarms and a dashboard over one scope, in one construct.

Example::

    monitoring = TracingMonitoring(stack, "Monitoring", monitored_scope=stack, dashboard_name="orders-xray")
    monitoring.alarms        # the TracingAlarms
    monitoring.dashboard     # the TracingDashboard (None with dashboard=False)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_sns as sns
from constructs import Construct, IConstruct

from .alarms import TracingAlarms
from .dashboard import TracingDashboard
from .inventory import MonitoringConstruct
from .specs import AlarmMode, AlarmOverride, AlarmType, QueryScope, ResourceOverride, TraceGroupTarget

__all__ = ["TracingMonitoring"]


class TracingMonitoring(MonitoringConstruct):
    """A :class:`TracingAlarms` (``Alarms``) and, unless ``dashboard=False``, a :class:`TracingDashboard`
    (``Dashboard``) showing the same resources and the alarms' states.

    The keyword arguments are those of the two constructs; see them for what each does.

    Example::

        TracingMonitoring(stack, "Monitoring", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS)
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
        defaults: Mapping[AlarmType, AlarmOverride] | None = None,
        overrides: Sequence[ResourceOverride] = (),
        trace_groups: Sequence[TraceGroupTarget] = (),
        include_cdk_internal_functions: bool = False,
        include_excluded: bool = False,
        alarm_topic_key_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        query_scope: QueryScope = QueryScope.ACCOUNT,
        insights_limit: int = 100,
        service_health_alarm: bool = True,
        dashboard: bool = True,
        dashboard_name: str | None = None,
        max_metrics_per_graph: int = 20,
    ) -> None:
        super().__init__(scope, id)
        self.alarms = TracingAlarms(
            self, "Alarms", monitored_scope=monitored_scope, alarm_topic=alarm_topic, mode=mode,
            alarm_name_prefix=alarm_name_prefix, defaults=defaults, overrides=overrides, trace_groups=trace_groups,
            include_cdk_internal_functions=include_cdk_internal_functions, include_excluded=include_excluded,
            alarm_topic_key_removal_policy=alarm_topic_key_removal_policy, query_scope=query_scope,
            insights_limit=insights_limit, service_health_alarm=service_health_alarm)
        self.dashboard: TracingDashboard | None = TracingDashboard(
            self, "Dashboard", monitored_scope=monitored_scope, alarms=self.alarms, dashboard_name=dashboard_name,
            include_cdk_internal_functions=include_cdk_internal_functions, include_excluded=include_excluded,
            max_metrics_per_graph=max_metrics_per_graph) if dashboard else None
