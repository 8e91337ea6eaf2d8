"""The monitoring package's shape: one job per module, nothing importing in a circle, no reaching into another
module's private names, read accessors that create nothing, public names exported from ``constructs_lib``."""

from __future__ import annotations

import ast
from pathlib import Path

from aws_cdk import App, Stack

import constructs_lib
from constructs_lib import monitoring
from constructs_lib.monitoring import TracingAlarms, TracingDashboard

from .helpers import cfn_fn

PACKAGE = Path(monitoring.__file__).parent
#: The order of the package docstring: a module imports only modules before it.
LAYERS = ["given", "metrics", "insights", "specs", "inventory", "catalog", "naming", "plans", "per_resource",
          "metrics_insights", "health", "account_queries", "alarms", "dashboard", "facade"]


def sibling_imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_every_module_is_in_the_layer_list() -> None:
    assert {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"} == set(LAYERS)


def test_modules_import_only_earlier_layers_so_nothing_is_circular() -> None:
    for index, module in enumerate(LAYERS):
        later = sibling_imports(module) - set(LAYERS[:index])
        assert later == set(), (module, later)


def test_no_private_names_of_other_modules_are_used() -> None:
    for path in [*PACKAGE.glob("*.py"), Path(constructs_lib.__file__).parent / "groups.py"]:
        tree = ast.parse(path.read_text())
        private = [alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                   for alias in node.names if alias.name.startswith("_") and node.module not in ("_lazy",
                                                                                                  "_validation")]
        assert private == [], path


def test_the_old_modules_only_re_export() -> None:
    root = Path(constructs_lib.__file__).parent
    assert not (root / "_metrics.py").exists()
    for name in ("alarms.py", "dashboard.py"):
        tree = ast.parse((root / name).read_text())
        assert not [n for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))], name


def test_public_names_are_exported() -> None:
    for name in ("TracingAlarms", "TracingDashboard", "TracingMonitoring", "AlarmType", "AlarmOverride",
                 "AlarmSpec", "AlarmMode", "QueryScope", "ResourceOverride", "TraceGroupTarget", "CreatedAlarm"):
        assert getattr(constructs_lib, name) is getattr(monitoring, name)


def test_read_accessors_create_nothing() -> None:
    stack = Stack(App(), "S")
    cfn_fn(stack, "Fn")
    alarms = TracingAlarms(stack, "A", monitored_scope=stack)
    dashboard = TracingDashboard(stack, "D", monitored_scope=stack, alarms=alarms)
    before = len(stack.node.find_all())
    assert alarms.alarms == [] and alarms.alarm_records == [] and alarms.alarms_for(stack) == []
    assert alarms.inventory is None and alarms.insights_queries(monitoring.AlarmType.LAMBDA_ERRORS) == []
    alarms.spec_for(monitoring.AlarmType.LAMBDA_DURATION, "S/Fn")
    assert dashboard.dashboard_name
    assert len(stack.node.find_all()) == before
