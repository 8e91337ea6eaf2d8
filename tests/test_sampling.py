"""SamplingRule: CloudFormation emitted, field validation, warnings, and the app-wide checks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Environment, Stack, Token
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_xray as xray
from aws_cdk.assertions import Annotations, Match, Template

from constructs_lib._validation import XRayValidationError
from constructs_lib.sampling import (
    APP_CHECKS_ID,
    SamplingRateBoost,
    SamplingRule,
    SamplingRuleSpec,
    patterns_overlap,
    wildcard_match,
)

from .botocore_shapes import input_errors

BASE: dict[str, Any] = {"rule_name": "r", "priority": 100, "fixed_rate": 0.1, "reservoir_size": 1}
ENV_A = Environment(account="111111111111", region="eu-west-1")
ENV_B = Environment(account="111111111111", region="us-east-1")


def _rule(stack: Stack, id: str = "Rule", **overrides: Any) -> SamplingRule:
    return SamplingRule(stack, id, **{**BASE, **overrides})


def _warnings(stack: Stack, code: str) -> list[str]:
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(".*"))
    return [str(m.entry.data) for m in found if f"[ack: @constructs-lib/xray:{code}]" in str(m.entry.data)]


def _synth_error(synth: Callable[[], object]) -> str:
    """The message of the error that ``synth`` (``app.synth``, ``lambda: Template.from_stack(stack)``) raises."""
    with pytest.raises(Exception) as caught:
        synth()
    return str(caught.value)


# -- one synthesized stack shared by the CloudFormation assertions -----------------------------------------
@pytest.fixture(scope="module")
def orders() -> dict[str, Any]:
    app = App()
    stack = Stack(app, "Orders")
    api = apigateway.RestApi(stack, "Api", rest_api_name="orders-api",
                             deploy_options=apigateway.StageOptions(stage_name="prod"))
    api.root.add_resource("orders").add_method("POST")
    everything = SamplingRule.for_rest_api(
        stack, "AllOrderPosts", stage=api, rule_name="orders-post", priority=100, fixed_rate=1.0,
        reservoir_size=0, http_method="POST")
    pinned = SamplingRule.for_rest_api(
        stack, "Pinned", stage=api.deployment_stage, rule_name="orders-get", priority=200, fixed_rate=0.2,
        reservoir_size=2, http_method="GET", match_stage_arn=True)
    boosted = SamplingRule(stack, "Boosted", rule_name="ecs-boost", priority=300, fixed_rate=0.05,
                           reservoir_size=1, service_type="AWS::ECS::Container", host="api.*",
                           rate_boost=SamplingRateBoost(max_rate=0.5, cooldown_minutes=10),
                           attributes={"tier": "gold"})
    return {"stack": stack, "template": Template.from_stack(stack), "everything": everything, "pinned": pinned,
            "boosted": boosted}


def test_emits_the_current_sampling_rule_property_with_version_1(orders: dict[str, Any]) -> None:
    orders["template"].has_resource_properties("AWS::XRay::SamplingRule", {
        "SamplingRule": {
            # "Configure AWS X-Ray sampling rules for API Gateway APIs": service name {api-name}/{stage-name};
            # service type `*` because the X-Ray guide (AWS::APIGateway::Stage) and the API Gateway guide
            # (AWS::ApiGateway::Stage) spell it differently.
            "RuleName": "orders-post", "Priority": 100, "FixedRate": 1, "ReservoirSize": 0,
            "ServiceName": "orders-api/prod", "ServiceType": "*", "Host": "*",
            "HTTPMethod": "POST", "URLPath": "*", "ResourceARN": "*", "Version": 1,
        },
    })
    for resource in orders["template"].find_resources("AWS::XRay::SamplingRule").values():
        assert set(resource["Properties"]) == {"SamplingRule"}  # never the deprecated top-level properties


def test_rate_boost_and_attributes(orders: dict[str, Any]) -> None:
    orders["template"].has_resource_properties("AWS::XRay::SamplingRule", {"SamplingRule": Match.object_like({
        "RuleName": "ecs-boost", "ServiceType": "AWS::ECS::Container", "Host": "api.*",
        "SamplingRateBoost": {"MaxRate": 0.5, "CooldownWindowMinutes": 10}, "Attributes": {"tier": "gold"},
    })})


def test_for_rest_api_can_pin_the_stage_arn(orders: dict[str, Any]) -> None:
    # The API Gateway guide's resource ARN: arn:aws:apigateway:region::/restapis/api-id/stages/stage-name.
    orders["template"].has_resource_properties("AWS::XRay::SamplingRule", {"SamplingRule": Match.object_like({
        "RuleName": "orders-get", "ServiceName": "orders-api/prod",
        "ResourceARN": {"Fn::Join": ["", Match.array_with([":apigateway:", "::/restapis/", "/stages/"])]},
    })})
    # API Gateway applies rules with a resource ARN: no "skipped by the SDKs" warning for them.
    skipped = _warnings(orders["stack"], "samplingRuleSkippedBySdks")
    assert len(skipped) == 1 and "'ecs-boost'" in skipped[0]  # the ECS rule with attributes, not 'orders-get'
    assert orders["pinned"].targets_api_gateway and not orders["boosted"].targets_api_gateway


def _as_api_input(rule: dict[str, Any]) -> dict[str, Any]:
    """A rendered ``SamplingRule`` property as the CreateSamplingRule input, a deploy-time ARN made concrete."""
    concrete = {k: ("arn:aws:apigateway:eu-west-1::/restapis/a1b2c3d4e5/stages/prod" if isinstance(v, dict) and
                    k == "ResourceARN" else v) for k, v in rule.items()}
    return {"SamplingRule": concrete}


def test_what_is_emitted_fits_the_create_sampling_rule_api(orders: dict[str, Any]) -> None:
    """Every rule is a valid CreateSamplingRule request (botocore's X-Ray model: required fields, types, limits)."""
    rules = orders["template"].find_resources("AWS::XRay::SamplingRule")
    assert len(rules) == 3
    for resource in rules.values():
        assert input_errors("xray", "CreateSamplingRule", _as_api_input(resource["Properties"]["SamplingRule"])) == []


def test_the_shape_check_can_fail() -> None:
    """The negative control: a rule X-Ray would refuse (priority 0, a 33-character attribute key)."""
    bad = {"RuleName": "r", "Priority": 0, "FixedRate": 1, "ReservoirSize": 0, "ServiceName": "*",
           "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "*", "ResourceARN": "*", "Version": 1,
           "Attributes": {"k" * 33: "v"}}
    errors = input_errors("xray", "CreateSamplingRule", _as_api_input(bad))
    assert any("Priority" in e for e in errors) and any("Attributes key" in e for e in errors)


def test_accessors(orders: dict[str, Any]) -> None:
    rule: SamplingRule = orders["everything"]
    stack: Stack = orders["stack"]
    assert rule.rule_name == "orders-post"
    assert rule.priority == 100
    assert stack.resolve(rule.rule_arn) == {"Fn::GetAtt": [stack.resolve(rule.resource.logical_id), "RuleARN"]}


def test_rules_on_api_gateway_and_ecs_draw_no_lambda_warning(orders: dict[str, Any]) -> None:
    assert _warnings(orders["stack"], "samplingRuleIgnoredByLambda") == []
    assert _warnings(orders["stack"], "rateBoostNotApplicable") == []


def test_cfn_lint_is_clean(orders: dict[str, Any], tmp_path: Path) -> None:
    from cfnlint.api import lint_all

    from constructs_lib.filters import TraceFilter
    from constructs_lib.groups import TraceGroup

    app = App()
    stack = Stack(app, "Lint")
    SamplingRule(stack, "R", rule_name="lint-rule", priority=10, fixed_rate=0.5, reservoir_size=3,
                 service_name="orders-api/prod", service_type="AWS::ApiGateway::Stage", http_method="POST",
                 url_path="/orders*", attributes={"x-tier": "gold"},
                 rate_boost=SamplingRateBoost(max_rate=0.3, cooldown_minutes=2))
    TraceGroup(stack, "G", group_name="orders-faults", filter_expression=TraceFilter.fault(), insights=True,
               notifications=True)
    templates = [Template.from_stack(stack).to_json(), orders["template"].to_json()]
    for index, template in enumerate(templates):
        path = tmp_path / f"t{index}.json"
        path.write_text(json.dumps(template))
        # Errors and warnings only: informational (I*) rules are advice, not findings.
        matches = [m for m in lint_all(path.read_text()) if m.rule.id[0] in "EW"]
        assert [str(m) for m in matches] == []


# -- field validation --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rule_name": ""}, "rule_name must be 1 to 32 characters long (it has 0), got ''"),
        ({"rule_name": "x" * 33}, "rule_name must be 1 to 32 characters long (it has 33)"),
        ({"rule_name": "Default"}, "rule_name must be a name other than 'Default' (the built-in rule), got 'Default'"),
        ({"priority": 0}, "priority must be an integer from 1 to 9999, got 0"),
        ({"priority": 10000}, "priority must be an integer from 1 to 9999, got 10000"),
        ({"priority": 1.5}, "priority must be an integer from 1 to 9999, got 1.5"),
        ({"fixed_rate": 1.5}, "fixed_rate must be a number from 0 to 1, got 1.5"),
        ({"fixed_rate": -0.1}, "fixed_rate must be a number from 0 to 1, got -0.1"),
        ({"reservoir_size": -1}, "reservoir_size must be an integer of at least 0, got -1"),
        ({"reservoir_size": 2.5}, "reservoir_size must be an integer of at least 0, got 2.5"),
        ({"service_name": "s" * 65}, "service_name must be 0 to 64 characters long (it has 65)"),
        ({"service_type": "t" * 65}, "service_type must be 0 to 64 characters long (it has 65)"),
        ({"host": "h" * 65}, "host must be 0 to 64 characters long (it has 65)"),
        ({"http_method": "PROPPATCHES"}, "http_method must be 0 to 10 characters long (it has 11)"),
        ({"http_method": "FETCH"}, "http_method must be an HTTP method (CONNECT, DELETE, GET"),
        ({"http_method": "X*"}, "or a wildcard pattern matching one, got 'X*'"),
        ({"url_path": "/" * 129}, "url_path must be 0 to 128 characters long (it has 129)"),
        ({"resource_arn": "a" * 501}, "resource_arn must be 0 to 500 characters long (it has 501)"),
        ({"attributes": {str(i): "v" for i in range(6)}}, "attributes must be at most 5 entries (it has 6)"),
        ({"attributes": {"k" * 33: "v"}}, "attributes key must be 1 to 32 characters long (it has 33)"),
        ({"attributes": {"k": ""}}, "attributes['k'] must be 1 to 32 characters long (it has 0)"),
        ({"attributes": {"k": "v" * 33}}, "attributes['k'] must be 1 to 32 characters long (it has 33)"),
        ({"rate_boost": 0.5}, "rate_boost must be a SamplingRateBoost, got 0.5"),
    ],
)
def test_each_field_is_validated(overrides: dict[str, Any], message: str) -> None:
    stack = Stack(App(), "S")
    with pytest.raises(XRayValidationError) as caught:
        _rule(stack, **overrides)
    assert str(caught.value).startswith("SamplingRule 'S/Rule': ")
    assert message in str(caught.value)


