"""The tracing cost estimate, checked against cases worked by hand (30 days = 2,592,000 seconds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, CfnParameter, Environment, Stack
from aws_cdk.assertions import Template

from constructs_lib._validation import XRayValidationError
from constructs_lib.cost import (
    TracingCostEstimate,
    TrafficProfile,
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
    # POST /orders 5 rps -> A: 5/s. GET /orders/1 50 rps -> B: 1 + 0.01 x 49 = 1.49/s.
    # (5 + 1.49) x 2,592,000 = 16,822,080; (16,822,080 - 100,000) x $5/M = $83.6104
    a = spec("a-orders", 10, 1.0, 0, http_method="POST", url_path="/orders*")
    b = spec("b-rest", 20, 0.01, 1)
    traffic = [TrafficProfile(service_name="api/prod", rps=5, http_method="POST", url_path="/orders"),
               TrafficProfile(service_name="api/prod", rps=50, http_method="GET", url_path="/orders/1")]
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
    estimate = estimate_tracing_cost([first, second], [TrafficProfile(service_name="s", rps=10, url_path="/a")])
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
