"""TracingAlarms: every alarm's metric, statistic, dimensions, threshold and actions; overrides; disabled alarms;
the accessor (discovery-created alarms included, before synth, without duplicates); Metrics Insights mode and its
alarm count for 120 functions across three stacks; cdk-nag and cfn-lint.

Each app is synthesized once per module; the tests read its template.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Aws, CfnParameter, CfnResource, Duration, Fn, RemovalPolicy, Stack, Validations
from aws_cdk import Stage as AppStage
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_xray as xray
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from cfnlint.api import ManualArgs, lint_file
from constructs import Construct

from constructs_lib import TraceGroup, XRayTracing
from constructs_lib import alarms as alarms_module
from constructs_lib import dashboard as dashboard_module
from constructs_lib._metrics import (
    InsightsFunction,
    InsightsQuery,
    console_url,
    lambda_metrics,
    trace_count_metric,
    trace_group_metrics,
)
from constructs_lib._validation import XRayValidationError
from constructs_lib.alarms import (
    DEFAULT_SPECS,
    INSIGHTS_METRICS,
    AlarmMode,
    AlarmOverride,
    AlarmSpec,
    AlarmType,
    QueryScope,
    ResourceOverride,
    TraceGroupKind,
    TraceGroupTarget,
    TracingAlarms,
    _alarm_name,
    default_spec,
    is_excluded_from_tracing,
)
from constructs_lib.filters import classify

ACCOUNT, REGION = "111111111111", "eu-west-1"
ENV = {"account": ACCOUNT, "region": REGION}
TOPIC_REF = {"Ref": Match.string_like_regexp("AlarmsAlarmTopic")}


def inline_function(scope: Any, id: str, **kwargs: Any) -> lambda_.Function:
    return lambda_.Function(scope, id, runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(e, c): return e"), **kwargs)


def alarms_of(template: dict[str, Any], kind: str = "AWS::CloudWatch::Alarm") -> dict[str, dict[str, Any]]:
    """Alarm properties by alarm name."""
    return {r["Properties"]["AlarmName"]: r["Properties"] for r in template["Resources"].values()
            if r["Type"] == kind}


def single_metric(props: dict[str, Any]) -> dict[str, Any]:
    """(namespace, metric, stat, dimensions, period) of an alarm on one metric."""
    return {"namespace": props["Namespace"], "metric": props["MetricName"], "stat": props.get("Statistic")
            or props.get("ExtendedStatistic"), "dimensions": props["Dimensions"], "period": props["Period"]}


# -- app 1: every service, per-resource mode -------------------------------------------------------------------
@dataclass
class Built:
    app: App
    stack: Stack
    alarms: TracingAlarms
    template: dict[str, Any]
    early: list[cw.Alarm]
    early_count: int
    outdir: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    outdir = tmp_path_factory.mktemp("alarms")
    app = App(outdir=str(outdir))
    stack = Stack(app, "Orders", env=ENV)
    api_fn = inline_function(stack, "ApiFn", timeout=Duration.seconds(10))
    apigateway.LambdaRestApi(stack, "Api", handler=api_fn, rest_api_name="orders-api")
    dlq = sqs.Queue(stack, "OrderDlq")
    queue = sqs.Queue(stack, "OrderQueue", dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=3))
    sub_dlq = sqs.Queue(stack, "SubscriptionDlq")
    topic = sns.Topic(stack, "OrderCreated")
    topic.add_subscription(subs.SqsSubscription(queue, dead_letter_queue=sub_dlq))
    machine = sfn.StateMachine(stack, "Fulfil", definition_body=sfn.DefinitionBody.from_chainable(
        sfn.Pass(stack, "Done")))
    xray.CfnGroup(stack, "Faults", group_name="orders-faults", filter_expression='service("orders") { fault }')
    xray.CfnGroup(stack, "Slow", group_name="orders-slow", filter_expression="responsetime > 2")
    xray.CfnGroup(stack, "Errors", group_name="orders-errors", filter_expression="error = true")
    xray.CfnGroup(stack, "ColdStarts", group_name="cold-starts", filter_expression="annotation.ColdStart = true")
    # CDK's own function (bucket auto-delete custom-resource provider): no alarms by default.
    s3.Bucket(stack, "Bucket", auto_delete_objects=True, removal_policy=RemovalPolicy.DESTROY)
    quiet = inline_function(stack, "QuietFn")
    alarms = TracingAlarms(
        stack, "Alarms",
        monitored_scope=stack,
        alarm_name_prefix="orders",
        defaults={
            AlarmType.LAMBDA_THROTTLES: AlarmOverride(threshold=5, period=Duration.minutes(1)),
            AlarmType.REST_CLIENT_ERROR_RATE: AlarmOverride(enabled=False),
            AlarmType.QUEUE_MESSAGE_AGE: AlarmSpec(threshold=600, evaluation_periods=2, datapoints_to_alarm=2,
                                                   treat_missing_data=cw.TreatMissingData.MISSING),
        },
        overrides=[
            ResourceOverride(target=api_fn, alarm_types=(AlarmType.LAMBDA_DURATION,),
                             override=AlarmOverride(threshold=0.5)),
            ResourceOverride(target=quiet, override=AlarmOverride(enabled=False)),
        ],
        trace_groups=[TraceGroupTarget(group="cold-starts", kind=TraceGroupKind.SLOW)],
    )
    XRayTracing.enable(stack)
    early = alarms.alarms  # before synth, before the constructs below exist
    early_count = len(early)
    # Added after the accessor ran: the aspect must cover them, once.
    worker = inline_function(stack, "Worker")  # default timeout 3 s
    fn_dlq = sqs.Queue(stack, "WorkerDlq")
    dlq_fn = inline_function(stack, "Notifier", dead_letter_queue=fn_dlq)
    rule_dlq = sqs.Queue(stack, "RuleDlq")
    events.Rule(stack, "Rule", event_pattern=events.EventPattern(source=["orders"]),
                targets=[targets.LambdaFunction(worker, dead_letter_queue=rule_dlq)])
    del dlq_fn, machine
    assembly = app.synth()
    template = assembly.get_stack_by_name("Orders").template
    return Built(app, stack, alarms, template, early, early_count, outdir)


def test_lambda_error_rate_is_metric_math_over_errors_and_invocations(built: Built) -> None:
    props = alarms_of(built.template)["orders-ApiFn-error-rate"]
    metrics = {m["Id"]: m for m in props["Metrics"]}
    assert metrics["expr_1"]["Expression"] == "IF(invocations > 0, 100 * errors / invocations, 0)"
    for metric_id, name in (("errors", "Errors"), ("invocations", "Invocations")):
        stat = metrics[metric_id]["MetricStat"]
        assert stat["Metric"]["Namespace"] == "AWS/Lambda"
        assert stat["Metric"]["MetricName"] == name
        assert stat["Metric"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "ApiFnE0725F78"}}]
        assert stat["Stat"] == "Sum" and stat["Period"] == 300
    assert props["Threshold"] == 1
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert (props["EvaluationPeriods"], props["DatapointsToAlarm"], props["TreatMissingData"]) == (3, 2,
                                                                                                  "notBreaching")


def test_every_alarm_notifies_the_topic_on_alarm_and_ok(built: Built) -> None:
    for kind in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
        for name, props in alarms_of(built.template, kind).items():
            if "part" in name:
                continue
            topic_refs = [a["Ref"] for a in props["AlarmActions"]]
            assert topic_refs == [a["Ref"] for a in props["OKActions"]]
            assert len(topic_refs) == 1 and topic_refs[0].startswith("AlarmsAlarmTopic"), name


def test_lambda_duration_is_p99_against_a_share_of_each_timeout(built: Built) -> None:
    alarms = alarms_of(built.template)
    api = alarms["orders-ApiFn-duration"]  # 10 s timeout, overridden to 50 %
    assert single_metric(api)["metric"] == "Duration"
    assert api["ExtendedStatistic"] == "p99"
    assert api["Threshold"] == 5000
    worker = alarms["orders-Worker-duration"]  # default 3 s timeout, default 80 %
    assert worker["Threshold"] == 2400
    assert "80% of the function's timeout (2400 ms)" in json.dumps(worker["AlarmDescription"])


def test_lambda_throttles_use_the_service_type_default_override(built: Built) -> None:
    props = alarms_of(built.template)["orders-ApiFn-throttles"]
    assert single_metric(props) == {"namespace": "AWS/Lambda", "metric": "Throttles", "stat": "Sum",
                                    "dimensions": [{"Name": "FunctionName", "Value": {"Ref": "ApiFnE0725F78"}}],
                                    "period": 60}
    assert props["Threshold"] == 5


def test_rest_stage_alarms_use_api_name_and_stage(built: Built) -> None:
    alarms = alarms_of(built.template)
    dims = [{"Name": "ApiName", "Value": "orders-api"}, {"Name": "Stage", "Value": "prod"}]
    faults = alarms["orders-Api-DeploymentStage.prod-5xx-faults"]
    assert single_metric(faults) == {"namespace": "AWS/ApiGateway", "metric": "5XXError", "stat": "Sum",
                                     "dimensions": dims, "period": 300}
    assert faults["Threshold"] == 1
    latency = alarms["orders-Api-DeploymentStage.prod-latency"]
    assert (latency["MetricName"], latency["ExtendedStatistic"], latency["Threshold"]) == ("Latency", "p99", 3000)
    assert latency["Dimensions"] == dims


def test_disabled_alarm_types_and_resources_get_no_alarm(built: Built) -> None:
    names = set(alarms_of(built.template))
    assert not any(n.endswith("4xx-rate") for n in names)  # disabled per service type
    assert not any(n.startswith("orders-QuietFn") for n in names)  # disabled per resource
    assert not any(n.rsplit("-", 1)[-1] == "errors" for n in names)  # LAMBDA_ERRORS is off by default


def test_cdk_internal_functions_get_no_alarms(built: Built) -> None:
    names = set(alarms_of(built.template))
    assert not any("Custom" in n or "AutoDelete" in n for n in names)


def test_queue_age_uses_the_full_spec_given(built: Built) -> None:
    props = alarms_of(built.template)["orders-OrderQueue-oldest-message-age"]
    assert single_metric(props)["metric"] == "ApproximateAgeOfOldestMessage"
    assert props["Statistic"] == "Maximum"
    (dimension,) = props["Dimensions"]
    assert dimension["Name"] == "QueueName"
    assert dimension["Value"]["Fn::GetAtt"][0].startswith("OrderQueue")
    assert dimension["Value"]["Fn::GetAtt"][1] == "QueueName"
    assert (props["Threshold"], props["EvaluationPeriods"], props["DatapointsToAlarm"],
            props["TreatMissingData"]) == (600, 2, 2, "missing")


@pytest.mark.parametrize("queue", ["OrderDlq", "SubscriptionDlq", "WorkerDlq", "RuleDlq"])
def test_every_kind_of_dead_letter_queue_alarms_on_any_visible_message(built: Built, queue: str) -> None:
    alarms = alarms_of(built.template)
    props = alarms[f"orders-{queue}-dlq-messages"]
    assert (props["MetricName"], props["Statistic"], props["Threshold"], props["Period"]) == (
        "ApproximateNumberOfMessagesVisible", "Maximum", 1, 60)
    assert (props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (1, 1)
    assert f"orders-{queue}-oldest-message-age" not in alarms


def test_sns_and_step_functions_alarms(built: Built) -> None:
    alarms = alarms_of(built.template)
    topic = alarms["orders-OrderCreated-failed-notifications"]
    assert (topic["Namespace"], topic["MetricName"], topic["Statistic"]) == ("AWS/SNS",
                                                                            "NumberOfNotificationsFailed", "Sum")
    assert topic["Dimensions"][0]["Name"] == "TopicName"
    for suffix, metric in (("failed", "ExecutionsFailed"), ("timed-out", "ExecutionsTimedOut"),
                           ("throttled", "ExecutionThrottled")):
        props = alarms[f"orders-Fulfil-executions-{suffix}"]
        assert (props["Namespace"], props["MetricName"], props["Statistic"]) == ("AWS/States", metric, "Sum")
        (dimension,) = props["Dimensions"]
        assert dimension["Name"] == "StateMachineArn" and dimension["Value"]["Ref"].startswith("Fulfil")


def test_trace_groups_are_classified_and_alarmed(built: Built) -> None:
    alarms = alarms_of(built.template)
    expected = {"orders-group-orders-faults-fault-traces": ("orders-faults", 1),
                "orders-group-orders-slow-slow-traces": ("orders-slow", 5),
                "orders-group-orders-errors-error-traces": ("orders-errors", 10),
                "orders-group-cold-starts-slow-traces": ("cold-starts", 5)}  # explicit kind
    for name, (group, threshold) in expected.items():
        props = alarms[name]
        assert (props["Namespace"], props["MetricName"], props["Statistic"]) == ("AWS/X-Ray",
                                                                                "ApproximateTraceCount", "Sum")
        assert props["Dimensions"] == [{"Name": "GroupName", "Value": group}]
        assert props["Threshold"] == threshold


def test_descriptions_say_what_fired_and_link_to_the_trace_map(built: Built) -> None:
    description = alarms_of(built.template)["orders-ApiFn-error-rate"]["AlarmDescription"]
    text = json.dumps(description)
    assert "Error rate of the Lambda function Orders/ApiFn/Resource" in text
    assert "#xray:service-map/map?~(query~(expression~'service*28id*28name*3A*20*22" in text
    assert "type*3A*20*22AWS*3A*3ALambda*3A*3AFunction" in text
    assert "#xray:traces/query" in text
    assert {"Ref": "ApiFnE0725F78"} in description["Fn::Join"][1]


def test_accessor_includes_discovery_created_alarms_before_synth(built: Built) -> None:
    # ApiFn 3, stage 2 (4XX off), 2 queues + 1 subscription DLQ, topic 1, state machine 3, groups 4
    assert built.early_count == 16
    names_early = {a.node.path for a in built.early}
    assert any(p.endswith("ApiFn-error-rate") for p in names_early)


def test_aspect_adds_alarms_for_constructs_added_later_exactly_once(built: Built) -> None:
    records = built.alarms.alarm_records
    assert len(records) > built.early_count
    keys = [(r.resource_path, r.alarm_type) for r in records]
    assert len(keys) == len(set(keys))
    template_names = set(alarms_of(built.template))
    assert {"orders-Worker-error-rate", "orders-Notifier-duration"} <= template_names
    assert len(template_names) == len(records)
    assert len(built.alarms.alarms_for(built.stack.node.find_child("Worker"))) == 3


def test_service_health_composite_rolls_everything_up(built: Built) -> None:
    composite = alarms_of(built.template, "AWS::CloudWatch::CompositeAlarm")["orders-service-health"]
    rule = composite["AlarmRule"]
    for name in alarms_of(built.template):
        assert f'ALARM("{name}")' in rule
    assert built.alarms.service_health_alarm is not None


def test_created_topic_is_encrypted_and_ssl_only(built: Built) -> None:
    template = Template.from_json(built.template)
    template.has_resource_properties("AWS::SNS::Topic", {
        "KmsMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp("AlarmsAlarmTopicKey"), "Arn"]}})
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    template.has_resource_properties("AWS::SNS::TopicPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
        Match.object_like({"Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish"}),
    ])}})


def test_cfn_lint_is_clean(built: Built) -> None:
    matches = lint_file(built.outdir / "Orders.template.json",
                        config=ManualArgs(regions=[REGION], ignore_checks=["W3005"]))
    assert [f"{m.rule.id} {m.message}" for m in matches] == []


# -- a given topic, long names, nesting ------------------------------------------------------------------------
def test_given_topic_is_used_and_none_is_created() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    topic = sns.Topic(stack, "Ops")
    inline_function(stack, "Fn")
    TracingAlarms(stack, "Alarms", monitored_scope=stack, alarm_topic=topic)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SNS::Topic", 1)
    template.resource_count_is("AWS::KMS::Key", 0)
    template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "AlarmActions": [{"Ref": Match.string_like_regexp("^Ops")}]})


def test_alarm_names_are_capped_at_255_with_a_stable_hash() -> None:
    long_label = "x" * 300 + "-error-rate"
    name = _alarm_name("prefix", long_label)
    assert len(name) == 255 and name.startswith("prefix-") and name.endswith("error-rate")
    assert name == _alarm_name("prefix", long_label)
    assert name != _alarm_name("prefix", "y" + long_label)


def test_composite_nests_past_100_alarms() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    for i in range(40):  # 120 alarms
        lambda_.CfnFunction(stack, f"F{i}", code=lambda_.CfnFunction.CodeProperty(zip_file="x"),
                            role="arn:aws:iam::111111111111:role/r", runtime="python3.12", handler="i.h")
    alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack)
    assert len(alarms.alarms) == 120
    template = app.synth().get_stack_by_name("S").template
    composites = alarms_of(template, "AWS::CloudWatch::CompositeAlarm")
    assert set(composites) == {"S-service-health", "S-service-health-part1", "S-service-health-part2"}
    assert composites["S-service-health"]["AlarmRule"] == (
        'ALARM("S-service-health-part1") OR ALARM("S-service-health-part2")')
    assert composites["S-service-health-part1"]["AlarmRule"].count("ALARM(") == 100
    assert composites["S-service-health-part2"]["AlarmRule"].count("ALARM(") == 20
    assert "AlarmActions" not in composites["S-service-health-part1"]
    assert all(len(p["AlarmRule"]) <= 10240 for p in composites.values())


# -- Metrics Insights: 120 functions in three stacks ---------------------------------------------------------
def cfn_fn(stack: Stack, id: str, **kwargs: Any) -> lambda_.CfnFunction:
    return lambda_.CfnFunction(stack, id, code=lambda_.CfnFunction.CodeProperty(zip_file="x"),
                               role="arn:aws:iam::111111111111:role/r", runtime="python3.12", handler="i.h", **kwargs)


def where_values(expression: Any) -> list[Any]:
    """The values a Metrics Insights query's WHERE lists (literal strings, or the references of a Fn::Join)."""
    if isinstance(expression, str):
        return re.findall(r"= '([^']*)'", expression)
    parts = expression["Fn::Join"][1]
    return [p for p in parts if not isinstance(p, str)]


