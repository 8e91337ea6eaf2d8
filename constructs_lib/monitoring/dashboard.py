"""``TracingDashboard``: a CloudWatch dashboard for everything X-Ray traces in a scope.

It shows where to look in the console (with the X-Ray filter expressions to paste), the alarms' states, and
per service type its errors, faults and latency; trace groups' counts.

Example::

    alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack)
    TracingDashboard(stack, "Dashboard", monitored_scope=stack, alarms=alarms)

The body is written at synthesis, so resources added after the dashboard are on it. Large apps stay within
CloudWatch's limits: at most ``max_metrics_per_graph`` metrics per graph (more resources make more graphs),
alarm-status widgets of at most 100 alarms, and ``max_widgets`` widgets in all (500 is CloudWatch's limit).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Aspects, Duration, IAspect, Stack
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct, IConstruct

from .._lazy import lazy_string
from .._validation import check_length, check_number, check_pattern, fail
from .alarms import TracingAlarms
from .catalog import DURATION_QUERY, GROUP_COUNT_QUERY, INSIGHTS_QUERIES, RESOURCE_METRICS
from .insights import InsightsQuery
from .inventory import Inventory, MonitoredResource, MonitoringConstruct
from .metrics import DEFAULT_PERIOD
from .naming import console_home
from .specs import TRACE_GROUP_TYPE, AlarmMode, AlarmType

__all__ = ["MAX_ALARMS_PER_STATUS_WIDGET", "MAX_DASHBOARD_WIDGETS", "TracingDashboard"]

#: CloudWatch's limit on widgets per dashboard.
MAX_DASHBOARD_WIDGETS = 500
#: Alarms one alarm-status widget shows.
MAX_ALARMS_PER_STATUS_WIDGET = 100


@dataclass(frozen=True)
class _Graph:
    title: str
    cfn_type: str
    alarm_type: AlarmType
    insights: InsightsQuery | None
    members: Callable[[MonitoredResource], bool] = lambda r: True


_GRAPHS: tuple[_Graph, ...] = (
    _Graph("Lambda errors", "AWS::Lambda::Function", AlarmType.LAMBDA_ERRORS,
           INSIGHTS_QUERIES[AlarmType.LAMBDA_ERRORS]),
    _Graph("Lambda throttles", "AWS::Lambda::Function", AlarmType.LAMBDA_THROTTLES,
           INSIGHTS_QUERIES[AlarmType.LAMBDA_THROTTLES]),
    _Graph("Lambda duration p99 (ms)", "AWS::Lambda::Function", AlarmType.LAMBDA_DURATION, DURATION_QUERY),
    _Graph("REST API 5XX responses", "AWS::ApiGateway::Stage", AlarmType.REST_FAULTS,
           INSIGHTS_QUERIES[AlarmType.REST_FAULTS]),
    _Graph("REST API 4XX rate (0-1)", "AWS::ApiGateway::Stage", AlarmType.REST_CLIENT_ERROR_RATE,
           INSIGHTS_QUERIES[AlarmType.REST_CLIENT_ERROR_RATE]),
    _Graph("REST API latency p99 (ms)", "AWS::ApiGateway::Stage", AlarmType.REST_LATENCY,
           INSIGHTS_QUERIES[AlarmType.REST_LATENCY]),
    _Graph("GraphQL API 5XX errors", "AWS::AppSync::GraphQLApi", AlarmType.GRAPHQL_FAULTS,
           INSIGHTS_QUERIES[AlarmType.GRAPHQL_FAULTS]),
    _Graph("GraphQL API latency p99 (ms)", "AWS::AppSync::GraphQLApi", AlarmType.GRAPHQL_LATENCY,
           INSIGHTS_QUERIES[AlarmType.GRAPHQL_LATENCY]),
    _Graph("SQS age of oldest message (s)", "AWS::SQS::Queue", AlarmType.QUEUE_MESSAGE_AGE,
           INSIGHTS_QUERIES[AlarmType.QUEUE_MESSAGE_AGE], lambda r: not r.dead_letter),
    _Graph("SQS messages in dead-letter queues", "AWS::SQS::Queue", AlarmType.DLQ_MESSAGES, None,
           lambda r: r.dead_letter),
    _Graph("SNS failed notifications", "AWS::SNS::Topic", AlarmType.TOPIC_FAILED_NOTIFICATIONS,
           INSIGHTS_QUERIES[AlarmType.TOPIC_FAILED_NOTIFICATIONS]),
    _Graph("Step Functions executions failed", "AWS::StepFunctions::StateMachine", AlarmType.STATE_MACHINE_FAILED,
           INSIGHTS_QUERIES[AlarmType.STATE_MACHINE_FAILED]),
    _Graph("Step Functions executions timed out", "AWS::StepFunctions::StateMachine",
           AlarmType.STATE_MACHINE_TIMED_OUT, INSIGHTS_QUERIES[AlarmType.STATE_MACHINE_TIMED_OUT]),
    _Graph("X-Ray group trace counts", TRACE_GROUP_TYPE, AlarmType.TRACE_GROUP_FAULTS, GROUP_COUNT_QUERY),
)


class TracingDashboard(MonitoringConstruct):
    """A CloudWatch dashboard over the traced resources under ``monitored_scope``.

    :param monitored_scope: the App, Stage, Stack or construct to show.
    :param alarms: a :class:`TracingAlarms` whose alarms get alarm-status widgets (its resources are reused when it
        watches the same scope).
    :param dashboard_name: the dashboard's name (default: CloudFormation generates one).
    :param mode: ``PER_RESOURCE`` graphs one metric per resource; ``METRICS_INSIGHTS`` one account-wide query per
        graph (default: the alarms' mode, else per resource).
    :param max_metrics_per_graph: resources per graph before another graph starts (1-100).
    :param max_widgets: widgets in all (1-500); graphs past it are left out and a text widget says so.
    :param include_cdk_internal_functions: also graph functions CDK creates for itself.
    :param include_excluded: also graph resources under ``XRayTracing.exclude(...)`` subtrees.
    :param period: the graphs' period.

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
        period: Duration = DEFAULT_PERIOD,
    ) -> None:
        super().__init__(scope, id)
        owner = "TracingDashboard"
        check_number(owner, "max_metrics_per_graph", max_metrics_per_graph, minimum=1, maximum=100, integer=True)
        check_number(owner, "max_widgets", max_widgets, minimum=1, maximum=MAX_DASHBOARD_WIDGETS, integer=True)
        check_length(owner, "dashboard_name", dashboard_name, minimum=1, maximum=255)
        check_pattern(owner, "dashboard_name", dashboard_name, r"[A-Za-z0-9_-]+", "letters, digits, '_' and '-'")
        if mode is not None and not isinstance(mode, AlarmMode):
            raise fail(owner, "mode", mode, "an AlarmMode")
        if alarms is not None and not isinstance(alarms, TracingAlarms):
            raise fail(owner, "alarms", alarms, "a TracingAlarms")
        if not isinstance(period, Duration) or period.is_unresolved():
            raise fail(owner, "period", period, "a Duration known at synth")
        self.monitored_scope = monitored_scope
        self.tracing_alarms = alarms
        self.mode = mode or (alarms.mode if alarms is not None else AlarmMode.PER_RESOURCE)
        self.max_metrics_per_graph = max_metrics_per_graph
        self.max_widgets = max_widgets
        self.include_cdk_internal_functions = include_cdk_internal_functions
        self.include_excluded = include_excluded
        self.period = period
        self._inventory: Inventory | None = None
        self._warned_stages: set[str] = set()
        self.resource = cw.CfnDashboard(
            self, "Resource",
            dashboard_name=dashboard_name,
            dashboard_body=lazy_string(lambda: Stack.of(self).to_json_string(self.body())),
        )
        Aspects.of(self).add(_ScanAtSynth(self, self._ensure_scanned))

    @property
    def dashboard_name(self) -> str:
        """The dashboard's name (a token when CloudFormation names it)."""
        return self.resource.ref

    def _ensure_scanned(self) -> None:
        """Find the resources once, at synthesis, before the body is written."""
        if self._inventory is None:
            self._inventory = self._scan()

    def _scan(self) -> Inventory:
        alarms = self.tracing_alarms
        if alarms is not None and alarms.inventory is not None \
                and alarms.monitored_scope.node.path == self.monitored_scope.node.path \
                and alarms.include_excluded == self.include_excluded \
                and alarms.include_cdk_internal_functions == self.include_cdk_internal_functions:
            return alarms.inventory
        return Inventory.scan(
            self.monitored_scope, owner=self, include_excluded=self.include_excluded,
            include_cdk_internal_functions=self.include_cdk_internal_functions, warned_stages=self._warned_stages,
            effect="are not on this dashboard", advice="Create a TracingDashboard inside that Stage.")

    def body(self) -> dict[str, Any]:
        """The dashboard body (``{"widgets": [...]}``) for the resources found at synthesis (or now, before)."""
        inventory = self._inventory if self._inventory is not None else self._scan()
        stack = Stack.of(self)
        region = stack.region
        widgets: list[dict[str, Any]] = [self._links(region, inventory)]
        widgets.extend(self._alarm_widgets(stack))
        graphs: list[dict[str, Any]] = []
        for graph in _GRAPHS:
            members = [r for r in inventory.of_type(graph.cfn_type) if graph.members(r)]
            if members:
                graphs.extend(self._graphs(graph, members, region))
        room = self.max_widgets - len(widgets)
        if len(graphs) > room:
            room = max(room - 1, 0)
            widgets.extend(graphs[:room])
            widgets.append(_text(f"{len(graphs) - room} more graphs were left out: the dashboard holds at most "
                                 f"{self.max_widgets} widgets. Split it per stack, or use the Metrics Insights "
                                 "mode.", height=2))
        else:
            widgets.extend(graphs)
        return {"widgets": _layout(widgets)}

    # -- parts --------------------------------------------------------------------------------------------
    def _graphs(self, graph: _Graph, members: Sequence[MonitoredResource], region: str) -> list[dict[str, Any]]:
        period = int(self.period.to_seconds())
        if self.mode is AlarmMode.METRICS_INSIGHTS and graph.insights is not None:
            query = graph.insights.with_limit(self.max_metrics_per_graph)
            # Metrics Insights has no percentiles: the title names the statistic the query really uses.
            title = graph.title.replace("p99", query.function.value)
            return [_metric_widget(f"{title} (top {self.max_metrics_per_graph})", region, period,
                                   [[{"expression": str(query), "label": "", "id": "q1"}]])]
        size = self.max_metrics_per_graph
        chunks = [members[i:i + size] for i in range(0, len(members), size)]
        widgets = []
        for index, chunk in enumerate(chunks):
            title = graph.title if len(chunks) == 1 else f"{graph.title} ({index + 1}/{len(chunks)})"
            lines = []
            for resource in chunk:
                definition = RESOURCE_METRICS[graph.alarm_type](resource)
                line: list[Any] = [definition.namespace, definition.metric_name]
                for key, value in definition.dimensions:
                    line.extend((key, value))
                line.append({"label": resource.path.removesuffix("/Resource")[-100:], "stat": definition.statistic})
                lines.append(line)
            widgets.append(_metric_widget(title, region, period, lines))
        return widgets

    def _alarm_widgets(self, stack: Stack) -> list[dict[str, Any]]:
        if self.tracing_alarms is None:
            return []
        names = [str(c.alarm_name) for c in self.tracing_alarms.composite_alarms] + self.tracing_alarms.alarm_names
        base = f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:"
        arns = [base + name for name in names]
        size = MAX_ALARMS_PER_STATUS_WIDGET
        chunks = [arns[i:i + size] for i in range(0, len(arns), size)]
        return [{"type": "alarm", "width": 24, "height": min(2 + len(chunk) // 4, 12),
                 "properties": {"title": "Alarms" if len(chunks) == 1 else f"Alarms ({index + 1}/{len(chunks)})",
                                "alarms": chunk, "sortBy": "stateUpdatedTimestamp"}}
                for index, chunk in enumerate(chunks)]

    def _links(self, region: str, inventory: Inventory) -> dict[str, Any]:
        console = console_home(region)
        lines = ["## X-Ray",
                 (f"[CloudWatch console]({console}): " if console else "CloudWatch console: ")
                 + "*X-Ray traces > Trace map* and *Traces*. Filter expressions to paste there:",
                 "", "* fault traces: `fault = true`", "* error traces: `error = true`"]
        groups = inventory.of_type(TRACE_GROUP_TYPE)
        for group in groups:
            kind = f" ({group.group_kind.value})" if group.group_kind is not None else ""
            lines.append(f'* group {group.group_name}{kind}: `group.name = "{group.group_name}"`')
        return _text("\n".join(lines), height=min(5 + len(groups), 12))


@jsii.implements(IAspect)
class _ScanAtSynth:
    """Finds the dashboard's resources at synthesis (once), before its body is written."""

    def __init__(self, owner: IConstruct, ensure_scanned: Callable[[], None]) -> None:
        self.owner = owner
        self.ensure_scanned = ensure_scanned

    def visit(self, node: IConstruct) -> None:
        if node is self.owner:
            self.ensure_scanned()


def _text(markdown: str, *, height: int) -> dict[str, Any]:
    return {"type": "text", "width": 24, "height": height, "properties": {"markdown": markdown}}


def _metric_widget(title: str, region: str, period: int, metrics: list[list[Any]]) -> dict[str, Any]:
    return {"type": "metric", "width": 12, "height": 6,
            "properties": {"view": "timeSeries", "title": title, "region": region, "metrics": metrics,
                           "period": period, "yAxis": {}}}


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
