"""constructs_lib._walk: a walk that makes Python objects only for the constructs asked for gives exactly what
``find_all`` gives for them, in the same order."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, CfnResource, NestedStack, Resource, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from jsii._reference_map import InterfaceDynamicProxy

from constructs_lib import _walk
from constructs_lib._passes import ref_of
from constructs_lib._walk import Walk, inherits

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return None\n")


class _OwnFunction(lambda_.Function):
    """An L2 subclass written in Python."""


class _OwnQueueL1(sqs.CfnQueue):
    """An L1 subclass written in Python."""


def _app() -> tuple[App, Stack]:
    app = App()
    stack = Stack(app, "S")
    lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler", code=CODE)
    _OwnFunction(stack, "Own", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler", code=CODE)
    _OwnQueueL1(stack, "OwnQueue")
    sqs.Queue(stack, "Queue")
    nested = NestedStack(stack, "Nested")
    lambda_.CfnFunction(nested, "Bare", code={"zipFile": "x"}, role="arn:aws:iam::111111111111:role/r")
    CfnResource(nested, "Custom", type="Custom::Thing")
    return app, stack


def _as_find_all(scope: Any, wanted: Any) -> list[tuple[str, type]]:
    return [(n.node.path, type(n)) for n in scope.node.find_all() if wanted(type(n))]


@pytest.fixture(params=["references", "find_all"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "find_all":  # as if jsii answered in a form the walk does not know
        monkeypatch.setattr(_walk, "_references", lambda scope: None)
    return str(request.param)


@pytest.mark.parametrize("wanted", [
    lambda cls: issubclass(cls, lambda_.Function),
    lambda cls: issubclass(cls, CfnResource),
    lambda cls: issubclass(cls, (sqs.CfnQueue, NestedStack)),
    lambda cls: cls is InterfaceDynamicProxy or cls is Resource,
    lambda cls: True,
], ids=["L2 functions", "L1s", "queues and nested stacks", "imports", "everything"])
def test_objects_are_those_find_all_gives_in_its_order(way: str, wanted: Any) -> None:
    app, stack = _app()
    iam.Role.from_role_arn(stack, "Imported", "arn:aws:iam::111111111111:role/x")
    iam.Role.from_role_arn(stack, "Fixed", "arn:aws:iam::111111111111:role/y", mutable=False)
    lambda_.Function.from_function_arn(stack, "ImportedFn", "arn:aws:lambda:eu-west-1:111111111111:function:f")
    for scope in (app, stack):
        found = Walk(scope).objects(wanted)
        assert [(n.node.path, type(n)) for n in found] == _as_find_all(scope, wanted)
    assert Walk(app).keys() == [ref_of(n) for n in app.node.find_all()]
    assert len(Walk(stack)) == len(stack.node.find_all())


def test_objects_python_made_are_given_as_they_are(way: str) -> None:
    app, stack = _app()
    own = stack.node.find_child("Own")
    (found,) = Walk(app).objects(lambda cls: issubclass(cls, _OwnFunction))
    assert found is own and type(found) is _OwnFunction


@pytest.mark.parametrize("imported", ["role", "immutable role", "none"])
def test_has_imports_tells_an_imported_construct(way: str, imported: str) -> None:
    app, stack = _app()
    if imported == "role":
        iam.Role.from_role_arn(stack, "Imported", "arn:aws:iam::111111111111:role/x")
    elif imported == "immutable role":
        iam.Role.from_role_arn(stack, "Fixed", "arn:aws:iam::111111111111:role/y", mutable=False)
    expected = any(type(n) is Resource or isinstance(n, InterfaceDynamicProxy) for n in app.node.find_all())
    assert expected is (imported != "none")
    assert Walk(app).has_imports() is expected


def test_inherits_answers_as_issubclass_does() -> None:
    classes = [lambda_.Function, lambda_.CfnFunction, sqs.Queue, sqs.CfnQueue, _OwnFunction, _OwnQueueL1, Stack,
               NestedStack, Resource, CfnResource, InterfaceDynamicProxy, iam.Role]
    bases: list[tuple[type, ...]] = [(CfnResource,), (lambda_.FunctionBase,), (Stack,),
                                     (lambda_.Function, sqs.CfnQueue)]
    for cls in classes:
        for of in bases:
            assert inherits(cls, *of) == issubclass(cls, of), (cls, of)