@pytest.fixture(scope="module")
def insights() -> tuple[TracingAlarms, dict[str, Any]]:
    app = App()
    for s in range(3):
        stack = Stack(app, f"Service{s}", env=ENV)
        for i in range(40):  # named functions: the scoped duration queries list names, not references
            cfn_fn(stack, f"Fn{i}", function_name=f"svc{s}-fn{i}", timeout=30 if i else 10)
        sqs.Queue(stack, "Queue")
    monitoring = Stack(app, "Monitoring", env=ENV)
    alarms = TracingAlarms(monitoring, "Alarms", monitored_scope=app, mode=AlarmMode.METRICS_INSIGHTS)
    template = app.synth().get_stack_by_name("Monitoring").template
    return alarms, template


def test_insights_alarm_count_grows_with_distinct_timeouts_not_functions(
    insights: tuple[TracingAlarms, dict[str, Any]],
) -> None:
    alarms, template = insights
    names = set(alarms_of(template))
    # 120 functions, two distinct timeouts; the 117 names of the 30 s functions need two 2,048-character queries.
    assert names == {"Monitoring-lambda-errors", "Monitoring-lambda-throttles", "Monitoring-lambda-duration-10s",
                     "Monitoring-lambda-duration-30s", "Monitoring-lambda-duration-30s-part2",
                     "Monitoring-sqs-oldest-message-age"}
    assert len(alarms.alarms) == 6


