"""constructs_lib._pipeline: batched reads and writes give exactly what jsii's one-by-one requests give, in order,
and objects implemented in Python (which Node.js may call back) still go through jsii."""

from __future__ import annotations

import json
from typing import Any

import jsii
import pytest
from aws_cdk import App, Aspects, IAspect, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template
from aws_cdk.aws_codebuild import IBuildImage
from constructs import Construct, IValidation

from constructs_lib import _pipeline
from constructs_lib._pipeline import create_each, get_each, invoke_each, set_each

from .conftest import only_objects_from_here

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


class _RecordingRole(iam.Role):
    """A role whose Python override aws-cdk-lib calls back from a grant."""

    added: list[Any]

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        self.added.append(statement)
        return super().add_to_principal_policy(statement)


@jsii.implements(IAspect)
class _Aspect:
    """Overrides ``visit`` only, which Node.js calls while synthesizing, never from a grant."""

    def visit(self, node: Any) -> None:
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
    # Batched, Node.js refuses the value; one by one, jsii's Python type check does, as for ``l1.timeout = "ten"``.
    error, message = (RuntimeError, "Unable to deserialize value as number") if mode == "pipelined" else (
        TypeError, "type of argument value must be one of")
    with pytest.raises(error, match=message):
        set_each([(l1s[0], "timeout", 10), (l1s[1], "timeout", "ten"), (l1s[2], "timeout", 30)])
    assert get_each(l1s, "cfnResourceType") == ["AWS::Lambda::Function"] * 4
    # One by one, the first error stops the caller; in a batch, the others were still applied.
    assert get_each(l1s[:3], "timeout") == ([10, None, 30] if mode == "pipelined" else [10, None, None])


