"""Every Metrics Insights query the library writes is in CloudWatch's documented grammar (``insights_grammar``,
written from the docs), on an app of 120 functions in Metrics Insights mode; the alarm count stays flat (at most
a dozen alarms per stack of 40 functions) and every resource is covered. Also: the grammar itself rejects what
the docs do not allow (negative controls), and the renderer's quoting follows the docs' quoting rules.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_xray as xray

from constructs_lib.monitoring import (
    AlarmMode,
    AlarmOverride,
    AlarmType,
    Condition,
    InsightsQuery,
    Operator,
    TracingAlarms,
    TracingDashboard,
)

from .helpers import ENV, alarms_of, cfn_fn, expressions_of, resources_of, text_of, validate_api_input
from .insights_grammar import QueryError, parse, parse_multi_time_series

SETS_PER_STACK = 20  # a REST API -> function, and a queue (with a dead-letter queue) -> worker function


def service_stack(app: App, name: str, index: int) -> Stack:
    stack = Stack(app, name, env=ENV)
    for i in range(SETS_PER_STACK):
        api = apigateway.CfnRestApi(stack, f"Api{i}", name=f"{name.lower()}-api-{i}")
        apigateway.CfnStage(stack, f"Stage{i}", rest_api_id=api.ref, deployment_id="d", stage_name="prod")
        cfn_fn(stack, f"ApiFn{i}", timeout=10 + (i % 3) * 10)
        dlq = sqs.CfnQueue(stack, f"Dlq{i}", queue_name=f"{name.lower()}-dlq-{i}")
        sqs.CfnQueue(stack, f"Queue{i}", redrive_policy={"deadLetterTargetArn": dlq.attr_arn, "maxReceiveCount": 3})
        cfn_fn(stack, f"Worker{i}", timeout=60)
    return stack


@pytest.fixture(scope="module")
def app_template() -> tuple[dict[str, TracingAlarms], dict[str, dict[str, Any]]]:
    app = App()
    alarms: dict[str, TracingAlarms] = {}
    for s in range(3):
        stack = service_stack(app, f"Service{s}", s)
        alarms[stack.stack_name] = TracingAlarms(stack, "Alarms", monitored_scope=stack,
                                                 mode=AlarmMode.METRICS_INSIGHTS, insights_limit=500)
        TracingDashboard(stack, "Dashboard", monitored_scope=stack, alarms=alarms[stack.stack_name])
    extras = Stack(app, "Extras", env=ENV)  # every other service, and the optional 5XX rate
    appsync.CfnGraphQLApi(extras, "Graph", name="orders-graph", authentication_type="API_KEY")
    sns.CfnTopic(extras, "Topic")
    sfn.CfnStateMachine(extras, "Machine", role_arn="arn:aws:iam::111111111111:role/r",
                        definition_string='{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}')
    api = apigateway.CfnRestApi(extras, "Api", name="it's-quoted")
    apigateway.CfnStage(extras, "Stage", rest_api_id=api.ref, deployment_id="d", stage_name="prod")
    sqs.CfnQueue(extras, "Queue")
    xray.CfnGroup(extras, "Faults", group_name="faults", filter_expression="fault = true")
    xray.CfnGroup(extras, "Slow", group_name="slow", filter_expression="responsetime > 3")
    alarms["Extras"] = TracingAlarms(extras, "Alarms", monitored_scope=extras, mode=AlarmMode.METRICS_INSIGHTS,
                                     defaults={AlarmType.REST_FAULT_RATE: AlarmOverride(enabled=True)})
    TracingDashboard(extras, "Dashboard", monitored_scope=extras, alarms=alarms["Extras"])
    assembly = app.synth()
    return alarms, {name: assembly.get_stack_by_name(name).template for name in alarms}


def insights_queries(template: dict[str, Any]) -> list[str]:
    """Every Metrics Insights query of the template's alarms and dashboards (references as 80 characters)."""
    queries = [text_of(e) for props in alarms_of(template).values() for e in expressions_of(props)]
    for dashboard in resources_of(template, "AWS::CloudWatch::Dashboard").values():
        body = text_of(dashboard["Properties"]["DashboardBody"])
        queries += [q.encode().decode("unicode_escape") for q in re.findall(r'"expression":"((?:[^"\\]|\\.)*)"',
                                                                            body)]
    return [q for q in queries if q.lstrip().upper().startswith("SELECT")]