def test_insights_query_text(insights: tuple[TracingAlarms, dict[str, Any]]) -> None:
    _, template = insights
    props = alarms_of(template)["Monitoring-lambda-errors"]
    (query,) = props["Metrics"]
    assert (query["Period"], query["ReturnData"]) == (300, True)
    assert props["Metrics"][0]["Expression"] == (
        'SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY MAX() DESC '
        "LIMIT 100")
    assert props["Threshold"] == 1
    age = alarms_of(template)["Monitoring-sqs-oldest-message-age"]
    assert age["Metrics"][0]["Expression"].startswith(
        'SELECT MAX(ApproximateAgeOfOldestMessage) FROM SCHEMA("AWS/SQS", QueueName) GROUP BY QueueName')


def test_insights_duration_threshold_is_each_functions_own_timeout(
    insights: tuple[TracingAlarms, dict[str, Any]],
) -> None:
    _, template = insights
    alarms = alarms_of(template)
    short = alarms["Monitoring-lambda-duration-10s"]
    assert short["Threshold"] == 8000  # 80 % of 10 s
    assert short["Metrics"][0]["Expression"] == (
        'SELECT MAX(Duration) FROM SCHEMA("AWS/Lambda", FunctionName) WHERE FunctionName = \'svc0-fn0\' OR '
        "FunctionName = 'svc1-fn0' OR FunctionName = 'svc2-fn0' GROUP BY FunctionName ORDER BY MAX() DESC LIMIT 100")
    long_parts = [alarms["Monitoring-lambda-duration-30s"], alarms["Monitoring-lambda-duration-30s-part2"]]
    assert [p["Threshold"] for p in long_parts] == [24000, 24000]  # 80 % of 30 s, not of the shortest timeout
    listed = [v for p in long_parts for v in where_values(p["Metrics"][0]["Expression"])]
    assert sorted(listed) == sorted(f"svc{s}-fn{i}" for s in range(3) for i in range(1, 40))
    assert all(len(p["Metrics"][0]["Expression"]) <= 2048 for p in long_parts)
    assert "80% of their 30 s timeout (24000 ms)" in long_parts[0]["AlarmDescription"]


