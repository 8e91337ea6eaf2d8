"""constructs_lib._pipeline: batched reads and writes give exactly what jsii's one-by-one requests give, in order,
and objects implemented in Python (which Node.js may call back) still go through jsii."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from constructs_lib import _pipeline
from constructs_lib._pipeline import get_each, set_each

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return None\n")


class _OwnFunction(lambda_.CfnFunction):
    """A Python subclass: requests on it go through jsii, which answers any callback."""


def _functions(stack: Stack, count: int) -> list[lambda_.Function]:
    return [lambda_.Function(stack, f"Fn{i}", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                             code=CODE) for i in range(count)]


@pytest.fixture(params=["pipelined", "one by one"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "one by one":
        monkeypatch.setenv("CONSTRUCTS_LIB_PIPELINE", "0")
    return str(request.param)


def test_the_pipeline_is_in_use_with_this_jsii() -> None:
    """If a jsii release changes its child process, the slow path takes over silently: this says so."""
    assert _pipeline._process() is not None


def test_reads_match_jsii_in_order_across_chunks(mode: str) -> None:
    stack = Stack(App(), "S")
    functions = _functions(stack, _pipeline._CHUNK * 2 + 5)  # three chunks
    l1s = [fn.node.default_child for fn in functions]
    l1s[7].tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")  # type: ignore[union-attr]
    assert get_each(l1s, "tracingConfig") == [fn.tracing_config for fn in l1s]  # type: ignore[union-attr]
    assert [n.path for n in get_each(functions, "node")] == [fn.node.path for fn in functions]
    raw = get_each(l1s[:3], "node", raw=True)
    assert all(hasattr(r, "ref") for r in raw)  # jsii's references, no Python proxies made


def test_objects_implemented_in_python_go_through_jsii_in_order(mode: str) -> None:
    stack = Stack(App(), "S")
    plain = lambda_.CfnFunction(stack, "Plain", code={"zipFile": "x"}, role="arn:aws:iam::111111111111:role/r")
    mine = _OwnFunction(stack, "Mine", code={"zipFile": "x"}, role="arn:aws:iam::111111111111:role/r",
                        tracing_config=lambda_.CfnFunction.TracingConfigProperty(mode="PassThrough"))
    assert not _pipeline._no_callback(mine)
    assert _pipeline._no_callback(plain) and _pipeline._no_callback(plain.node)
    assert not _pipeline._plain(mine) and _pipeline._plain({"a": [plain, 1, None]})
    values = get_each([plain, mine, plain], "tracingConfig")
    assert [v.mode if v else None for v in values] == [None, "PassThrough", None]
    set_each([(mine, "tracingConfig", None), (plain, "tracingConfig", {"mode": "Active"})])
    assert mine.tracing_config is None and stack.resolve(plain.tracing_config) == {"mode": "Active"}


def test_writes_give_the_template_direct_writes_give(mode: str) -> None:
    def build(batched: bool) -> dict[str, Any]:
        stack = Stack(App(), "S")
        functions = _functions(stack, 5)
        statement = iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"])
        l1s = [fn.node.default_child for fn in functions]
        if batched:
            set_each((fn, "tracingConfig", lambda_.CfnFunction.TracingConfigProperty(mode="Active")) for fn in l1s)
        else:
            for l1 in l1s:
                l1.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")  # type: ignore[union-attr]
        for fn in functions:
            fn.add_to_role_policy(statement)
        return Template.from_stack(stack).to_json()  # type: ignore[no-any-return]

    assert build(True) == build(False)


def test_an_error_is_raised_after_the_batch_and_leaves_the_pipe_clean(mode: str) -> None:
    stack = Stack(App(), "S")
    l1s = [fn.node.default_child for fn in _functions(stack, 4)]
    with pytest.raises(Exception, match="doesn't have a property 'nonexistent'"):
        get_each(l1s, "nonexistent")
    assert get_each(l1s, "cfnResourceType") == ["AWS::Lambda::Function"] * 4
