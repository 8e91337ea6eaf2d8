"""Alarms and dashboards for everything X-Ray traces (``constructs_lib.monitoring``).

One job per module, each importing only those above it in this list:

==========================  ==================================================================================
``given``                   an L1's properties as given (tokens kept), read many at a time
``metrics``                 metric factories per service (public): ``LambdaFunctionMetrics.of(fn)`` ...
``insights``                Metrics Insights queries in the documented grammar (``=``, ``!=``, ``AND``)
``specs``                   alarm types, specs, defaults, overrides, the evaluation-window rules
``inventory``               what to monitor: one pass over the tree, indexes once per stack
``catalog``                 which metric / query each alarm type watches (shared by alarms and dashboard)
``naming``                  alarm names, construct ids, trace filters and console links
``plans``                   ``AlarmPlan``: an alarm before it exists
``per_resource``            the per-resource strategy
``metrics_insights``        the Metrics Insights strategy (account-wide queries, metric-math batches)
``health``                  the service-health composite roll-up
``account_queries``         warnings between account-wide queries of several ``TracingAlarms``
``alarms``                  ``TracingAlarms``, the construct
``dashboard``               ``TracingDashboard``
``facade``                  ``TracingMonitoring``: alarms and dashboard together
==========================  ==================================================================================

Example::

    from constructs_lib.monitoring import TracingMonitoring

    TracingMonitoring(stack, "Monitoring", monitored_scope=stack)
"""

from .alarms import CreatedAlarm, TracingAlarms
from .dashboard import TracingDashboard
from .facade import TracingMonitoring
from .insights import Condition, InsightsFunction, InsightsQuery, Operator
from .metrics import (
    GraphqlApiMetrics,
    LambdaFunctionMetrics,
    MetricDefinition,
    QueueMetrics,
    RestStageMetrics,
    StateMachineMetrics,
    TopicMetrics,
    TraceGroupMetrics,
    graphql_api_metrics,
    lambda_metrics,
    queue_metrics,
    rest_stage_metrics,
    state_machine_metrics,
    topic_metrics,
    trace_group_metrics,
)
from .specs import (
    DEFAULT_SPECS,
    AlarmMode,
    AlarmOverride,
    AlarmSpec,
    AlarmType,
    QueryScope,
    ResourceOverride,
    ThresholdUnit,
    TraceGroupTarget,
    default_spec,
)

__all__ = [
    "DEFAULT_SPECS",
    "AlarmMode",
    "AlarmOverride",
    "AlarmSpec",
    "AlarmType",
    "Condition",
    "CreatedAlarm",
    "GraphqlApiMetrics",
    "InsightsFunction",
    "InsightsQuery",
    "LambdaFunctionMetrics",
    "MetricDefinition",
    "Operator",
    "QueryScope",
    "QueueMetrics",
    "ResourceOverride",
    "RestStageMetrics",
    "StateMachineMetrics",
    "ThresholdUnit",
    "TopicMetrics",
    "TraceGroupMetrics",
    "TraceGroupTarget",
    "TracingAlarms",
    "TracingDashboard",
    "TracingMonitoring",
    "default_spec",
    "graphql_api_metrics",
    "lambda_metrics",
    "queue_metrics",
    "rest_stage_metrics",
    "state_machine_metrics",
    "topic_metrics",
    "trace_group_metrics",
]
