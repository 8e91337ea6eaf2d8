"""TracingDashboard: the body's widgets per service type, capped graphs, alarm states, links; the orders sample
app with alarms and a dashboard stays cdk-nag and cfn-lint clean.

Each app is synthesized once per module.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_xray as xray

from constructs_lib import dashboard as dashboard_module
from constructs_lib._validation import XRayValidationError
from constructs_lib.alarms import AlarmMode, TracingAlarms
from constructs_lib.dashboard import TracingDashboard

ENV = {"account": "111111111111", "region": "eu-west-1"}


def cfn_function(stack: Stack, id: str) -> lambda_.CfnFunction:
    return lambda_.CfnFunction(stack, id, code=lambda_.CfnFunction.CodeProperty(zip_file="x"),
                               role="arn:aws:iam::111111111111:role/r", runtime="python3.12", handler="i.h")


def body_of(template: dict[str, Any]) -> dict[str, Any]:
    """The dashboard body with every token replaced by a readable ``<Ref ...>`` string."""
    (dashboard,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    text = "".join(p if isinstance(p, str) else f"<{json.dumps(p, sort_keys=True)}>".replace('"', "'")
                   for p in parts)
    return json.loads(text)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def big() -> dict[str, Any]:
    """45 functions and two trace groups, per-resource graphs capped at 20 metrics."""
    app = App()
    stack = Stack(app, "S", env=ENV)
    for i in range(45):
        cfn_function(stack, f"Fn{i}")
    xray.CfnGroup(stack, "Faults", group_name="faults", filter_expression="fault = true")
    xray.CfnGroup(stack, "Slow", group_name="slow", filter_expression="responsetime > 3")
    alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack)
    TracingDashboard(stack, "Dashboard", monitored_scope=stack, alarms=alarms, dashboard_name="orders-xray")
    cfn_function(stack, "LateFn")  # added after the dashboard: still on it
    return app.synth().get_stack_by_name("S").template


def widgets(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [w for w in body["widgets"] if w["type"] == kind]


def test_graphs_per_service_type_are_capped(big: dict[str, Any]) -> None:
    graphs = widgets(body_of(big), "metric")
    titles = [g["properties"]["title"] for g in graphs]
    assert titles[:3] == ["Lambda errors (1/3)", "Lambda errors (2/3)", "Lambda errors (3/3)"]
    assert "Lambda duration p99 (ms) (3/3)" in titles and "X-Ray group trace counts" in titles
    assert all(len(g["properties"]["metrics"]) <= 20 for g in graphs)
    errors = [m for g in graphs if g["properties"]["title"].startswith("Lambda errors")
              for m in g["properties"]["metrics"]]
    assert len(errors) == 46  # 45 + the function added after the dashboard
    assert errors[0][:3] == ["AWS/Lambda", "Errors", "FunctionName"]
    assert errors[0][4] == {"label": "S/Fn0", "stat": "Sum"}
    durations = [m for g in graphs if g["properties"]["title"].startswith("Lambda duration")
                 for m in g["properties"]["metrics"]]
    assert durations[0][4]["stat"] == "p99"


def test_trace_group_counts_are_graphed(big: dict[str, Any]) -> None:
    (graph,) = [g for g in widgets(body_of(big), "metric") if g["properties"]["title"] == "X-Ray group trace counts"]
    assert [m[:4] for m in graph["properties"]["metrics"]] == [
        ["AWS/X-Ray", "ApproximateTraceCount", "GroupName", "faults"],
        ["AWS/X-Ray", "ApproximateTraceCount", "GroupName", "slow"]]


def test_alarm_status_widgets_hold_every_alarm(big: dict[str, Any]) -> None:
    status = widgets(body_of(big), "alarm")
    alarms = [a for w in status for a in w["properties"]["alarms"]]
    # 46 functions x 3 alarms + 2 group alarms + 3 composites (the roll-up nests past 100)
    assert len(alarms) == 46 * 3 + 2 + 3
    assert len(status) == 2 and all(len(w["properties"]["alarms"]) <= 100 for w in status)


def test_text_widget_links_to_trace_map_and_group_searches(big: dict[str, Any]) -> None:
    (text,) = widgets(body_of(big), "text")
    markdown = text["properties"]["markdown"]
    assert "[Trace map](https://" in markdown and "#xray:service-map/map" in markdown
    assert "* [faults](https://" in markdown and "expression~'group.name*20*3D*20*22faults*22'" in markdown
    assert "(slow)" in markdown


def test_widgets_are_laid_out_in_24_columns(big: dict[str, Any]) -> None:
    body = body_of(big)
    assert all(w["x"] + w["width"] <= 24 for w in body["widgets"])
    assert len(body["widgets"]) <= 500


def test_dashboard_name(big: dict[str, Any]) -> None:
    (dashboard,) = [r for r in big["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    assert dashboard["Properties"]["DashboardName"] == "orders-xray"


def test_insights_mode_uses_one_query_per_graph_and_widget_cap() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    for i in range(30):
        cfn_function(stack, f"Fn{i}")
    TracingDashboard(stack, "D", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS, max_metrics_per_graph=10)
    TracingDashboard(stack, "Small", monitored_scope=stack, max_widgets=3, max_metrics_per_graph=10)
    template = app.synth().get_stack_by_name("S").template
    dashboards = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    insights = body_of({"Resources": {"D": dashboards[0]}})
    graphs = widgets(insights, "metric")
    assert [g["properties"]["title"] for g in graphs] == [
        "Lambda errors (top 10)", "Lambda throttles (top 10)", "Lambda duration p99 (ms) (top 10)"]
    assert graphs[0]["properties"]["metrics"][0][0]["expression"] == (
        'SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName '
        "ORDER BY MAX() DESC LIMIT 10")
    small = body_of({"Resources": {"D": dashboards[1]}})
    assert len(small["widgets"]) == 3
    assert "more graphs were left out" in small["widgets"][-1]["properties"]["markdown"]


def test_dashboard_validation() -> None:
    stack = Stack(App(), "S")
    with pytest.raises(XRayValidationError, match="max_metrics_per_graph must be an integer from 1 to 100, got 0"):
        TracingDashboard(stack, "A", monitored_scope=stack, max_metrics_per_graph=0)
    with pytest.raises(XRayValidationError, match="dashboard_name must be letters, digits"):
        TracingDashboard(stack, "B", monitored_scope=stack, dashboard_name="no spaces")


def test_dashboard_uses_only_public_names_of_other_modules() -> None:
    """No ``_private`` imports from sibling modules and no ``obj._private`` reads of other objects: the dashboard
    reads alarms through ``alarm_records`` and builds its lazy body with the shared ``_lazy`` helper."""
    tree = ast.parse(Path(dashboard_module.__file__).read_text())
    private_imports = [alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
                       for alias in node.names if alias.name.startswith("_")]  # `from . import _metrics`: a module
    assert private_imports == []
    foreign = [f"{ast.unparse(node.value)}.{node.attr}" for node in ast.walk(tree)
               if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
               and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "m"))]
    assert foreign == []
