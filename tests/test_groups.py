"""TraceGroup: CloudFormation emitted, validation, the metric, and the app-wide quota."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Duration, Environment, Stack
from aws_cdk import aws_xray as xray
from aws_cdk.assertions import Template

from constructs_lib._validation import XRayValidationError
from constructs_lib.filters import TraceFilter as F
from constructs_lib.filters import TraceGroupKind
from constructs_lib.groups import TraceGroup
from constructs_lib.sampling import APP_CHECKS_ID, SamplingRule

from .botocore_shapes import input_errors

ENV = Environment(account="111111111111", region="eu-west-1")


def _synth_error(synth: Callable[[], object]) -> str:
    """The message of the error that ``synth`` (``app.synth``, ``lambda: Template.from_stack(stack)``) raises."""
    with pytest.raises(Exception) as caught:
        synth()
    return str(caught.value)


@pytest.fixture(scope="module")
def groups() -> dict[str, Any]:
    stack = Stack(App(), "Orders")
    faults = TraceGroup(stack, "Faults", group_name="orders-faults",
                        filter_expression=F.service("orders-api/prod") & F.fault(), insights=True,
                        notifications=True)
    slow = TraceGroup(stack, "Slow", group_name="orders-slow", filter_expression="responsetime > 2")
    cold = TraceGroup(stack, "Cold", group_name="orders-cold-starts",
                      filter_expression=F.annotation("ColdStart").is_true())
    healthy = TraceGroup(stack, "Healthy", group_name="orders-healthy",
                         filter_expression=~F.fault() & F.service("orders-api/prod"))
    return {"stack": stack, "template": Template.from_stack(stack), "faults": faults, "slow": slow, "cold": cold,
            "healthy": healthy}


def test_emits_group_with_insights(groups: dict[str, Any]) -> None:
    template: Template = groups["template"]
    template.has_resource_properties("AWS::XRay::Group", {
        "GroupName": "orders-faults",
        "FilterExpression": 'service("orders-api/prod") AND fault',
        "InsightsConfiguration": {"InsightsEnabled": True, "NotificationsEnabled": True},
    })
    template.has_resource_properties("AWS::XRay::Group", {
        "GroupName": "orders-slow", "FilterExpression": "responsetime > 2",
        "InsightsConfiguration": {"InsightsEnabled": False, "NotificationsEnabled": False},
    })
    template.has_resource_properties("AWS::XRay::Group", {
        "GroupName": "orders-cold-starts", "FilterExpression": "annotation.ColdStart = true",
    })


def test_accessors_and_classification(groups: dict[str, Any]) -> None:
    stack: Stack = groups["stack"]
    faults: TraceGroup = groups["faults"]
    assert faults.group_name == "orders-faults"
    assert stack.resolve(faults.group_arn) == {
        "Fn::GetAtt": [stack.resolve(faults.resource.logical_id), "GroupARN"]}
    assert faults.filter_expression == 'service("orders-api/prod") AND fault'
    assert faults.kind is TraceGroupKind.FAULT
    assert groups["slow"].kind is TraceGroupKind.SLOW
    assert groups["cold"].kind is None
    # keywords() sees "fault" in the healthy group too; the classifier sees the negation.
    healthy: TraceGroup = groups["healthy"]
    assert healthy.trace_filter is not None and "fault" in healthy.trace_filter.keywords()
    assert healthy.kind is None


def test_what_is_emitted_fits_the_create_group_api(groups: dict[str, Any]) -> None:
    """Each group's properties are a valid CreateGroup request (botocore's X-Ray service model)."""
    resources = groups["template"].find_resources("AWS::XRay::Group")
    assert len(resources) == 4
    for resource in resources.values():
        assert input_errors("xray", "CreateGroup", resource["Properties"]) == []


def test_metric_approximate_trace_count(groups: dict[str, Any]) -> None:
    metric = groups["faults"].metric_approximate_trace_count()
    assert (metric.namespace, metric.metric_name, metric.statistic) == ("AWS/X-Ray", "ApproximateTraceCount", "Sum")
    assert metric.dimensions == {"GroupName": "orders-faults"}
    assert metric.period.to_seconds() == 60
    custom = groups["faults"].metric_approximate_trace_count(period=Duration.minutes(5), statistic="Maximum",
                                                             label="faults")
    assert (custom.period.to_seconds(), custom.statistic, custom.label) == (300, "Maximum", "faults")


def test_string_filter_deployed_as_written_but_parsed() -> None:
    stack = Stack(App(), "S")
    group = TraceGroup(stack, "G", group_name="g", filter_expression="ok !partial duration <3")
    assert group.filter_expression == "ok !partial duration <3"
    assert group.trace_filter is not None
    assert group.trace_filter.canonical() == "ok AND !partial AND duration < 3"


def test_a_built_filter_is_validated_as_x_ray_reads_it() -> None:
    # "Using filter expressions...": coverage applies only to response-time root-cause entities.
    with pytest.raises(XRayValidationError, match=r"filter_expression is not valid: .*coverage applies only to "
                                                  r"response-time root causes"):
        TraceGroup(Stack(App(), "S"), "G", group_name="g", filter_expression=F.coverage() > 0.5)


def test_a_built_filter_with_a_token_keeps_its_kind() -> None:
    stack = Stack(App(), "S")
    name = CfnParameter(stack, "Api").value_as_string
    group = TraceGroup(stack, "G", group_name="g", filter_expression=F.service(f"{name}/prod", F.fault()))
    assert group.kind is TraceGroupKind.FAULT


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"group_name": ""}, "group_name must be 1 to 32 characters long (it has 0), got ''"),
        ({"group_name": "g" * 33}, "group_name must be 1 to 32 characters long (it has 33)"),
        ({"group_name": "bad_name"}, "group_name must be made of letters, digits and hyphens, got 'bad_name'"),
        ({"group_name": "Default"}, "group_name must be a name other than 'Default' (reserved for the built-in "
                                    "group), got 'Default'"),
        ({"notifications": True}, "notifications must be False unless insights=True"),
        ({"filter_expression": "fault AND (error"}, "filter_expression is not valid: TraceFilter.parse: "
                                                    "unbalanced '(': it is never closed at position 10"),
        ({"filter_expression": "faults"}, "unknown keyword 'faults'"),
        ({"filter_expression": 'http.url = "x'}, "unbalanced quote"),
        ({"filter_expression": 42}, "filter_expression must be a TraceFilter or a string, got 42"),
    ],
)
def test_validation(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"group_name": "g", "filter_expression": "fault", **kwargs}
    with pytest.raises(XRayValidationError) as caught:
        TraceGroup(Stack(App(), "S"), "G", **args)
    assert str(caught.value).startswith("TraceGroup 'S/G': ")
    assert message in str(caught.value)


def test_tokens_pass_unvalidated() -> None:
    stack = Stack(App(), "S")
    name = CfnParameter(stack, "Name").value_as_string
    expression = CfnParameter(stack, "Expr").value_as_string
    group = TraceGroup(stack, "G", group_name=name, filter_expression=expression)
    assert group.trace_filter is None
    Template.from_stack(stack).has_resource_properties("AWS::XRay::Group", {
        "GroupName": {"Ref": "Name"}, "FilterExpression": {"Ref": "Expr"}})


def test_quota_of_25_groups_per_account_region_across_stacks() -> None:
    app = App()
    env = Environment(account="111111111111", region="eu-west-1")
    first, second = Stack(app, "First", env=env), Stack(app, "Second", env=env)
    other = Stack(app, "Other", env=Environment(account="111111111111", region="us-east-1"))
    for index in range(26):
        TraceGroup(first if index % 2 else second, f"G{index}", group_name=f"g{index}", filter_expression="fault")
    TraceGroup(other, "G", group_name="elsewhere", filter_expression="fault")
    message = _synth_error(app.synth)
    assert ("the number of X-Ray groups in account 111111111111, region eu-west-1 must be at most 25 (the X-Ray "
            "quota, not adjustable), got 26") in message
    assert message.count("must be at most 25") == 1


def test_25_groups_are_fine() -> None:
    app = App()
    stack = Stack(app, "S")
    for index in range(25):
        TraceGroup(stack, f"G{index}", group_name=f"g{index}", filter_expression="fault")
    app.synth()


def test_quota_counts_a_bare_cfn_group_that_comes_first() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    xray.CfnGroup(stack, "Bare", group_name="bare", filter_expression="fault")
    for index in range(25):
        TraceGroup(stack, f"G{index}", group_name=f"g{index}", filter_expression="fault")
    message = _synth_error(app.synth)
    assert ("the number of X-Ray groups in account 111111111111, region eu-west-1 must be at most 25 (the X-Ray "
            "quota, not adjustable), got 26: 'S/Bare', 'S/G0', ") in message
    assert message.count("must be at most 25") == 1


def test_group_names_are_unique_per_account_and_region() -> None:
    app = App()
    TraceGroup(Stack(app, "One", env=ENV), "G", group_name="orders-faults", filter_expression="fault")
    TraceGroup(Stack(app, "Two", env=ENV), "G", group_name="orders-faults", filter_expression="error")
    xray.CfnGroup(app.node.find_child("Two"), "Bare", group_name="orders-faults")  # type: ignore[arg-type]
    other = Stack(app, "Other", env=Environment(account="111111111111", region="us-east-1"))
    TraceGroup(other, "G", group_name="orders-faults", filter_expression="fault")  # another region: fine
    message = _synth_error(app.synth)
    assert ("TraceGroup 'Two/G': group_name must be unique in account 111111111111, region eu-west-1 (X-Ray group "
            "names are unique per account and region); 'One/G', 'Two/Bare' also use it, got 'orders-faults'") in message
    assert message.count("must be unique") == 1
    assert "Other" not in message


def test_one_check_for_rules_and_groups_also_without_an_explicit_app() -> None:
    stack = Stack()  # CDK makes the App
    SamplingRule(stack, "Rule", rule_name="r", priority=1, fixed_rate=0.1, reservoir_size=1)
    for index in range(26):
        TraceGroup(stack, f"G{index}", group_name=f"g{index}", filter_expression="fault")
    assert [child.node.id for child in stack.node.root.node.children].count(APP_CHECKS_ID) == 1
    message = _synth_error(lambda: Template.from_stack(stack))
    assert "the number of X-Ray groups in environment-agnostic stacks must be at most 25" in message
    assert message.count("must be at most 25") == 1
