"""TracingDashboard and the TracingMonitoring facade: graphs per service type (capped), the alarms' states,
console text with filter expressions, Metrics Insights graphs, widget limits; excluded resources left out.

Each app is synthesized once per module.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_xray as xray
from constructs import Construct

from constructs_lib import XRayTracing
from constructs_lib._validation import XRayValidationError
from constructs_lib.monitoring import AlarmMode, TracingAlarms, TracingDashboard, TracingMonitoring

from .helpers import ENV, alarms_of, cfn_fn, resources_of
from .insights_grammar import parse_multi_time_series


def bodies(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Every dashboard body, references written as ``<{...}>``."""
    out = []
    for dashboard in resources_of(template, "AWS::CloudWatch::Dashboard").values():
        body = dashboard["Properties"]["DashboardBody"]
        parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
        out.append(json.loads("".join(p if isinstance(p, str) else "<" + json.dumps(p).replace('"', "'") + ">"
                                      for p in parts)))
    return out


def widgets(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [w for w in body["widgets"] if w["type"] == kind]


@pytest.fixture(scope="module")
def big() -> dict[str, Any]:
    """45 functions, two trace groups, a GraphQL API; an excluded function; graphs capped at 20 metrics."""
    app = App()
    stack = Stack(app, "S", env=ENV)
    for i in range(45):
        cfn_fn(stack, f"Fn{i}")
    legacy = Construct(stack, "Legacy")
    cfn_fn(legacy, "Old")
    XRayTracing.exclude(legacy)
    xray.CfnGroup(stack, "Faults", group_name="faults", filter_expression="fault = true")
    xray.CfnGroup(stack, "Slow", group_name="slow", filter_expression="responsetime > 3")
    appsync.CfnGraphQLApi(stack, "Graph", name="g", authentication_type="API_KEY")
    TracingMonitoring(stack, "Monitoring", monitored_scope=stack, dashboard_name="orders-xray")
    cfn_fn(stack, "LateFn")  # added after the dashboard: still on it
    return app.synth().get_stack_by_name("S").template


def test_graphs_per_service_type_are_capped(big: dict[str, Any]) -> None:
    (body,) = bodies(big)
    graphs = widgets(body, "metric")
    titles = [g["properties"]["title"] for g in graphs]
    assert titles[:3] == ["Lambda errors (1/3)", "Lambda errors (2/3)", "Lambda errors (3/3)"]
    assert {"Lambda duration p99 (ms) (3/3)", "X-Ray group trace counts", "GraphQL API 5XX errors",
            "GraphQL API latency p99 (ms)"} <= set(titles)
    assert all(len(g["properties"]["metrics"]) <= 20 for g in graphs)
    errors = [m for g in graphs if g["properties"]["title"].startswith("Lambda errors")
              for m in g["properties"]["metrics"]]
    assert len(errors) == 46  # 45 + the function added after the dashboard, not the excluded one
    assert errors[0][:3] == ["AWS/Lambda", "Errors", "FunctionName"]
    assert errors[0][4] == {"label": "S/Fn0", "stat": "Sum"}
    assert not any("Legacy" in json.dumps(m) for m in errors)


def test_trace_group_counts_are_graphed(big: dict[str, Any]) -> None:
    (body,) = bodies(big)
    (graph,) = [g for g in widgets(body, "metric") if g["properties"]["title"] == "X-Ray group trace counts"]
    assert [m[:4] for m in graph["properties"]["metrics"]] == [
        ["AWS/X-Ray", "ApproximateTraceCount", "GroupName", "faults"],
        ["AWS/X-Ray", "ApproximateTraceCount", "GroupName", "slow"]]


def test_alarm_status_widgets_hold_every_alarm(big: dict[str, Any]) -> None:
    (body,) = bodies(big)
    status = widgets(body, "alarm")
    listed = [a.rsplit(":alarm:", 1)[1] for w in status for a in w["properties"]["alarms"]]
    names = set(alarms_of(big)) | set(alarms_of(big, "AWS::CloudWatch::CompositeAlarm"))
    assert set(listed) == names and len(listed) == len(names)
    assert all(len(w["properties"]["alarms"]) <= 100 for w in status)
    assert status[0]["properties"]["alarms"][0] == (
        "arn:<{'Ref': 'AWS::Partition'}>:cloudwatch:eu-west-1:111111111111:alarm:S-service-health")


def test_text_widget_gives_the_console_and_filter_expressions(big: dict[str, Any]) -> None:
    (body,) = bodies(big)
    (text,) = widgets(body, "text")
    markdown = text["properties"]["markdown"]
    assert "[CloudWatch console](https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1)" in markdown
    assert '* group faults (fault): `group.name = "faults"`' in markdown and "(slow)" in markdown
    assert "#" not in markdown.replace("## X-Ray", "")  # no undocumented console route


def test_widgets_are_laid_out_in_24_columns(big: dict[str, Any]) -> None:
    (body,) = bodies(big)
    assert all(w["x"] + w["width"] <= 24 for w in body["widgets"]) and len(body["widgets"]) <= 500
    (dashboard,) = resources_of(big, "AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == "orders-xray"


def test_insights_graphs_and_the_widget_cap() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    for i in range(12):
        cfn_fn(stack, f"Fn{i}")
    alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS)
    TracingDashboard(stack, "D", monitored_scope=stack, alarms=alarms, max_metrics_per_graph=10)
    TracingDashboard(stack, "Small", monitored_scope=stack, max_widgets=3, max_metrics_per_graph=10)
    insights, small = bodies(app.synth().get_stack_by_name("S").template)
    graphs = widgets(insights, "metric")
    assert [g["properties"]["title"] for g in graphs] == [
        "Lambda errors (top 10)", "Lambda throttles (top 10)",
        "Lambda duration MAX (ms) (top 10)"]  # Metrics Insights has no percentiles: the title says what is drawn
    for graph in graphs:
        parse_multi_time_series(graph["properties"]["metrics"][0][0]["expression"])
    assert graphs[0]["properties"]["metrics"][0][0]["expression"] == (
        'SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName '
        "ORDER BY MAX() DESC LIMIT 10")
    assert len(small["widgets"]) == 3
    assert "more graphs were left out" in small["widgets"][-1]["properties"]["markdown"]


def test_the_facade_without_a_dashboard() -> None:
    stack = Stack(App(), "S", env=ENV)
    monitoring = TracingMonitoring(stack, "M", monitored_scope=stack, dashboard=False)
    assert monitoring.dashboard is None and isinstance(monitoring.alarms, TracingAlarms)


def test_dashboard_validation() -> None:
    stack = Stack(App(), "S")
    with pytest.raises(XRayValidationError, match="max_metrics_per_graph must be an integer from 1 to 100, got 0"):
        TracingDashboard(stack, "A", monitored_scope=stack, max_metrics_per_graph=0)
    with pytest.raises(XRayValidationError, match="dashboard_name must be letters, digits"):
        TracingDashboard(stack, "B", monitored_scope=stack, dashboard_name="no spaces")
