"""constructs_lib._pipeline: batched reads and writes give exactly what jsii's one-by-one requests give, in order,
and objects implemented in Python (which Node.js may call back) still go through jsii."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from constructs_lib import _pipeline
from constructs_lib._pipeline import get_each, set_each

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return None\n")


class _OwnFunction(lambda_.CfnFunction):
    """A Python subclass: requests on it go through its Python attributes."""


class _DecidingStage(apigateway.CfnStage):
    """A user's L1 subclass whose Python property decides the value: its getter and setter must run."""

    written: list[Any]

    @property  # type: ignore[override]
    def tracing_enabled(self) -> Any:
        return False

    @tracing_enabled.setter
    def tracing_enabled(self, value: Any) -> None:
        self.written.append(value)


class _PythonPrincipal(iam.PrincipalBase):
    """A principal implemented in Python: aws-cdk-lib's getters call back into it."""

    @property
    def policy_fragment(self) -> iam.PrincipalPolicyFragment:
        return iam.PrincipalPolicyFragment({"AWS": ["arn:aws:iam::111111111111:root"]})

    def dedupe_string(self) -> str | None:
        return None


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


def test_objects_implemented_in_python_go_through_their_python_attributes_in_order(mode: str) -> None:
    stack = Stack(App(), "S")
    plain = lambda_.CfnFunction(stack, "Plain", code={"zipFile": "x"}, role="arn:aws:iam::111111111111:role/r")
    mine = _OwnFunction(stack, "Mine", code={"zipFile": "x"}, role="arn:aws:iam::111111111111:role/r",
                        tracing_config=lambda_.CfnFunction.TracingConfigProperty(mode="PassThrough"))
    assert not _pipeline._batchable(mine, "tracingConfig")
    assert _pipeline._batchable(plain, "tracingConfig") and _pipeline._batchable(plain.node, "path")
    assert not _pipeline._plain(mine) and _pipeline._plain({"a": [plain, 1, None]})
    values = get_each([plain, mine, plain], "tracingConfig")
    assert [v.mode if v else None for v in values] == [None, "PassThrough", None]
    set_each([(mine, "tracingConfig", None), (plain, "tracingConfig", {"mode": "Active"})])
    assert mine.tracing_config is None and stack.resolve(plain.tracing_config) == {"mode": "Active"}


def test_a_python_property_override_runs(mode: str) -> None:
    stack = Stack(App(), "S")
    stage = _DecidingStage(stack, "Stage", rest_api_id="abc")
    stage.written = []
    plain = apigateway.CfnStage(stack, "Plain", rest_api_id="abc")
    assert get_each([plain, stage], "tracingEnabled") == [None, False]
    set_each([(stage, "tracingEnabled", True), (plain, "tracingEnabled", True)])
    assert stage.written == [True] and plain.tracing_enabled is True


def test_only_plain_fields_are_batched(mode: str) -> None:
    """A getter that is not a generated L1 property may run Python code (here: a principal implemented in
    Python); it goes through its Python attribute, and the exchange with Node.js stays in step."""
    stack = Stack(App(), "S")
    composite = iam.CompositePrincipal(_PythonPrincipal())
    other = iam.CompositePrincipal(iam.AccountPrincipal("222222222222"))
    assert _pipeline._no_callback(composite) and not _pipeline._batchable(composite, "policyFragment")
    fragments = get_each([composite, other], "policyFragment")
    assert stack.resolve(fragments[0].principal_json) == {"AWS": ["arn:aws:iam::111111111111:root"]}
    assert stack.node.path == "S"


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
    with pytest.raises(RuntimeError, match="Unable to deserialize value as number"):
        set_each([(l1s[0], "timeout", 10), (l1s[1], "timeout", "ten"), (l1s[2], "timeout", 30)])
    assert get_each(l1s, "cfnResourceType") == ["AWS::Lambda::Function"] * 4
    # One by one, the first error stops the caller; in a batch, the others were still applied.
    assert get_each(l1s[:3], "timeout") == ([10, None, 30] if mode == "pipelined" else [10, None, None])
