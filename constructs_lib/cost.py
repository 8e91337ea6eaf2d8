"""What tracing will cost: traces recorded per month and dollars, from sampling rules and a traffic profile.

How the estimate works:

1. Each route of the :class:`TrafficProfile` is matched against the rules in priority order (name breaks ties);
   the first match wins (``*`` and ``?`` wildcards, case-insensitive). Unmatched routes fall to the built-in
   ``Default`` rule (1/s + 5 %). A route whose root is a Lambda function ignores rules: Lambda samples
   1/s + 5 % per function.
2. A rule's reservoir is shared by every route that matches it: recorded/s = min(reservoir, rps) +
   fixed_rate x max(0, rps - reservoir), with rps the sum of those routes. Each route gets its share in
   proportion to its rps.
3. Traces per month = recorded/s x 86,400 x days. The first 100,000 recorded traces a month are free, then
   $5.00 per million. Optional: traces retrieved or scanned (1,000,000 free, then $0.50 per million) and
   X-Ray Insights ($1.00 per million traces processed).

Example::

    estimate = estimate_tracing_cost(
        [orders_rule, baseline_rule],
        [TrafficProfile(service_name="orders-api/prod", rps=20, http_method="POST", url_path="/orders")],
    )
    print(estimate.summary())

``TracingCostEstimate`` does the same at synth for the app's rules and can fail the synth over a budget.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import jsii
from aws_cdk import CfnOutput, CfnResource
from constructs import Construct, IValidation

from ._lazy import lazy_any, lazy_string
from ._validation import XRayValidationError, check_length, check_number, fail
from .discovery import cfn_property, env_key
from .sampling import DEFAULT_RULE, SamplingRule, SamplingRuleSpec

__all__ = [
    "CostEstimate",
    "RouteEstimate",
    "RuleEstimate",
    "TracingCostEstimate",
    "TrafficProfile",
    "XRayPricing",
    "estimate_tracing_cost",
]

SECONDS_PER_DAY = 86_400
#: The stack metadata type of the estimate's JSON breakdown.
METADATA_TYPE = "@constructs-lib/xray:tracingCost"
LAMBDA_BUILTIN = "(Lambda built-in 1/s + 5%)"


@dataclass(frozen=True)
class XRayPricing:
    """X-Ray prices (us-east-1, as in the facts sheet); pass your region's if they differ.

    Example::

        XRayPricing(recorded_per_million=5.0)
    """

    recorded_free_per_month: int = 100_000
    recorded_per_million: float = 5.00
    retrieved_free_per_month: int = 1_000_000
    retrieved_per_million: float = 0.50
    insights_per_million: float = 1.00


@dataclass(frozen=True)
class TrafficProfile:
    """Requests per second reaching one route or service, as the root service sees them.

    ``None`` means "unknown": it matches only rules whose field is ``*``. A ``service_type`` starting with
    ``AWS::Lambda`` marks a Lambda function as the root (it ignores sampling rules). ``attributes`` are the
    request headers the route carries; a rule that sets ``attributes`` matches only routes that carry them.

    Example::

        TrafficProfile(service_name="orders-api/prod", rps=20, http_method="POST", url_path="/orders")
    """

    service_name: str
    rps: float
    http_method: str = "GET"
    url_path: str = "/"
    service_type: str | None = "AWS::ApiGateway::Stage"
    host: str | None = None
    resource_arn: str | None = None
    attributes: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        owner = f"TrafficProfile {self.service_name!r}"
        check_length(owner, "service_name", self.service_name, minimum=1, maximum=1024)
        check_number(owner, "rps", self.rps, minimum=0)

    @property
    def label(self) -> str:
        """``service METHOD path``, for reports."""
        return f"{self.service_name} {self.http_method} {self.url_path}"


@dataclass(frozen=True)
class RouteEstimate:
    """One route's share of the recorded traces."""

    route: TrafficProfile
    rule_name: str
    recorded_per_second: float
    traces_per_month: float