def test_every_query_is_in_the_documented_grammar(app_template: Any) -> None:
    _, templates = app_template
    checked = 0
    for template in templates.values():
        for query in insights_queries(template):
            parsed = parse_multi_time_series(query)  # GROUP BY + ORDER BY, LIMIT <= 500, <= 2,048 characters
            assert all(op in ("=", "!=") for _, op, _ in parsed.conditions)
            checked += 1
    assert checked >= 30  # alarms and dashboard graphs of four stacks


def test_every_alarm_is_valid_input_for_the_cloudwatch_api(app_template: Any) -> None:
    _, templates = app_template
    for template in templates.values():
        for props in alarms_of(template).values():
            assert validate_api_input("PutMetricAlarm", props) == []
            assert len([m for m in props["Metrics"] if "MetricStat" in m]) <= 10  # metric-math alarm limit
        for props in alarms_of(template, "AWS::CloudWatch::CompositeAlarm").values():
            assert validate_api_input("PutCompositeAlarm", props) == []


def test_no_query_lists_resources_with_or(app_template: Any) -> None:
    _, templates = app_template
    for template in templates.values():
        for query in insights_queries(template):
            assert " OR " not in query.upper().replace("'", " ' ")


def test_the_alarm_count_stays_flat_at_40_functions_per_stack(app_template: Any) -> None:
    _alarms, templates = app_template
    for s in range(3):
        names = set(alarms_of(templates[f"Service{s}"]))
        # errors, throttles, 4 duration batches, REST 5XX/4XX/latency, SQS age, 2 DLQ batches
        assert len(names) <= 12, sorted(names)
        assert len(resources_of(templates[f"Service{s}"], "AWS::Lambda::Function")) == 2 * SETS_PER_STACK


def test_every_resource_is_covered(app_template: Any) -> None:
    alarms, _templates = app_template
    for s in range(3):
        records = alarms[f"Service{s}"].alarm_records
        account_types = {r.alarm_type for r in records if r.insights}
        assert {AlarmType.LAMBDA_ERRORS, AlarmType.LAMBDA_THROTTLES, AlarmType.REST_FAULTS,
                AlarmType.REST_CLIENT_ERROR_RATE, AlarmType.REST_LATENCY,
                AlarmType.QUEUE_MESSAGE_AGE} <= account_types
        batched = {(p, r.alarm_type) for r in records if not r.insights for p in r.resource_paths}
        for i in range(SETS_PER_STACK):
            for fn in (f"ApiFn{i}", f"Worker{i}"):
                assert (f"Service{s}/{fn}", AlarmType.LAMBDA_DURATION) in batched
            assert (f"Service{s}/Dlq{i}", AlarmType.DLQ_MESSAGES) in batched
        assert all(len(r.resource_paths) <= 10 for r in records)


def test_duration_batches_divide_each_function_by_its_own_timeout(app_template: Any) -> None:
    _, templates = app_template
    props = alarms_of(templates["Service0"])["Service0-lambda-duration"]
    ids = {m["Id"]: m for m in props["Metrics"]}
    expression = ids["worst"]["Expression"]
    assert expression.startswith("MAX([m0 / 10000, m1 / 60000, m2 / 20000")
    assert ids["m0"]["MetricStat"]["Stat"] == "p99" and ids["m0"]["ReturnData"] is False
    assert props["Threshold"] == 0.8
    assert len([m for m in props["Metrics"] if "MetricStat" in m]) == 10


def test_sqs_age_query_leaves_the_dead_letter_queues_out_with_not_equals(app_template: Any) -> None:
    _, templates = app_template
    query = expressions_of(alarms_of(templates["Service0"])["Service0-sqs-oldest-message-age"])[0]
    parsed = parse_multi_time_series(query)
    assert [(k, op) for k, op, _ in parsed.conditions] == [("QueueName", "!=")] * SETS_PER_STACK
    assert parsed.conditions[0][2] == "'service0-dlq-0'"


