"""XRayTracing: every service traced, permissions in place, the SNS resource policy, warnings, idempotence,
exclusion, explicit settings respected, CDK-internal functions covered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Aspects, NestedStack, RemovalPolicy, Stack, Stage, triggers
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigatewayv2
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Annotations, Match, Template

from constructs_lib import SnsTracingResourcePolicy, TracingMode, XRayTracing, XRayValidationError
from constructs_lib import tracing as tracing_module
from constructs_lib.tracing import LAMBDA_XRAY_ACTIONS, METADATA_FLAG, STATES_XRAY_ACTIONS
from constructs_lib.tracing import scope_pass as scope_pass_module

from ._cycles import assert_acyclic
from .conftest import only_objects_from_here, resources_of

MakeStack = Callable[..., Stack]
LAMBDA_TRUST = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                               "Principal": {"Service": "lambda.amazonaws.com"}}]}


def function(scope: Stack, id: str = "Fn", **kwargs: Any) -> lambda_.Function:
    return lambda_.Function(
        scope, id, runtime=lambda_.Runtime.PYTHON_3_14, handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): return {}"), **kwargs,
    )


def state_machine(scope: Stack, id: str = "Machine", **kwargs: Any) -> sfn.StateMachine:
    return sfn.StateMachine(
        scope, id, definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(scope, f"{id}Pass")), **kwargs
    )


def template(stack: Stack) -> dict[str, Any]:
    return Template.from_stack(stack).to_json()  # type: ignore[no-any-return]


def only(resources: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    assert len(resources) == 1, resources
    return next(iter(resources.items()))


def xray_policies(tpl: dict[str, Any], actions: tuple[str, ...]) -> dict[str, list[str]]:
    """Logical id -> roles of every ``AWS::IAM::Policy`` with a statement allowing exactly ``actions`` on '*'."""
    found = {}
    for logical_id, resource in resources_of(tpl, "AWS::IAM::Policy").items():
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            granted = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if statement["Resource"] == "*" and sorted(granted) == sorted(actions):
                found[logical_id] = [r["Ref"] if isinstance(r, dict) else r for r in resource["Properties"]["Roles"]]
    return found


def xray_policy_roles(tpl: dict[str, Any], actions: tuple[str, ...]) -> list[str]:
    """Logical ids of the roles that an X-Ray policy for ``actions`` is attached to."""
    return sorted(role for roles in xray_policies(tpl, actions).values() for role in roles)


def assert_granted_before_creation(tpl: dict[str, Any], logical_id: str, actions: tuple[str, ...]) -> str:
    """``logical_id``'s role has ``actions`` in a policy of its own, which ``logical_id`` DependsOn; returns it."""
    resource = tpl["Resources"][logical_id]
    role_property = "RoleArn" if resource["Type"] == "AWS::StepFunctions::StateMachine" else "Role"
    role = resource["Properties"][role_property]["Fn::GetAtt"][0]
    policies = [p for p, roles in xray_policies(tpl, actions).items() if role in roles]
    assert len(policies) == 1, (logical_id, policies)
    assert xray_policies(tpl, actions)[policies[0]] == [role]  # no policy shared with other roles
    assert policies[0] in resource.get("DependsOn", []), (logical_id, resource.get("DependsOn"))
    return policies[0]


def tracing_modes(tpl: dict[str, Any]) -> dict[str, Any]:
    """TracingConfig by function, keyed by logical id without CDK's 8-character hash."""
    return {k[:-8]: v["Properties"].get("TracingConfig") for k, v in resources_of(tpl, "AWS::Lambda::Function").items()}


def warnings(stack: Stack, code: str) -> list[str]:
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(f"@constructs-lib/xray:{code}"))
    return [m.id for m in found]