@pytest.mark.parametrize("method", ["*", "GET", "post", "P*", "?ET", "DELETE", "OPTIONS"])
def test_http_methods_and_wildcards_accepted(method: str) -> None:
    _rule(Stack(App(), "S"), http_method=method)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_rate": 1.5}, "SamplingRateBoost: max_rate must be a number from 0 to 1, got 1.5"),
        ({"max_rate": 0.5, "cooldown_minutes": 0}, "cooldown_minutes must be an integer of at least 1, got 0"),
    ],
)
def test_rate_boost_is_validated(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(XRayValidationError, match=message.replace("(", r"\(")):
        SamplingRateBoost(**kwargs)


def test_spec_is_validated_too() -> None:
    with pytest.raises(XRayValidationError, match="SamplingRuleSpec 'x': priority must be an integer from 1 to 9999"):
        SamplingRuleSpec(rule_name="x", priority=0, fixed_rate=0, reservoir_size=0)


def test_tokens_pass_unvalidated() -> None:
    stack = Stack(App(), "S")
    name = CfnParameter(stack, "Name").value_as_string
    number = CfnParameter(stack, "Number", type="Number").value_as_number
    rule = SamplingRule(stack, "Rule", rule_name=name, priority=number, fixed_rate=number, reservoir_size=number,
                        service_name=name, service_type=name, host=name, http_method=name, url_path=name,
                        resource_arn=name, attributes={"k": name})
    assert Token.is_unresolved(rule.rule_name)
    assert rule.spec.has_tokens
    Template.from_stack(stack).has_resource_properties("AWS::XRay::SamplingRule", {
        "SamplingRule": Match.object_like({"RuleName": {"Ref": "Name"}, "Priority": {"Ref": "Number"}}),
    })


def test_version_is_checked_at_synth() -> None:
    stack = Stack(App(), "S")
    rule = _rule(stack)
    rule.resource.sampling_rule = xray.CfnSamplingRule.SamplingRuleProperty(
        rule_name="r", priority=1, fixed_rate=0.1, reservoir_size=1, service_name="*", service_type="*",
        host="*", http_method="*", url_path="*", resource_arn="*", version=2)
    with pytest.raises(Exception, match=r"SamplingRule.Version must be 1 \(the only version; it is create-only\), "
                                        r"got 2"):
        Template.from_stack(stack)


def test_for_rest_api_needs_a_name_for_an_imported_api() -> None:
    stack = Stack(App(), "S")
    api = apigateway.RestApi.from_rest_api_id(stack, "Imported", "abc123")
    stage = apigateway.Stage.from_stage_attributes(stack, "Stage", rest_api=api, stage_name="prod")
    with pytest.raises(XRayValidationError, match=r"api_name must be given when the app does not know the API's name"):
        SamplingRule.for_rest_api(stack, "R", stage=stage, **BASE)
    rule = SamplingRule.for_rest_api(stack, "Named", stage=stage, api_name="orders-api", **BASE)
    assert rule.spec.service_name == "orders-api/prod"


@pytest.mark.parametrize("how", ["deploy=False", "from_rest_api_id"])
def test_for_rest_api_without_a_deployment_stage_says_what_to_pass(how: str) -> None:
    stack = Stack(App(), "S")
    if how == "deploy=False":
        api: apigateway.IRestApi = apigateway.RestApi(stack, "Api", deploy=False)
        api.root.add_method("GET")
    else:
        api = apigateway.RestApi.from_rest_api_id(stack, "Api", "a1b2c3d4e5")
    with pytest.raises(XRayValidationError) as caught:
        SamplingRule.for_rest_api(stack, "R", stage=api, **BASE)
    message = str(caught.value)
    assert message.startswith("SamplingRule.for_rest_api 'R': stage must be a Stage, or a RestApi that has a "
                              "deployment stage; the RestApi 'S/Api' has none")
    assert "Stage.from_stage_attributes(scope, 'Stage', rest_api=api, stage_name='prod')" in message
    assert "api_name=" in message
    # ...and what it says to pass works.
    stage = apigateway.Stage.from_stage_attributes(stack, "Stage", rest_api=api, stage_name="prod")
    rule = SamplingRule.for_rest_api(stack, "Ok", stage=stage, api_name="shop-api", **BASE)
    assert rule.spec.service_name == "shop-api/prod"


def test_for_rest_api_service_name_is_validated() -> None:
    stack = Stack(App(), "S")
    api = apigateway.RestApi(stack, "Api", rest_api_name="a" * 70)
    api.root.add_method("GET")
    with pytest.raises(XRayValidationError, match="service_name must be 0 to 64 characters long"):
        SamplingRule.for_rest_api(stack, "R", stage=api, **BASE)


# -- warnings ------------------------------------------------------------------------------------------------
def test_lambda_targets_and_boosts_that_cannot_apply_are_warned() -> None:
    stack = Stack(App(), "S")
    _rule(stack, "Fn", rule_name="fn", service_type="AWS::Lambda::Function")
    _rule(stack, "Api", rule_name="api", priority=200, service_type="AWS::ApiGateway::Stage",
          rate_boost=SamplingRateBoost(max_rate=0.5))
    _rule(stack, "Any", rule_name="any", priority=300, rate_boost=SamplingRateBoost(max_rate=0.5))
    lambda_warnings = _warnings(stack, "samplingRuleIgnoredByLambda")
    assert len(lambda_warnings) == 1
    assert "Lambda ignores sampling rules" in lambda_warnings[0]
    boost = _warnings(stack, "rateBoostNotApplicable")
    assert len(boost) == 1 and "'api'" in boost[0] and "AWS Distro for OpenTelemetry" in boost[0]


def test_url_path_on_an_api_gateway_rule_is_warned() -> None:
    # "Configuring sampling rules" (X-Ray developer guide), sampling rule options: URL path, "Amazon API Gateway -
    # Not supported"; the API Gateway guide lists it. A rule on API Gateway must not rely on it.
    app = App()
    stack = Stack(app, "S", env=ENV_A)
    api = apigateway.RestApi(stack, "Api", rest_api_name="shop-api",
                             deploy_options=apigateway.StageOptions(stage_name="prod"))
    api.root.add_method("GET")
    SamplingRule.for_rest_api(stack, "ForRestApi", stage=api, url_path="/orders*", **BASE)
    _rule(stack, "XRayGuideType", rule_name="typed", priority=101, service_type="AWS::APIGateway::Stage",
          url_path="/a*")
    _rule(stack, "ApiGatewayGuideType", rule_name="wild", priority=102, service_type="AWS::ApiGateway::*",
          url_path="/b*")
    _rule(stack, "ByServiceName", rule_name="by-name", priority=103, service_name="shop-api/*", url_path="/c*")
    _rule(stack, "Sdk", rule_name="sdk", priority=104, service_name="Scorekeep", url_path="/history/*")
    _rule(stack, "NoPath", rule_name="no-path", priority=105, service_type="AWS::ApiGateway::Stage")
    warnings = _warnings(stack, "urlPathIgnoredByApiGateway")
    assert sorted(re.search(r"Sampling rule '([^']+)'", w).group(1) for w in warnings) == [  # type: ignore[union-attr]
        "by-name", "r", "typed", "wild"]
    assert all("'Amazon API Gateway - Not supported'" in w for w in warnings)


# -- app-wide checks -----------------------------------------------------------------------------------------
def test_duplicate_names_across_stacks_fail_synth() -> None:
    app = App()
    _rule(Stack(app, "One", env=ENV_A), rule_name="same")
    _rule(Stack(app, "Two", env=ENV_A), rule_name="same", priority=200)
    _rule(Stack(app, "Elsewhere", env=ENV_B), rule_name="same")  # another region: fine
    message = _synth_error(app.synth)
    assert ("SamplingRule 'Two/Rule': rule_name must be unique in account 111111111111, region eu-west-1; "
            "'One/Rule' already uses it, got 'same'") in message
    assert "Elsewhere" not in message


def _many(app: App, stacks: list[str], count: int, env: Environment | None = None) -> None:
    for index in range(count):
        stack = app.node.try_find_child(stacks[index % len(stacks)]) or Stack(app, stacks[index % len(stacks)],
                                                                                   env=env)
        assert isinstance(stack, Stack)
        _rule(stack, f"R{index}", rule_name=f"rule-{index}", priority=index + 1)


def test_quota_counts_env_agnostic_stacks_together() -> None:
    app = App()
    _many(app, ["A", "B"], 26)
    with pytest.raises(Exception, match=r"the number of sampling rules in environment-agnostic stacks must be at "
                                        r"most 25 .*got 26"):
        app.synth()


def test_quota_boundary_bare_l1s_and_context_override() -> None:
    app = App()
    _many(app, ["A", "B"], 24, env=ENV_A)
    stack = app.node.find_child("A")
    assert isinstance(stack, Stack)
    xray.CfnSamplingRule(stack, "Bare", sampling_rule=xray.CfnSamplingRule.SamplingRuleProperty(
        rule_name="bare", priority=5000, fixed_rate=0, reservoir_size=0, service_name="*", service_type="*",
        host="*", http_method="*", url_path="*", resource_arn="*", version=1))
    app.synth()  # 25: at the quota
    over = App(context={"@constructs-lib/xray:samplingRuleQuota": 30})
    _many(over, ["A"], 26)
    over.synth()


def test_same_priority_overlap_is_a_warning_across_stacks() -> None:
    app = App()
    first = Stack(app, "First")
    second = Stack(app, "Second")
    _rule(first, rule_name="orders", priority=50, service_name="orders-*", http_method="POST")
    _rule(second, rule_name="all-posts", priority=50, url_path="/orders*", http_method="P*")
    _rule(second, "Gets", rule_name="gets", priority=50, service_name="orders-*", http_method="GET")
    Template.from_stack(first)
    warnings = _warnings(first, "samplingRulesSamePriority")
    assert len(warnings) == 1
    assert "'orders' (First/Rule) and 'all-posts' (Second/Rule) both have priority 50" in warnings[0]
    assert _warnings(second, "samplingRulesSamePriority") == []  # GET and POST never meet


def _bare_rule(stack: Stack, id: str, name: str, priority: int = 5000, **fields: str) -> xray.CfnSamplingRule:
    values = {"service_name": "*", "service_type": "*", "host": "*", "http_method": "*", "url_path": "*",
              "resource_arn": "*", **fields}
    return xray.CfnSamplingRule(stack, id, sampling_rule=xray.CfnSamplingRule.SamplingRuleProperty(
        rule_name=name, priority=priority, fixed_rate=0, reservoir_size=0, version=1, **values))


def test_quota_counts_a_bare_l1_that_comes_first() -> None:
    # Tree order must not matter: the bare L1 is the first rule of the env, 25 SamplingRules follow.
    app = App()
    stack = Stack(app, "S", env=ENV_A)
    _bare_rule(stack, "Bare", "bare")
    for index in range(25):
        _rule(stack, f"R{index}", rule_name=f"rule-{index}", priority=index + 1)
    message = _synth_error(app.synth)
    assert ("the number of sampling rules in account 111111111111, region eu-west-1 must be at most 25 (the X-Ray "
            "quota; adjustable, then set the context key @constructs-lib/xray:samplingRuleQuota), got 26: "
            "'S/Bare', 'S/R0', ") in message
    assert message.count("must be at most 25") == 1


def test_duplicate_name_of_a_bare_l1_that_comes_after() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV_A)
    _rule(stack, rule_name="dup")
    _bare_rule(Stack(app, "T", env=ENV_A), "Bare", "dup")
    _bare_rule(Stack(app, "U", env=ENV_B), "Bare", "dup")  # another region: fine
    message = _synth_error(app.synth)
    assert ("CfnSamplingRule 'T/Bare': rule_name must be unique in account 111111111111, region eu-west-1; "
            "'S/Rule' already uses it, got 'dup'") in message
    assert message.count("must be unique") == 1


