"""constructs_lib._passes: what the passes of XRayTracing and LambdaInstrumentation share."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack, Stage
from constructs import Construct

from constructs_lib import _passes
from constructs_lib._passes import PathDecisions, ref_of, root_key, same_root, stages_under


class _PipelineStage(Stage):
    """A Stage subclass written in Python, as apps define them for CDK Pipelines."""


@pytest.fixture(params=["among Python's objects", "by a walk", "another jsii library loaded"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "by a walk":  # as if jsii kept its objects elsewhere

        def elsewhere() -> dict[str, object]:
            raise LookupError("elsewhere")

        monkeypatch.setattr(_passes, "registered_objects", elsewhere)
    if request.param == "another jsii library loaded":  # one that might make Stages in Node.js: the app is walked
        monkeypatch.setattr(_passes, "_only_libraries_without_stages", lambda: False)
    return str(request.param)


def test_a_stage_made_in_node_is_found_when_a_library_that_might_make_one_is_loaded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import jsii
    from jsii._kernel import _make_reference_for_native
    from jsii._kernel.types import CreateRequest

    app = App()
    made = jsii.kernel.provider.create(CreateRequest(fqn="aws-cdk-lib.Stage", args=_make_reference_for_native(
        jsii.kernel, [app, "MadeInNode"]), overrides=[], interfaces=[]))  # as a TypeScript library would
    assert made.ref not in _passes.registered_objects()
    assert _passes._only_libraries_without_stages()  # this suite loads aws-cdk-lib, constructs and cdk-nag only
    assert stages_under(app) == []  # not seen among Python's objects: the pass would stop synthesis, saying so
    monkeypatch.setattr(_passes, "_only_libraries_without_stages", lambda: False)
    assert [s.node.path for s in stages_under(app)] == ["MadeInNode"]


def test_stages_under_finds_every_nested_stage_as_find_all_does(way: str) -> None:
    other = App()
    Stage(Stack(other, "Pipeline"), "Prod")  # the same paths in another app: not found
    app = App()
    pipeline = Stack(app, "Pipeline")
    in_stack = _PipelineStage(pipeline, "Prod")  # CDK Pipelines: the Stage inside the pipeline stack
    deep = Stage(Construct(Stack(in_stack, "Service"), "Group"), "Deep")
    Stage(app, "Top")
    for n in range(3):
        Stack(app, f"Plain{n}")
    expected = [n.node.path for n in app.node.find_all() if isinstance(n, Stage) and n.node.path]
    found = stages_under(app)
    assert [s.node.path for s in found] == expected == ["Pipeline/Prod", "Pipeline/Prod/Service/Group/Deep", "Top"]
    assert found[0] is in_stack  # the Python object itself, of its Python class
    assert [ref_of(s) for s in stages_under(in_stack)] == [ref_of(deep)]  # the scope itself is left out
    assert [s.node.path for s in stages_under(pipeline)] == expected[:2]


def test_path_decisions_take_the_nearest_and_the_latest() -> None:
    app = App()
    decisions = PathDecisions.of(app)
    decisions.decide("Orders", "enable")
    decisions.decide("Orders/Api", "exclude")
    decisions.decide("Orders/Api", "enable again")
    assert decisions.nearest("Orders/Api/Resource") == "enable again"
    assert decisions.nearest("Orders/Queue") == "enable"
    assert decisions.nearest("Other") is None
    assert PathDecisions.of(Stack(app, "S")) is decisions  # one per app


def test_root_key_is_the_apps_and_same_root_records_it_without_asking() -> None:
    app, other = App(), App()
    stack, elsewhere = Stack(app, "S"), Stack(other, "S")
    assert root_key(stack) == ref_of(app) != root_key(elsewhere) == ref_of(other)
    made = Construct(stack, "Made")
    same_root(made, stack)
    assert root_key(made) == ref_of(made.node.root) == ref_of(app)
    assert PathDecisions.of(made) is PathDecisions.of(app) is not PathDecisions.of(other)