def test_insights_mode_makes_no_cross_stack_references(insights: tuple[TracingAlarms, dict[str, Any]]) -> None:
    _, template = insights
    assert "Fn::ImportValue" not in json.dumps(template)


def test_insights_duration_queries_with_unresolved_names_split_into_parts() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    for i in range(30):  # unnamed: each reference counts as 64 characters, 22 fit in one query
        cfn_fn(stack, f"Fn{i}", timeout=30)
    alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS)
    template = app.synth().get_stack_by_name("S").template
    duration = {n: p for n, p in alarms_of(template).items() if "duration" in n}
    assert set(duration) == {"S-lambda-duration-30s", "S-lambda-duration-30s-part2"}
    refs = [v for p in duration.values() for v in where_values(p["Metrics"][0]["Expression"])]
    assert sorted(r["Ref"] for r in refs) == sorted(f"Fn{i}" for i in range(30))
    assert len(alarms.insights_queries(AlarmType.LAMBDA_DURATION)) == 2


def test_insights_duration_threshold_is_a_share_of_the_timeout() -> None:
    stack = Stack(App(), "S")
    cfn_fn(stack, "Fn")
    alarms = TracingAlarms(stack, "A", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS,
                           defaults={AlarmType.LAMBDA_DURATION: AlarmOverride(threshold=2500)})
    with pytest.raises(XRayValidationError, match=r"TracingAlarms 'S/A' LAMBDA_DURATION: threshold must be a share "
                                                  r"of each function's timeout, from 0 to 1 \(0.8 = 80 %\), got 2500"):
        alarms.discover()


