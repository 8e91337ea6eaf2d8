"""What tracing will cost: traces recorded per month and dollars, from sampling rules, traffic and trace roots.

How the estimate works:

1. Each route of the :class:`TrafficProfile` is matched against the rules in priority order (name breaks ties);
   the first match wins (``*`` and ``?`` wildcards, case-insensitive). Unmatched routes fall to the built-in
   ``Default`` rule (1/s + 5 %). A route whose root is a Lambda function ignores rules: Lambda samples
   1/s + 5 % per function. An API Gateway route never matches a rule that sets a URL path (the X-Ray guide says
   API Gateway does not support it); the estimate notes each such rule it passed over.
2. A rule's reservoir is shared by every route that matches it: recorded/s = min(reservoir, rps) +
   fixed_rate x max(0, rps - reservoir), with rps the sum of those routes. Each route gets its share in
   proportion to its rps.
3. Traces per month = recorded/s x 86,400 x days, priced one of two ways:

   - X-Ray (the default): the first 100,000 recorded traces a month are free, then $5.00 per million; optional
     traces retrieved or scanned (1,000,000 free, then $0.50 per million) and X-Ray Insights ($1.00 per million
     traces processed). Figures: the AWS X-Ray pricing page (us-east-1).
   - Transaction Search (``transaction_search=TransactionSearch(...)``), for an account where CloudWatch
     Transaction Search is on: spans go to CloudWatch Logs (``aws/spans``) and are billed per GB ingested
     ($0.35 for the first 10 TB a month, $0.20 for the next 20 TB, $0.15 beyond), with 1 % of spans indexed as
     trace summaries for free; recorded traces are no longer billed per trace. See :class:`TransactionSearchPricing`
     for where those figures come from.

:class:`TracingCostEstimate` does the same at synth for the app's rules, adds the trace roots the app's own event
sources start (SQS, EventBridge rules and schedules, S3 notifications, DynamoDB and Kinesis streams: see
:mod:`~constructs_lib.trace_roots`) at the rates you give, lists the ones without a rate as "not estimated", and
can fail the synth over a budget.

Example::

    estimate = estimate_tracing_cost(
        [orders_rule, baseline_rule],
        [TrafficProfile(service_name="orders-api/prod", rps=20, http_method="POST", url_path="/orders")],
    )
    print(estimate.summary())
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import jsii
from aws_cdk import AspectPriority, Aspects, CfnOutput, IAspect
from aws_cdk import aws_apigateway as apigateway
from constructs import Construct, IConstruct, IValidation

from ._lazy import lazy_any, lazy_string
from ._validation import XRayValidationError, check_length, check_number, fail, is_token, warn
from .discovery import cfn_property, env_key
from .sampling import (
    API_GATEWAY_STAGE_TYPE,
    DEFAULT_RULE,
    SamplingRule,
    SamplingRuleSpec,
    rest_api_stage,
    targets_api_gateway,
    wildcard_match,
)
from .sampling import rest_api_target as _rest_api_target
from .trace_roots import REST_API_TYPE, REST_STAGE_TYPE, TraceRoot, find_trace_roots, locate, stage_service_names

__all__ = [
    "CostEstimate",
    "EventSourceRate",
    "RouteEstimate",
    "RuleEstimate",
    "TracingCostEstimate",
    "TrafficProfile",
    "TransactionSearch",
    "TransactionSearchPricing",
    "XRayPricing",
    "estimate_tracing_cost",
]

SECONDS_PER_DAY = 86_400
BYTES_PER_GB = 1024**3
#: The stack metadata type of the estimate's JSON breakdown.
METADATA_TYPE = "@constructs-lib/xray:tracingCost"
#: The description of the estimate's ``CfnOutput``: how tools find it, whatever its logical id.
OUTPUT_DESCRIPTION = "X-Ray tracing cost estimate (constructs-lib)"
LAMBDA_BUILTIN = "(Lambda built-in 1/s + 5%)"
LAMBDA_RESERVOIR, LAMBDA_FIXED_RATE = 1, 0.05
STATE_MACHINE_TYPE = "AWS::StepFunctions::StateMachine"
_TRANSACTION_SEARCH_CONFIG = "AWS::XRay::TransactionSearchConfig"
_ACCOUNT_TYPES = ("AWS::XRay::Group", _TRANSACTION_SEARCH_CONFIG)


@dataclass(frozen=True)
class XRayPricing:
    """X-Ray prices per month (us-east-1, from the AWS X-Ray pricing page); pass your region's if they differ.

    Example::

        XRayPricing(recorded_per_million=5.0)
    """

    recorded_free_per_month: int = 100_000
    recorded_per_million: float = 5.00
    retrieved_free_per_month: int = 1_000_000
    retrieved_per_million: float = 0.50
    insights_per_million: float = 1.00


@dataclass(frozen=True)
class TransactionSearchPricing:
    """CloudWatch prices for spans when Transaction Search is on (us-east-1).

    Where the figures come from: "Enable transaction search" (Amazon CloudWatch user guide) says spans are then
    collected "using Amazon CloudWatch Pricing" with 1 % of spans indexed as trace summaries for free, and "Spans"
    says span ingestion is charged apart from log ingestion. The per-GB tiers ($0.35 for the first 10 TB a month,
    $0.20 for the next 20 TB, $0.15 beyond) are the CloudWatch pricing page's as quoted by public write-ups dated
    2026; the stored copy of the pricing page itself does not show them. Check the page for your region and pass
    your own. Indexing more than 1 % is priced on the pricing page too; its figure is not known here, so give
    ``indexed_spans_per_million`` to count it, otherwise the estimate lists it as not estimated.

    :param span_tiers: ``(GB in the tier, dollars per GB)`` from the first tier up; the last tier's size may be
        ``math.inf``.
    """

    span_tiers: tuple[tuple[float, float], ...] = ((10 * 1024, 0.35), (20 * 1024, 0.20), (math.inf, 0.15))
    free_indexing_percentage: float = 1.0
    indexed_spans_per_million: float | None = None

    def __post_init__(self) -> None:
        owner = "TransactionSearchPricing"
        if not self.span_tiers:
            raise fail(owner, "span_tiers", self.span_tiers, "at least one (GB, dollars per GB) tier")
        for size, price in self.span_tiers:
            if size != math.inf:  # the last tier may be unbounded
                check_number(owner, "span_tiers size", size, minimum=0)
            check_number(owner, "span_tiers price", price, minimum=0)
        check_number(owner, "free_indexing_percentage", self.free_indexing_percentage, minimum=0, maximum=100)
        check_number(owner, "indexed_spans_per_million", self.indexed_spans_per_million, minimum=0)

    def span_cost(self, gigabytes: float) -> float:
        """Dollars for ``gigabytes`` of spans in a month, through the tiers."""
        cost, left = 0.0, gigabytes
        for size, price in self.span_tiers:
            used = min(left, size)
            cost += used * price
            left -= used
            if left <= 0:
                break
        return cost + max(0.0, left) * self.span_tiers[-1][1]


@dataclass(frozen=True)
class TransactionSearch:
    """Price spans as CloudWatch Transaction Search does (on for the whole account: ``AWS::XRay::
    TransactionSearchConfig``, or the CloudWatch console). Without it, the estimate prices recorded traces.

    Sampling rules still decide which traces are recorded; each recorded trace is ``spans_per_trace`` spans (every
    segment and subsegment) of ``bytes_per_span`` bytes on average, ingested into CloudWatch Logs. Measure both on
    a few real traces (``aws/spans`` log events).

    Example::

        TransactionSearch(spans_per_trace=12, bytes_per_span=1_500, indexing_percentage=1)
    """

    spans_per_trace: float
    bytes_per_span: float
    indexing_percentage: float = 1.0
    pricing: TransactionSearchPricing = field(default_factory=TransactionSearchPricing)

    def __post_init__(self) -> None:
        owner = "TransactionSearch"
        check_number(owner, "spans_per_trace", self.spans_per_trace, minimum=1)
        check_number(owner, "bytes_per_span", self.bytes_per_span, minimum=1)
        check_number(owner, "indexing_percentage", self.indexing_percentage, minimum=0, maximum=100)
        if not isinstance(self.pricing, TransactionSearchPricing):
            raise fail(owner, "pricing", self.pricing, "a TransactionSearchPricing")


@dataclass(frozen=True)
class TrafficProfile:
    """Requests per second reaching one route or service, as the root service sees them.

    ``None`` means "unknown": it matches only rules whose field is ``*``. A ``service_type`` starting with
    ``AWS::Lambda`` marks a Lambda function as the root (it ignores sampling rules; routes with one
    ``service_name`` share the function's 1/s). ``attributes`` are the request headers the route carries; a rule
    that sets ``attributes`` matches only routes that carry them. For a REST API stage, prefer
    :meth:`for_rest_api`, which takes the service name from the API.

    Example::

        TrafficProfile(service_name="orders-api/prod", rps=20, http_method="POST", url_path="/orders")
    """

    service_name: str
    rps: float
    http_method: str | None = "GET"
    url_path: str | None = "/"
    service_type: str | None = API_GATEWAY_STAGE_TYPE
    host: str | None = None
    resource_arn: str | None = None
    attributes: Mapping[str, str] | None = None
    #: Shown in reports instead of ``service METHOD path`` when set.
    description: str | None = None

    def __post_init__(self) -> None:
        owner = f"TrafficProfile {self.service_name!r}"
        check_length(owner, "service_name", self.service_name, minimum=1, maximum=1024)
        check_number(owner, "rps", self.rps, minimum=0)

    @classmethod
    def for_rest_api(
        cls,
        *,
        stage: apigateway.IStage | apigateway.IRestApi,
        rps: float,
        http_method: str = "GET",
        url_path: str = "/",
        host: str | None = None,
        attributes: Mapping[str, str] | None = None,
        api_name: str | None = None,
    ) -> TrafficProfile:
        """Traffic on one REST API stage, named as API Gateway reports it (``{api-name}/{stage}``, the stage ARN),
        exactly as :meth:`SamplingRule.for_rest_api <constructs_lib.sampling.SamplingRule.for_rest_api>` names
        its rules, so no hand-typed name can miss them.

        Example::

            TrafficProfile.for_rest_api(stage=api, rps=5, http_method="POST", url_path="/orders")
        """
        owner = "TrafficProfile.for_rest_api"
        target = _rest_api_target(owner, stage, api_name, match_stage_arn=False)
        return cls(service_name=target["service_name"], rps=rps, http_method=http_method, url_path=url_path,
                   service_type=API_GATEWAY_STAGE_TYPE, host=host,
                   resource_arn=rest_api_stage(owner, stage).stage_arn, attributes=attributes)

    @property
    def is_lambda(self) -> bool:
        """True when the root is a Lambda function (which ignores sampling rules)."""
        return self.service_type is not None and self.service_type.lower().startswith("aws::lambda")

    @property
    def label(self) -> str:
        """``service METHOD path`` (or the description), for reports."""
        if self.description is not None:
            return self.description
        return " ".join(part for part in (self.service_name, self.http_method, self.url_path) if part)

    @property
    def on_api_gateway(self) -> bool:
        """True when the route is an API Gateway stage's (its service type is API Gateway's)."""
        return self.service_type is not None and targets_api_gateway(self.service_type)

    def _matches(self, spec: SamplingRuleSpec) -> bool:
        if self.on_api_gateway and spec.url_path != "*":
            return False  # the X-Ray guide: URL path is not supported for API Gateway (see estimate_tracing_cost)
        return spec.matches(service_name=self.service_name, service_type=self.service_type, host=self.host,
                            http_method=self.http_method, url_path=self.url_path, resource_arn=self.resource_arn,
                            attributes=self.attributes)


@dataclass(frozen=True)
class EventSourceRate:
    """How often one of the app's event sources starts a traced function or state machine, for
    :class:`TracingCostEstimate`.

    :param source: the queue, EventBridge rule or schedule, bucket, table, stream, or the function or state machine
        it starts (an L2 or an L1; a construct that contains the source counts too).
    :param invocations_per_second: starts per second: invocations of the function (for SQS and streams, batches),
        executions of the state machine. ``0`` for a source whose events carry the caller's trace header (an
        EventBridge rule fed by ``PutEvents`` from traced code continues that trace: no new roots).

    Example::

        EventSourceRate(source=queue, invocations_per_second=5)
    """

    source: IConstruct
    invocations_per_second: float
    #: The path of :attr:`source`, read once.
    path: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not hasattr(self.source, "node"):
            raise fail("EventSourceRate", "source", self.source, "a construct (queue, rule, bucket, table, stream, "
                       "function or state machine)")
        object.__setattr__(self, "path", self.source.node.path)
        check_number(f"EventSourceRate '{self.path}'", "invocations_per_second", self.invocations_per_second,
                     minimum=0)

    def covers(self, root: TraceRoot) -> bool:
        """True when this rate is for ``root``: its source or its target is, or is inside, :attr:`source`."""
        return any(path == self.path or path.startswith(self.path + "/")
                   for path in (root.source_path, root.target_path))


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


class TracingCostEstimate(Construct):
    """The tracing cost of the app's sampling rules and trace roots for this stack's account/region, at synth.

    Adds stack metadata (``@constructs-lib/xray:tracingCost``, the JSON breakdown) and a ``CfnOutput``
    (:attr:`output`; logical id ``<id>Output<hash>`` like any output in a construct, description
    ``X-Ray tracing cost estimate (constructs-lib)``) with the summary; with ``monthly_budget_usd`` the synth fails
    when the estimate exceeds it.

    What it counts: the ``traffic`` you give (REST API stages: :meth:`TrafficProfile.for_rest_api`) and the trace
    roots the app's own event sources start (SQS queues, EventBridge rules and schedules, S3 notifications,
    DynamoDB and Kinesis streams feeding a traced function or state machine), each at the rate you give in
    ``event_sources``. A traced root without a rate, and a traced REST API stage without traffic, are listed as
    "not estimated" in the output. Rules whose values are tokens are left out and listed too. Sampling rules are
    account-wide, so every rule of the app in this account/region counts; roots and stages are looked for under
    ``monitored_scope`` (default: the whole app), in this account/region.

    Warnings (``@constructs-lib/xray:*``): ``trafficProfileMatchesOnlyDefault`` when a profile's service matches no
    rule of this account/region but the Default rule (a typo in the name?), ``eventSourceRateUnused`` when a rate
    is for no event source of the app, ``transactionSearchNotPriced`` when the app configures Transaction Search
    but the estimate prices recorded traces.

    Example::

        TracingCostEstimate(self, "TracingCost", monthly_budget_usd=100, traffic=[
            TrafficProfile.for_rest_api(stage=api, rps=20, http_method="POST", url_path="/orders"),
            TrafficProfile.for_rest_api(stage=api, rps=80, http_method="GET", url_path="/orders/42"),
        ], event_sources=[EventSourceRate(source=queue, invocations_per_second=20)])

    ``insights`` (default: whether a trace group of this account/region has X-Ray Insights on) adds Insights
    for every recorded trace, an upper bound.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        traffic: Sequence[TrafficProfile] = (),
        event_sources: Sequence[EventSourceRate] = (),
        monitored_scope: IConstruct | None = None,
        monthly_budget_usd: float | None = None,
        days: float = 30,
        traces_retrieved_per_month: float = 0,
        insights: bool | None = None,
        pricing: XRayPricing | None = None,
        transaction_search: TransactionSearch | None = None,
    ) -> None:
        super().__init__(scope, id)
        owner = f"TracingCostEstimate '{self.node.path}'"
        check_number(owner, "monthly_budget_usd", monthly_budget_usd, minimum=0)
        if not traffic and not event_sources:
            raise fail(owner, "traffic", traffic, "at least one TrafficProfile (or event_sources given)")
        for rate in event_sources:
            if not isinstance(rate, EventSourceRate):
                raise fail(owner, "event_sources", rate, "EventSourceRate values")
        self.traffic = tuple(traffic)
        self.event_sources = tuple(event_sources)
        self.monitored_scope = monitored_scope
        self.monthly_budget_usd = monthly_budget_usd
        self._days = days
        self._traces_retrieved = traces_retrieved_per_month
        self._insights = insights
        self._pricing = pricing
        self._transaction_search = transaction_search
        estimate_tracing_cost([], self.traffic, days=days, traces_retrieved_per_month=traces_retrieved_per_month,
                              insights=bool(insights), pricing=pricing,
                              transaction_search=transaction_search)  # validate the options now
        self._synth_estimate: CostEstimate | None = None
        self.output = CfnOutput(self, "Output", description=OUTPUT_DESCRIPTION,
                                value=lazy_string(lambda: self._estimate_for_synth().summary()))
        # Added once, here, and resolved at synth: validation stays free of side effects, so synthesizing again
        # (app.synth(), Template.from_stack) never adds a second entry.
        self.node.add_metadata(METADATA_TYPE,
                               lazy_any(lambda: json.loads(json.dumps(self._estimate_for_synth().to_json()))))
        self.node.add_validation(_Budget(self, self._estimate_for_synth))
        Aspects.of(self).add(_Warnings(self, self._forget_estimate), priority=AspectPriority.READONLY)

    def rules(self) -> list[SamplingRule]:
        """The app's sampling rules in this stack's account/region."""
        return self._scan().rules

    def trace_roots(self) -> list[TraceRoot]:
        """The event sources of this account/region that start a function or state machine (traced or not)."""
        return self._scan().roots

    def estimate(self) -> CostEstimate:
        """Compute the estimate now, from what the app has at this point (tracing is switched on at synth)."""
        scan = self._scan()
        routes, not_estimated = self._routes(scan)
        estimate = estimate_tracing_cost(
            scan.rules, routes,
            days=self._days,
            traces_retrieved_per_month=self._traces_retrieved,
            insights=self._insights if self._insights is not None else scan.insights,
            pricing=self._pricing,
            transaction_search=self._transaction_search,
        )
        return replace(estimate, not_estimated=(*not_estimated, *estimate.not_estimated))

    def _estimate_for_synth(self) -> CostEstimate:
        """The estimate of the synthesis under way, computed once by whichever of the metadata, the output and the
        budget check needs it first (all after the aspects), and reused by the others; the warnings aspect, which
        runs at the start of every synthesis, forgets it. Each walk of the app costs calls into jsii."""
        if self._synth_estimate is None:
            self._synth_estimate = self.estimate()
        return self._synth_estimate

    def _forget_estimate(self) -> None:
        self._synth_estimate = None

    def warnings(self) -> list[tuple[str, str]]:
        """``(code, message)`` of what the estimate should tell its user (added as warnings at synth)."""
        scan = self._scan(with_roots=bool(self.event_sources))
        found: list[tuple[str, str]] = []
        specs = [rule.spec for rule in scan.rules]
        names = sorted({s.service_name for s in specs
                        if isinstance(s.service_name, str) and not is_token(s.service_name) and s.service_name != "*"})
        for route in self.traffic:
            if route.is_lambda or is_token(route.service_name):
                continue
            if not any(_service_matches(s, route) or _has_tokens(s) for s in specs):
                found.append(("trafficProfileMatchesOnlyDefault",
                              f"TrafficProfile '{route.service_name}' ({route.label}) matches no sampling rule of this "
                              "account/region but the built-in Default rule (1/s + 5 %); check its service name "
                              f"(the rules here name: {', '.join(names) or 'no specific service'}) or use "
                              "TrafficProfile.for_rest_api."))
        for rate in self.event_sources:
            if not any(rate.covers(root) for root in scan.roots):
                found.append(("eventSourceRateUnused",
                              f"EventSourceRate for '{rate.path}' matches no event source of this "
                              "account/region that starts a function or state machine: it is not counted."))
        if scan.transaction_search and self._transaction_search is None:
            found.append(("transactionSearchNotPriced",
                          "The app configures CloudWatch Transaction Search (AWS::XRay::TransactionSearchConfig) in "
                          "this account/region, but the estimate prices recorded traces: pass "
                          "transaction_search=TransactionSearch(spans_per_trace=..., bytes_per_span=...)."))
        return found

    # -- internals ------------------------------------------------------------------------------------------------
    def _routes(self, scan: _Scan) -> tuple[list[TrafficProfile], list[str]]:
        """The given traffic plus a route per rated trace root; what is left without a rate."""
        routes = list(self.traffic)
        not_estimated: list[str] = []
        for root in scan.roots:
            if not root.traced:
                continue
            rates = [rate for rate in self.event_sources if rate.covers(root)]
            if not rates:
                not_estimated.append(f"{root.label}: no EventSourceRate")
                continue
            rps = sum(rate.invocations_per_second for rate in rates)
            if root.starts_lambda:
                routes.append(TrafficProfile(service_name=root.target_path, rps=rps,
                                             service_type="AWS::Lambda::Function", http_method=None, url_path=None,
                                             description=root.label))
            else:  # a state machine samples by the rules, by its name; a generated name matches only `*`
                name = root.state_machine_name or f"<{root.target_path}>"
                routes.append(TrafficProfile(service_name=name, rps=rps, service_type=STATE_MACHINE_TYPE,
                                             http_method=None, url_path=None, description=root.label))
        profiled = [route.service_name for route in self.traffic]
        for stage in scan.stages:
            if not any(_literal_match(name, stage) for name in profiled):
                not_estimated.append(f"REST API stage {stage}: no TrafficProfile")
        return routes, not_estimated

    def _scan(self, *, with_roots: bool = True) -> _Scan:
        """One walk of the app: its rules, groups, traced REST stages and event sources in this account/region."""
        env = env_key(self)
        scan = _Scan()
        root = self.node.root
        nodes = root.node.find_all()
        scan.rules = [node for node in nodes if isinstance(node, SamplingRule) and env_key(node) == env]
        for resource in locate(root, _ACCOUNT_TYPES, nodes=nodes):  # account-wide, wherever the app defines them
            if resource.env != env:
                continue
            if resource.type == "AWS::XRay::Group" and not scan.insights:
                config = cfn_property(resource.resource, "InsightsConfiguration")
                scan.insights = isinstance(config, dict) and config.get("InsightsEnabled") is True
            elif resource.type == _TRANSACTION_SEARCH_CONFIG:
                scan.transaction_search = True
        if not with_roots:
            return scan
        scope = self.monitored_scope or root
        scan.roots = find_trace_roots(scope, env=env)
        stages = [r for r in locate(scope, (REST_API_TYPE, REST_STAGE_TYPE)) if r.env == env and (
            r.type == REST_API_TYPE or cfn_property(r.resource, "TracingEnabled") is True)]
        scan.stages = stage_service_names(stages).get(env, [])
        return scan


