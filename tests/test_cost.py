"""The tracing cost estimate, checked against cases worked by hand (30 days = 2,592,000 seconds)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from aws_cdk import App, CfnParameter, Duration, Environment, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_xray as xray
from aws_cdk.assertions import Annotations, Match, Template

from constructs_lib import XRayTracing
from constructs_lib._validation import XRayValidationError
from constructs_lib.cost import (
    EventSourceRate,
    TracingCostEstimate,
    TrafficProfile,
    TransactionSearch,
    TransactionSearchPricing,
    XRayPricing,
    estimate_tracing_cost,
    recorded_per_second,
)
from constructs_lib.groups import TraceGroup
from constructs_lib.sampling import SamplingRule, SamplingRuleSpec

MONTH = 2_592_000  # 30 x 86,400 seconds


def spec(name: str, priority: int, fixed_rate: float, reservoir: int, **fields: str) -> SamplingRuleSpec:
    return SamplingRuleSpec(rule_name=name, priority=priority, fixed_rate=fixed_rate, reservoir_size=reservoir,
                            **fields)  # type: ignore[arg-type]


def test_formula() -> None:
    # min(1, 20) + 0.05 x (20 - 1) = 1 + 0.95 = 1.95
    assert recorded_per_second(rps=20, reservoir_size=1, fixed_rate=0.05) == pytest.approx(1.95)
    # rps under the reservoir: everything is recorded
    assert recorded_per_second(rps=0.5, reservoir_size=1, fixed_rate=0.05) == pytest.approx(0.5)


def test_one_rule_records_everything() -> None:
    # 1 rps x 100 % = 1/s; 1 x 2,592,000 = 2,592,000 traces; (2,592,000 - 100,000) x $5/M = $12.46
    estimate = estimate_tracing_cost([spec("all", 1, 1.0, 0)], [TrafficProfile(service_name="api/prod", rps=1)])
    assert estimate.traces_recorded == pytest.approx(2_592_000)
    assert estimate.billable_traces_recorded == pytest.approx(2_492_000)
    assert estimate.total_usd == pytest.approx(12.46)
    assert [r.rule_name for r in estimate.rules] == ["all"]


def test_default_rule_only() -> None:
    # No custom rule: Default, 1 + 0.05 x 19 = 1.95/s; 1.95 x 2,592,000 = 5,054,400;
    # (5,054,400 - 100,000) x $5/M = $24.772
    estimate = estimate_tracing_cost([], [TrafficProfile(service_name="api/prod", rps=20)])
    assert estimate.traces_recorded == pytest.approx(5_054_400)
    assert estimate.recorded_cost_usd == pytest.approx(24.772)
    assert estimate.rules[0].rule_name == "Default"


def test_routes_sharing_a_rule_share_its_reservoir() -> None:
    # Rule: reservoir 5/s, 10 %. Routes 10 rps + 30 rps = 40 rps together:
    # 5 + 0.1 x (40 - 5) = 8.5/s (not 2 x 5 + ...); per route by share: 8.5 x 10/40 = 2.125, 8.5 x 30/40 = 6.375.
    # 8.5 x 2,592,000 = 22,032,000 traces; (22,032,000 - 100,000) x $5/M = $109.66
    rule = spec("orders", 10, 0.1, 5, service_name="orders-api/*")
    traffic = [TrafficProfile(service_name="orders-api/prod", rps=10, url_path="/a"),
               TrafficProfile(service_name="orders-api/prod", rps=30, url_path="/b")]
    estimate = estimate_tracing_cost([rule], traffic)
    assert estimate.rules[0].recorded_per_second == pytest.approx(8.5)
    assert [r.recorded_per_second for r in estimate.routes] == pytest.approx([2.125, 6.375])
    assert estimate.traces_recorded == pytest.approx(22_032_000)
    assert estimate.total_usd == pytest.approx(109.66)


def test_priority_order_first_match_wins() -> None:
    # A (priority 10): POST /orders*, 100 %, reservoir 0. B (priority 20): everything, 1 % after 1/s.
    # (An SDK-instrumented service on EC2: the X-Ray SDKs match URL paths.)
    # POST /orders 5 rps -> A: 5/s. GET /orders/1 50 rps -> B: 1 + 0.01 x 49 = 1.49/s.
    # (5 + 1.49) x 2,592,000 = 16,822,080; (16,822,080 - 100,000) x $5/M = $83.6104
    a = spec("a-orders", 10, 1.0, 0, http_method="POST", url_path="/orders*")
    b = spec("b-rest", 20, 0.01, 1)
    traffic = [TrafficProfile(service_name="shop", rps=5, http_method="POST", url_path="/orders",
                              service_type="AWS::EC2::Instance"),
               TrafficProfile(service_name="shop", rps=50, http_method="GET", url_path="/orders/1",
                              service_type="AWS::EC2::Instance")]
    estimate = estimate_tracing_cost([b, a], traffic)  # given out of order on purpose
    assert [(r.rule_name, r.recorded_per_second) for r in estimate.rules] == [("a-orders", 5), ("b-rest", 1.49)]
    assert estimate.traces_recorded == pytest.approx(16_822_080)
    assert estimate.total_usd == pytest.approx(83.6104)


def test_same_priority_is_ordered_by_name() -> None:
    # Both match; same priority: "alpha" sorts before "beta" and takes the route.
    estimate = estimate_tracing_cost([spec("beta", 5, 0.5, 0), spec("alpha", 5, 1.0, 0)],
                                     [TrafficProfile(service_name="s", rps=2)])
    assert estimate.rules[0].rule_name == "alpha"


def test_unmatched_routes_fall_to_default_and_wildcards_match() -> None:
    # "?ET" matches GET, not POST. POST 3 rps falls to Default: 1 + 0.05 x 2 = 1.1/s.
    rule = spec("gets", 10, 0.5, 0, http_method="?ET")
    estimate = estimate_tracing_cost([rule], [TrafficProfile(service_name="s", rps=4),
                                              TrafficProfile(service_name="s", rps=3, http_method="POST")])
    assert {r.rule_name: r.recorded_per_second for r in estimate.rules} == pytest.approx({"gets": 2.0,
                                                                                          "Default": 1.1})


def test_free_tier() -> None:
    # 0.01 rps on Default: min(1, 0.01) = 0.01/s; 0.01 x 2,592,000 = 25,920 traces < 100,000 free: $0
    estimate = estimate_tracing_cost([], [TrafficProfile(service_name="s", rps=0.01)])
    assert estimate.traces_recorded == pytest.approx(25_920)
    assert estimate.billable_traces_recorded == 0
    assert estimate.total_usd == 0


def test_retrieval_and_insights_when_asked() -> None:
    # Recording as in test_one_rule_records_everything: $12.46.
    # Retrieval: (3,000,000 - 1,000,000 free) x $0.50/M = $1.00. Insights: 2,592,000 x $1/M = $2.592.
    estimate = estimate_tracing_cost([spec("all", 1, 1.0, 0)], [TrafficProfile(service_name="s", rps=1)],
                                     traces_retrieved_per_month=3_000_000, insights=True)
    assert estimate.retrieval_cost_usd == pytest.approx(1.0)
    assert estimate.insights_cost_usd == pytest.approx(2.592)
    assert estimate.total_usd == pytest.approx(12.46 + 1.0 + 2.592)


def test_days_and_pricing() -> None:
    # 1/s for 1 day = 86,400 traces, none free, $10/M -> $0.864
    estimate = estimate_tracing_cost([spec("all", 1, 1.0, 0)], [TrafficProfile(service_name="s", rps=1)], days=1,
                                     pricing=XRayPricing(recorded_free_per_month=0, recorded_per_million=10))
    assert estimate.total_usd == pytest.approx(0.864)


def test_lambda_root_ignores_rules() -> None:
    # A Lambda root samples 1/s + 5 % whatever the rules say: 1 + 0.05 x (3 - 1) = 1.1/s (not 3/s).
    estimate = estimate_tracing_cost(
        [spec("all", 1, 1.0, 0)],
        [TrafficProfile(service_name="worker", rps=3, service_type="AWS::Lambda::Function")])
    assert estimate.routes[0].recorded_per_second == pytest.approx(1.1)
    assert "Lambda built-in" in estimate.routes[0].rule_name


def test_unknown_fields_match_only_wildcards() -> None:
    # host unknown (None): a rule on a specific host cannot match; Default takes it (min(1, 0.5) = 0.5/s)
    estimate = estimate_tracing_cost([spec("host", 1, 1.0, 0, host="api.example.com")],
                                     [TrafficProfile(service_name="s", rps=0.5)])
    assert estimate.rules[0].rule_name == "Default"


def test_rules_with_tokens_are_skipped_and_listed() -> None:
    stack = Stack(App(), "S")
    name = CfnParameter(stack, "Svc").value_as_string
    rule = SamplingRule(stack, "R", rule_name="tokenized", priority=1, fixed_rate=1.0, reservoir_size=0,
                        service_name=name)
    estimate = estimate_tracing_cost([rule], [TrafficProfile(service_name="s", rps=1)])
    assert estimate.skipped_rules == ("tokenized",)
    assert "not counted (values known only at deploy time): tokenized" in estimate.summary()


def test_inputs_are_validated() -> None:
    with pytest.raises(XRayValidationError, match="TrafficProfile 's': rps must be a number of at least 0, got -1"):
        TrafficProfile(service_name="s", rps=-1)
    with pytest.raises(XRayValidationError, match="estimate_tracing_cost: days must be a number of at least 0"):
        estimate_tracing_cost([], [], days=-1)
    with pytest.raises(XRayValidationError, match="rules must be SamplingRule constructs or SamplingRuleSpec"):
        estimate_tracing_cost(["nope"], [])  # type: ignore[list-item]


# -- the construct -------------------------------------------------------------------------------------------
def _app(budget: float | None) -> tuple[App, Stack]:
    app = App()
    env = Environment(account="111111111111", region="eu-west-1")
    stack = Stack(app, "Orders", env=env)
    SamplingRule(stack, "All", rule_name="all", priority=1, fixed_rate=1.0, reservoir_size=0)
    other = Stack(app, "OtherRegion", env=Environment(account="111111111111", region="us-east-1"))
    SamplingRule(other, "Other", rule_name="other", priority=1, fixed_rate=0.0, reservoir_size=0)
    TracingCostEstimate(stack, "Cost", traffic=[TrafficProfile(service_name="s", rps=1)], monthly_budget_usd=budget)
    return app, stack


def test_construct_outputs_and_metadata() -> None:
    # Only the eu-west-1 rule counts: 1/s recorded -> $12.46 (see test_one_rule_records_everything).
    app, stack = _app(budget=20)
    outputs = Template.from_stack(stack).find_outputs("*")
    (output,) = [o for key, o in outputs.items() if key.startswith("Cost")]
    assert output["Value"].startswith("~2,592,000 traces recorded per 30 days, ~$12.46")
    assembly = app.synth()
    metadata = json.loads((Path(assembly.directory) / "Orders.metadata.json").read_text())
    (entry,) = [e for e in metadata["/Orders/Cost"] if e["type"] == "@constructs-lib/xray:tracingCost"]
    assert entry["data"]["totalUsd"] == 12.46
    assert entry["data"]["rules"][0]["rule"] == "all"


def test_construct_fails_synth_over_budget() -> None:
    app, _ = _app(budget=10)
    with pytest.raises(Exception, match=r"TracingCostEstimate 'Orders/Cost': the estimated tracing cost must be at "
                                        r"most monthly_budget_usd=10, got \$12.46"):
        app.synth()


def test_construct_validates_its_arguments() -> None:
    stack = Stack(App(), "S")
    with pytest.raises(XRayValidationError, match="monthly_budget_usd must be a number of at least 0, got -5"):
        TracingCostEstimate(stack, "C", traffic=[TrafficProfile(service_name="s", rps=1)], monthly_budget_usd=-5)
    with pytest.raises(XRayValidationError, match="traffic must be at least one TrafficProfile"):
        TracingCostEstimate(stack, "D", traffic=[])


def test_metadata_is_added_once_however_often_the_app_is_synthesized() -> None:
    app, stack = _app(budget=20)
    Template.from_stack(stack)
    Template.from_stack(stack)
    assembly = app.synth(force=True)
    metadata = json.loads((Path(assembly.directory) / "Orders.metadata.json").read_text())
    entries = [e for e in metadata["/Orders/Cost"] if e["type"] == "@constructs-lib/xray:tracingCost"]
    assert len(entries) == 1
    assert entries[0]["data"]["totalUsd"] == 12.46


def test_a_rule_gated_on_a_header_matches_only_routes_that_send_it() -> None:
    debug = SamplingRuleSpec(rule_name="debug", priority=1, fixed_rate=1.0, reservoir_size=0,
                             attributes={"x-debug": "1"})
    plain = TrafficProfile(service_name="api/prod", rps=100)
    flagged = TrafficProfile(service_name="api/prod", rps=2, attributes={"x-debug": "1"})
    estimate = estimate_tracing_cost([debug], [plain, flagged])
    by_route = {r.route.rps: r.rule_name for r in estimate.routes}
    # 100 rps fall to the Default rule (1/s + 5 %), only the 2 flagged rps to "debug" (100 %)
    assert by_route == {100: "Default", 2: "debug"}


def test_rules_sharing_a_name_are_charged_once_each() -> None:
    first = SamplingRuleSpec(rule_name="same", priority=1, fixed_rate=1.0, reservoir_size=0, url_path="/a")
    second = SamplingRuleSpec(rule_name="same", priority=2, fixed_rate=1.0, reservoir_size=0, url_path="/b")
    estimate = estimate_tracing_cost([first, second], [TrafficProfile(service_name="s", rps=10, url_path="/a",
                                                                      service_type=None)])
    assert sum(r.recorded_per_second for r in estimate.rules) == 10


@pytest.mark.parametrize(("insights", "region", "expected_usd"), [
    (None, "eu-west-1", 15.05),   # a group with Insights in the same account/region: 2,592,000 x $1/M added
    (None, "us-east-1", 12.46),   # ...in another region: not this estimate's concern
    (False, "eu-west-1", 12.46),  # said explicitly: left out
])
def test_insights_follow_the_apps_groups_unless_given(insights: bool | None, region: str,
                                                       expected_usd: float) -> None:
    app = App()
    stack = Stack(app, "Orders", env=Environment(account="111111111111", region="eu-west-1"))
    SamplingRule(stack, "All", rule_name="all", priority=1, fixed_rate=1.0, reservoir_size=0)
    groups = Stack(app, "Groups", env=Environment(account="111111111111", region=region))
    TraceGroup(groups, "Faults", group_name="faults", filter_expression="fault", insights=True)
    cost = TracingCostEstimate(stack, "Cost", traffic=[TrafficProfile(service_name="s", rps=1)], insights=insights)
    assert round(cost.estimate().total_usd, 2) == expected_usd


# -- REST API traffic named from the API ------------------------------------------------------------------------
def _api(stack: Stack, name: str = "shop-api") -> apigateway.RestApi:
    api = apigateway.RestApi(stack, "Api", rest_api_name=name,
                             deploy_options=apigateway.StageOptions(stage_name="prod"))
    api.root.add_resource("orders").add_method("POST")
    return api


def test_traffic_for_rest_api_takes_the_service_name_from_the_api() -> None:
    stack = Stack(App(), "S")
    api = _api(stack)
    profile = TrafficProfile.for_rest_api(stage=api, rps=5, http_method="POST", url_path="/orders")
    assert (profile.service_name, profile.service_type) == ("shop-api/prod", "AWS::ApiGateway::Stage")
    assert profile.resource_arn == api.deployment_stage.stage_arn
    # the rules for_rest_api makes match it, also when pinned to the stage ARN (the same deploy-time value):
    # POST 5 rps at 100 % = 5/s; x 2,592,000 = 12,960,000 traces
    pinned = SamplingRule.for_rest_api(stack, "Posts", stage=api, rule_name="posts", priority=1, fixed_rate=1.0,
                                       reservoir_size=0, http_method="POST", match_stage_arn=True)
    estimate = estimate_tracing_cost([pinned], [profile])
    assert estimate.skipped_rules == ()
    assert [(r.rule_name, r.recorded_per_second) for r in estimate.rules] == [("posts", 5)]
    assert estimate.traces_recorded == pytest.approx(12_960_000)


def test_a_url_path_rule_is_not_applied_to_api_gateway_routes() -> None:
    # "Configuring sampling rules" (X-Ray guide): URL path, "Amazon API Gateway - Not supported". The 100 % rule
    # on POST /orders* does not take the API route; it falls to Default: 1 + 0.05 x 4 = 1.2/s, and the estimate
    # says why.
    rule = spec("post-orders", 1, 1.0, 0, http_method="POST", url_path="/orders*")
    api = TrafficProfile(service_name="api/prod", rps=5, http_method="POST", url_path="/orders")
    estimate = estimate_tracing_cost([rule], [api])
    assert [(r.rule_name, r.recorded_per_second) for r in estimate.rules] == [("Default", pytest.approx(1.2))]
    assert estimate.notes == ("rule 'post-orders' sets url_path, which API Gateway does not match on (X-Ray "
                              "guide): not applied to API Gateway routes",)
    assert "; note: rule 'post-orders' sets url_path" in estimate.summary()
    # the same rule on an SDK-instrumented service applies: 5/s
    sdk = TrafficProfile(service_name="api/prod", rps=5, http_method="POST", url_path="/orders", service_type=None)
    assert estimate_tracing_cost([rule], [sdk]).rules[0].rule_name == "post-orders"


# -- trace roots the app's event sources start ---------------------------------------------------------------------
def _worker_app(*, rates: list[tuple[str, float]], schedule: bool = False) -> tuple[App, Stack, TracingCostEstimate]:
    app = App()
    stack = Stack(app, "Orders")
    api = _api(stack)
    worker = lambda_.Function(stack, "Worker", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                              code=lambda_.Code.from_inline("def handler(e, c): pass"), tracing=lambda_.Tracing.ACTIVE)
    queue = sqs.Queue(stack, "Queue")
    worker.add_event_source(sources.SqsEventSource(queue))
    if schedule:
        events.Rule(stack, "Nightly", schedule=events.Schedule.rate(Duration.minutes(1)),
                    targets=[targets.LambdaFunction(worker)])
    SamplingRule.for_rest_api(stack, "Posts", stage=api, rule_name="posts", priority=1, fixed_rate=1.0,
                              reservoir_size=0, http_method="POST")
    named = {"queue": queue, "worker": worker, "rule": stack.node.try_find_child("Nightly")}
    cost = TracingCostEstimate(
        stack, "Cost", traffic=[TrafficProfile.for_rest_api(stage=api, rps=5, http_method="POST")],
        event_sources=[EventSourceRate(source=named[key], invocations_per_second=rate)  # type: ignore[arg-type]
                       for key, rate in rates])
    return app, stack, cost


def test_an_sqs_fed_worker_starts_traces_of_its_own() -> None:
    # API: POST 5 rps at 100 % = 5/s. Worker fed by the queue at 5 invocations/s: Lambda samples 1/s + 5 %:
    # 1 + 0.05 x 4 = 1.2/s. (5 + 1.2) x 2,592,000 = 16,070,400 traces; (16,070,400 - 100,000) x $5/M = $79.852
    _, _, cost = _worker_app(rates=[("queue", 5)])
    estimate = cost.estimate()
    worker = [r for r in estimate.routes if "Worker" in r.route.label]
    assert [(r.route.label, r.recorded_per_second) for r in worker] == [
        ("SQS queue Orders/Queue -> Orders/Worker (Lambda)", pytest.approx(1.2))]
    assert estimate.traces_recorded == pytest.approx(16_070_400)
    assert estimate.total_usd == pytest.approx(79.852)
    assert estimate.not_estimated == ()


def test_roots_into_one_function_share_its_one_per_second() -> None:
    # Queue 3/s + schedule 1/s into one function: 4/s together, 1 + 0.05 x 3 = 1.15/s (not 1.1 + 1)
    _, _, cost = _worker_app(rates=[("queue", 3), ("rule", 1)], schedule=True)
    rows = [r for r in cost.estimate().rules if r.rule_name.startswith("(Lambda")]
    assert [(r.requests_per_second, r.recorded_per_second) for r in rows] == [(4, pytest.approx(1.15))]


def test_a_root_without_a_rate_is_listed_not_estimated() -> None:
    _, stack, cost = _worker_app(rates=[])
    estimate = cost.estimate()
    assert estimate.not_estimated == ("SQS queue Orders/Queue -> Orders/Worker (Lambda): no EventSourceRate",)
    (output,) = [o["Value"] for o in Template.from_stack(stack).find_outputs("*").values()
                 if o.get("Description") == "X-Ray tracing cost estimate (constructs-lib)"]
    assert output.endswith("; not estimated: SQS queue Orders/Queue -> Orders/Worker (Lambda): no EventSourceRate")


def test_a_traced_stage_without_traffic_is_listed_not_estimated() -> None:
    app = App()
    stack = Stack(app, "S")
    _api(stack)
    XRayTracing.enable(stack)
    cost = TracingCostEstimate(stack, "Cost", traffic=[TrafficProfile(service_name="other/prod", rps=1)])
    app.synth()
    assert cost.estimate().not_estimated == ("REST API stage shop-api/prod: no TrafficProfile",)


def test_a_state_machine_root_samples_by_the_rules() -> None:
    # EventBridge schedule -> state machine at 2/s; a rule on Step Functions at 100 %: 2/s recorded (Lambda's
    # 1/s + 5 % would give 1.05/s).
    app = App()
    stack = Stack(app, "S")
    machine = sfn.StateMachine(stack, "Machine", tracing_enabled=True,
                               definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Pass")))
    rule = events.Rule(stack, "Tick", schedule=events.Schedule.rate(Duration.minutes(1)),
                       targets=[targets.SfnStateMachine(machine)])
    SamplingRule(stack, "All", rule_name="machines", priority=1, fixed_rate=1.0, reservoir_size=0,
                 service_type="AWS::StepFunctions::StateMachine")
    cost = TracingCostEstimate(stack, "Cost", event_sources=[EventSourceRate(source=rule, invocations_per_second=2)])
    (row,) = cost.estimate().rules
    assert (row.rule_name, row.recorded_per_second) == ("machines", 2)


# -- warnings ------------------------------------------------------------------------------------------------------
def _cost_warnings(stack: Stack, code: str) -> list[str]:
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(".*"))
    return [str(m.entry.data) for m in found if f"[ack: @constructs-lib/xray:{code}]" in str(m.entry.data)]


def test_a_profile_that_matches_only_the_default_rule_is_warned() -> None:
    app = App()
    stack = Stack(app, "S")
    api = _api(stack)
    SamplingRule.for_rest_api(stack, "Posts", stage=api, rule_name="posts", priority=1, fixed_rate=1.0,
                              reservoir_size=0, http_method="POST")
    TracingCostEstimate(stack, "Cost", traffic=[
        TrafficProfile(service_name="shop-api/prd", rps=5, http_method="POST"),  # a typo: falls to Default
        TrafficProfile(service_name="shop-api/prod", rps=50),  # GET: Default too, but the service has a rule
        TrafficProfile(service_name="worker", rps=1, service_type="AWS::Lambda::Function"),  # ignores rules
    ])
    (warning,) = _cost_warnings(stack, "trafficProfileMatchesOnlyDefault")
    assert ("TrafficProfile 'shop-api/prd' (shop-api/prd POST /) matches no sampling rule of this account/region "
            "but the built-in Default rule") in warning
    assert "(the rules here name: shop-api/prod)" in warning


def test_an_unused_rate_and_unpriced_transaction_search_are_warned() -> None:
    app, stack, _ = _worker_app(rates=[("queue", 5), ("worker", 1)])
    unused = Stack(app, "Elsewhere")
    queue = sqs.Queue(unused, "Lonely")
    TracingCostEstimate(unused, "Cost", traffic=[TrafficProfile(service_name="x/y", rps=1)],
                        event_sources=[EventSourceRate(source=queue, invocations_per_second=1)])
    xray.CfnTransactionSearchConfig(unused, "Search", indexing_percentage=1)
    assert _cost_warnings(stack, "eventSourceRateUnused") == []
    (warning,) = _cost_warnings(unused, "eventSourceRateUnused")
    assert "EventSourceRate for 'Elsewhere/Lonely' matches no event source" in warning
    assert len(_cost_warnings(unused, "transactionSearchNotPriced")) == 1


# -- Transaction Search ------------------------------------------------------------------------------------------
def test_transaction_search_prices_spans_per_gigabyte() -> None:
    # 1 rps, all sampled: 2,592,000 traces; x 10 spans = 25,920,000 spans; x 1,024 bytes = 26,542,080,000 bytes
    # = 24.7192383 GB (2^30 bytes); x $0.35 = $8.6517. Recorded traces are not billed per trace; 1 % indexed free.
    search = TransactionSearch(spans_per_trace=10, bytes_per_span=1024)
    estimate = estimate_tracing_cost([spec("all", 1, 1.0, 0)], [TrafficProfile(service_name="s", rps=1)],
                                     transaction_search=search, insights=True)
    assert estimate.mode == "transaction-search"
    assert estimate.spans_ingested == pytest.approx(25_920_000)
    assert estimate.span_gigabytes == pytest.approx(24.7192383)
    assert estimate.span_cost_usd == pytest.approx(8.6517334)
    assert estimate.recorded_cost_usd == 0
    # Insights on the indexed traces only: 1 % of 2,592,000 = 25,920 x $1/M = $0.02592
    assert estimate.indexed_traces == pytest.approx(25_920)
    assert estimate.insights_cost_usd == pytest.approx(0.02592)
    assert estimate.total_usd == pytest.approx(8.6517334 + 0.02592)
    assert estimate.summary().startswith("~2,592,000 traces recorded per 30 days, ~25,920,000 spans (24.7 GB), "
                                         "~$8.68 with Transaction Search (spans $8.65, indexing $0.00")


def test_transaction_search_tiers_and_indexing() -> None:
    # Tiers of 10 GB at $1, then $0.50: 24.7192383 GB -> 10 + 14.7192383 x 0.5 = $17.3596
    tiers = TransactionSearchPricing(span_tiers=((10, 1.0), (math.inf, 0.5)))
    search = TransactionSearch(spans_per_trace=10, bytes_per_span=1024, pricing=tiers)
    route = [TrafficProfile(service_name="s", rps=1)]
    estimate = estimate_tracing_cost([spec("all", 1, 1.0, 0)], route, transaction_search=search)
    assert estimate.span_cost_usd == pytest.approx(17.3596191)
    # 5 % indexed, no price for the 4 % above the free 1 %: listed, not guessed
    unpriced = estimate_tracing_cost([spec("all", 1, 1.0, 0)], route, transaction_search=TransactionSearch(
        spans_per_trace=10, bytes_per_span=1024, indexing_percentage=5))
    assert unpriced.indexing_cost_usd == 0
    assert "indexing 5 % of spans" in unpriced.not_estimated[0]
    # with a price of $2 per million spans: 25,920,000 x 4 % = 1,036,800 spans x $2/M = $2.0736
    priced = estimate_tracing_cost([spec("all", 1, 1.0, 0)], route, transaction_search=TransactionSearch(
        spans_per_trace=10, bytes_per_span=1024, indexing_percentage=5,
        pricing=TransactionSearchPricing(indexed_spans_per_million=2.0)))
    assert priced.indexing_cost_usd == pytest.approx(2.0736)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"spans_per_trace": 0, "bytes_per_span": 10}, "TransactionSearch: spans_per_trace must be a number of at least 1"),
    ({"spans_per_trace": 1, "bytes_per_span": 10, "indexing_percentage": 101},
     "indexing_percentage must be a number from 0 to 100, got 101"),
])
def test_transaction_search_is_validated(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(XRayValidationError, match=re.escape(message)):
        TransactionSearch(**kwargs)


def test_the_output_is_what_the_docstring_says() -> None:
    stack = Stack(App(), "S")
    cost = TracingCostEstimate(stack, "Spend", traffic=[TrafficProfile(service_name="s", rps=1)])
    outputs = Template.from_stack(stack).find_outputs("*")
    (logical_id,) = outputs
    assert logical_id == stack.resolve(cost.output.logical_id)
    assert logical_id.startswith("SpendOutput")
    assert outputs[logical_id]["Description"] == "X-Ray tracing cost estimate (constructs-lib)"