@pytest.mark.parametrize(("alarm_type", "threshold", "unit"), [
    (AlarmType.REST_CLIENT_ERROR_RATE, 5, r"a share of requests, from 0 to 1 \(0.05 = 5 %\)"),
    (AlarmType.LAMBDA_ERROR_RATE, 150, r"a percentage of invocations, from 0 to 100 \(1 = 1 %\)"),
])
def test_rate_thresholds_in_the_wrong_unit_are_rejected(alarm_type: AlarmType, threshold: float, unit: str) -> None:
    stack = Stack(App(), "S")
    cfn_fn(stack, "Fn")
    api = apigateway.RestApi(stack, "Api")
    api.root.add_method("GET", apigateway.MockIntegration())
    alarms = TracingAlarms(stack, "A", monitored_scope=stack,
                           defaults={alarm_type: AlarmOverride(threshold=threshold)})
    with pytest.raises(XRayValidationError, match=f"{alarm_type.name} for .*: threshold must be {unit}, "
                                                  f"got {threshold}"):
        alarms.discover()


def test_insights_duration_fails_when_a_timeout_changes_after_discovery() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    fn = cfn_fn(stack, "Fn", timeout=10)
    alarms = TracingAlarms(stack, "A", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS)
    assert alarms.alarms
    fn.timeout = 20
    with pytest.raises(RuntimeError, match="must not change after its Metrics Insights duration alarm"):
        app.synth()


def test_insights_dlq_query_lists_only_the_apps_dead_letter_queues() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    dlq = sqs.Queue(stack, "Dlq")
    sqs.Queue(stack, "Work", dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=3))
    named_dlq = sqs.Queue(stack, "NamedDlq", queue_name="orders-dlq")
    sqs.Queue(stack, "Other", dead_letter_queue=sqs.DeadLetterQueue(queue=named_dlq, max_receive_count=3))
    TracingAlarms(stack, "Alarms", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS)  # QueryScope.ACCOUNT
    template = app.synth().get_stack_by_name("S").template
    alarms = alarms_of(template)
    expression = alarms["S-sqs-dlq-messages"]["Metrics"][0]["Expression"]
    parts = expression["Fn::Join"][1]
    assert parts[0] == ('SELECT MAX(ApproximateNumberOfMessagesVisible) FROM SCHEMA("AWS/SQS", QueueName) '
                        "WHERE QueueName = '")
    assert parts[1]["Fn::GetAtt"][0].startswith("Dlq") and parts[1]["Fn::GetAtt"][1] == "QueueName"
    assert parts[2] == "' OR QueueName = 'orders-dlq' GROUP BY QueueName ORDER BY MAX() DESC LIMIT 100"
    assert len(parts) == 3
    # The working queues' age stays account-wide (QueryScope.ACCOUNT) and never lists a DLQ.
    assert "WHERE" not in alarms["S-sqs-oldest-message-age"]["Metrics"][0]["Expression"]


def test_insights_dlq_query_too_long_falls_back_to_per_queue_alarms() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    for i in range(25):  # unresolved queue names count as 80 characters: 19 fit in one query
        dlq = sqs.CfnQueue(stack, f"Dlq{i}")
        sqs.CfnQueue(stack, f"Work{i}", redrive_policy={"deadLetterTargetArn": dlq.attr_arn, "maxReceiveCount": 3})
    alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS)
    template = app.synth().get_stack_by_name("S").template
    names = set(alarms_of(template))
    listed = where_values(alarms_of(template)["S-sqs-dlq-messages"]["Metrics"][0]["Expression"])
    own = {n for n in names if n.endswith("-dlq-messages") and n != "S-sqs-dlq-messages"}
    assert len(listed) == 19 and len(own) == 6
    assert {f"S-Dlq{i}-dlq-messages" for i in range(19, 25)} == own
    props = alarms_of(template)["S-Dlq24-dlq-messages"]
    assert (props["MetricName"], props["Statistic"], props["Threshold"]) == (
        "ApproximateNumberOfMessagesVisible", "Maximum", 1)
    warnings = [e for e in alarms.node.metadata if "dlqQueryTooLong" in json.dumps(e.data)]
    assert len(warnings) == 1


def test_insights_query_scoped_to_the_app_lists_its_resources() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    for i in range(3):
        cfn_fn(stack, f"Fn{i}", function_name=f"orders-fn-{i}")
    cfn_fn(stack, "Unnamed")
    xray.CfnGroup(stack, "G", group_name="faults", filter_expression="fault = true")
    alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS,
                           query_scope=QueryScope.APP, insights_limit=10)
    template = app.synth().get_stack_by_name("S").template
    expression = alarms_of(template)["S-lambda-errors"]["Metrics"][0]["Expression"]
    # Literal names are listed as written (no reference); an unnamed function by reference.
    assert expression == {"Fn::Join": ["", [
        'SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) WHERE FunctionName = \'orders-fn-0\' OR '
        "FunctionName = 'orders-fn-1' OR FunctionName = 'orders-fn-2' OR FunctionName = '", {"Ref": "Unnamed"},
        "' GROUP BY FunctionName ORDER BY MAX() DESC LIMIT 10"]]}
    group = alarms_of(template)["S-xray-groups-fault-traces"]["Metrics"][0]["Expression"]
    assert "WHERE GroupName = 'faults'" in group
    assert alarms.insights_query(AlarmType.LAMBDA_THROTTLES).startswith("SELECT SUM(Throttles)")