def test_a_name_used_three_times_is_one_error_naming_all() -> None:
    app = App()
    stack = Stack(app, "S")
    for index in range(3):
        _rule(stack, f"R{index}", rule_name="same", priority=index + 1)
    message = _synth_error(app.synth)
    assert ("SamplingRule 'S/R1': rule_name must be unique in environment-agnostic stacks; 'S/R0', 'S/R2' also "
            "use it, got 'same'") in message
    assert message.count("must be unique") == 1


def test_app_checks_are_added_once_also_without_an_explicit_app() -> None:
    stack = Stack()  # CDK makes the App: its Python proxy is a new object on every read of node.root
    for index in range(26):
        _rule(stack, f"R{index}", rule_name=f"rule-{index}", priority=index + 1)
    root = stack.node.root
    assert [child.node.id for child in root.node.children].count(APP_CHECKS_ID) == 1
    message = _synth_error(lambda: Template.from_stack(stack))
    assert "the number of sampling rules in environment-agnostic stacks must be at most 25" in message
    assert message.count("must be at most 25") == 1


def test_same_priority_with_a_bare_l1_first_is_warned() -> None:
    stack = Stack(App(), "S")
    _bare_rule(stack, "Bare", "bare", priority=70)
    _rule(stack, rule_name="mine", priority=70)
    Template.from_stack(stack)
    (warning,) = _warnings(stack, "samplingRulesSamePriority")
    assert "'bare' (S/Bare) and 'mine' (S/Rule) both have priority 70" in warning


