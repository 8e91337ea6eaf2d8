"""``TracingCostEstimate``: the estimate of an app's own rules and trace roots, at synth, with a budget."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import jsii
from aws_cdk import AspectPriority, Aspects, CfnOutput, IAspect
from constructs import Construct, IConstruct, IValidation

from .._lazy import lazy_any, lazy_string
from .._validation import XRayValidationError, check_number, fail, is_token, warn
from ..discovery import cfn_property, env_key
from ..sampling import (
    SamplingRule,
    SamplingRuleSpec,
    wildcard_match,
)
from ..trace_roots import REST_API_TYPE, REST_STAGE_TYPE, TraceRoot, find_trace_roots, locate, stage_service_names
from .estimate import CostEstimate, estimate_tracing_cost
from .pricing import TransactionSearch, XRayPricing
from .traffic import EventSourceRate, TrafficProfile

#: The stack metadata type of the estimate's JSON breakdown.
METADATA_TYPE = "@constructs-lib/xray:tracingCost"
#: The description of the estimate's ``CfnOutput``: how tools find it, whatever its logical id.
OUTPUT_DESCRIPTION = "X-Ray tracing cost estimate (constructs-lib)"
STATE_MACHINE_TYPE = "AWS::StepFunctions::StateMachine"
_TRANSACTION_SEARCH_CONFIG = "AWS::XRay::TransactionSearchConfig"
_ACCOUNT_TYPES = ("AWS::XRay::Group", _TRANSACTION_SEARCH_CONFIG)


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
