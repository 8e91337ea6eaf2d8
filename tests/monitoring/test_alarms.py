"""TracingAlarms per resource: every alarm's metric, statistic, dimensions, threshold, actions and text, for every
service (AppSync included); dead-letter queues of every kind; names; exclusion, Stages, CDK-internal functions;
read accessors are pure and ``discover()`` is idempotent; the alarm topic is not traced; every emitted alarm is
valid for CloudWatch's API (botocore's input shapes) and for cfn-lint, and the app stays cdk-nag clean.

Each app is synthesized once per module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Aws, CfnParameter, CfnResource, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import Stage as AppStage
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_xray as xray
from aws_cdk.assertions import Annotations, Match, Template
from aws_cdk.region_info import RegionInfo
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from cfnlint.api import ManualArgs, lint_file
from constructs import Construct

from constructs_lib import TraceGroup, XRayTracing
from constructs_lib.filters import TraceGroupKind
from constructs_lib.monitoring import (
    AlarmMode,
    AlarmOverride,
    AlarmSpec,
    AlarmType,
    ResourceOverride,
    TraceGroupTarget,
    TracingAlarms,
)
from constructs_lib.monitoring.naming import alarm_name, console_home

from .helpers import ENV, REGION, alarms_of, cfn_fn, inline_function, resources_of, validate_api_input

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Built:
    app: App
    stack: Stack
    alarms: TracingAlarms
    template: dict[str, Any]
    early_count: int
    outdir: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    outdir = tmp_path_factory.mktemp("alarms")
    app = App(outdir=str(outdir))
    stack = Stack(app, "Orders", env=ENV)
    api_fn = inline_function(stack, "ApiFn", timeout=Duration.seconds(10))
    apigateway.LambdaRestApi(stack, "Api", handler=api_fn, rest_api_name="orders-api")
    dlq = sqs.Queue(stack, "OrderDlq", enforce_ssl=True)
    queue = sqs.Queue(stack, "OrderQueue", dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=3))
    sub_dlq = sqs.Queue(stack, "SubscriptionDlq")
    topic = sns.Topic(stack, "OrderCreated")
    topic.add_subscription(subs.SqsSubscription(queue, dead_letter_queue=sub_dlq))
    sfn.StateMachine(stack, "Fulfil", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Done")))
    appsync.GraphqlApi(stack, "Graph", name="orders-graph",
                       definition=appsync.Definition.from_file(str(ROOT / "tests" / "schema.graphql")))
    xray.CfnGroup(stack, "Faults", group_name="orders-faults", filter_expression='service("orders") { fault }')
    xray.CfnGroup(stack, "Slow", group_name="orders-slow", filter_expression="responsetime > 2")
    xray.CfnGroup(stack, "Errors", group_name="orders-errors", filter_expression="error = true")
    xray.CfnGroup(stack, "ColdStarts", group_name="cold-starts", filter_expression="annotation.ColdStart = true")
    xray.CfnGroup(stack, "Healthy", group_name="healthy", filter_expression="!(fault OR error)")
    s3.Bucket(stack, "Bucket", auto_delete_objects=True, removal_policy=RemovalPolicy.DESTROY)  # CDK's function
    quiet = inline_function(stack, "QuietFn")
    alarms = TracingAlarms(
        stack, "Alarms",
        monitored_scope=stack,
        alarm_name_prefix="orders",
        defaults={
            AlarmType.LAMBDA_THROTTLES: AlarmOverride(threshold=5, period=Duration.minutes(1)),
            AlarmType.REST_CLIENT_ERROR_RATE: AlarmOverride(enabled=False),
            AlarmType.REST_FAULT_RATE: AlarmOverride(enabled=True),
            AlarmType.QUEUE_MESSAGE_AGE: AlarmOverride(threshold=600, evaluation_periods=2, datapoints_to_alarm=2),
            AlarmType.DLQ_MESSAGES: AlarmOverride(threshold=2),
        },
        overrides=[
            ResourceOverride(target=api_fn, alarm_types=(AlarmType.LAMBDA_DURATION,),
                             override=AlarmOverride(threshold=0.5)),
            ResourceOverride(target=quiet, override=AlarmOverride(enabled=False)),
        ],
        trace_groups=[TraceGroupTarget(group="cold-starts", kind=TraceGroupKind.SLOW)],
    )
    XRayTracing.enable(stack)
    assert alarms.alarms == []  # reading creates nothing
    early_count = len(alarms.discover())  # before the constructs below exist
    assert len(alarms.discover()) == 0  # idempotent
    worker = inline_function(stack, "Worker")  # default timeout 3 s
    fn_dlq = sqs.Queue(stack, "WorkerDlq")
    inline_function(stack, "Notifier", dead_letter_queue=fn_dlq)
    rule_dlq = sqs.Queue(stack, "RuleDlq")
    events.Rule(stack, "Rule", event_pattern=events.EventPattern(source=["orders"]),
                targets=[targets.LambdaFunction(worker, dead_letter_queue=rule_dlq)])
    template = app.synth().get_stack_by_name("Orders").template
    return Built(app, stack, alarms, template, early_count, outdir)


def single(props: dict[str, Any]) -> tuple[Any, ...]:
    return (props["Namespace"], props["MetricName"], props.get("Statistic") or props.get("ExtendedStatistic"),
            props["Dimensions"], props["Period"])


def test_lambda_error_rate_is_a_share_of_invocations(built: Built) -> None:
    props = alarms_of(built.template)["orders-ApiFn-error-rate"]
    metrics = {m["Id"]: m for m in props["Metrics"]}
    assert metrics["rate"]["Expression"] == "IF(total > 0, part / total, 0)"
    for metric_id, name in (("part", "Errors"), ("total", "Invocations")):
        stat = metrics[metric_id]["MetricStat"]
        assert stat["Metric"]["Namespace"] == "AWS/Lambda" and stat["Metric"]["MetricName"] == name
        assert stat["Metric"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "ApiFnE0725F78"}}]
        assert (stat["Stat"], stat["Period"]) == ("Sum", 300)
    assert props["Threshold"] == 0.01  # 1 %: rates are shares from 0 to 1
    assert (props["ComparisonOperator"], props["EvaluationPeriods"], props["DatapointsToAlarm"],
            props["TreatMissingData"]) == ("GreaterThanOrEqualToThreshold", 3, 2, "notBreaching")


def test_every_alarm_notifies_the_topic_on_alarm_and_ok(built: Built) -> None:
    topic = next(k for k in resources_of(built.template, "AWS::SNS::Topic") if k.startswith("AlarmsAlarmTopic"))
    for name, props in alarms_of(built.template).items():
        assert props["AlarmActions"] == props["OKActions"] == [{"Ref": topic}], name
    health = alarms_of(built.template, "AWS::CloudWatch::CompositeAlarm")["orders-service-health"]
    assert health["AlarmActions"] == [{"Ref": topic}]


def test_duration_is_p99_against_a_share_of_each_timeout(built: Built) -> None:
    alarms = alarms_of(built.template)
    api = alarms["orders-ApiFn-duration"]  # 10 s timeout, overridden to 50 %
    assert (api["MetricName"], api["ExtendedStatistic"], api["Threshold"]) == ("Duration", "p99", 5000)
    worker = alarms["orders-Worker-duration"]  # default 3 s timeout, default 80 %
    assert worker["Threshold"] == 2400
    assert "80% of the function's 3 s timeout (2400 ms)" in json.dumps(worker["AlarmDescription"])


def test_defaults_are_partial_overrides(built: Built) -> None:
    alarms = alarms_of(built.template)
    throttles = alarms["orders-ApiFn-throttles"]
    assert single(throttles) == ("AWS/Lambda", "Throttles", "Sum",
                                 [{"Name": "FunctionName", "Value": {"Ref": "ApiFnE0725F78"}}], 60)
    assert (throttles["Threshold"], throttles["EvaluationPeriods"], throttles["DatapointsToAlarm"]) == (5, 3, 2)
    age = alarms["orders-OrderQueue-oldest-message-age"]
    assert (age["Threshold"], age["EvaluationPeriods"], age["DatapointsToAlarm"], age["Period"]) == (600, 2, 2, 300)
    dlq = alarms["orders-OrderDlq-dlq-messages"]  # only the threshold changed: still 1 of 1 one-minute periods
    assert (dlq["Threshold"], dlq["Period"], dlq["EvaluationPeriods"], dlq["DatapointsToAlarm"]) == (2, 60, 1, 1)


def test_rest_stage_alarms_use_api_name_and_stage(built: Built) -> None:
    alarms = alarms_of(built.template)
    dims = [{"Name": "ApiName", "Value": "orders-api"}, {"Name": "Stage", "Value": "prod"}]
    assert single(alarms["orders-Api-DeploymentStage.prod-5xx-faults"]) == ("AWS/ApiGateway", "5XXError", "Sum",
                                                                            dims, 300)
    rate = alarms["orders-Api-DeploymentStage.prod-5xx-rate"]
    assert single(rate) == ("AWS/ApiGateway", "5XXError", "Average", dims, 300)
    assert rate["Threshold"] == 0.01
    latency = alarms["orders-Api-DeploymentStage.prod-latency"]
    assert single(latency) == ("AWS/ApiGateway", "Latency", "p99", dims, 300) and latency["Threshold"] == 3000


def test_appsync_alarms_by_graphql_api_id(built: Built) -> None:
    alarms = alarms_of(built.template)
    api_id = {"Fn::GetAtt": [next(iter(resources_of(built.template, "AWS::AppSync::GraphQLApi"))), "ApiId"]}
    dims = [{"Name": "GraphQLAPIId", "Value": api_id}]
    assert single(alarms["orders-Graph-5xx-faults"]) == ("AWS/AppSync", "5XXError", "Sum", dims, 300)
    latency = alarms["orders-Graph-latency"]
    assert single(latency) == ("AWS/AppSync", "Latency", "p99", dims, 300) and latency["Threshold"] == 3000


def test_disabled_alarm_types_and_resources_and_internal_functions_get_no_alarm(built: Built) -> None:
    names = set(alarms_of(built.template))
    assert not any(n.endswith("4xx-rate") for n in names)  # disabled per type
    assert not any(n.startswith("orders-QuietFn") for n in names)  # disabled per resource
    assert not any(n.endswith("-errors") and "group" not in n for n in names)  # LAMBDA_ERRORS off by default
    assert not any("Custom" in n or "AutoDelete" in n for n in names)  # CDK's own function


@pytest.mark.parametrize("queue", ["OrderDlq", "SubscriptionDlq", "WorkerDlq", "RuleDlq"])
def test_every_kind_of_dead_letter_queue_alarms_on_visible_messages(built: Built, queue: str) -> None:
    alarms = alarms_of(built.template)
    props = alarms[f"orders-{queue}-dlq-messages"]
    assert (props["MetricName"], props["Statistic"]) == ("ApproximateNumberOfMessagesVisible", "Maximum")
    assert f"orders-{queue}-oldest-message-age" not in alarms


def test_sns_and_step_functions_alarms(built: Built) -> None:
    alarms = alarms_of(built.template)
    topic = alarms["orders-OrderCreated-failed-notifications"]
    assert (topic["Namespace"], topic["MetricName"], topic["Statistic"]) == ("AWS/SNS", "NumberOfNotificationsFailed",
                                                                            "Sum")
    for suffix, metric in (("failed", "ExecutionsFailed"), ("timed-out", "ExecutionsTimedOut"),
                           ("throttled", "ExecutionThrottled")):
        props = alarms[f"orders-Fulfil-executions-{suffix}"]
        assert (props["Namespace"], props["MetricName"], props["Statistic"]) == ("AWS/States", metric, "Sum")
        assert props["Dimensions"][0]["Value"]["Ref"].startswith("Fulfil")


def test_trace_groups_are_classified_by_the_filter_parser(built: Built) -> None:
    alarms = alarms_of(built.template)
    expected = {"orders-group-orders-faults-fault-traces": ("orders-faults", 1),
                "orders-group-orders-slow-slow-traces": ("orders-slow", 5),
                "orders-group-orders-errors-error-traces": ("orders-errors", 10),
                "orders-group-cold-starts-slow-traces": ("cold-starts", 5)}  # explicit kind
    for name, (group, threshold) in expected.items():
        assert single(alarms[name])[:4] == ("AWS/X-Ray", "ApproximateTraceCount", "Sum",
                                            [{"Name": "GroupName", "Value": group}])
        assert alarms[name]["Threshold"] == threshold
    assert not any("healthy" in n for n in alarms)  # !(fault OR error): a group of healthy traces


def test_descriptions_give_the_trace_filter_and_the_console_of_the_partition(built: Built) -> None:
    description = alarms_of(built.template)["orders-ApiFn-error-rate"]["AlarmDescription"]
    text = json.dumps(description)
    assert "Error rate of the Lambda function Orders/ApiFn/Resource: errors are at least 1.0% of invocations" in text
    assert 'service(id(name: \\"' in text and 'type: \\"AWS::Lambda::Function\\"))' in text
    assert f"Console: https://console.aws.amazon.com/cloudwatch/home?region={REGION}" in text
    assert "#" not in text  # no undocumented console route


def test_discover_created_alarms_before_synth_and_the_aspect_the_rest_once(built: Built) -> None:
    # ApiFn 3; stage 3 (4XX off, 5XX rate on); 2 DLQs + queue age; topic; state machine 3; graph 2; groups 4
    assert built.early_count == 19
    records = built.alarms.alarm_records
    keys = [(r.resource_path, r.alarm_type) for r in records]
    assert len(keys) == len(set(keys)) == len(alarms_of(built.template))
    assert {"orders-Worker-error-rate", "orders-Notifier-duration", "orders-RuleDlq-dlq-messages"} <= set(
        alarms_of(built.template))
    assert len(built.alarms.alarms_for(built.stack.node.find_child("Worker"))) == 3


def test_service_health_composite_rolls_everything_up(built: Built) -> None:
    composite = alarms_of(built.template, "AWS::CloudWatch::CompositeAlarm")["orders-service-health"]
    for name in alarms_of(built.template):
        assert f'ALARM("{name}")' in composite["AlarmRule"]
    depends = next(r for r in resources_of(built.template, "AWS::CloudWatch::CompositeAlarm").values())["DependsOn"]
    assert len(depends) == len(alarms_of(built.template))


def test_the_alarm_topic_is_encrypted_ssl_only_and_not_traced(built: Built) -> None:
    template = Template.from_json(built.template)
    template.has_resource_properties("AWS::SNS::Topic", {
        "KmsMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp("AlarmsAlarmTopicKey"), "Arn"]},
        "TracingConfig": Match.absent()})
    template.has_resource_properties("AWS::SNS::TopicPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
        Match.object_like({"Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish"}),
    ])}})


def test_every_alarm_is_valid_input_for_the_cloudwatch_api(built: Built) -> None:
    for props in alarms_of(built.template).values():
        assert validate_api_input("PutMetricAlarm", props) == []
    for props in alarms_of(built.template, "AWS::CloudWatch::CompositeAlarm").values():
        assert validate_api_input("PutCompositeAlarm", props) == []


def test_the_api_validation_can_fail() -> None:
    """The negative control: the same check finds a description past 1,024 characters and a bad enum."""
    errors = validate_api_input("PutMetricAlarm", {
        "AlarmName": "a", "AlarmDescription": "x" * 1025, "EvaluationPeriods": 1, "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
        "Statistic": "P99", "MetricName": "m", "Namespace": "n", "Period": 60})
    assert any("AlarmDescription" in e for e in errors) and any("Statistic" in e for e in errors)


def test_cfn_lint_is_clean(built: Built) -> None:
    matches = lint_file(built.outdir / "Orders.template.json",
                        config=ManualArgs(regions=[REGION], ignore_checks=["W3005"]))
    assert [f"{m.rule.id} {m.message}" for m in matches] == []


# -- smaller apps --------------------------------------------------------------------------------------------------
def test_a_stack_whose_only_topic_is_the_alarm_topic_has_no_xray_resource_policy() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    inline_function(stack, "Fn")
    XRayTracing.enable(app)
    TracingAlarms(stack, "Alarms", monitored_scope=stack)
    template = app.synth().get_stack_by_name("S").template
    assert resources_of(template, "AWS::XRay::ResourcePolicy") == {}
    (topic,) = resources_of(template, "AWS::SNS::Topic").values()
    assert "TracingConfig" not in topic["Properties"]


def test_a_user_can_trace_the_alarm_topic_again() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    XRayTracing.enable(app)
    alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack)
    XRayTracing.enable(alarms.alarm_topic)  # the nearest decision wins
    template = app.synth().get_stack_by_name("S").template
    (topic,) = resources_of(template, "AWS::SNS::Topic").values()
    assert topic["Properties"]["TracingConfig"] == "Active"
    assert len(resources_of(template, "AWS::XRay::ResourcePolicy")) == 1


def test_given_topic_is_used_and_none_is_created() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    topic = sns.Topic(stack, "Ops")
    inline_function(stack, "Fn")
    TracingAlarms(stack, "Alarms", monitored_scope=stack, alarm_topic=topic)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SNS::Topic", 1)
    template.resource_count_is("AWS::KMS::Key", 0)
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"AlarmActions": [{"Ref": Match.string_like_regexp(
        "^Ops")}]})


@pytest.mark.parametrize(("region", "host"), [("cn-north-1", "console.amazonaws.cn"),
                                              ("us-gov-west-1", "console.amazonaws-us-gov.com"),
                                              ("us-east-1", "console.aws.amazon.com")])
def test_console_links_follow_the_partition(region: str, host: str) -> None:
    stack = Stack(App(), "S", env={"account": "111111111111", "region": region})
    cfn_fn(stack, "Fn", function_name="f")
    alarms = TracingAlarms(stack, "A", monitored_scope=stack)
    alarms.discover()
    props = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    assert all(f"https://{host}/cloudwatch/home?region={region}" in json.dumps(p["Properties"]["AlarmDescription"])
               for p in props.values())


def test_console_partitions_agree_with_the_sdk_and_aws_cdk_lib() -> None:
    # The partition of each Region the AWS SDK lists (botocore's partitions.json) is found by name pattern, and
    # agrees with aws-cdk-lib's RegionInfo wherever RegionInfo knows the Region.
    import botocore

    partitions = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())["partitions"]
    hosts = {"aws": "console.aws.amazon.com", "aws-cn": "console.amazonaws.cn",
             "aws-us-gov": "console.amazonaws-us-gov.com"}
    for partition in partitions:
        for region in partition["regions"]:
            if region.endswith("-global"):
                continue
            host = hosts.get(partition["id"])
            assert console_home(region) == (f"https://{host}/cloudwatch/home?region={region}" if host else None)
            known = RegionInfo.get(region).partition
            if known is not None:
                assert known == partition["id"], region
    assert console_home("xx-nowhere-1") is None  # neither the patterns nor RegionInfo know it


def test_an_environment_agnostic_stack_gets_no_console_link() -> None:
    stack = Stack(App(), "S")
    cfn_fn(stack, "Fn", function_name="f")
    TracingAlarms(stack, "A", monitored_scope=stack).discover()
    for props in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values():
        assert "Console:" not in json.dumps(props["Properties"]["AlarmDescription"])


def test_alarm_names_are_capped_at_255_with_a_stable_hash() -> None:
    long_label = "x" * 300 + "-error-rate"
    name = alarm_name("prefix", long_label)
    assert len(name) == 255 and name.startswith("prefix-") and name.endswith("error-rate")
    assert name == alarm_name("prefix", long_label) != alarm_name("prefix", "y" + long_label)


def test_paths_that_read_alike_get_distinct_alarms() -> None:
    stack = Stack(App(), "S")
    sqs.Queue(stack, "Orders-Q", enforce_ssl=True)
    sqs.Queue(Construct(stack, "Orders"), "Q", enforce_ssl=True)  # S/Orders/Q reads like S/Orders-Q
    alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack, alarm_name_prefix="t", service_health_alarm=False)
    alarms.discover()
    names = [r["Properties"]["AlarmName"] for r in Template.from_stack(stack).find_resources(
        "AWS::CloudWatch::Alarm").values()]
    assert len(names) == len(set(names)) == len(alarms.alarms) == 2


def test_composite_nests_past_100_alarms() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    for i in range(40):  # 120 alarms
        cfn_fn(stack, f"F{i}")
    alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack)
    template = app.synth().get_stack_by_name("S").template
    assert len(alarms.alarms) == 120
    composites = alarms_of(template, "AWS::CloudWatch::CompositeAlarm")
    assert set(composites) == {"S-service-health", "S-service-health-part1", "S-service-health-part2"}
    assert composites["S-service-health"]["AlarmRule"] == (
        'ALARM("S-service-health-part1") OR ALARM("S-service-health-part2")')
    assert composites["S-service-health-part1"]["AlarmRule"].count("ALARM(") == 100
    assert composites["S-service-health-part2"]["AlarmRule"].count("ALARM(") == 20
    assert "AlarmActions" not in composites["S-service-health-part1"]
    for props in composites.values():
        assert validate_api_input("PutCompositeAlarm", props) == []


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
    TracingAlarms(stack, "Alarms", monitored_scope=stack, alarm_name_prefix="t")
    alarms = alarms_of(app.synth().get_stack_by_name("Tokens").template)
    join = {"Fn::Join": ["", [{"Ref": "AWS::StackName"}, "-orders"]]}
    assert alarms["t-Stage-5xx-faults"]["Dimensions"] == [{"Name": "ApiName", "Value": join},
                                                          {"Name": "Stage", "Value": {"Ref": "StageParam"}}]
    assert alarms["t-PlainStage-latency"]["Dimensions"] == [
        {"Name": "ApiName", "Value": {"Fn::Join": ["", [{"Ref": "AWS::StackName"}, "-plain"]]}},
        {"Name": "Stage", "Value": "live"}]
    (group,) = [p for p in alarms.values() if p.get("Namespace") == "AWS/X-Ray"]
    assert group["Dimensions"] == [{"Name": "GroupName", "Value": {"Fn::Join": ["", [{"Ref": "AWS::StackName"},
                                                                                    "-faults"]]}}]


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
    default = TracingAlarms(stack, "Alarms", monitored_scope=stack, alarm_name_prefix="d")
    everything = TracingAlarms(stack, "All", monitored_scope=stack, alarm_name_prefix="a", include_excluded=True)
    names = set(alarms_of(app.synth().get_stack_by_name("S").template))
    assert {"d-Kept-error-rate", "d-Legacy-Reenabled-Again-error-rate", "a-Legacy-Old-error-rate"} <= names
    assert not any(n.startswith("d-Legacy-Old") for n in names)
    assert len(everything.alarms) == len(default.alarms) + 3


def test_resources_in_another_stage_are_skipped_with_one_warning() -> None:
    app = App()
    prod = AppStage(app, "Prod")
    service = Stack(prod, "Service", env=ENV)
    inline_function(service, "StageFn")
    inline_function(service, "StageFn2")
    local = Stack(app, "Monitoring", env=ENV)
    inline_function(local, "LocalFn")
    alarms = TracingAlarms(local, "Alarms", monitored_scope=app)
    assembly = app.synth()  # no cross-Stage reference error
    names = set(alarms_of(assembly.get_stack_by_name("Monitoring").template))
    assert "Monitoring-LocalFn-error-rate" in names and not any("StageFn" in n for n in names)
    warnings = [json.dumps(e.data) for e in alarms.node.metadata if "crossStageResource" in json.dumps(e.data)]
    assert len(warnings) == 1 and "Prod" in warnings[0]


def test_an_override_that_matches_nothing_gets_a_warning() -> None:
    app = App()
    stack = Stack(app, "S")
    cfn_fn(stack, "Fn")
    TracingAlarms(stack, "A", monitored_scope=stack, overrides=[
        ResourceOverride(target="S/Nope*", override=AlarmOverride(threshold=2)),
        ResourceOverride(target="S/Fn*", override=AlarmOverride(threshold=2),
                         alarm_types=(AlarmType.LAMBDA_THROTTLES,)),
    ])
    app.synth()
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("overrideMatchedNothing"))
    assert [m.entry.data for m in found] == [
        "The ResourceOverride for 'S/Nope*' matched no alarm: check the construct path (or the construct) and the "
        "alarm_types it names. [ack: @constructs-lib/xray:overrideMatchedNothing]"]


def test_a_timeout_changed_after_an_early_discover_fails_the_synth() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    fn = cfn_fn(stack, "Fn", timeout=10)
    TracingAlarms(stack, "A", monitored_scope=stack).discover()
    fn.timeout = 20
    with pytest.raises(RuntimeError, match="timeout of S/Fn changed after its duration alarm"):
        app.synth()


def test_trace_group_alarms_and_the_trace_groups_own_metric_agree() -> None:
    stack = Stack(App(), "S", env=ENV)
    group = TraceGroup(stack, "Faults", group_name="faults", filter_expression="fault = true")
    TracingAlarms(stack, "Alarms", monitored_scope=stack).discover()
    props = next(iter(Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()))["Properties"]
    own = group.metric_approximate_trace_count(period=Duration.minutes(5))
    assert (props["Namespace"], props["MetricName"], props["Statistic"], props["Period"],
            props["Dimensions"]) == (own.namespace, own.metric_name, own.statistic, own.period.to_seconds(),
                                     [{"Name": k, "Value": v} for k, v in own.dimensions.items()])


def test_metrics_insights_alarms_stay_within_three_hours() -> None:
    stack = Stack(App(), "S")
    cfn_fn(stack, "Fn")
    alarms = TracingAlarms(stack, "A", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS, defaults={
        AlarmType.LAMBDA_ERRORS: AlarmOverride(period=Duration.hours(1), evaluation_periods=4,
                                               datapoints_to_alarm=1)})
    with pytest.raises(Exception, match="at most 3 hours"):
        alarms.discover()


def test_constructor_validation() -> None:
    stack = Stack(App(), "S")
    with pytest.raises(ValueError, match="TracingAlarms: alarm_name_prefix must be letters"):
        TracingAlarms(stack, "A", monitored_scope=stack, alarm_name_prefix="bad prefix!")
    with pytest.raises(ValueError, match="TracingAlarms: mode must be an AlarmMode, got 'fast'"):
        TracingAlarms(stack, "B", monitored_scope=stack, mode="fast")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="insights_limit must be an integer from 1 to 500, got 501"):
        TracingAlarms(stack, "C", monitored_scope=stack, insights_limit=501)
    with pytest.raises(ValueError, match=r"defaults\[DLQ_MESSAGES\] must be an AlarmOverride \(the fields you set "
                                         r"change, the others keep their defaults\)"):
        TracingAlarms(stack, "D", monitored_scope=stack,
                      defaults={AlarmType.DLQ_MESSAGES: AlarmSpec(threshold=1)})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match=r"TracingAlarms 'S/E' defaults\[QUEUE_MESSAGE_AGE\]: AlarmSpec: "
                                         r"datapoints_to_alarm must be an integer from 1 to 2, got 3"):
        TracingAlarms(stack, "E", monitored_scope=stack,
                      defaults={AlarmType.QUEUE_MESSAGE_AGE: AlarmOverride(evaluation_periods=2)})


def test_cdk_nag_is_clean_for_the_created_topic(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Monitoring", env=ENV)
    xray.CfnGroup(stack, "Faults", group_name="faults", filter_expression="fault = true")
    TracingAlarms(stack, "Alarms", monitored_scope=stack)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    app.synth()
    reports = json.loads((tmp_path / "validation-report.json").read_text())["pluginReports"]
    assert [v["ruleName"] for p in reports for v in p["violations"]] == []


def test_a_stage_without_its_api_in_the_stack_is_warned_about_once() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    CfnResource(stack, "Stage", type="AWS::ApiGateway::Stage",
                properties={"RestApiId": "abc123", "DeploymentId": "d", "StageName": "prod"})
    alarms = TracingAlarms(stack, "A", monitored_scope=stack)
    alarms.discover()
    app.synth()  # the aspect discovers again
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("stageNotMonitored"))
    assert len(found) == 1 and alarms.alarms == []


def test_a_stage_takes_the_api_of_its_own_stack_only() -> None:
    # A stage whose RestApiId is another stack's API: that API is not "of the same stack" (CloudWatch would need
    # a cross-stack reference to its Name), even when one TracingAlarms scans both stacks.
    app = App()
    apis, stages = Stack(app, "Apis", env=ENV), Stack(app, "Stages", env=ENV)
    api = apigateway.CfnRestApi(apis, "Api", name="orders-api")
    apigateway.CfnStage(stages, "Stage", rest_api_id=api.ref, deployment_id="d", stage_name="prod")
    alarms = TracingAlarms(stages, "A", monitored_scope=app, service_health_alarm=False)
    alarms.discover()
    assert alarms.alarms == []
    found = Annotations.from_stack(stages).find_warning("*", Match.string_like_regexp("stageNotMonitored"))
    assert len(found) == 1


def test_a_trace_group_known_only_by_name_gets_its_alarm() -> None:
    stack = Stack(App(), "S", env=ENV)
    alarms = TracingAlarms(stack, "A", monitored_scope=stack, alarm_name_prefix="t",
                           trace_groups=[TraceGroupTarget(group="shared-faults", kind=TraceGroupKind.FAULT)])
    (record,) = alarms.discover()
    assert (record.alarm_name, record.resource_paths) == ("t-group-shared-faults-fault-traces",
                                                          ("group:shared-faults",))
    props = next(iter(Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()))["Properties"]
    assert props["Dimensions"] == [{"Name": "GroupName", "Value": "shared-faults"}]


def test_labels_that_differ_only_in_characters_ids_drop_get_distinct_constructs() -> None:
    stack = Stack(App(), "S")
    sqs.Queue(stack, "a_b", enforce_ssl=True)
    sqs.Queue(stack, "a-b", enforce_ssl=True)  # the same construct id once '_' becomes '-'
    alarms = TracingAlarms(stack, "A", monitored_scope=stack, service_health_alarm=False)
    assert len({r.alarm_name for r in alarms.discover()}) == 2


@pytest.mark.parametrize("id, nested", [("Alarms", False), ("Ops/Alarms", False), ("Alarms", True)])
def test_paths_the_alarms_know_without_asking_are_the_construct_paths(id: str, nested: bool) -> None:
    """TracingAlarms records its topic's path (and its stack's) from its own instead of asking Node.js: the paths
    must be exactly what constructs computes, a ``/`` in an id included."""
    from constructs_lib.discovery import _PATHS, path_of

    stack = Stack(App(), "S", env=ENV)
    scope = Construct(stack, "Group") if nested else stack
    alarms = TracingAlarms(scope, id, monitored_scope=stack)
    topic = alarms.alarm_topic
    assert [path_of(c) for c in (alarms, topic, stack)] == [c.node.path for c in (alarms, topic, stack)]
    assert topic.node.path == f"{alarms.node.path}/AlarmTopic"
    assert ("Ops--Alarms" in topic.node.path) is ("/" in id)
    assert str(topic.__jsii_ref__.ref) in _PATHS  # recorded when made, not read


def test_alarms_made_together_keep_the_template_order_of_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past 100 alarms the service-health roll-up opens part composites as alarms are rolled up: made together,
    the alarms still come in runs that end where a part opens, so every resource keeps its place in the template."""
    from constructs_lib import _pipeline

    def template(batched: bool) -> dict[str, Any]:
        if not batched:
            monkeypatch.setattr(_pipeline, "_nothing_to_call_back", lambda: False)
        stack = Stack(App(), "S", env=ENV)
        for n in range(40):
            inline_function(stack, f"Fn{n}")
        TracingAlarms(stack, "Alarms", monitored_scope=stack).discover()
        return Template.from_stack(stack).to_json()["Resources"]  # type: ignore[no-any-return]

    resources = template(True)
    # Made one by one, an alarm was rolled up as soon as it was made, and the part that its roll-up opened came
    # right after it: before part n (n >= 2) come the alarms of parts 1 to n-1 and the first alarm of part n.
    parts = {int(k.split("ServiceHealthPart")[1][:1]): v for k, v in resources.items() if "ServiceHealthPart" in k}
    assert len(parts) >= 2
    sizes = {n: json.dumps(p["Properties"]["AlarmRule"]).count("ALARM(") for n, p in parts.items()}
    alarms_before = 0
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            alarms_before += 1
        elif "ServiceHealthPart" in logical_id and (n := int(logical_id.split("ServiceHealthPart")[1][:1])) >= 2:
            assert alarms_before == sum(sizes[k] for k in range(1, n)) + 1, (logical_id, alarms_before, sizes)
    assert list(resources) == list(template(False))
