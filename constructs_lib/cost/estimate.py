"""The estimate itself: traces recorded per month and their price, from sampling rules and traffic."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .._validation import check_number, fail, is_token
from ..sampling import (
    DEFAULT_RULE,
    SamplingRule,
    SamplingRuleSpec,
)
from .pricing import TransactionSearch, XRayPricing
from .traffic import TrafficProfile

SECONDS_PER_DAY = 86_400
BYTES_PER_GB = 1024**3
LAMBDA_BUILTIN = "(Lambda built-in 1/s + 5%)"
LAMBDA_RESERVOIR, LAMBDA_FIXED_RATE = 1, 0.05


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
    """The result of :func:`estimate_tracing_cost`. Dollars are per month; traces are per month.

    ``mode`` is ``"x-ray"`` (recorded traces priced per trace) or ``"transaction-search"`` (spans priced per GB:
    ``spans_ingested``, ``span_gigabytes``, ``span_cost_usd``, ``indexed_traces``, ``indexing_cost_usd``).
    ``not_estimated`` lists what the estimate could not price (event sources without a rate, stages without
    traffic, indexing beyond the free share without a price); ``skipped_rules`` the rules whose values are tokens.
    """

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
    mode: str = "x-ray"
    spans_ingested: float = 0.0
    span_gigabytes: float = 0.0
    span_cost_usd: float = 0.0
    indexed_traces: float = 0.0
    indexing_cost_usd: float = 0.0
    not_estimated: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        """One line: traces and dollars per month, then what is not in it."""
        if self.mode == "transaction-search":
            text = (
                f"~{self.traces_recorded:,.0f} traces recorded per {self.days:g} days, ~{self.spans_ingested:,.0f} "
                f"spans ({self.span_gigabytes:,.1f} GB), ~${self.total_usd:,.2f} with Transaction Search (spans "
                f"${self.span_cost_usd:,.2f}, indexing ${self.indexing_cost_usd:,.2f}, retrieval "
                f"${self.retrieval_cost_usd:,.2f}, insights ${self.insights_cost_usd:,.2f})"
            )
        else:
            text = (
                f"~{self.traces_recorded:,.0f} traces recorded per {self.days:g} days, "
                f"~${self.total_usd:,.2f} (recording ${self.recorded_cost_usd:,.2f}, retrieval "
                f"${self.retrieval_cost_usd:,.2f}, insights ${self.insights_cost_usd:,.2f})"
            )
        if self.not_estimated:
            text += "; not estimated: " + ", ".join(self.not_estimated)
        if self.notes:
            text += "; note: " + ", ".join(self.notes)
        if self.skipped_rules:
            text += "; not counted (values known only at deploy time): " + ", ".join(self.skipped_rules)
        return text

    def to_json(self) -> dict[str, object]:
        """A JSON-friendly dict (used for stack metadata)."""
        data: dict[str, object] = {
            "days": self.days,
            "mode": self.mode,
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
            "notEstimated": list(self.not_estimated),
            "notes": list(self.notes),
            "skippedRules": list(self.skipped_rules),
        }
        if self.mode == "transaction-search":
            data.update(spansIngested=round(self.spans_ingested), spanGigabytes=round(self.span_gigabytes, 3),
                        spanUsd=round(self.span_cost_usd, 2), indexedTraces=round(self.indexed_traces),
                        indexingUsd=round(self.indexing_cost_usd, 2))
        return data


def recorded_per_second(*, rps: float, reservoir_size: float, fixed_rate: float) -> float:
    """Traces recorded per second by one rule: ``min(reservoir, rps) + fixed_rate x max(0, rps - reservoir)``.

    Example::

        from constructs_lib.cost import recorded_per_second

        recorded_per_second(rps=20, reservoir_size=1, fixed_rate=0.05)   # 1.95: 1 + 0.05 x 19
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
    transaction_search: TransactionSearch | None = None,
) -> CostEstimate:
    """Estimate recorded traces and dollars for ``traffic`` under ``rules`` (plus the built-in Default rule).

    :param rules: ``SamplingRule`` constructs or ``SamplingRuleSpec`` values. A rule whose name, priority, rate or
        reservoir is a token is left out and listed in ``skipped_rules``; so is one with a token in a match field,
        unless a route carries that very token (``TrafficProfile.for_rest_api`` and a rule with
        ``match_stage_arn=True`` share the stage's ARN).
    :param traffic: requests per second per route or service.
    :param days: the billing period (30 by default).
    :param traces_retrieved_per_month: traces you expect to retrieve or scan (console, API, groups).
    :param insights: add X-Ray Insights for every recorded trace (an upper bound: Insights processes the
        traces of groups that enable it); with Transaction Search, for every indexed trace.
    :param transaction_search: price spans as CloudWatch Transaction Search does, instead of recorded traces.

    Example::

        estimate_tracing_cost([SamplingRuleSpec(rule_name="all", priority=1, fixed_rate=1.0, reservoir_size=0)],
                              [TrafficProfile(service_name="api/prod", rps=1)]).total_usd   # 12.46
    """
    check_number("estimate_tracing_cost", "days", days, minimum=0)
    check_number("estimate_tracing_cost", "traces_retrieved_per_month", traces_retrieved_per_month, minimum=0)
    if transaction_search is not None and not isinstance(transaction_search, TransactionSearch):
        raise fail("estimate_tracing_cost", "transaction_search", transaction_search, "a TransactionSearch")
    prices = pricing or XRayPricing()
    for route in traffic:
        if not isinstance(route, TrafficProfile):
            raise fail("estimate_tracing_cost", "traffic", route, "TrafficProfile values")
    specs, skipped = _usable_rules(rules, traffic)
    ordered = [*sorted(specs, key=lambda s: (s.priority, s.rule_name)), DEFAULT_RULE]

    seconds = SECONDS_PER_DAY * days
    matched: dict[int, list[TrafficProfile]] = {}  # by position in ``ordered``: names need not be unique here
    lambda_routes: dict[str, list[TrafficProfile]] = {}  # by function: its 1/s is shared by what starts it
    passed_over: dict[str, None] = {}  # rules with a URL path that API Gateway routes did not match (ordered set)
    for route in traffic:
        if route.is_lambda:
            lambda_routes.setdefault(route.service_name, []).append(route)
            continue
        index = next(i for i, s in enumerate(ordered) if s.builtin or route._matches(s))
        matched.setdefault(index, []).append(route)
        if route.on_api_gateway:
            passed_over.update((s.rule_name, None) for s in ordered[:index] if s.url_path != "*" and s.matches(
                service_name=route.service_name, service_type=route.service_type, host=route.host,
                http_method=route.http_method, url_path=route.url_path, resource_arn=route.resource_arn,
                attributes=route.attributes))

    rule_rows: list[RuleEstimate] = []
    route_rows: list[RouteEstimate] = []

    def add(name: str, priority: int, reservoir: int, rate: float, routes: list[TrafficProfile]) -> None:
        rps = sum(r.rps for r in routes)
        recorded = recorded_per_second(rps=rps, reservoir_size=reservoir, fixed_rate=rate)
        rule_rows.append(RuleEstimate(
            rule_name=name, priority=priority, reservoir_size=reservoir, fixed_rate=rate, requests_per_second=rps,
            recorded_per_second=recorded, traces_per_month=recorded * seconds, routes=tuple(r.label for r in routes)))
        for route in routes:
            share = recorded * route.rps / rps if rps else 0.0
            route_rows.append(RouteEstimate(route, name, share, share * seconds))

    for index, spec in enumerate(ordered):
        if matched.get(index):
            add(spec.rule_name, spec.priority, spec.reservoir_size, spec.fixed_rate, matched[index])
    for function, routes in lambda_routes.items():  # each function samples on its own: 1/s + 5 %
        add(f"{LAMBDA_BUILTIN} {function}", DEFAULT_RULE.priority, LAMBDA_RESERVOIR, LAMBDA_FIXED_RATE, routes)

    traces = sum(r.traces_per_month for r in rule_rows)
    retrieval_cost = (
        max(0.0, traces_retrieved_per_month - prices.retrieved_free_per_month) / 1_000_000
        * prices.retrieved_per_million
    )
    notes = tuple(f"rule '{name}' sets url_path, which API Gateway does not match on (X-Ray guide): not applied "
                  "to API Gateway routes" for name in passed_over)
    common = {"days": days, "rules": tuple(rule_rows), "routes": tuple(route_rows), "traces_recorded": traces,
              "traces_retrieved": traces_retrieved_per_month, "retrieval_cost_usd": retrieval_cost,
              "skipped_rules": tuple(skipped), "notes": notes}
    if transaction_search is None:
        billable = max(0.0, traces - prices.recorded_free_per_month)
        recorded_cost = billable / 1_000_000 * prices.recorded_per_million
        insights_cost = traces / 1_000_000 * prices.insights_per_million if insights else 0.0
        return CostEstimate(**common, billable_traces_recorded=billable,  # type: ignore[arg-type]
                            recorded_cost_usd=recorded_cost, insights_cost_usd=insights_cost,
                            total_usd=recorded_cost + retrieval_cost + insights_cost)
    return _with_transaction_search(common, traces, transaction_search, prices, insights)