def test_insights_query_too_long_for_the_app_falls_back_to_the_account() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    for i in range(40):  # 40 unresolved names of up to 64 characters: more than 2,048
        lambda_.CfnFunction(stack, f"Fn{i}", code=lambda_.CfnFunction.CodeProperty(zip_file="x"),
                            role="arn:aws:iam::111111111111:role/r", runtime="python3.12", handler="i.h")
    alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS,
                           query_scope=QueryScope.APP)
    template = app.synth().get_stack_by_name("S").template
    assert "WHERE" not in alarms_of(template)["S-lambda-errors"]["Metrics"][0]["Expression"]
    warnings = [m for m in alarms.node.metadata if "insightsQueryTooLong" in json.dumps(m.data)]
    assert warnings


def test_insights_window_is_limited_to_three_hours() -> None:
    stack = Stack(App(), "S")
    with pytest.raises(XRayValidationError, match="at most 3 hours"):
        alarms = TracingAlarms(stack, "A", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS, defaults={
            AlarmType.LAMBDA_ERRORS: AlarmOverride(period=Duration.hours(1), evaluation_periods=4,
                                                   datapoints_to_alarm=1)})
        inline_function(stack, "Fn")
        alarms.discover()


# -- cdk-nag ---------------------------------------------------------------------------------------------------
def test_cdk_nag_is_clean_for_the_created_topic(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Monitoring", env=ENV)
    xray.CfnGroup(stack, "Faults", group_name="faults", filter_expression="fault = true")
    TracingAlarms(stack, "Alarms", monitored_scope=stack, dashboard=True)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    app.synth()
    reports = json.loads((tmp_path / "validation-report.json").read_text())["pluginReports"]
    assert [v["ruleName"] for p in reports for v in p["violations"]] == []


# -- value objects and validation -------------------------------------------------------------------------
def test_defaults_cover_every_alarm_type() -> None:
    assert set(DEFAULT_SPECS) == set(AlarmType)
    assert default_spec(AlarmType.LAMBDA_DURATION).threshold == 0.8
    assert default_spec(AlarmType.LAMBDA_ERRORS).enabled is False
    assert default_spec(AlarmType.LAMBDA_ERRORS, AlarmMode.METRICS_INSIGHTS).enabled is True
    assert default_spec(AlarmType.LAMBDA_ERROR_RATE, AlarmMode.METRICS_INSIGHTS).enabled is False


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"threshold": -1}, "AlarmSpec: threshold must be a number of at least 0, got -1"),
    ({"threshold": 1, "evaluation_periods": 0}, "evaluation_periods must be an integer of at least 1, got 0"),
    ({"threshold": 1, "evaluation_periods": 2, "datapoints_to_alarm": 3},
     "datapoints_to_alarm must be an integer from 1 to 2, got 3"),
    ({"threshold": 1, "period": Duration.seconds(45)}, "period must be 10, 20, 30 seconds or a multiple of 60"),
    ({"threshold": 1, "period": Duration.hours(6), "evaluation_periods": 5, "datapoints_to_alarm": 1},
     "at most 1 day"),
    ({"threshold": 1, "treat_missing_data": "ignore"}, "treat_missing_data must be a cloudwatch.TreatMissingData"),
])
def test_alarm_spec_validation_names_field_value_and_allowed(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(XRayValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        AlarmSpec(**kwargs)


def test_override_is_validated_when_applied() -> None:
    with pytest.raises(XRayValidationError, match="datapoints_to_alarm"):
        AlarmOverride(datapoints_to_alarm=9).apply(default_spec(AlarmType.LAMBDA_THROTTLES))


def test_constructor_validation() -> None:
    stack = Stack(App(), "S")
    with pytest.raises(XRayValidationError, match="TracingAlarms: alarm_name_prefix must be letters"):
        TracingAlarms(stack, "A", monitored_scope=stack, alarm_name_prefix="bad prefix!")
    with pytest.raises(XRayValidationError, match="TracingAlarms: mode must be an AlarmMode, got 'fast'"):
        TracingAlarms(stack, "B", monitored_scope=stack, mode="fast")  # type: ignore[arg-type]
    with pytest.raises(XRayValidationError, match="insights_limit must be an integer from 1 to 500, got 501"):
        TracingAlarms(stack, "C", monitored_scope=stack, insights_limit=501)
    with pytest.raises(XRayValidationError, match="defaults key must be an AlarmType"):
        TracingAlarms(stack, "D", monitored_scope=stack, defaults={"errors": AlarmOverride()})  # type: ignore[dict-item]


def test_resource_override_matches_subtrees_and_globs() -> None:
    override = ResourceOverride(target="App/Orders/Worker*", override=AlarmOverride(enabled=False))
    assert override.matches("App/Orders/WorkerFn/Resource", AlarmType.LAMBDA_ERROR_RATE)
    assert not override.matches("App/Orders/ApiFn/Resource", AlarmType.LAMBDA_ERROR_RATE)
    typed = ResourceOverride(target="App/Orders", override=AlarmOverride(), alarm_types=(AlarmType.REST_LATENCY,))
    assert typed.matches("App/Orders/Api/Stage", AlarmType.REST_LATENCY)
    assert not typed.matches("App/Orders/Api/Stage", AlarmType.REST_FAULTS)


@pytest.mark.parametrize(("expression", "kind"), [
    ("fault = true", TraceGroupKind.FAULT),
    ('service("orders") { fault }', TraceGroupKind.FAULT),
    ("error", TraceGroupKind.ERROR),
    ("!fault AND error = true", TraceGroupKind.ERROR),
    ("responsetime > 2", TraceGroupKind.SLOW),
    ("duration >= 5 AND http.method = \"POST\"", TraceGroupKind.SLOW),
    ('service("fault-api") AND annotation.ColdStart = true', None),
    ("fault = false", None),
    ("responsetime < 1", None),
    ("annotation.fault = true", None),  # an annotation, not the keyword
    ('rootcause.fault.service { name = "db" }', None),
    ("!(fault OR error)", None),  # a group of healthy traces
    ("!(responsetime > 2)", None),
    ("ok AND !(fault) AND responsetime >= 3", TraceGroupKind.SLOW),
])
def test_filter_expression_classification(expression: str, kind: TraceGroupKind | None) -> None:
    assert classify(expression) is kind


def test_metric_factories_read_the_l1() -> None:
    stack = Stack(App(), "S")
    fn = lambda_.CfnFunction(stack, "Fn", code=lambda_.CfnFunction.CodeProperty(zip_file="x"),
                             role="arn:aws:iam::111111111111:role/r", runtime="python3.12", handler="i.h",
                             timeout=42)
    metrics = lambda_metrics(fn)
    assert metrics.timeout_seconds == 42
    assert metrics.metric_duration().statistic == "p99"
    plain = CfnResource(stack, "Plain", type="AWS::Lambda::Function", properties={})
    assert lambda_metrics(plain).timeout_seconds == 3
    with pytest.raises(XRayValidationError, match="must be an AWS::Lambda::Function L1, got 'AWS::SQS::Queue'"):
        lambda_metrics(sqs.CfnQueue(stack, "Q"))


def test_insights_query_rendering_and_limits() -> None:
    query = InsightsQuery.for_metric("AWS/ApiGateway", "5XXError", ("ApiName", "Stage"), InsightsFunction.SUM,
                                     where_values=["it's"], limit=5)
    assert str(query) == ('SELECT SUM("5XXError") FROM SCHEMA("AWS/ApiGateway", ApiName, Stage) '
                          "WHERE ApiName = 'it\\'s' GROUP BY ApiName, Stage ORDER BY MAX() DESC LIMIT 5")
    with pytest.raises(XRayValidationError, match="limit must be an integer from 1 to 500, got 0"):
        InsightsQuery.for_metric("AWS/Lambda", "Errors", "FunctionName", InsightsFunction.SUM, limit=0)


def test_console_url_encodes_the_filter() -> None:
    url = console_url("eu-west-1", "traces/query", 'service("a b")')
    assert url == ("https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/query"
                   "?~(query~(expression~'service*28*22a*20b*22*29')~context~(timeRange~(delta~10800000)))")


def test_a_group_whose_filter_holds_a_token_is_still_classified() -> None:
    stack = Stack(App(), "Tokens")
    api = apigateway.RestApi(stack, "Api")
    api.root.add_method("GET", apigateway.MockIntegration())
    xray.CfnGroup(stack, "Faults", group_name="api-faults",
                  filter_expression=f'service("Api/{api.deployment_stage.stage_name}") AND fault')
    TracingAlarms(stack, "Alarms", monitored_scope=stack, alarm_name_prefix="t")
    Template.from_stack(stack).has_resource_properties("AWS::CloudWatch::Alarm", {
        "AlarmName": "t-group-api-faults-fault-traces", "MetricName": "ApproximateTraceCount",
        "Dimensions": [{"Name": "GroupName", "Value": "api-faults"}]})


# -- token names, exclusion, Stages, TraceGroup metrics ----------------------------------------------------------
JOIN_STACK_NAME = {"Fn::Join": ["", [{"Ref": "AWS::StackName"}, "-orders"]]}


def test_token_names_stay_references_in_dimensions() -> None:
    app = App()
    stack = Stack(app, "Tokens", env=ENV)
    stage_param = CfnParameter(stack, "StageParam", default="prod")
    api = apigateway.CfnRestApi(stack, "Api", name=f"{Aws.STACK_NAME}-orders")
    apigateway.CfnStage(stack, "Stage", rest_api_id=api.ref, deployment_id="d1",
                        stage_name=stage_param.value_as_string, tracing_enabled=True)
    plain_api = CfnResource(stack, "PlainApi", type="AWS::ApiGateway::RestApi",
                            properties={"Name": f"{Aws.STACK_NAME}-plain"})
    CfnResource(stack, "PlainStage", type="AWS::ApiGateway::Stage",
                properties={"RestApiId": plain_api.ref, "DeploymentId": "d2", "StageName": "live"})
    xray.CfnGroup(stack, "Faults", group_name=f"{Aws.STACK_NAME}-faults", filter_expression="fault = true")
    TraceGroup(stack, "Slow", group_name=Fn.join("-", [Aws.STACK_NAME, "slow"]),
               filter_expression="responsetime > 2")
    TracingAlarms(stack, "Alarms", monitored_scope=stack, alarm_name_prefix="t", dashboard=True)
    template = app.synth().get_stack_by_name("Tokens").template
    alarms = alarms_of(template)
    assert "{'Fn::Join'" not in json.dumps(template)  # no Python dict rendered as a string anywhere
    faults = alarms["t-Stage-5xx-faults"]
    assert faults["Dimensions"] == [{"Name": "ApiName", "Value": JOIN_STACK_NAME},
                                    {"Name": "Stage", "Value": {"Ref": "StageParam"}}]
    plain = alarms["t-PlainStage-latency"]
    assert plain["Dimensions"] == [
        {"Name": "ApiName", "Value": {"Fn::Join": ["", [{"Ref": "AWS::StackName"}, "-plain"]]}},
        {"Name": "Stage", "Value": "live"}]
    groups = {p["Dimensions"][0]["Value"]["Fn::Join"][1][-1]: p for n, p in alarms.items()
              if p.get("Namespace") == "AWS/X-Ray"}
    assert groups["-faults"]["Dimensions"] == [
        {"Name": "GroupName", "Value": {"Fn::Join": ["", [{"Ref": "AWS::StackName"}, "-faults"]]}}]
    assert set(groups) == {"-faults", "slow"}


def test_excluded_subtrees_get_no_alarms_unless_asked() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    XRayTracing.enable(stack)
    inline_function(stack, "Kept")
    legacy = Construct(stack, "Legacy")
    inline_function(legacy, "Old")
    XRayTracing.exclude(legacy)
    reenabled = Construct(legacy, "Reenabled")
    XRayTracing.enable(reenabled)
    inline_function(reenabled, "Again")
    default = TracingAlarms(stack, "Alarms", monitored_scope=stack, alarm_name_prefix="d", dashboard=True)
    everything = TracingAlarms(stack, "All", monitored_scope=stack, alarm_name_prefix="a", include_excluded=True)
    template = app.synth().get_stack_by_name("S").template
    names = set(alarms_of(template))
    assert {"d-Kept-error-rate", "d-Legacy-Reenabled-Again-error-rate"} <= names
    assert not any(n.startswith("d-Legacy-Old") for n in names)
    assert "a-Legacy-Old-error-rate" in names
    assert len(everything.alarms) == len(default.alarms) + 3
    assert is_excluded_from_tracing(legacy.node.find_child("Old").node.default_child)  # type: ignore[arg-type]
    dashboard = json.dumps(next(r for r in template["Resources"].values()
                                if r["Type"] == "AWS::CloudWatch::Dashboard"))
    assert "S/Legacy/Old" not in dashboard and "S/Kept" in dashboard and "S/Legacy/Reenabled/Again" in dashboard


def test_resources_in_another_stage_are_skipped_with_a_warning() -> None:
    app = App()
    prod = AppStage(app, "Prod")
    service = Stack(prod, "Service", env=ENV)
    inline_function(service, "StageFn")
    local = Stack(app, "Monitoring", env=ENV)
    inline_function(local, "LocalFn")
    alarms = TracingAlarms(local, "Alarms", monitored_scope=app, dashboard=True)
    assembly = app.synth()  # no cross-Stage reference error
    names = set(alarms_of(assembly.get_stack_by_name("Monitoring").template))
    assert "Monitoring-LocalFn-error-rate" in names
    assert not any("StageFn" in n for n in names)
    warnings = [json.dumps(e.data) for e in alarms.node.metadata if "crossStageResource" in json.dumps(e.data)]
    assert len(warnings) == 1 and "Prod" in warnings[0]


def test_trace_group_alarms_use_the_groups_own_metric(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Duration | None] = []
    original = TraceGroup.metric_approximate_trace_count

    def spy(self: TraceGroup, **kwargs: Any) -> cw.Metric:
        calls.append(kwargs.get("period"))
        return original(self, **kwargs)

    monkeypatch.setattr(TraceGroup, "metric_approximate_trace_count", spy)
    app = App()
    stack = Stack(app, "S", env=ENV)
    TraceGroup(stack, "Faults", group_name="faults", filter_expression="fault = true")
    TracingAlarms(stack, "Alarms", monitored_scope=stack, dashboard=True)
    template = app.synth().get_stack_by_name("S").template
    assert [c.to_seconds() for c in calls if c is not None] == [300, 300]  # the alarm, then the dashboard graph
    props = alarms_of(template)["S-group-faults-fault-traces"]
    assert (props["Namespace"], props["MetricName"], props["Statistic"], props["Period"]) == (
        "AWS/X-Ray", "ApproximateTraceCount", "Sum", 300)


def test_trace_group_metric_factory_agrees_with_trace_group() -> None:
    stack = Stack(App(), "S")
    group = TraceGroup(stack, "G", group_name="faults", filter_expression="fault = true")
    own = group.metric_approximate_trace_count()
    raw = xray.CfnGroup(stack, "Raw", group_name="faults", filter_expression="fault = true")
    for factory in (trace_group_metrics(raw).metric_approximate_trace_count(), trace_count_metric(raw),
                    trace_count_metric(group.resource)):
        assert (factory.namespace, factory.metric_name, factory.dimensions, factory.statistic,
                factory.period.to_seconds()) == (own.namespace, own.metric_name, own.dimensions, own.statistic,
                                                 own.period.to_seconds())


# -- module hygiene ------------------------------------------------------------------------------------------
def test_alarms_and_dashboard_share_one_insights_table_and_the_warning_helper() -> None:
    source = Path(alarms_module.__file__).read_text()
    assert "WARNING_PREFIX" not in source and "Annotations" not in source  # warnings come from _validation.warn
    assert "_INSIGHTS_METRICS" not in source
    dashboard_source = Path(dashboard_module.__file__).read_text()
    assert "InsightsFunction" not in dashboard_source and "InsightsQuery(" not in dashboard_source
    graphs = {g.alarm_type for g in dashboard_module._GRAPHS}
    assert graphs <= set(INSIGHTS_METRICS)


def test_paths_that_read_alike_get_distinct_alarms() -> None:
    stack = Stack(App(), "S")
    sqs.Queue(stack, "Orders-Q", enforce_ssl=True)
    sqs.Queue(Construct(stack, "Orders"), "Q", enforce_ssl=True)  # S/Orders/Q reads like S/Orders-Q
    alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack, alarm_name_prefix="t", service_health_alarm=False)
    names = [r["Properties"]["AlarmName"] for r in Template.from_stack(stack).find_resources(
        "AWS::CloudWatch::Alarm").values()]
    assert len(names) == len(set(names)) == len(alarms.alarms) == 2


def test_an_override_that_matches_nothing_gets_a_warning() -> None:
    stack = Stack(App(), "S")
    cfn_fn(stack, "Fn")
    TracingAlarms(stack, "A", monitored_scope=stack, overrides=[
        ResourceOverride(target="S/Nope*", override=AlarmOverride(threshold=2)),
        ResourceOverride(target="S/Fn*", override=AlarmOverride(threshold=2),
                         alarm_types=(AlarmType.LAMBDA_THROTTLES,)),
    ])
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("overrideMatchedNothing"))
    assert [m.entry.data for m in found] == [
        "The ResourceOverride for 'S/Nope*' matched no alarm: check the construct path (or the construct) and the "
        "alarm_types it names. [ack: @constructs-lib/xray:overrideMatchedNothing]"]
