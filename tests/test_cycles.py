"""The dependency-cycle check (tests/_cycles.py) that runs on every template the suite synthesizes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sns as sns

from ._cycles import CycleError, assert_acyclic, dependency_graph, find_cycle


def resource(**properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::Test::Thing", "Properties": properties}


def test_every_kind_of_reference_is_an_edge() -> None:
    template = {"Resources": {
        "A": resource(X={"Ref": "B"}, Y={"Fn::GetAtt": ["C", "Arn"]}, Z={"Fn::GetAtt": "D.Arn"}),
        "B": resource(S={"Fn::Sub": "arn:${AWS::Partition}:x:${E}:${F.Arn}:${!G}"}),
        "C": resource(S={"Fn::Sub": ["${Local}-${H}", {"Local": {"Ref": "I"}}]}),
        "D": {"Type": "AWS::Test::Thing", "DependsOn": "E"},
        "E": {"Type": "AWS::Test::Thing", "DependsOn": ["F"]},
        "F": resource(), "G": resource(), "H": resource(), "I": resource(),
        "J": resource(P={"Ref": "AWS::Region"}, Q={"Fn::If": ["Cond", {"Ref": "F"}, {"Ref": "AWS::NoValue"}]}),
    }}
    assert dependency_graph(template) == {
        "A": {"B", "C", "D"}, "B": {"E", "F"}, "C": {"H", "I"}, "D": {"E"}, "E": {"F"},
        "F": set(), "G": set(), "H": set(), "I": set(), "J": {"F"},
    }


@pytest.mark.parametrize("edges, expected", [
    ({"A": {"B"}, "B": {"C"}, "C": set()}, None),
    ({"A": {"B"}, "B": {"C"}, "C": {"A"}}, ["A", "B", "C", "A"]),
    ({"A": {"A"}}, ["A", "A"]),
    ({"A": {"B"}, "B": {"C"}, "C": {"B"}, "D": {"A"}}, ["B", "C", "B"]),
])
def test_find_cycle(edges: dict[str, set[str]], expected: list[str] | None) -> None:
    assert find_cycle(edges) == expected


def test_a_cyclic_template_fails_with_the_resources_on_the_cycle() -> None:
    template = {"Resources": {
        "Function": {"Type": "AWS::Lambda::Function", "DependsOn": ["Policy"], "Properties": {}},
        "Policy": resource(Roles=[{"Ref": "Role"}]),
        "Role": resource(Policies=[{"Resource": {"Fn::GetAtt": ["Function", "Arn"]}}]),
    }}
    with pytest.raises(CycleError, match="Function -> Policy -> Role -> Function"):
        assert_acyclic(template)


def test_the_hook_checks_what_app_synth_writes(tmp_path: Path) -> None:
    """The negative control for the session-wide hook: a cycle made with escape hatches fails ``app.synth()``."""
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Cyclic")
    first, second = sns.CfnTopic(stack, "First"), sns.CfnTopic(stack, "Second")
    first.add_dependency(second)
    second.add_property_override("DisplayName", first.attr_topic_name)
    with pytest.raises(CycleError, match="First -> Second -> First"):
        app.synth()
