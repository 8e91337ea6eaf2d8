"""A CloudWatch dashboard for everything X-Ray traces in a scope: errors, faults and latency per service type,
trace-group counts, the alarms' states and links to the X-Ray trace map and to a trace search per group.

Example::

    TracingDashboard(stack, "Dashboard", monitored_scope=app, alarms=tracing_alarms)

The body is built at synthesis (a lazy value), so resources added after the dashboard are on it. Large apps stay
within CloudWatch's limits: at most ``max_metrics_per_graph`` metrics per graph (more resources make more graphs),
alarm-status widgets of at most 100 alarms, and ``max_widgets`` widgets in all (500 is CloudWatch's limit).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_cdk import CfnResource, Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct, IConstruct

from . import _metrics as m
from ._lazy import lazy_string
from ._validation import check_length, check_number, check_pattern, fail
from .alarms import (
    INSIGHTS_METRICS,
    TRACE_GROUP_TYPE,
    AlarmMode,
    AlarmType,
    in_own_stage,
    is_excluded_from_tracing,
)
from .discovery import cfn_property, is_cdk_internal_function, kind_of
from .filters import classify

if TYPE_CHECKING:
    from .alarms import TracingAlarms

#: CloudWatch's limit on widgets per dashboard.
MAX_DASHBOARD_WIDGETS = 500
#: Alarms one alarm-status widget shows.
MAX_ALARMS_PER_STATUS_WIDGET = 100


@dataclass(frozen=True)
class _GraphSpec:
    """One graph per service type: the per-resource metric, and the alarm type whose Metrics Insights metric
    (``alarms.INSIGHTS_METRICS``, one table for alarms and graphs) the Metrics Insights mode graphs."""

    title: str
    cfn_type: str
    metric: Callable[[CfnResource, Duration], cw.IMetric]
    alarm_type: AlarmType


def _stage_metric(
    factory: Callable[[m.RestStageMetrics, Duration], cw.IMetric],
) -> Callable[[CfnResource, Duration], cw.IMetric]:
    return lambda stage, period: factory(m.rest_stage_metrics(stage), period)


_GRAPHS: tuple[_GraphSpec, ...] = (
    _GraphSpec("Lambda errors", "AWS::Lambda::Function",
               lambda r, p: m.lambda_metrics(r).metric_errors(period=p), AlarmType.LAMBDA_ERRORS),
    _GraphSpec("Lambda throttles", "AWS::Lambda::Function",
               lambda r, p: m.lambda_metrics(r).metric_throttles(period=p), AlarmType.LAMBDA_THROTTLES),
    _GraphSpec("Lambda duration p99 (ms)", "AWS::Lambda::Function",
               lambda r, p: m.lambda_metrics(r).metric_duration(period=p), AlarmType.LAMBDA_DURATION),
    _GraphSpec("REST API faults (5XX)", "AWS::ApiGateway::Stage",
               _stage_metric(lambda s, p: s.metric_faults(period=p)), AlarmType.REST_FAULTS),
    _GraphSpec("REST API client errors (4XX rate)", "AWS::ApiGateway::Stage",
               _stage_metric(lambda s, p: s.metric_client_error_rate(period=p)), AlarmType.REST_CLIENT_ERROR_RATE),
    _GraphSpec("REST API latency p99 (ms)", "AWS::ApiGateway::Stage",
               _stage_metric(lambda s, p: s.metric_latency(period=p)), AlarmType.REST_LATENCY),
    _GraphSpec("SQS age of oldest message (s)", "AWS::SQS::Queue",
               lambda r, p: m.queue_metrics(r).metric_age_of_oldest_message(period=p), AlarmType.QUEUE_MESSAGE_AGE),
    _GraphSpec("SNS failed notifications", "AWS::SNS::Topic",
               lambda r, p: m.topic_metrics(r).metric_notifications_failed(period=p),
               AlarmType.TOPIC_FAILED_NOTIFICATIONS),
    _GraphSpec("Step Functions executions failed", "AWS::StepFunctions::StateMachine",
               lambda r, p: m.state_machine_metrics(r).metric_executions_failed(period=p),
               AlarmType.STATE_MACHINE_FAILED),
    _GraphSpec("Step Functions executions timed out", "AWS::StepFunctions::StateMachine",
               lambda r, p: m.state_machine_metrics(r).metric_executions_timed_out(period=p),
               AlarmType.STATE_MACHINE_TIMED_OUT),
    _GraphSpec("X-Ray group trace counts", TRACE_GROUP_TYPE,
               lambda r, p: m.trace_count_metric(r, period=p), AlarmType.TRACE_GROUP_FAULTS),
)
_GRAPHED_TYPES = frozenset(g.cfn_type for g in _GRAPHS)


class TracingDashboard(Construct):
    """A CloudWatch dashboard over the traced resources under ``monitored_scope``.

    :param monitored_scope: the App, Stage, Stack or construct to show.
    :param alarms: a :class:`~constructs_lib.alarms.TracingAlarms` whose alarms get alarm-status widgets.
    :param dashboard_name: the dashboard's name (default: CloudFormation generates one).
    :param mode: ``PER_RESOURCE`` graphs one metric per resource; ``METRICS_INSIGHTS`` one query per graph
        (default: the alarms' mode, else per resource).
    :param max_metrics_per_graph: resources per graph before another graph starts (1-100).
    :param max_widgets: widgets in all (1-500); graphs past it are left out and a text widget says so.
    :param include_cdk_internal_functions: also graph functions CDK creates for itself.
    :param include_excluded: also graph resources under ``XRayTracing.exclude(...)`` subtrees.
    :param period: the graphs' period.

    Like the alarms, the dashboard leaves out resources in another ``Stage`` than itself (with a warning): CDK
    cannot reference across Stages.

    Example::

        TracingDashboard(stack, "Dashboard", monitored_scope=stack, max_metrics_per_graph=10)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        monitored_scope: IConstruct,
        alarms: TracingAlarms | None = None,
        dashboard_name: str | None = None,
        mode: AlarmMode | None = None,
        max_metrics_per_graph: int = 20,
        max_widgets: int = MAX_DASHBOARD_WIDGETS,
        include_cdk_internal_functions: bool = False,
        include_excluded: bool = False,
        period: Duration = m.DEFAULT_PERIOD,
    ) -> None:
        super().__init__(scope, id)
        owner = "TracingDashboard"
        check_number(owner, "max_metrics_per_graph", max_metrics_per_graph, minimum=1, maximum=100, integer=True)
        check_number(owner, "max_widgets", max_widgets, minimum=1, maximum=MAX_DASHBOARD_WIDGETS, integer=True)
        check_length(owner, "dashboard_name", dashboard_name, minimum=1, maximum=255)
        check_pattern(owner, "dashboard_name", dashboard_name, r"[A-Za-z0-9_-]+", "letters, digits, '_' and '-'")
        if mode is not None and not isinstance(mode, AlarmMode):
            raise fail(owner, "mode", mode, "an AlarmMode")
        self.monitored_scope = monitored_scope
        self.tracing_alarms = alarms
        self.mode = mode or (alarms.mode if alarms is not None else AlarmMode.PER_RESOURCE)
        self.max_metrics_per_graph = max_metrics_per_graph
        self.max_widgets = max_widgets
        self.include_cdk_internal_functions = include_cdk_internal_functions
        self.include_excluded = include_excluded
        self.period = period
        self._foreign_stages: set[str] = set()
        self.resource = cw.CfnDashboard(
            self, "Resource",
            dashboard_name=dashboard_name,
            dashboard_body=lazy_string(lambda: Stack.of(self).to_json_string(self.body())),
        )

    @property
    def dashboard_name(self) -> str:
        """The dashboard's name (a token when CloudFormation names it)."""
        return self.resource.ref

    def body(self) -> dict[str, Any]:
        """The dashboard body (``{"widgets": [...]}``) for the resources under the scope right now."""
        widgets = [w.to_json()[0] for w in self.widgets()]
        return {"widgets": _layout(widgets)}

    def widgets(self) -> list[cw.IWidget]:
        """Every widget, in order: links, alarm states, then per service type its graphs."""
        region = Stack.of(self).region
        resources = self._resources()
        groups = resources.get(TRACE_GROUP_TYPE, [])
        widgets: list[cw.IWidget] = [self._links(region, groups)]
        widgets.extend(self._alarm_widgets())
        graphs: list[cw.IWidget] = []
        for graph in _GRAPHS:
            members = resources.get(graph.cfn_type, [])
            if not members:
                continue
            graphs.extend(self._graphs(graph, members))
        room = self.max_widgets - len(widgets)
        if len(graphs) > room:
            room -= 1
            widgets.extend(graphs[: max(room, 0)])
            widgets.append(cw.TextWidget(
                markdown=f"{len(graphs) - max(room, 0)} more graphs were left out: the dashboard holds at most "
                         f"{self.max_widgets} widgets. Split it per stack, or use the Metrics Insights mode.",
                width=24, height=2))
        else:
            widgets.extend(graphs)
        return widgets

    # -- parts --------------------------------------------------------------------------------------------
    def _resources(self) -> dict[str, list[CfnResource]]:
        found: dict[str, list[CfnResource]] = {}
        skip = self.tracing_alarms.node.path + "/" if self.tracing_alarms is not None else None
        for node in self.monitored_scope.node.find_all():
            if not isinstance(node, CfnResource) or (skip and node.node.path.startswith(skip)):
                continue
            kind = kind_of(node)
            cfn_type = kind.value if kind is not None else node.cfn_resource_type
            if cfn_type not in _GRAPHED_TYPES:
                continue
            if cfn_type == "AWS::Lambda::Function" and not self.include_cdk_internal_functions \
                    and is_cdk_internal_function(node):
                continue
            if cfn_type == "AWS::ApiGateway::Stage" and _api_name(node) is None:
                continue
            if cfn_type == TRACE_GROUP_TYPE and m.group_name_of(node) is None:
                continue
            if not self.include_excluded and is_excluded_from_tracing(node):
                continue
            if not in_own_stage(self, node, self._foreign_stages, "are not on this dashboard",
                                "Create a TracingDashboard inside that Stage."):
                continue
            found.setdefault(cfn_type, []).append(node)
        return found

    def _graphs(self, graph: _GraphSpec, members: Sequence[CfnResource]) -> list[cw.IWidget]:
        if self.mode is AlarmMode.METRICS_INSIGHTS and graph.cfn_type != TRACE_GROUP_TYPE:
            query = INSIGHTS_METRICS[graph.alarm_type].query(limit=self.max_metrics_per_graph)
            return [cw.GraphWidget(title=f"{graph.title} (top {self.max_metrics_per_graph})",
                                   left=[query.to_metric(period=self.period, label="")], width=12, height=6)]
        widgets: list[cw.IWidget] = []
        size = self.max_metrics_per_graph
        chunks = [members[i:i + size] for i in range(0, len(members), size)]
        for index, chunk in enumerate(chunks):
            title = graph.title if len(chunks) == 1 else f"{graph.title} ({index + 1}/{len(chunks)})"
            metrics = [_with_label(graph.metric(r, self.period), r) for r in chunk]
            widgets.append(cw.GraphWidget(title=title, left=metrics, width=12, height=6))
        return widgets

    def _alarm_widgets(self) -> list[cw.IWidget]:
        if self.tracing_alarms is None:
            return []
        alarms: list[cw.IAlarm] = [*self.tracing_alarms.composite_alarms,
                                   *[r.alarm for r in self.tracing_alarms.alarm_records]]
        size = MAX_ALARMS_PER_STATUS_WIDGET
        chunks = [alarms[i:i + size] for i in range(0, len(alarms), size)]
        return [
            cw.AlarmStatusWidget(alarms=chunk, title="Alarms" if len(chunks) == 1 else
                                 f"Alarms ({index + 1}/{len(chunks)})", width=24,
                                 height=min(2 + len(chunk) // 4, 12),
                                 sort_by=cw.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP)
            for index, chunk in enumerate(chunks)
        ]

    def _links(self, region: str, groups: Sequence[CfnResource]) -> cw.IWidget:
        lines = [
            "## X-Ray",
            f"[Trace map]({m.console_url(region, 'service-map/map')}) · "
            f"[Fault traces]({m.console_url(region, 'traces/query', 'fault = true')}) · "
            f"[Error traces]({m.console_url(region, 'traces/query', 'error = true')})",
        ]
        if groups:
            lines.append("")
            lines.append("Trace search per group:")
        for group in groups:
            name = m.group_name_of(group) or ""
            expression = cfn_property(group, "FilterExpression")
            kind = classify(expression) if isinstance(expression, str) else None
            filter_parts = ('group.name = "', name, '"')
            lines.append(f"* [{name}]({m.console_url(region, 'traces/query', filter_parts)})"
                         + (f" ({kind.value})" if kind else ""))
        return cw.TextWidget(markdown="\n".join(lines), width=24, height=min(3 + len(groups), 12))


def _api_name(stage: CfnResource) -> str | None:
    try:
        return m.rest_stage_metrics(stage).api_name
    except ValueError:
        return None


def _with_label(metric: cw.IMetric, resource: CfnResource) -> cw.IMetric:
    label = resource.node.path.removesuffix("/Resource")
    if isinstance(metric, cw.Metric):
        return metric.with_(label=label[-100:])
    return metric


def _layout(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Place widgets left to right, 24 columns wide, like the CDK Dashboard's rows."""
    x = y = row_height = 0
    for widget in widgets:
        width, height = widget.get("width", 6), widget.get("height", 6)
        if x + width > 24:
            x, y, row_height = 0, y + row_height, 0
        widget["x"], widget["y"] = x, y
        x += width
        row_height = max(row_height, height)
    return widgets


__all__ = ["MAX_ALARMS_PER_STATUS_WIDGET", "MAX_DASHBOARD_WIDGETS", "TracingDashboard"]