def test_warnings_are_added_once_however_often_the_app_is_synthesized() -> None:
    app = App()
    stack = Stack(app, "S")
    _rule(stack, "A", rule_name="a", priority=50)
    _rule(stack, "B", rule_name="b", priority=50)
    Template.from_stack(stack)
    Template.from_stack(stack)
    app.synth(force=True)
    assert len(_warnings(stack, "samplingRulesSamePriority")) == 1


def test_validation_has_no_side_effects() -> None:
    # Validating (what every synth does) must not add warnings: the aspect adds them, once.
    app = App()
    stack = Stack(app, "S")
    _rule(stack, "A", rule_name="a", priority=50)
    _rule(stack, "B", rule_name="b", priority=50)
    for node in app.node.find_all():
        assert node.node.validate() == []
    assert [m for node in app.node.find_all() for m in node.node.metadata if m.type == "aws:cdk:warning"] == []
    Template.from_stack(stack)
    assert len(_warnings(stack, "samplingRulesSamePriority")) == 1


def test_rule_named_after_a_lambda_function_is_warned() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV_A)
    _rule(stack, "Worker", rule_name="worker", service_name="orders-worker")  # service type "*"
    _rule(stack, "Typed", rule_name="typed", priority=200, service_name="orders-worker",
          service_type="AWS::EC2::Instance")
    _rule(stack, "Other", rule_name="other", priority=300, service_name="orders-api/prod")
    _rule(Stack(app, "Elsewhere", env=ENV_B), "Worker", rule_name="worker", service_name="orders-worker")
    # Defined after the rules: the check runs at synth.
    lambda_.Function(stack, "Fn", function_name="orders-worker", runtime=lambda_.Runtime.PYTHON_3_13,
                     handler="index.handler", code=lambda_.Code.from_inline("def handler(e, c): pass"))
    Template.from_stack(stack)
    Template.from_stack(stack)
    (warning,) = _warnings(stack, "samplingRuleIgnoredByLambda")
    assert "Sampling rule 'worker' has service name 'orders-worker', the name of the Lambda function 'S/Fn'" in warning
    assert "Lambda ignores sampling rules" in warning
    elsewhere = app.node.find_child("Elsewhere")
    assert isinstance(elsewhere, Stack)
    assert _warnings(elsewhere, "samplingRuleIgnoredByLambda") == []  # no such function in us-east-1


# -- wildcard helpers ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("*", "anything", True), ("/orders*", "*/42", True), ("GET", "POST", False), ("P*", "?UT", True),
     ("a?c", "abc", True), ("a?c", "abbc", False), ("*x", "*y", False), ("*x*", "*y*", True), ("", "*", True),
     ("", "a", False), ("ORDERS", "orders", True)],
)
def test_patterns_overlap(a: str, b: str, expected: bool) -> None:
    assert patterns_overlap(a, b) is expected
    assert patterns_overlap(b, a) is expected


def test_wildcard_match() -> None:
    assert wildcard_match("/orders*", "/orders/42")
    assert wildcard_match("?ET", "get")
    assert not wildcard_match("/orders", "/orders/42")
    assert wildcard_match("a.b", "a.b") and not wildcard_match("a.b", "axb")
