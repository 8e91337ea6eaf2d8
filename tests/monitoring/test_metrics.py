"""The public metric factories: built from L1s for discovery, from L2s through the L2's own ``metric_*``, and the
plain definitions the alarms render agree with both."""

from __future__ import annotations

import pytest
from aws_cdk import App, CfnResource, Duration, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_xray as xray

from constructs_lib import TraceGroup
from constructs_lib._validation import XRayValidationError
from constructs_lib.monitoring import (
    GraphqlApiMetrics,
    LambdaFunctionMetrics,
    MetricDefinition,
    QueueMetrics,
    RestStageMetrics,
    StateMachineMetrics,
    TopicMetrics,
    graphql_api_metrics,
    lambda_metrics,
    rest_stage_metrics,
    trace_group_metrics,
)

from .helpers import cfn_fn, inline_function


def same(metric: cw.Metric, definition: MetricDefinition, stack: Stack) -> bool:
    """Same namespace, metric, statistic and dimensions. A REST stage's L2 names the stage by its ``Ref`` (the
    stage name at deploy time), the definition by the literal name: both are the stage's name."""
    dimensions = stack.resolve(metric.dimensions)
    if isinstance(dimensions.get("Stage"), dict):
        dimensions["Stage"] = stack.resolve(definition.dimensions_map)["Stage"]
    return (metric.namespace, metric.metric_name, dimensions, metric.statistic) == (
        definition.namespace, definition.metric_name, stack.resolve(definition.dimensions_map), definition.statistic)


@pytest.fixture
def stack() -> Stack:
    return Stack(App(), "S")


def test_l2_metrics_come_from_the_l2_and_agree_with_the_definitions(stack: Stack) -> None:
    fn = inline_function(stack, "Fn", timeout=Duration.seconds(30))
    m = LambdaFunctionMetrics.of(fn)
    assert m.timeout_seconds == 30
    assert same(m.metric_errors(), m.errors, stack) and same(m.metric_throttles(), m.throttles, stack)
    assert same(m.metric_duration(), m.duration(), stack) and m.metric_duration().statistic == "p99"
    assert same(m.metric_errors(), lambda_metrics(fn.node.default_child).errors, stack)  # type: ignore[arg-type]
    queue = sqs.Queue(stack, "Q")
    q = QueueMetrics.of(queue)
    assert same(q.metric_age_of_oldest_message(), q.age_of_oldest_message, stack)
    assert same(q.metric_messages_visible(), q.messages_visible, stack)
    topic = sns.Topic(stack, "T")
    t = TopicMetrics.of(topic)
    assert same(t.metric_notifications_failed(), t.notifications_failed, stack)
    machine = sfn.StateMachine(stack, "M", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "P")))
    sm = StateMachineMetrics.of(machine)
    for metric, definition in ((sm.metric_executions_failed(), sm.executions_failed),
                               (sm.metric_executions_timed_out(), sm.executions_timed_out),
                               (sm.metric_executions_throttled(), sm.executions_throttled)):
        assert same(metric, definition, stack)
    api = apigateway.RestApi(stack, "Api", rest_api_name="orders")
    api.root.add_method("GET", apigateway.MockIntegration())
    st = RestStageMetrics.of(api.deployment_stage, api_name="orders")
    assert same(st.metric_faults(), st.faults, stack) and same(st.metric_fault_rate(), st.fault_rate, stack)
    assert same(st.metric_latency(), st.latency(), stack) and same(st.metric_count(), st.count, stack)
    assert same(st.metric_client_error_rate(), st.client_error_rate, stack)
    l1 = rest_stage_metrics(api.deployment_stage.node.default_child)  # type: ignore[arg-type]
    assert stack.resolve(l1.faults.dimensions_map) == stack.resolve(st.faults.dimensions_map)


def test_rates_are_shares(stack: Stack) -> None:
    rate = LambdaFunctionMetrics(function_name="f").metric_error_rate()
    assert rate.expression == "IF(total > 0, part / total, 0)"
    assert RestStageMetrics(api_name="a", stage_name="s").fault_rate.statistic == "Average"


def test_appsync_metrics(stack: Stack) -> None:
    api = appsync.CfnGraphQLApi(stack, "G", name="g", authentication_type="API_KEY")
    m = graphql_api_metrics(api)
    assert (m.faults.namespace, m.faults.metric_name, m.faults.statistic) == ("AWS/AppSync", "5XXError", "Sum")
    assert stack.resolve(m.faults.dimensions_map) == {"GraphQLAPIId": {"Fn::GetAtt": ["G", "ApiId"]}}
    assert GraphqlApiMetrics(api_id="abc").metric_latency().statistic == "p99"


def test_trace_group_metrics_agree_with_trace_group(stack: Stack) -> None:
    group = TraceGroup(stack, "G", group_name="faults", filter_expression="fault = true")
    own = group.metric_approximate_trace_count()
    raw = xray.CfnGroup(stack, "Raw", group_name="faults", filter_expression="fault = true")
    mine = trace_group_metrics(raw).metric_approximate_trace_count()
    assert (own.namespace, own.metric_name, own.dimensions, own.statistic, own.period.to_seconds()) == (
        mine.namespace, mine.metric_name, mine.dimensions, mine.statistic, mine.period.to_seconds()) == (
        "AWS/X-Ray", "ApproximateTraceCount", {"GroupName": "faults"}, "Sum", 60)


def test_factories_read_the_l1_and_check_its_type(stack: Stack) -> None:
    assert lambda_metrics(cfn_fn(stack, "Fn", timeout=42)).timeout_seconds == 42
    plain = CfnResource(stack, "Plain", type="AWS::Lambda::Function", properties={})
    assert lambda_metrics(plain).timeout_seconds == 3
    with pytest.raises(XRayValidationError, match="must be an AWS::Lambda::Function L1, got 'AWS::SQS::Queue'"):
        lambda_metrics(sqs.CfnQueue(stack, "Q"))


def test_definitions_render_alarm_properties() -> None:
    p99 = MetricDefinition("AWS/Lambda", "Duration", (("FunctionName", "f"),), "p99")
    assert p99.alarm_properties(60) == {"namespace": "AWS/Lambda", "metric_name": "Duration", "period": 60,
                                        "dimensions": [{"name": "FunctionName", "value": "f"}],
                                        "extended_statistic": "p99"}
    assert "statistic" in p99.with_statistic("Maximum").alarm_properties(60)