@dataclass
class _Scan:
    rules: list[SamplingRule] = field(default_factory=list)
    insights: bool = False
    transaction_search: bool = False
    roots: list[TraceRoot] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)


def _service_matches(spec: SamplingRuleSpec, route: TrafficProfile) -> bool:
    """True when the rule can match the route's service (its name and type), whatever the method, path or host."""
    return all(pattern == "*" or (value is not None and wildcard_match(pattern, value))
               for pattern, value in ((spec.service_name, route.service_name), (spec.service_type, route.service_type)))


def _has_tokens(spec: SamplingRuleSpec) -> bool:
    return is_token(spec.service_name) or is_token(spec.service_type)


def _literal_match(profile_name: str, stage_name: str) -> bool:
    return not is_token(profile_name) and profile_name.lower() == stage_name.lower()


@jsii.implements(IValidation)
class _Budget:
    """Fails the synth over budget; adds nothing to the app (the metadata is a lazy value added once at
    construction)."""

    def __init__(self, owner: TracingCostEstimate, estimate_for_synth: Callable[[], CostEstimate]) -> None:
        self.owner = owner
        self.estimate_for_synth = estimate_for_synth

    def validate(self) -> list[str]:
        owner = self.owner
        estimate = self.estimate_for_synth()
        budget = owner.monthly_budget_usd
        if budget is None or estimate.total_usd <= budget:
            return []
        error = XRayValidationError(
            f"TracingCostEstimate '{owner.node.path}': the estimated tracing cost must be at most "
            f"monthly_budget_usd={budget:g}, got ${estimate.total_usd:,.2f} ({estimate.summary()})"
        )
        return [str(error)]


@jsii.implements(IAspect)
class _Warnings:
    """Adds the estimate's warnings once per synth, on the estimate itself (read-only, after the mutating aspects)."""

    def __init__(self, owner: TracingCostEstimate, forget_estimate: Callable[[], None]) -> None:
        self.owner = owner
        self.forget_estimate = forget_estimate
        self._added: set[tuple[str, str]] = set()

    def visit(self, node: IConstruct) -> None:
        if node.node.path != self.owner.node.path:
            return
        self.forget_estimate()  # a new synthesis: the app may have changed since the last one
        for code, message in self.owner.warnings():
            if (code, message) not in self._added:
                self._added.add((code, message))
                warn(self.owner, code, message)