def _counted_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the batches written to Node.js from now on (a list filled as they go)."""
    batches: list[int] = []
    written_together = _pipeline._written_together

    def counting(process: Any, encoded: list[bytes], types: list[type]) -> list[Any]:
        batches.append(len(encoded))
        return written_together(process, encoded, types)

    monkeypatch.setattr(_pipeline, "_written_together", counting)
    return batches


def _grants(monkeypatch: pytest.MonkeyPatch, *, role: bool) -> tuple[dict[str, Any], list[int], _RecordingRole | None]:
    """Five functions granted the same statement with ``invoke_each``: the template, the sizes of the batches."""
    batches = _counted_batches(monkeypatch)
    stack = Stack(App(), "S")
    Aspects.of(stack).add(_Aspect())
    functions = _functions(stack, 5)
    recording = None
    if role:
        recording = _RecordingRole(stack, "Recording", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        recording.added = []
        functions.append(lambda_.Function(stack, "WithRole", runtime=lambda_.Runtime.PYTHON_3_13,
                                          handler="index.handler", code=CODE, role=recording))
    statement = iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"])
    del batches[:]
    assert invoke_each([(fn, "addToRolePolicy", [statement]) for fn in functions]) == [None] * len(functions)
    return Template.from_stack(stack).to_json(), batches, recording


def test_method_calls_batch_while_nothing_can_be_called_back(monkeypatch: pytest.MonkeyPatch) -> None:
    only_objects_from_here(monkeypatch)
    template, batches, _ = _grants(monkeypatch, role=False)  # an aspect (visit only) does not stop it
    assert batches == [5]
    monkeypatch.setattr(_pipeline, "_nothing_to_call_back", lambda: False)
    one_by_one, batches, _ = _grants(monkeypatch, role=False)
    assert batches == [] and one_by_one == template


def test_an_object_that_overrides_a_member_stops_method_calls_from_batching(monkeypatch: pytest.MonkeyPatch) -> None:
    only_objects_from_here(monkeypatch)
    _, batches, recording = _grants(monkeypatch, role=True)
    assert batches == [] and recording is not None and len(recording.added) == 1  # its override ran
    assert not _pipeline._nothing_to_call_back()  # for the rest of the process: jsii never frees an object


def test_the_guard_reads_what_jsii_registers_as_overrides() -> None:
    """jsii calls back exactly the members it registered as overrides when Python created the object."""
    from jsii._kernel import _get_overides

    stack = Stack(App(), "S")
    role = _RecordingRole(stack, "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    aspect = _Aspect()
    assert {o.method for o in _get_overides(type(role), role)} == {"addToPrincipalPolicy"}
    assert {o.method for o in _get_overides(type(aspect), aspect)} == {"visit"} <= _pipeline._SYNTH_ONLY
    assert _pipeline.registered_objects()[role.__jsii_ref__.ref] is role


def _alarms(monkeypatch: pytest.MonkeyPatch, cls: type[cw.CfnAlarm]) -> tuple[dict[str, Any], list[Any], list[int]]:
    batches = _counted_batches(monkeypatch)
    stack = Stack(App(), "S")
    owner = Construct(stack, "Owner")
    props = [{"alarm_name": f"a{i}", "comparison_operator": "GreaterThanOrEqualToThreshold", "threshold": i,
              "evaluation_periods": 1, "metrics": [{"id": "q", "expression": "SELECT MAX(Errors) FROM "
                                                    'SCHEMA("AWS/Lambda", FunctionName)', "period": 300}]}
             for i in range(3)]
    made = create_each(cls, cw.CfnAlarmProps, [(owner, f"A{i}", p) for i, p in enumerate(props)])
    return Template.from_stack(stack).to_json(), made, batches


class _OwnAlarm(cw.CfnAlarm):
    """A Python subclass: made through its own constructor."""


def test_l1s_are_made_together_as_their_constructor_makes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    only_objects_from_here(monkeypatch)
    template, made, batches = _alarms(monkeypatch, cw.CfnAlarm)
    assert batches == [3]
    assert [type(a) for a in made] == [cw.CfnAlarm] * 3 and [a.threshold for a in made] == [0, 1, 2]
    assert all(_pipeline.registered_objects()[a.__jsii_ref__.ref] is a for a in made)  # as jsii.create leaves it
    assert [a.node.path for a in made] == ["S/Owner/A0", "S/Owner/A1", "S/Owner/A2"]
    subclassed, made, batches = _alarms(monkeypatch, _OwnAlarm)
    assert batches == [] and [type(a) for a in made] == [_OwnAlarm] * 3 and subclassed == template
    monkeypatch.setattr(_pipeline, "_nothing_to_call_back", lambda: False)
    one_by_one, _, batches = _alarms(monkeypatch, cw.CfnAlarm)
    assert batches == [] and one_by_one == template


@jsii.implements(IValidation)
class _Validation:
    def validate(self) -> list[str]:
        return []


@jsii.implements(IBuildImage)
class _BuildImage:
    """``validate`` here is IBuildImage's, which codebuild's Project calls in its constructor."""

    def validate(self, build_environment: Any) -> list[str]:
        return []


def test_only_members_node_calls_while_synthesizing_keep_batching_on() -> None:
    from jsii._kernel import _get_overides

    def quiet(obj: Any) -> bool:
        return _pipeline._quiet(type(obj), _get_overides(type(obj), obj))

    assert quiet(_Aspect()) and quiet(_Validation())
    assert not quiet(_BuildImage())  # the same member name, another interface
    role = _RecordingRole(Stack(App(), "S"), "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    assert not quiet(role)


def test_one_by_one_requests_answer_callbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without jsii's process at hand (a jsii release that changed it), a request the guard let through goes alone,
    and still has its callbacks answered (as jsii does)."""
    monkeypatch.setattr(_pipeline, "_process", lambda: None)
    monkeypatch.setattr(_pipeline, "_nothing_to_call_back", lambda: True)  # as if the guard had missed the role
    stack = Stack(App(), "S")
    role = _RecordingRole(stack, "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.added = []
    fn = lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler", code=CODE,
                          role=role)
    statement = iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"])
    assert invoke_each([(fn, "addToRolePolicy", [statement])]) == [None]
    assert len(role.added) == 1  # the override ran
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    assert "xray:PutTraceSegments" in json.dumps(policies)