def test_appsync_and_the_other_services_have_queries(app_template: Any) -> None:
    _, templates = app_template
    alarms = alarms_of(templates["Extras"])
    graph = parse_multi_time_series(expressions_of(alarms["Extras-graphql-5xx-faults"])[0])
    assert (graph.namespace, graph.metric, graph.schema_keys, graph.group_by) == (
        '"AWS/AppSync"', '"5XXError"', ["GraphQLAPIId"], ["GraphQLAPIId"])
    latency = parse_multi_time_series(expressions_of(alarms["Extras-graphql-latency"])[0])
    assert (latency.function, latency.metric) == ("AVG", "Latency")
    rate = parse_multi_time_series(expressions_of(alarms["Extras-rest-api-5xx-rate"])[0])
    assert (rate.function, rate.metric, rate.group_by) == ("AVG", '"5XXError"', ["ApiName", "Stage"])
    assert {"Extras-sns-failed-notifications", "Extras-states-executions-failed",
            "Extras-xray-groups-fault-traces", "Extras-xray-groups-slow-traces"} <= set(alarms)


# -- the grammar itself ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("query", [
    # From the docs' examples.
    'SELECT AVG(CPUUtilization) FROM "AWS/EC2"',
    'SELECT SUM(RequestCount) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer, AvailabilityZone) '
    "WHERE LoadBalancer = 'app/load-balancer-1' GROUP BY AvailabilityZone ORDER BY MAX() DESC LIMIT 5",
    "SELECT MAX(CPUUtilization) FROM \"AWS/EC2\" WHERE InstanceType != 'c3.4xlarge' AND AutoScalingGroupName = 'x'",
    'SELECT AVG("Bytes\\"Input\\"") FROM SCHEMA("AWS/EC2", InstanceId)',
    "select max(x) from ns group by a order by sum() asc limit 500",
])
def test_the_grammar_accepts_the_documented_forms(query: str) -> None:
    parse(query)


@pytest.mark.parametrize(("query", "why"), [
    ("SELECT SUM(Errors) FROM SCHEMA(\"AWS/Lambda\", FunctionName) WHERE FunctionName = 'a' OR FunctionName = 'b'",
     "no OR"),
    ("SELECT SUM(Errors) FROM SCHEMA(\"AWS/Lambda\", FunctionName) WHERE FunctionName IN ('a')", "no IN"),
    ("SELECT SUM(Errors) FROM \"AWS/Lambda\" WHERE FunctionName LIKE 'a%'", "no LIKE"),
    ('SELECT p99(Duration) FROM "AWS/Lambda"', "no percentiles"),
    ('SELECT SUM(Errors) FROM "AWS/Lambda" LIMIT 501', "LIMIT at most 500"),
    ('SELECT SUM(Errors) FROM "AWS/Lambda" WHERE FunctionName = "a"', "values in single quotes"),
    ("SELECT SUM(Errors) FROM AWS/Lambda", "a namespace with / is double-quoted"),
    ('SELECT SUM(Errors) FROM "AWS/Lambda" WHERE FunctionName = \'' + "a" * 2048 + "'", "2,048 characters"),
])
def test_the_grammar_rejects_what_the_docs_do_not_allow(query: str, why: str) -> None:
    with pytest.raises(QueryError):
        parse(query)


def test_an_alarm_query_without_group_by_and_order_by_is_not_multi_time_series() -> None:
    with pytest.raises(QueryError, match="GROUP BY and ORDER BY"):
        parse_multi_time_series('SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName)')


@pytest.mark.parametrize(("metric", "value"), [("5XXError", "it's"), ("LIMIT", "back\\slash"),
                                                ("My.Metric", "plain")])
def test_the_renderer_quotes_as_the_docs_say(metric: str, value: str) -> None:
    query = InsightsQuery(namespace="Custom/NS", metric_name=metric, dimensions=("Key",),
                          conditions=(Condition("Key", Operator.NOT_EQUALS, value),), limit=3)
    parsed = parse_multi_time_series(str(query))
    assert parsed.metric == f'"{metric}"'
    assert parsed.conditions == [("Key", "!=", "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'")]