@dataclass(frozen=True)
class RuleEstimate:
    """What one rule records for all the routes it matched."""

    rule_name: str
    priority: int
    reservoir_size: int
    fixed_rate: float
    requests_per_second: float
    recorded_per_second: float
    traces_per_month: float
    routes: tuple[str, ...]


@dataclass(frozen=True)
class CostEstimate:
    """The result of :func:`estimate_tracing_cost`. Dollars are per month; traces are per month."""

    days: float
    rules: tuple[RuleEstimate, ...]
    routes: tuple[RouteEstimate, ...]
    traces_recorded: float
    billable_traces_recorded: float
    recorded_cost_usd: float
    traces_retrieved: float
    retrieval_cost_usd: float
    insights_cost_usd: float
    total_usd: float
    skipped_rules: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        """One line: traces and dollars per month (and any rules left out because of tokens)."""
        text = (
            f"~{self.traces_recorded:,.0f} traces recorded per {self.days:g} days, "
            f"~${self.total_usd:,.2f} (recording ${self.recorded_cost_usd:,.2f}, retrieval "
            f"${self.retrieval_cost_usd:,.2f}, insights ${self.insights_cost_usd:,.2f})"
        )
        if self.skipped_rules:
            text += "; not counted (values known only at deploy time): " + ", ".join(self.skipped_rules)
        return text

    def to_json(self) -> dict[str, object]:
        """A JSON-friendly dict (used for stack metadata)."""
        return {
            "days": self.days,
            "tracesRecorded": round(self.traces_recorded),
            "totalUsd": round(self.total_usd, 2),
            "recordedUsd": round(self.recorded_cost_usd, 2),
            "retrievalUsd": round(self.retrieval_cost_usd, 2),
            "insightsUsd": round(self.insights_cost_usd, 2),
            "rules": [
                {"rule": r.rule_name, "rps": r.requests_per_second, "recordedPerSecond": r.recorded_per_second,
                 "tracesPerMonth": round(r.traces_per_month), "routes": list(r.routes)}
                for r in self.rules
            ],
            "skippedRules": list(self.skipped_rules),
        }


def recorded_per_second(*, rps: float, reservoir_size: float, fixed_rate: float) -> float:
    """Traces recorded per second by one rule: ``min(reservoir, rps) + fixed_rate x max(0, rps - reservoir)``.

    Example::

        recorded_per_second(rps=20, reservoir_size=1, fixed_rate=0.05)   # 1 + 0.05 x 19 = 1.95
    """
    return min(reservoir_size, rps) + fixed_rate * max(0.0, rps - reservoir_size)