def _usable_rules(
    rules: Iterable[SamplingRule | SamplingRuleSpec], traffic: Sequence[TrafficProfile]
) -> tuple[list[SamplingRuleSpec], list[str]]:
    """The rules the estimate can evaluate, and the names of those it cannot (tokens)."""
    carried = {getattr(route, name) for route in traffic for name in ("service_name", "service_type", "host",
                                                                      "http_method", "url_path", "resource_arn")}
    specs: list[SamplingRuleSpec] = []
    skipped: list[str] = []
    for rule in rules:
        spec = rule.spec if isinstance(rule, SamplingRule) else rule
        if not isinstance(spec, SamplingRuleSpec):
            raise fail("estimate_tracing_cost", "rules", rule, "SamplingRule constructs or SamplingRuleSpec values")
        values = (spec.rule_name, spec.priority, spec.fixed_rate, spec.reservoir_size)
        tokens_known = all(not is_token(p) or p in carried for p in spec.patterns)
        if any(is_token(v) for v in values) or not tokens_known or is_token(spec.attributes):
            skipped.append(spec.rule_name if isinstance(spec.rule_name, str) and not is_token(spec.rule_name)
                           else "?")
        else:
            specs.append(spec)
    return specs, skipped


def _with_transaction_search(common: dict[str, object], traces: float, search: TransactionSearch,
                             prices: XRayPricing, insights: bool) -> CostEstimate:
    spans = traces * search.spans_per_trace
    gigabytes = spans * search.bytes_per_span / BYTES_PER_GB
    span_cost = search.pricing.span_cost(gigabytes)
    indexed = traces * search.indexing_percentage / 100
    extra = max(0.0, search.indexing_percentage - search.pricing.free_indexing_percentage) / 100
    not_estimated: list[str] = []
    indexing_cost = 0.0
    if extra > 0:
        price = search.pricing.indexed_spans_per_million
        if price is None:
            not_estimated.append(f"indexing {search.indexing_percentage:g} % of spans (the first "
                                 f"{search.pricing.free_indexing_percentage:g} % is free; give "
                                 "TransactionSearchPricing(indexed_spans_per_million=...))")
        else:
            indexing_cost = spans * extra / 1_000_000 * price
    insights_cost = indexed / 1_000_000 * prices.insights_per_million if insights else 0.0
    retrieval = float(common["retrieval_cost_usd"])  # type: ignore[arg-type]
    return CostEstimate(
        **common, billable_traces_recorded=0.0, recorded_cost_usd=0.0,  # type: ignore[arg-type]
        insights_cost_usd=insights_cost, total_usd=span_cost + indexing_cost + retrieval + insights_cost,
        mode="transaction-search", spans_ingested=spans, span_gigabytes=gigabytes, span_cost_usd=span_cost,
        indexed_traces=indexed, indexing_cost_usd=indexing_cost, not_estimated=tuple(not_estimated),
    )