# -- Lambda -------------------------------------------------------------------------------------------------
class TestLambda:
    def test_l2_function_gets_active_tracing_and_permissions_before_creation(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        fn = function(stack)
        XRayTracing.enable(stack)
        tpl = template(stack)
        fn_id, fn_res = only(resources_of(tpl, "AWS::Lambda::Function"))
        assert fn_res["Properties"]["TracingConfig"] == {"Mode": "Active"}
        role_id = stack.resolve((fn.role.node.default_child).logical_id)  # type: ignore[union-attr]
        assert xray_policy_roles(tpl, LAMBDA_XRAY_ACTIONS) == [role_id]
        # where aws-cdk-lib puts it for tracing=ACTIVE: the role's default policy
        policy = assert_granted_before_creation(tpl, fn_id, LAMBDA_XRAY_ACTIONS)
        assert policy.startswith("FnServiceRoleDefaultPolicy")

    def test_the_template_is_what_aws_cdk_lib_makes_for_tracing_active(self, make_stack: MakeStack) -> None:
        by_hand, traced = make_stack("ByHand"), make_stack("Traced")
        function(by_hand, tracing=lambda_.Tracing.ACTIVE)
        function(traced)
        XRayTracing.enable(traced)
        assert template(by_hand)["Resources"] == template(traced)["Resources"]

    def test_bare_cfn_function_gets_tracing_and_its_role_the_permissions(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        role = iam.CfnRole(stack, "Role", assume_role_policy_document={
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                           "Principal": {"Service": "lambda.amazonaws.com"}}]})
        lambda_.CfnFunction(stack, "Bare", role=role.attr_arn, runtime="python3.14", handler="index.handler",
                            code=lambda_.CfnFunction.CodeProperty(zip_file="def handler(e, c): pass"))
        XRayTracing.enable(stack)
        tpl = template(stack)
        fn = tpl["Resources"]["Bare"]
        assert fn["Properties"]["TracingConfig"] == {"Mode": "Active"}
        assert xray_policy_roles(tpl, LAMBDA_XRAY_ACTIONS) == ["Role"]
        assert fn["DependsOn"] == [assert_granted_before_creation(tpl, "Bare", LAMBDA_XRAY_ACTIONS)]

    def test_one_policy_per_bare_role_shared_only_by_its_own_functions(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        roles = [iam.CfnRole(stack, f"Role{i}", assume_role_policy_document=LAMBDA_TRUST) for i in range(2)]
        for i, role in enumerate([roles[0], roles[0], roles[1]]):
            lambda_.CfnFunction(stack, f"Bare{i}", role=role.attr_arn, runtime="python3.14", handler="i.h",
                                code=lambda_.CfnFunction.CodeProperty(zip_file="def h(e, c): pass"))
        XRayTracing.enable(stack)
        tpl = template(stack)
        policies = [assert_granted_before_creation(tpl, f"Bare{i}", LAMBDA_XRAY_ACTIONS) for i in range(3)]
        assert policies[0] == policies[1] != policies[2]
        assert sorted(xray_policies(tpl, LAMBDA_XRAY_ACTIONS).values()) == [["Role0"], ["Role1"]]

    def test_functions_cdk_creates_itself_are_traced(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        s3.Bucket(stack, "Bucket", auto_delete_objects=True, removal_policy=RemovalPolicy.DESTROY)
        logs.LogRetention(stack, "Retention", log_group_name="/x", retention=logs.RetentionDays.ONE_DAY)
        XRayTracing.enable(stack)
        tpl = template(stack)
        functions = resources_of(tpl, "AWS::Lambda::Function")
        assert len(functions) == 2  # the auto-delete provider and the log-retention function
        for logical_id, fn in functions.items():
            assert fn["Properties"]["TracingConfig"] == {"Mode": "Active"}
            assert_granted_before_creation(tpl, logical_id, LAMBDA_XRAY_ACTIONS)

    def test_explicit_pass_through_is_kept_and_the_l2_grant_is_not_repeated(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        function(stack, tracing=lambda_.Tracing.PASS_THROUGH)
        XRayTracing.enable(stack)
        tpl = template(stack)
        _, fn = only(resources_of(tpl, "AWS::Lambda::Function"))
        assert fn["Properties"]["TracingConfig"] == {"Mode": "PassThrough"}
        # the L2 granted it in its default policy; the aspect's grant merges with it, not repeated
        (policy,) = resources_of(tpl, "AWS::IAM::Policy").values()
        assert policy["Properties"]["PolicyDocument"]["Statement"] == [
            {"Action": sorted(LAMBDA_XRAY_ACTIONS), "Effect": "Allow", "Resource": "*"}]

    def test_tracing_turned_off_on_the_l2_is_respected(self, make_stack: MakeStack) -> None:
        stack = make_stack()  # cdk.json turns on @aws-cdk/core:enableAdditionalMetadataCollection
        function(stack, tracing=lambda_.Tracing.DISABLED)
        XRayTracing.enable(stack)
        tpl = template(stack)
        assert "TracingConfig" not in only(resources_of(tpl, "AWS::Lambda::Function"))[1]["Properties"]
        assert xray_policy_roles(tpl, LAMBDA_XRAY_ACTIONS) == []

    def test_tracing_forced_on_the_l1_of_an_l2_still_gets_the_permissions(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        fn = function(stack)
        fn.node.default_child.tracing_config = {"mode": "Active"}  # type: ignore[union-attr]
        XRayTracing.enable(stack)
        tpl = template(stack)
        role_id = stack.resolve(fn.role.node.default_child.logical_id)  # type: ignore[union-attr]
        assert xray_policy_roles(tpl, LAMBDA_XRAY_ACTIONS) == [role_id]

    def test_pass_through_mode(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        function(stack)
        XRayTracing.enable(stack, mode=TracingMode.PASS_THROUGH)
        _, fn = only(resources_of(template(stack), "AWS::Lambda::Function"))
        assert fn["Properties"]["TracingConfig"] == {"Mode": "PassThrough"}

    def test_imported_role_is_granted_as_aws_cdk_lib_does_unless_immutable(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        arn = "arn:aws:iam::111111111111:role/ops"
        function(stack, "Mutable", role=iam.Role.from_role_arn(stack, "Imported", arn))
        function(stack, "Fixed", role=iam.Role.from_role_arn(stack, "ImportedFixed", arn, mutable=False))
        XRayTracing.enable(stack)
        tpl = template(stack)
        (policy,) = xray_policies(tpl, LAMBDA_XRAY_ACTIONS)  # aws-cdk-lib's own Policy, attached by role name
        assert tpl["Resources"][policy]["Properties"]["Roles"] == ["ops"]
        mutable = next(k for k in resources_of(tpl, "AWS::Lambda::Function") if k.startswith("Mutable"))
        assert policy in tpl["Resources"][mutable]["DependsOn"]
        assert warnings(stack, "importedRole") == ["/Test/Fixed/Resource"]

    def test_imported_function_gets_a_warning(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        lambda_.Function.from_function_arn(stack, "Ext", "arn:aws:lambda:eu-west-1:111111111111:function:ext")
        sns.Topic(stack, "Topic")  # a template needs at least one resource
        XRayTracing.enable(stack)
        template(stack)
        assert warnings(stack, "importedFunction") == ["/Test/Ext"]

    def test_invalid_explicit_mode_is_a_synth_error(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        fn = function(stack)
        fn.node.default_child.tracing_config = {"mode": "On"}  # type: ignore[union-attr]
        XRayTracing.enable(stack)
        with pytest.raises(Exception, match=r"TracingConfig.Mode must be one of Active, PassThrough, got 'On'"):
            template(stack)


# -- API Gateway ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("grants", ["batched", "one by one"])
def test_a_shared_role_gets_its_statements_in_tree_order(grants: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pass reads and sets functions' modes in batches, and grants in the order of the walk (batched when no
    object can be called back, else one by one): a role shared by a state machine and a function made after it
    lists the Step Functions statement first, as tracing by hand would."""
    from constructs_lib import _pipeline

    monkeypatch.setattr(scope_pass_module, "_cdk_nag_loaded", lambda: False)
    if grants == "batched":
        only_objects_from_here(monkeypatch)
    else:
        monkeypatch.setattr(_pipeline, "_nothing_to_call_back", lambda: False)
    stack = Stack(App(), "S")
    role = iam.Role(stack, "Shared", assumed_by=iam.CompositePrincipal(
        iam.ServicePrincipal("lambda.amazonaws.com"), iam.ServicePrincipal("states.amazonaws.com")))
    sfn.StateMachine(stack, "Machine", role=role,
                     definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Step")))
    lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler", role=role,
                     code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"))
    XRayTracing.enable(stack)
    (policy,) = resources_of(template(stack), "AWS::IAM::Policy").values()
    actions = [s["Action"] for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert [sorted(a) for a in actions] == [sorted(STATES_XRAY_ACTIONS), sorted(LAMBDA_XRAY_ACTIONS)], actions


class TestApiGateway:
    def test_rest_stage_is_traced(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        api = apigateway.RestApi(stack, "Api")
        api.root.add_method("GET", apigateway.MockIntegration())
        XRayTracing.enable(stack)
        Template.from_stack(stack).has_resource_properties("AWS::ApiGateway::Stage", {"TracingEnabled": True})

    def test_explicit_false_on_a_stage_is_kept(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        api = apigateway.RestApi(stack, "Api", deploy_options=apigateway.StageOptions(tracing_enabled=False))
        api.root.add_method("GET", apigateway.MockIntegration())
        XRayTracing.enable(stack)
        Template.from_stack(stack).has_resource_properties("AWS::ApiGateway::Stage", {"TracingEnabled": False})

    @pytest.mark.parametrize("protocol", ["HTTP", "WEBSOCKET"])
    def test_http_and_websocket_apis_get_a_warning(self, make_stack: MakeStack, protocol: str) -> None:
        stack = make_stack()
        if protocol == "HTTP":
            apigatewayv2.HttpApi(stack, "Api")
        else:
            apigatewayv2.WebSocketApi(stack, "Api")
        XRayTracing.enable(stack)
        template(stack)
        found = Annotations.from_stack(stack).find_warning("/Test/Api/Resource", Match.string_like_regexp(
            f"X-Ray cannot trace API Gateway {protocol} APIs"))
        assert len(found) == 1


# -- SNS ------------------------------------------------------------------------------------------------------
class TestSns:
    def test_topic_is_active_and_the_resource_policy_has_its_conditions(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        sns.Topic(stack, "Topic")
        XRayTracing.enable(stack)
        tpl = template(stack)
        _, topic = only(resources_of(tpl, "AWS::SNS::Topic"))
        assert topic["Properties"]["TracingConfig"] == "Active"
        _, policy = only(resources_of(tpl, "AWS::XRay::ResourcePolicy"))
        document = json.loads(policy["Properties"]["PolicyDocument"])  # a concrete env renders a plain string
        (statement,) = document["Statement"]
        assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
        assert statement["Action"] == ["xray:PutTraceSegments", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
        assert statement["Resource"] == "*"
        assert statement["Condition"] == {
            "StringEquals": {"aws:SourceAccount": "111111111111"},
            "StringLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111111111111:*"},
        }
        assert policy["Properties"]["PolicyName"] == "Test-SnsTracing"

    def test_one_policy_per_account_and_region_however_many_topics_and_stacks(self, make_stack: MakeStack) -> None:
        first, second, other_region = make_stack("A"), make_stack("B"), make_stack("C", region="us-east-1")
        for stack in (first, second, other_region):
            for i in range(3):
                sns.Topic(stack, f"Topic{i}")
        XRayTracing.enable(first.node.root)
        counts = [len(resources_of(template(s), "AWS::XRay::ResourcePolicy")) for s in (first, second, other_region)]
        assert counts == [1, 0, 1]

    def test_env_agnostic_stacks_share_one_policy(self, make_stack: MakeStack) -> None:
        first, second = make_stack("A", account=None), make_stack("B", account=None)
        sns.Topic(first, "Topic")
        sns.Topic(second, "Topic")
        XRayTracing.enable(first.node.root)
        assert [len(resources_of(template(s), "AWS::XRay::ResourcePolicy")) for s in (first, second)] == [1, 0]

    def test_nested_stacks_share_their_parents_policy(self, make_stack: MakeStack) -> None:
        parent = make_stack()
        nested = [NestedStack(parent, f"Nested{i}") for i in range(2)]
        for stack in nested:
            sns.Topic(stack, "Topic")
        XRayTracing.enable(parent)
        assert len(resources_of(template(parent), "AWS::XRay::ResourcePolicy")) == 1
        assert [resources_of(template(n), "AWS::XRay::ResourcePolicy") for n in nested] == [{}, {}]

    def test_policy_can_be_left_out_or_renamed(self, make_stack: MakeStack) -> None:
        left_out, renamed = make_stack("A"), make_stack("B", region="us-east-1")
        sns.Topic(left_out, "Topic")
        sns.Topic(renamed, "Topic")
        XRayTracing.enable(left_out, sns_resource_policy=False)
        XRayTracing.enable(renamed, sns_resource_policy_name="shared-sns-xray")
        assert resources_of(template(left_out), "AWS::XRay::ResourcePolicy") == {}
        Template.from_stack(renamed).has_resource_properties(
            "AWS::XRay::ResourcePolicy", {"PolicyName": "shared-sns-xray"})

    def test_one_account_wide_policy_in_the_stack_named_and_none_elsewhere(self, app: App) -> None:
        env = {"account": "111111111111", "region": "eu-west-1"}
        platform = Stack(app, "Platform", env=env)  # no topic of its own
        services = [Stack(Stage(app, name, env=env), "Service") for name in ("Beta", "Prod")]
        elsewhere = Stack(app, "Elsewhere", env={**env, "region": "us-east-1"})
        for stack in [*services, elsewhere]:
            sns.Topic(stack, "Topic")
        XRayTracing.enable(app, sns_resource_policy_stack=platform, sns_resource_policy_name="account-sns-xray")
        app.synth()
        counts = [len(resources_of(template(s), "AWS::XRay::ResourcePolicy")) for s in [platform, *services]]
        assert counts == [1, 0, 0]
        Template.from_stack(platform).has_resource_properties("AWS::XRay::ResourcePolicy", {
            "PolicyName": "account-sns-xray"})
        # another account/region still gets its own, by the default rule
        assert len(resources_of(template(elsewhere), "AWS::XRay::ResourcePolicy")) == 1
        assert [warnings(s, "duplicateSnsResourcePolicy") for s in [platform, *services, elsewhere]] == [[]] * 4

    def test_platform_pattern_a_policy_made_by_hand_and_none_by_the_app(self, make_stack: MakeStack) -> None:
        platform, service = make_stack("Platform"), make_stack("Service")
        SnsTracingResourcePolicy(platform, "SnsTracing", policy_name="sns-xray-tracing")
        sns.Topic(service, "Topic")
        XRayTracing.enable(service, sns_resource_policy=False)
        assert [len(resources_of(template(s), "AWS::XRay::ResourcePolicy")) for s in (platform, service)] == [1, 0]

    def test_a_policy_made_by_hand_in_the_app_covers_its_account(self, make_stack: MakeStack) -> None:
        platform, service = make_stack("Platform"), make_stack("Service")
        SnsTracingResourcePolicy(platform, "SnsTracing")
        sns.Topic(service, "Topic")
        XRayTracing.enable(service.node.root)
        assert [len(resources_of(template(s), "AWS::XRay::ResourcePolicy")) for s in (platform, service)] == [1, 0]

    def test_more_than_one_policy_for_one_account_and_region_is_a_warning(self, app: App) -> None:
        env = {"account": "111111111111", "region": "eu-west-1"}
        stacks = [Stack(Stage(app, name, env=env), "Service") for name in ("Beta", "Prod")]
        for stack in stacks:
            sns.Topic(stack, "Topic")
        XRayTracing.enable(app)
        app.synth()
        assert [len(resources_of(template(s), "AWS::XRay::ResourcePolicy")) for s in stacks] == [1, 1]
        found = [m for s in stacks for m in Annotations.from_stack(s).find_warning(
            "*", Match.string_like_regexp("duplicateSnsResourcePolicy"))]
        assert len(found) == 1
        message = str(found[0].entry.data)
        assert "2 X-Ray resource policies for SNS in account 111111111111, region eu-west-1" in message
        assert "sns_resource_policy_stack" in message

    def test_the_same_policy_name_twice_in_one_account_is_an_error(self, app: App) -> None:
        env = {"account": "111111111111", "region": "eu-west-1"}
        for name in ("Beta", "Prod"):
            sns.Topic(Stack(Stage(app, name, env=env), "Service"), "Topic")
        XRayTracing.enable(app, sns_resource_policy_name="sns-xray")
        with pytest.raises(Exception, match=r"policy_name 'sns-xray' is already used by 'Beta/Service/"):
            app.synth()

    def test_account_wide_stack_and_no_policy_contradict(self, make_stack: MakeStack) -> None:
        with pytest.raises(XRayValidationError, match="give one or the other"):
            XRayTracing.enable(make_stack(), sns_resource_policy=False, sns_resource_policy_stack=make_stack("P"))

    def test_bad_policy_name_is_rejected(self) -> None:
        with pytest.raises(XRayValidationError, match=r"sns_resource_policy_name must be made of .* got 'bad name'"):
            XRayTracing(sns_resource_policy_name="bad name")

    def test_explicit_pass_through_is_kept_without_a_policy(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        sns.Topic(stack, "Topic", tracing_config=sns.TracingConfig.PASS_THROUGH)
        XRayTracing.enable(stack)
        tpl = template(stack)
        assert only(resources_of(tpl, "AWS::SNS::Topic"))[1]["Properties"]["TracingConfig"] == "PassThrough"
        assert resources_of(tpl, "AWS::XRay::ResourcePolicy") == {}

    def test_invalid_explicit_value_is_a_synth_error(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        sns.CfnTopic(stack, "Topic", tracing_config="On")
        XRayTracing.enable(stack)
        with pytest.raises(Exception, match=r"Test/Topic: TracingConfig must be one of Active, PassThrough, got 'On'"):
            template(stack)


# -- Step Functions and AppSync -------------------------------------------------------------------------------
class TestStateMachinesAndAppSync:
    def test_state_machine_is_traced_and_its_role_has_the_permissions(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        machine = state_machine(stack)
        XRayTracing.enable(stack)
        tpl = template(stack)
        machine_id, resource = only(resources_of(tpl, "AWS::StepFunctions::StateMachine"))
        assert resource["Properties"]["TracingConfiguration"] == {"Enabled": True}
        role_id = stack.resolve(machine.role.node.default_child.logical_id)  # type: ignore[union-attr]
        assert xray_policy_roles(tpl, STATES_XRAY_ACTIONS) == [role_id]
        assert_granted_before_creation(tpl, machine_id, STATES_XRAY_ACTIONS)

    def test_the_template_is_what_aws_cdk_lib_makes_for_tracing_enabled(self, make_stack: MakeStack) -> None:
        by_hand, traced = make_stack("ByHand"), make_stack("Traced")
        state_machine(by_hand, tracing_enabled=True)
        state_machine(traced)
        XRayTracing.enable(traced)
        assert template(by_hand)["Resources"] == template(traced)["Resources"]

    def test_bare_state_machine_gets_a_policy_of_its_role_alone(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        role = iam.CfnRole(stack, "MachineRole", assume_role_policy_document={"Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "states.amazonaws.com"}}]})
        sfn.CfnStateMachine(stack, "Machine", role_arn=role.attr_arn,
                            definition_string='{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}')
        XRayTracing.enable(stack)
        tpl = template(stack)
        assert tpl["Resources"]["Machine"]["Properties"]["TracingConfiguration"] == {"Enabled": True}
        assert_granted_before_creation(tpl, "Machine", STATES_XRAY_ACTIONS)

    def test_tracing_turned_off_on_the_l2_is_respected(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        state_machine(stack, tracing_enabled=False)
        XRayTracing.enable(stack)
        tpl = template(stack)
        assert only(resources_of(tpl, "AWS::StepFunctions::StateMachine"))[1]["Properties"][
            "TracingConfiguration"] == {"Enabled": False}
        assert xray_policy_roles(tpl, STATES_XRAY_ACTIONS) == []

    def test_explicit_disabled_on_the_l1_is_kept(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        machine = state_machine(stack)
        machine.node.default_child.tracing_configuration = {"enabled": False}  # type: ignore[union-attr]
        XRayTracing.enable(stack)
        tpl = template(stack)
        assert only(resources_of(tpl, "AWS::StepFunctions::StateMachine"))[1]["Properties"][
            "TracingConfiguration"] == {"Enabled": False}
        assert xray_policy_roles(tpl, STATES_XRAY_ACTIONS) == []

    def test_graphql_api_is_traced_unless_explicitly_off(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        definition = appsync.Definition.from_schema(appsync.SchemaFile.from_asset(__file__.replace(
            "test_tracing.py", "schema.graphql")))
        appsync.GraphqlApi(stack, "On", name="on", definition=definition)
        appsync.GraphqlApi(stack, "Off", name="off", definition=definition, xray_enabled=False)
        XRayTracing.enable(stack)
        apis = {r["Properties"]["Name"]: r["Properties"].get("XrayEnabled")
                for r in resources_of(template(stack), "AWS::AppSync::GraphQLApi").values()}
        assert apis == {"on": True, "off": False}


# -- the aspect itself ----------------------------------------------------------------------------------------
class TestAspect:
    def build(self, app: App) -> Stack:
        stack = Stack(app, "S", env={"account": "111111111111", "region": "eu-west-1"})
        function(stack)
        sns.Topic(stack, "Topic")
        state_machine(stack)
        api = apigateway.RestApi(stack, "Api")
        api.root.add_method("GET", apigateway.MockIntegration())
        return stack

    def test_adding_it_twice_or_on_nested_scopes_changes_nothing_more(self, make_stack: MakeStack) -> None:
        once = self.build(App())
        XRayTracing.enable(once)
        many = self.build(App())
        XRayTracing.enable(many.node.root)
        XRayTracing.enable(many)
        XRayTracing.enable(many)
        XRayTracing.enable(many.node.find_child("Fn"))
        assert template(once) == template(many)

    def test_the_nearest_scope_decides(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        function(stack, "Outer")
        inner = Stack(stack, "Inner")  # a nested scope
        function(inner, "InnerFn")
        XRayTracing.enable(stack.node.root, mode=TracingMode.ACTIVE)
        XRayTracing.enable(inner, mode=TracingMode.PASS_THROUGH)
        assert only(resources_of(template(stack), "AWS::Lambda::Function"))[1]["Properties"][
            "TracingConfig"] == {"Mode": "Active"}
        assert only(resources_of(template(inner), "AWS::Lambda::Function"))[1]["Properties"][
            "TracingConfig"] == {"Mode": "PassThrough"}

    def test_stages_under_the_scope_are_covered(self, app: App) -> None:
        stages = [Stage(app, name, env={"account": "111111111111", "region": "eu-west-1"})
                  for name in ("Beta", "Prod")]
        stacks = [Stack(stage, "Service") for stage in stages]
        for stack in stacks:
            function(stack)
            sns.Topic(stack, "Topic")
        XRayTracing.enable(app)
        templates = [template(stack) for stack in stacks]
        for tpl in templates:
            assert only(resources_of(tpl, "AWS::Lambda::Function"))[1]["Properties"]["TracingConfig"] == {
                "Mode": "Active"}
        # each Stage deploys on its own, so each has its policy for the account/region
        assert [len(resources_of(t, "AWS::XRay::ResourcePolicy")) for t in templates] == [1, 1]

    def test_in_a_stage_the_latest_call_on_the_app_decides(self, app: App) -> None:
        stack = Stack(Stage(app, "Beta"), "Service")
        function(stack)
        XRayTracing.enable(app)
        XRayTracing.enable(app, mode=TracingMode.PASS_THROUGH)
        assert only(resources_of(template(stack), "AWS::Lambda::Function"))[1]["Properties"][
            "TracingConfig"] == {"Mode": "PassThrough"}

    def test_an_exclude_on_a_stage_after_enable_on_the_app_leaves_it_alone(self, app: App) -> None:
        stage = Stage(app, "Beta")
        stack = Stack(stage, "Service")
        function(stack)
        XRayTracing.enable(app)
        XRayTracing.exclude(stage)
        assert "TracingConfig" not in only(resources_of(template(stack), "AWS::Lambda::Function"))[1]["Properties"]

    def test_a_stage_created_after_the_call_is_an_error_not_a_silent_gap(self, app: App) -> None:
        XRayTracing.enable(app)
        late = Stage(app, "Late")
        sns.Topic(Stack(late, "Service"), "Topic")
        with pytest.raises(Exception, match=r"Stage 'Late' was created after XRayTracing.enable"):
            app.synth()

    def test_constructs_added_after_the_call_are_covered(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        XRayTracing.enable(stack)
        function(stack, "Late")
        sns.Topic(stack, "LateTopic")
        tpl = template(stack)
        assert only(resources_of(tpl, "AWS::Lambda::Function"))[1]["Properties"]["TracingConfig"] == {
            "Mode": "Active"}
        assert len(resources_of(tpl, "AWS::XRay::ResourcePolicy")) == 1

    def test_an_excluded_subtree_is_left_alone(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        kept, excluded = function(stack, "Kept"), function(stack, "Excluded")
        XRayTracing.enable(stack)
        XRayTracing.exclude(excluded)
        XRayTracing.exclude(excluded)  # twice is fine
        tpl = template(stack)
        by_id = {stack.resolve(f.node.default_child.logical_id): f for f in (kept, excluded)}  # type: ignore
        traced = {k: "TracingConfig" in v["Properties"] for k, v in resources_of(tpl, "AWS::Lambda::Function").items()}
        assert traced == {k: f is kept for k, f in by_id.items()}
        assert len(xray_policy_roles(tpl, LAMBDA_XRAY_ACTIONS)) == 1

    def test_mode_must_be_a_tracing_mode(self) -> None:
        with pytest.raises(XRayValidationError, match=r"mode must be a TracingMode, got 'Active'"):
            XRayTracing(mode="Active")  # type: ignore[arg-type]


# -- the four findings of issue 11, reproduced --------------------------------------------------------------------
def plain_app(tmp_path: Any) -> App:
    """An App without this project's cdk.json: every feature flag at its default, as in most users' tests."""
    return App(outdir=str(tmp_path / "plain.out"))


class TestFindings:
    def test_a_trigger_on_a_traced_function_leaves_the_template_acyclic(self, tmp_path: Any) -> None:
        """Finding 1: the trigger's provider role may invoke the function; a policy shared by every role, which
        every function DependsOn, closed the loop function -> policy -> provider role -> function."""
        app = plain_app(tmp_path)
        stack = Stack(app, "Setup")
        seed = function(stack, "Seed")
        triggers.Trigger(stack, "RunSeed", handler=seed)
        XRayTracing.enable(app)
        assembly = app.synth()  # the suite-wide hook raises CycleError on a cycle
        assert_acyclic(assembly.get_stack_by_name("Setup").template)

    def test_an_inline_policy_invoking_another_traced_function_leaves_the_template_acyclic(
            self, tmp_path: Any) -> None:
        app = plain_app(tmp_path)
        stack = Stack(app, "S")
        callee = function(stack, "Callee")
        caller_role = iam.CfnRole(stack, "CallerRole", assume_role_policy_document=LAMBDA_TRUST, policies=[
            iam.CfnRole.PolicyProperty(policy_name="invoke", policy_document={"Statement": [{
                "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": callee.function_arn}]})])
        lambda_.CfnFunction(stack, "Caller", role=caller_role.attr_arn, runtime="python3.14", handler="i.h",
                            code=lambda_.CfnFunction.CodeProperty(zip_file="def h(e, c): pass"))
        XRayTracing.enable(app)
        assert_acyclic(app.synth().get_stack_by_name("S").template)

    def test_explicit_disabled_stays_off_when_the_app_records_l2_props(self, tmp_path: Any) -> None:
        """Finding 2: with a plain App(), lambda_.Tracing.DISABLED was turned into Active, silently. With the
        metadata flag (set in the App's context, as `cdk init` does in cdk.json) it stays off."""
        app = App(outdir=str(tmp_path / "out"), context={METADATA_FLAG: True})
        stack = Stack(app, "S")
        function(stack, "Off", tracing=lambda_.Tracing.DISABLED)
        function(stack, "Unset")
        XRayTracing.enable(app)
        modes = tracing_modes(template(stack))
        assert modes == {"Off": None, "Unset": {"Mode": "Active"}}
        assert xray_policy_roles(template(stack), LAMBDA_XRAY_ACTIONS) == [
            k for k in resources_of(template(stack), "AWS::IAM::Role") if k.startswith("UnsetServiceRole")]
        assert warnings(stack, "tracingDisabledUnreadable") == []

    def test_explicit_disabled_is_seen_the_slow_way_too(self, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        """The props are read as jsii object references, all at once (``_rendered.metadata_of``); should a jsii
        release break that, the pass reads them entry by entry and decides the same."""
        def broken(*args: Any) -> Any:
            raise TypeError("jsii changed")

        monkeypatch.setattr(scope_pass_module, "metadata_of", broken)
        app = App(outdir=str(tmp_path / "out"), context={METADATA_FLAG: True})
        stack = Stack(app, "S")
        function(stack, "Off", tracing=lambda_.Tracing.DISABLED)
        function(stack, "Unset")
        function(stack, "On", tracing=lambda_.Tracing.PASS_THROUGH)
        XRayTracing.enable(app)
        assert tracing_modes(template(stack)) == {"Off": None, "Unset": {"Mode": "Active"},
                                                  "On": {"Mode": "PassThrough"}}

    def test_metadata_read_at_once_is_what_node_metadata_says(self, tmp_path: Any) -> None:
        from constructs_lib._rendered import metadata_of

        app = App(outdir=str(tmp_path / "out"), context={METADATA_FLAG: True})
        stack = Stack(app, "S")
        functions = [function(stack, "Off", tracing=lambda_.Tracing.DISABLED), function(stack, "Unset"),
                     function(stack, "Named", function_name="named", memory_size=256)]
        functions[1].node.add_metadata("custom", {"a": [1, "b"]})
        expected = [[{"type": e.type, "data": stack.resolve(e.data)} for e in f.node.metadata] for f in functions]
        got = [[{"type": e["type"], "data": e.get("data")} for e in entries]
               for entries in metadata_of(list(functions), stack)]
        assert got == expected
        assert {"tracing": "Disabled"}.items() <= got[0][0]["data"].items()

    def test_without_the_flag_one_warning_per_app_names_the_flag_and_exclude(self, tmp_path: Any) -> None:
        """Without the flag aws-cdk-lib keeps no trace of DISABLED: the function is traced (it cannot be told from
        one with no setting), and the app says so once, whatever the number of functions, stacks and Stages."""
        app = plain_app(tmp_path)
        stacks = [Stack(app, "A"), Stack(Stage(app, "Beta"), "B")]
        for stack in stacks:
            function(stack, "Off", tracing=lambda_.Tracing.DISABLED)
            function(stack, "Unset")
        kept = function(stacks[0], "Kept", tracing=lambda_.Tracing.DISABLED)
        XRayTracing.exclude(kept)
        XRayTracing.enable(app)
        app.synth()
        assert tracing_modes(template(stacks[0])) == {"Off": {"Mode": "Active"}, "Unset": {"Mode": "Active"},
                                                      "Kept": None}
        found = [m for s in stacks for m in Annotations.from_stack(s).find_warning(
            "*", Match.string_like_regexp("tracingDisabledUnreadable"))]
        assert len(found) == 1
        message = str(found[0].entry.data)
        assert METADATA_FLAG in message and "XRayTracing.exclude" in message

    def test_no_warning_when_no_function_is_in_doubt(self, tmp_path: Any) -> None:
        app = plain_app(tmp_path)
        stack = Stack(app, "S")
        function(stack, "Explicit", tracing=lambda_.Tracing.PASS_THROUGH)
        logs.LogRetention(stack, "Retention", log_group_name="/x", retention=logs.RetentionDays.ONE_DAY)
        XRayTracing.enable(app)
        assert warnings(stack, "tracingDisabledUnreadable") == []

    def test_with_cdk_debug_the_property_assignment_tells(self, tmp_path: Path) -> None:
        """With CDK_DEBUG set, aws-cdk-lib records that the L2 assigned the L1's TracingConfig (to nothing, for
        DISABLED): the function stays off without the flag. Node.js reads CDK_DEBUG when it starts, hence the
        separate process."""
        script = (
            "import json, sys\n"
            "from aws_cdk import App, Stack\n"
            "from aws_cdk import aws_lambda as lambda_\n"
            "from constructs_lib import XRayTracing\n"
            f"app = App(outdir={str(tmp_path / 'debug.out')!r})\n"
            "stack = Stack(app, 'S')\n"
            "for name, tracing in (('Off', lambda_.Tracing.DISABLED), ('Unset', None)):\n"
            "    lambda_.Function(stack, name, runtime=lambda_.Runtime.PYTHON_3_14, handler='index.handler',\n"
            "                     code=lambda_.Code.from_inline('x'), tracing=tracing)\n"
            "XRayTracing.enable(app)\n"
            "resources = app.synth().get_stack_by_name('S').template['Resources']\n"
            "print(json.dumps({k: v['Properties'].get('TracingConfig') for k, v in resources.items()\n"
            "                  if v['Type'] == 'AWS::Lambda::Function'}))\n"
        )
        env = {**os.environ, "CDK_DEBUG": "true", "JSII_DEPRECATED": "quiet"}
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                                timeout=120, check=True)
        modes = json.loads(result.stdout.strip().splitlines()[-1])
        assert {k[:-8]: v for k, v in modes.items()} == {"Off": None, "Unset": {"Mode": "Active"}}

    def test_sixth_app_in_one_account_does_not_need_a_sixth_policy(self, tmp_path: Any) -> None:
        """Finding 4: every app (every Stage) made its own AWS::XRay::ResourcePolicy; X-Ray allows five per account
        and region. With one account-wide policy in one stack, the other stacks make none."""
        app = plain_app(tmp_path)
        env = {"account": "111111111111", "region": "eu-west-1"}
        platform = Stack(app, "Platform", env=env)
        stages = [Stage(app, f"Service{i}", env=env) for i in range(6)]
        for stage in stages:
            sns.Topic(Stack(stage, "Service"), "Topic")
        XRayTracing.enable(app, sns_resource_policy_stack=platform)
        app.synth()
        count = len(resources_of(template(platform), "AWS::XRay::ResourcePolicy"))
        per_stage = [len(resources_of(template(s.node.find_child("Service")), "AWS::XRay::ResourcePolicy"))
                     for s in stages]
        assert (count, per_stage) == (1, [0] * 6)


class TestPass:
    """The aspect does its work in one pass per scope, with few calls into Node.js."""

    def build(self, stack: Stack, n: int) -> None:
        for i in range(n):
            function(stack, f"Fn{i}")
            api = apigateway.RestApi(stack, f"Api{i}")
            api.root.add_method("GET", apigateway.MockIntegration())

    @pytest.mark.parametrize("flag, batched_per_function", [(False, 2), (True, 4)])
    def test_round_trips_per_traced_function_stay_few(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      flag: bool, batched_per_function: int) -> None:
        """Each call across jsii costs a round trip to Node.js: the pass makes one per function (the grant, which
        aws-cdk-lib's own method does) and none per construct it does not change (the benchmark,
        benchmarks/tracing_scale.py, times it). The rest goes in batches (constructs_lib._pipeline), a few
        exchanges whatever the size of the app: per function, TracingConfig read and write; with the metadata
        flag, the props aws-cdk-lib recorded for the L2 (its node and the list, as references; one call resolves
        all the lists); per stage, TracingEnabled read and write."""
        from jsii._kernel.providers import process

        from constructs_lib import _pipeline

        monkeypatch.setattr(scope_pass_module, "_cdk_nag_loaded", lambda: False)
        only_objects_from_here(monkeypatch)
        stack = Stack(App(outdir=str(tmp_path), context={METADATA_FLAG: flag}), "S")
        self.build(stack, 10)
        XRayTracing.enable(stack)
        counted: list[str] = []
        batches: list[int] = []
        send = process._NodeProcess.send
        written_together = _pipeline._written_together
        counting = [False]

        def counting_send(self: Any, request: Any, response_type: Any) -> Any:
            if counting[0]:
                counted.append(getattr(request, "property", None) or getattr(request, "method", None)
                               or type(request).__name__)
            return send(self, request, response_type)

        def counting_written_together(process: Any, encoded: list[bytes], types: list[type]) -> list[Any]:
            if counting[0]:
                batches.append(len(encoded))
            return written_together(process, encoded, types)

        original = XRayTracing.visit

        def visit(self: XRayTracing, node: Any) -> None:
            counting[0] = True
            try:
                original(self, node)
            finally:
                counting[0] = False

        monkeypatch.setattr(process._NodeProcess, "send", counting_send)
        monkeypatch.setattr(_pipeline, "_written_together", counting_written_together)
        monkeypatch.setattr(XRayTracing, "visit", visit)
        constructs = len(stack.node.find_all())
        template(stack)
        assert _pipeline._process() is not None  # else everything is one by one, and counted above
        # The walk itself and the app's one warning. Not counted: the look-up of each L1 class's type, once per
        # process (so the count does not depend on which tests ran before).
        counted = [c for c in counted if c != "CFN_RESOURCE_TYPE_NAME"]
        assert Counter(counted)["addToRolePolicy"] == 0  # the grants are batched too: no object overrides anything
        assert len(counted) <= 20, Counter(counted)
        assert sum(batches) == 10 * batched_per_function + 10 * 2 + 10, batches  # 10 functions, 10 stages, 10 grants
        assert len(batches) <= 7, batches  # exchanges: a fixed few, not one per resource
        assert len(counted) + len(batches) < constructs / 4

    def test_without_cdk_nag_the_template_is_the_same(self, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
        with_nag = Stack(App(outdir=str(tmp_path / "a")), "S", env={"account": "111111111111", "region": "eu-west-1"})
        self.build(with_nag, 2)
        XRayTracing.enable(with_nag)
        expected = template(with_nag)
        monkeypatch.setattr(scope_pass_module, "_cdk_nag_loaded", lambda: False)
        without = Stack(App(outdir=str(tmp_path / "b")), "S", env={"account": "111111111111", "region": "eu-west-1"})
        self.build(without, 2)
        fixed = function(without, "Fixed", role=iam.Role.from_role_arn(
            without, "ImportedFixed", "arn:aws:iam::111111111111:role/ops", mutable=False))
        XRayTracing.enable(without)
        tpl = template(without)
        fixed_id = without.resolve(fixed.node.default_child.logical_id)  # type: ignore[union-attr]
        del tpl["Resources"][fixed_id]
        assert tpl["Resources"] == expected["Resources"]
        assert warnings(without, "importedRole") == ["/S/Fixed/Resource"]

    def test_added_by_hand_as_an_aspect_it_works_the_same(self, tmp_path: Path) -> None:
        env = {"account": "111111111111", "region": "eu-west-1"}
        by_enable, by_hand = (Stack(App(outdir=str(tmp_path / n)), "S", env=env) for n in ("a", "b"))
        for stack in (by_enable, by_hand):
            self.build(stack, 2)
            sns.Topic(stack, "Topic")
        XRayTracing.enable(by_enable)
        Aspects.of(by_hand).add(XRayTracing())
        assert template(by_enable)["Resources"] == template(by_hand)["Resources"]

    def test_exclude_then_enable_on_the_same_scope_the_latest_decides(self, make_stack: MakeStack) -> None:
        stack = make_stack()
        fn = function(stack)
        XRayTracing.exclude(fn)
        XRayTracing.enable(fn)
        assert not XRayTracing.is_excluded(fn.node.default_child)  # type: ignore[arg-type]
        assert "TracingConfig" in only(resources_of(template(stack), "AWS::Lambda::Function"))[1]["Properties"]

    def test_what_an_exclude_leaves_alone_is_marked_in_the_cloud_assembly(self, tmp_path: Path) -> None:
        """Each traceable resource an exclude governs carries metadata naming the excluded scope (the report reads
        it from manifest.json); what a nearer enable takes back does not."""
        app = App(outdir=str(tmp_path))
        stack = Stack(app, "S")
        old = function(stack, "Old")
        kept = function(stack, "Kept")
        XRayTracing.enable(app)
        XRayTracing.exclude(old)
        XRayTracing.exclude(kept)
        XRayTracing.enable(kept)  # the latest call on the scope decides: traced again
        artifact = app.synth().get_stack_by_name("S")
        marked = [(m.path, m.data) for m in artifact.find_metadata_by_type(tracing_module.EXCLUDED_METADATA_TYPE)]
        assert marked == [("/S/Old/Resource", "S/Old")]
        assert XRayTracing.is_excluded(old.node.default_child, path="S/Old/Resource")  # type: ignore[arg-type]


def test_the_examples_of_docs_tracing_md_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from .conftest import ROOT

    monkeypatch.chdir(tmp_path)  # the examples' App() writes cdk.out here
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "tracing.md").read_text(), re.S)
    assert len(blocks) == 2
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/tracing.md, example {i + 1}", "exec"), {})


# -- review fixes: CDK Pipelines' Stages in a stack, a role imported elsewhere, the pass's construct id -----------
def test_stages_inside_a_stack_are_traced_like_cdk_pipelines_makes_them() -> None:
    app = App()
    pipeline = Stack(app, "Pipeline")
    function(pipeline, "Step")
    stage = Stage(pipeline, "Prod")  # CDK Pipelines: pipeline.add_stage(MyStage(self, "Prod")) inside the stack
    function(Stack(stage, "Service"), "Fn")
    XRayTracing.enable(app)
    nested = app.synth().get_nested_assembly(stage.artifact_id).get_stack_by_name("Prod-Service").template
    _, fn = only(resources_of(nested, "AWS::Lambda::Function"))
    assert fn["Properties"]["TracingConfig"] == {"Mode": "Active"}


def test_an_immutable_role_imported_in_another_stack_is_warned_about() -> None:
    app = App()
    shared = Stack(app, "Shared")
    role = iam.Role.from_role_arn(shared, "Role", "arn:aws:iam::111111111111:role/shared", mutable=False)
    stack = Stack(app, "Service")
    function(stack, "Fn", role=role)
    XRayTracing.enable(stack)  # the import is outside the enabled scope
    assert warnings(stack, "importedRole") == ["/Service/Fn/Resource"]


def test_the_pass_leaves_common_ids_free_for_the_users_own_constructs() -> None:
    app = App()
    XRayTracing.enable(app)
    Stack(app, "XRayTracing")  # a plausible name for a platform team's stack
    app.synth()