def estimate_tracing_cost(
    rules: Iterable[SamplingRule | SamplingRuleSpec],
    traffic: Sequence[TrafficProfile],
    *,
    days: float = 30,
    traces_retrieved_per_month: float = 0,
    insights: bool = False,
    pricing: XRayPricing | None = None,
) -> CostEstimate:
    """Estimate recorded traces and dollars for ``traffic`` under ``rules`` (plus the built-in Default rule).

    :param rules: ``SamplingRule`` constructs or ``SamplingRuleSpec`` values; rules with unresolved tokens are
        left out and listed in ``skipped_rules``.
    :param traffic: requests per second per route or service.
    :param days: the billing period (30 by default).
    :param traces_retrieved_per_month: traces you expect to retrieve or scan (console, API, groups).
    :param insights: add X-Ray Insights for every recorded trace (an upper bound: Insights processes the
        traces of groups that enable it).

    Example::

        estimate_tracing_cost([SamplingRuleSpec(rule_name="all", priority=1, fixed_rate=1.0, reservoir_size=0)],
                              [TrafficProfile(service_name="api/prod", rps=1)]).total_usd   # 12.46
    """
    check_number("estimate_tracing_cost", "days", days, minimum=0)
    check_number("estimate_tracing_cost", "traces_retrieved_per_month", traces_retrieved_per_month, minimum=0)
    prices = pricing or XRayPricing()
    specs: list[SamplingRuleSpec] = []
    skipped: list[str] = []
    for rule in rules:
        spec = rule.spec if isinstance(rule, SamplingRule) else rule
        if not isinstance(spec, SamplingRuleSpec):
            raise fail("estimate_tracing_cost", "rules", rule, "SamplingRule constructs or SamplingRuleSpec values")
        if spec.has_tokens:
            skipped.append(spec.rule_name if isinstance(spec.rule_name, str) else "?")
        else:
            specs.append(spec)
    ordered = [*sorted(specs, key=lambda s: (s.priority, s.rule_name)), DEFAULT_RULE]

    seconds = SECONDS_PER_DAY * days
    matched: dict[int, list[TrafficProfile]] = {}  # by position in ``ordered``: names need not be unique here
    by_name = {s.rule_name: s for s in ordered}
    lambda_routes: list[TrafficProfile] = []
    for route in traffic:
        if not isinstance(route, TrafficProfile):
            raise fail("estimate_tracing_cost", "traffic", route, "TrafficProfile values")
        if route.service_type is not None and route.service_type.lower().startswith("aws::lambda"):
            lambda_routes.append(route)
            continue
        index = next(i for i, s in enumerate(ordered) if s.builtin or s.matches(
            service_name=route.service_name, service_type=route.service_type, host=route.host,
            http_method=route.http_method, url_path=route.url_path, resource_arn=route.resource_arn,
            attributes=route.attributes))
        matched.setdefault(index, []).append(route)

    rule_rows: list[RuleEstimate] = []
    route_rows: list[RouteEstimate] = []
    for index, spec in enumerate(ordered):
        routes = matched.get(index)
        if not routes:
            continue
        rps = sum(r.rps for r in routes)
        recorded = recorded_per_second(rps=rps, reservoir_size=spec.reservoir_size, fixed_rate=spec.fixed_rate)
        rule_rows.append(RuleEstimate(
            rule_name=spec.rule_name, priority=spec.priority, reservoir_size=spec.reservoir_size,
            fixed_rate=spec.fixed_rate, requests_per_second=rps, recorded_per_second=recorded,
            traces_per_month=recorded * seconds, routes=tuple(r.label for r in routes)))
        for route in routes:
            share = recorded * route.rps / rps if rps else 0.0
            route_rows.append(RouteEstimate(route, spec.rule_name, share, share * seconds))
    for route in lambda_routes:  # each function samples on its own: 1/s + 5 %, no shared reservoir
        recorded = recorded_per_second(rps=route.rps, reservoir_size=1, fixed_rate=0.05)
        route_rows.append(RouteEstimate(route, LAMBDA_BUILTIN, recorded, recorded * seconds))
        rule_rows.append(RuleEstimate(
            rule_name=f"{LAMBDA_BUILTIN} {route.service_name}", priority=by_name["Default"].priority,
            reservoir_size=1, fixed_rate=0.05, requests_per_second=route.rps, recorded_per_second=recorded,
            traces_per_month=recorded * seconds, routes=(route.label,)))

    traces = sum(r.traces_per_month for r in rule_rows)
    billable = max(0.0, traces - prices.recorded_free_per_month)
    recorded_cost = billable / 1_000_000 * prices.recorded_per_million
    retrieval_cost = (
        max(0.0, traces_retrieved_per_month - prices.retrieved_free_per_month) / 1_000_000
        * prices.retrieved_per_million
    )
    insights_cost = traces / 1_000_000 * prices.insights_per_million if insights else 0.0
    return CostEstimate(
        days=days, rules=tuple(rule_rows), routes=tuple(route_rows), traces_recorded=traces,
        billable_traces_recorded=billable, recorded_cost_usd=recorded_cost,
        traces_retrieved=traces_retrieved_per_month, retrieval_cost_usd=retrieval_cost,
        insights_cost_usd=insights_cost, total_usd=recorded_cost + retrieval_cost + insights_cost,
        skipped_rules=tuple(skipped),
    )


class TracingCostEstimate(Construct):
    """The tracing cost of the app's sampling rules for this stack's account/region, computed at synth.

    Adds stack metadata (``@constructs-lib/xray:tracingCost``) and an output ``TracingCostEstimate`` with the
    summary; with ``monthly_budget_usd`` the synth fails when the estimate exceeds it. Rules whose values are
    tokens cannot be computed: they are left out and the output says so.

    Example::

        TracingCostEstimate(self, "TracingCost", monthly_budget_usd=100, traffic=[
            TrafficProfile(service_name="orders-api/prod", rps=20, http_method="POST", url_path="/orders"),
            TrafficProfile(service_name="orders-api/prod", rps=80, http_method="GET", url_path="/orders/42"),
        ])

    ``insights`` (default: whether a trace group of this account/region has X-Ray Insights on) adds Insights
    for every recorded trace, an upper bound.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        traffic: Sequence[TrafficProfile],
        monthly_budget_usd: float | None = None,
        days: float = 30,
        traces_retrieved_per_month: float = 0,
        insights: bool | None = None,
        pricing: XRayPricing | None = None,
    ) -> None:
        super().__init__(scope, id)
        owner = f"TracingCostEstimate '{self.node.path}'"
        check_number(owner, "monthly_budget_usd", monthly_budget_usd, minimum=0)
        if not traffic:
            raise fail(owner, "traffic", traffic, "at least one TrafficProfile")
        self.traffic = tuple(traffic)
        self.monthly_budget_usd = monthly_budget_usd
        self._days = days
        self._traces_retrieved = traces_retrieved_per_month
        self._insights = insights
        self._pricing = pricing
        estimate_tracing_cost([], self.traffic, days=days, traces_retrieved_per_month=traces_retrieved_per_month,
                              insights=bool(insights), pricing=pricing)  # validate the options now
        self.output = CfnOutput(
            self, "Output", description="X-Ray tracing cost estimate (constructs-lib)",
            value=lazy_string(lambda: self.estimate().summary()),
        )
        # Added once, here, and resolved at synth: validation stays free of side effects, so synthesizing again
        # (app.synth(), Template.from_stack) never adds a second entry.
        self.node.add_metadata(METADATA_TYPE, lazy_any(lambda: json.loads(json.dumps(self.estimate().to_json()))))
        self.node.add_validation(_Budget(self))

    def rules(self) -> list[SamplingRule]:
        """The app's sampling rules in this stack's account/region."""
        return self._scan()[0]

    def estimate(self) -> CostEstimate:
        """Compute the estimate now, from the rules the app has at this point."""
        rules, groups_use_insights = self._scan()
        return estimate_tracing_cost(
            rules, self.traffic,
            days=self._days,
            traces_retrieved_per_month=self._traces_retrieved,
            insights=self._insights if self._insights is not None else groups_use_insights,
            pricing=self._pricing,
        )

    def _scan(self) -> tuple[list[SamplingRule], bool]:
        """One pass over the app: its rules in this account/region, and whether a group there uses Insights."""
        env = env_key(self)
        rules: list[SamplingRule] = []
        insights = False
        for node in self.node.root.node.find_all():
            if isinstance(node, SamplingRule):
                if env_key(node) == env:
                    rules.append(node)
            elif (not insights and isinstance(node, CfnResource)
                  and node.cfn_resource_type == "AWS::XRay::Group" and env_key(node) == env):
                config = cfn_property(node, "InsightsConfiguration")
                insights = isinstance(config, dict) and config.get("InsightsEnabled") is True
        return rules, insights


@jsii.implements(IValidation)
class _Budget:
    """Fails the synth over budget; pure (the metadata is a lazy value added once at construction)."""

    def __init__(self, owner: TracingCostEstimate) -> None:
        self.owner = owner

    def validate(self) -> list[str]:
        owner = self.owner
        estimate = owner.estimate()
        budget = owner.monthly_budget_usd
        if budget is None or estimate.total_usd <= budget:
            return []
        error = XRayValidationError(
            f"TracingCostEstimate '{owner.node.path}': the estimated tracing cost must be at most "
            f"monthly_budget_usd={budget:g}, got ${estimate.total_usd:,.2f} ({estimate.summary()})"
        )
        return [str(error)]
