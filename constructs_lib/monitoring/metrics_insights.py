"""The Metrics Insights strategy: a flat number of alarms, however many resources the app has.

- Alarm types with an account-wide query (:data:`~constructs_lib.monitoring.catalog.INSIGHTS_QUERIES`) get one
  Metrics Insights alarm each (``QueryScope.ACCOUNT``). The SQS age query leaves the app's dead-letter queues out
  with ``QueueName != '...'`` (they have their own alarm), as far as 2,048 characters allow.
- Alarm types that hold only for some resources (dead-letter queues, duration against each function's timeout,
  trace groups of one kind), and every type with ``QueryScope.APP``, get metric-math alarms over up to 10
  resources each: ``MAX([m0, m1, ...])`` (duration: ``MAX([m0 / <timeout ms>, ...])`` against a share of the
  timeout). "Alarms based on metric math expressions can reference a maximum of 10 metrics" (CloudWatch user
  guide, "Limits").

Example::

    from constructs_lib.monitoring.metrics_insights import InsightsStrategy
    from constructs_lib.monitoring.plans import PlanContext
    from constructs_lib.monitoring.specs import AlarmMode, QueryScope, SpecTable

    specs = SpecTable(AlarmMode.METRICS_INSIGHTS, {}, ())
    strategy = InsightsStrategy(specs, PlanContext("S", None), QueryScope.ACCOUNT)
    plans, warnings = strategy.plans([], covered=set())   # the resources of an Inventory
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .catalog import INSIGHTS_QUERIES, RESOURCE_METRICS, SERVICE_LABELS
from .insights import MAX_QUERY_LENGTH, Condition, InsightsQuery, Operator
from .inventory import MonitoredResource
from .naming import describe
from .per_resource import kind_label
from .plans import AlarmPlan, PlanContext
from .specs import TRACE_GROUP_TYPE, AlarmSpec, AlarmType, QueryScope, SpecTable, check_insights_window

__all__ = ["MAX_METRICS_PER_ALARM", "InsightsStrategy"]

#: "Alarms based on metric math expressions can reference a maximum of 10 metrics."
MAX_METRICS_PER_ALARM = 10
#: Longest a resource name can be, for the length of a query that names unresolved ones.
_MAX_NAME_LENGTH = {"AWS::SQS::Queue": 80}

_DESCRIPTIONS = {
    AlarmType.LAMBDA_ERRORS: ("Errors", "at least {t:g} errors"),
    AlarmType.LAMBDA_THROTTLES: ("Throttles", "at least {t:g} throttled invocations"),
    AlarmType.LAMBDA_DURATION: ("p99 duration", "p99 duration is at least {t:.0%} of the function's own timeout"),
    AlarmType.REST_FAULTS: ("5XX responses", "at least {t:g} 5XX responses"),
    AlarmType.REST_FAULT_RATE: ("5XX rate", "at least {t:.1%} of requests got a 5XX response"),
    AlarmType.REST_CLIENT_ERROR_RATE: ("4XX rate", "at least {t:.1%} of requests got a 4XX response"),
    AlarmType.REST_LATENCY: ("Latency", "latency is at least {t:g} ms"),
    AlarmType.GRAPHQL_FAULTS: ("5XX errors", "at least {t:g} 5XX errors"),
    AlarmType.GRAPHQL_LATENCY: ("Latency", "latency is at least {t:g} ms"),
    AlarmType.QUEUE_MESSAGE_AGE: ("Age of oldest message", "the oldest message is at least {t:g} s old"),
    AlarmType.DLQ_MESSAGES: ("Messages in dead-letter queues", "at least {t:g} messages wait in a dead-letter queue"),
    AlarmType.TOPIC_FAILED_NOTIFICATIONS: ("Failed notifications", "at least {t:g} notifications failed"),
    AlarmType.STATE_MACHINE_FAILED: ("Executions failed", "at least {t:g} executions failed"),
    AlarmType.STATE_MACHINE_TIMED_OUT: ("Executions timed out", "at least {t:g} executions timed out"),
    AlarmType.STATE_MACHINE_THROTTLED: ("Executions throttled", "at least {t:g} executions throttled"),
    AlarmType.TRACE_GROUP_FAULTS: ("Fault traces", "at least {t:g} traces matched a fault group"),
    AlarmType.TRACE_GROUP_ERRORS: ("Error traces", "at least {t:g} traces matched an error group"),
    AlarmType.TRACE_GROUP_SLOW: ("Slow traces", "at least {t:g} traces matched a slow group"),
}
_TRACE_FILTERS = {
    AlarmType.LAMBDA_ERRORS: "fault = true OR error = true",
    AlarmType.LAMBDA_THROTTLES: "throttle = true",
    AlarmType.REST_FAULTS: "fault = true",
    AlarmType.REST_FAULT_RATE: "fault = true",
    AlarmType.REST_CLIENT_ERROR_RATE: "error = true",
    AlarmType.GRAPHQL_FAULTS: "fault = true",
    AlarmType.STATE_MACHINE_FAILED: "fault = true",
    AlarmType.TRACE_GROUP_FAULTS: "fault = true",
    AlarmType.TRACE_GROUP_ERRORS: "error = true",
}


@dataclass(frozen=True)
class _Member:
    resource: MonitoredResource
    alarm_type: AlarmType


def _members_of(resource: MonitoredResource) -> list[AlarmType]:
    """The alarm types a resource takes part in (what per-resource mode would alarm on)."""
    t = resource.cfn_type
    if t == "AWS::Lambda::Function":
        return [AlarmType.LAMBDA_ERRORS, AlarmType.LAMBDA_THROTTLES, AlarmType.LAMBDA_DURATION]
    if t == "AWS::ApiGateway::Stage":
        return [AlarmType.REST_FAULTS, AlarmType.REST_FAULT_RATE, AlarmType.REST_CLIENT_ERROR_RATE,
                AlarmType.REST_LATENCY]
    if t == "AWS::AppSync::GraphQLApi":
        return [AlarmType.GRAPHQL_FAULTS, AlarmType.GRAPHQL_LATENCY]
    if t == "AWS::SQS::Queue":
        return [AlarmType.DLQ_MESSAGES if resource.dead_letter else AlarmType.QUEUE_MESSAGE_AGE]
    if t == "AWS::SNS::Topic":
        return [AlarmType.TOPIC_FAILED_NOTIFICATIONS]
    if t == "AWS::StepFunctions::StateMachine":
        return [AlarmType.STATE_MACHINE_FAILED, AlarmType.STATE_MACHINE_TIMED_OUT, AlarmType.STATE_MACHINE_THROTTLED]
    if t == TRACE_GROUP_TYPE and resource.group_kind is not None:
        return [AlarmType.for_group(resource.group_kind)]
    return []


class InsightsStrategy:
    """Plans Metrics Insights and batched alarms over a whole inventory; remembers what it planned, so a later
    call plans only for resources added since."""

    def __init__(self, specs: SpecTable, context: PlanContext, query_scope: QueryScope) -> None:
        self.specs = specs
        self.context = context
        self.query_scope = query_scope
        self._account_types: set[AlarmType] = set()
        self._parts: dict[AlarmType, int] = {}

    def plans(self, resources: Sequence[MonitoredResource],
              covered: set[tuple[str, AlarmType]]) -> tuple[list[AlarmPlan], list[str]]:
        """The alarms to add for ``resources`` (skipping ``covered`` pairs), and warnings to give."""
        plans: list[AlarmPlan] = []
        warnings: list[str] = []
        batches: dict[AlarmType, list[MonitoredResource]] = {}
        account: set[AlarmType] = set()
        for resource in resources:
            for alarm_type in _members_of(resource):
                if (resource.path, alarm_type) in covered:
                    continue
                spec = self.specs.resolve(alarm_type)
                if not spec.enabled:
                    continue
                if self.query_scope is QueryScope.ACCOUNT and alarm_type in INSIGHTS_QUERIES:
                    account.add(alarm_type)
                else:
                    batches.setdefault(alarm_type, []).append(resource)
        dead_letter = [r for r in resources if r.cfn_type == "AWS::SQS::Queue" and r.dead_letter]
        for alarm_type in AlarmType:  # a stable order
            if alarm_type in account and alarm_type not in self._account_types:
                self._account_types.add(alarm_type)
                plans.append(self._insights_plan(alarm_type, dead_letter, warnings))
            for start in range(0, len(batches.get(alarm_type, [])), MAX_METRICS_PER_ALARM):
                plans.append(self._batch_plan(alarm_type, batches[alarm_type][start:start + MAX_METRICS_PER_ALARM]))
        return plans, warnings

    def covered_by_account(self, alarm_type: AlarmType) -> bool:
        """True when an account-wide query alarm of ``alarm_type`` was planned."""
        return alarm_type in self._account_types

    @property
    def account_types(self) -> frozenset[AlarmType]:
        """The alarm types planned so far as one account-wide query each."""
        return frozenset(self._account_types)

    # -- account-wide queries -------------------------------------------------------------------------------
    def _insights_plan(self, alarm_type: AlarmType, dead_letter: Sequence[MonitoredResource],
                       warnings: list[str]) -> AlarmPlan:
        spec = self.specs.resolve(alarm_type)
        owner = f"{self.specs.owner} {alarm_type.name}"
        check_insights_window(owner, spec)
        query = INSIGHTS_QUERIES[alarm_type].with_limit(self.context.insights_limit)
        if alarm_type is AlarmType.QUEUE_MESSAGE_AGE and dead_letter:
            query = self._without(query, dead_letter, warnings)
        query.check_length(token_length=_MAX_NAME_LENGTH.get(alarm_type.cfn_type, 256))
        what, condition = _DESCRIPTIONS[alarm_type]
        where = (f"any {kind_label(alarm_type.cfn_type)} of the account and Region (a Metrics Insights query; "
                 "the alarm's contributors name the resources in breach)")
        text = str(query)
        return AlarmPlan(
            alarm_type=alarm_type, label=f"{SERVICE_LABELS[alarm_type.cfn_type]}-{alarm_type.short_name}",
            resource_paths=(), threshold=spec.threshold, spec=spec, insights=True, expressions=(text,),
            metric={"metrics": [{"id": "q", "expression": text, "period": _period(spec), "label": what,
                                 "returnData": True}]},
            description=describe(what, where, condition.format(t=spec.threshold) + " for any one of them",
                                 _TRACE_FILTERS.get(alarm_type), self.context.console))

    def _without(self, query: InsightsQuery, queues: Sequence[MonitoredResource],
                 warnings: list[str]) -> InsightsQuery:
        """The age query minus the app's dead-letter queues (``QueueName != '...'``), as many as fit."""
        conditions: list[Condition] = []
        for queue in queues:
            name = queue.literal_name or queue.queue.queue_name
            candidate = query.with_conditions([*conditions, Condition("QueueName", Operator.NOT_EQUALS, name)])
            if candidate.max_length(token_length=_MAX_NAME_LENGTH["AWS::SQS::Queue"]) > MAX_QUERY_LENGTH:
                warnings.append(
                    f"The SQS age-of-oldest-message query leaves out {len(conditions)} of the app's "
                    f"{len(queues)} dead-letter queues (2,048 characters); the others (first: {queue.path}) are in "
                    "it too, and their age alarms as well as their dead-letter alarm when messages wait there.")
                break
            conditions.append(candidate.conditions[-1])
        return query.with_conditions(conditions)

    # -- metric-math batches --------------------------------------------------------------------------------
    def _batch_plan(self, alarm_type: AlarmType, members: Sequence[MonitoredResource]) -> AlarmPlan:
        spec = self.specs.resolve(alarm_type)
        period = _period(spec)
        part = self._parts.get(alarm_type, 0) + 1
        self._parts[alarm_type] = part
        label = f"{SERVICE_LABELS[alarm_type.cfn_type]}-{alarm_type.short_name}" + (f"-part{part}" if part > 1
                                                                                      else "")
        metrics: list[dict[str, object]] = []
        terms: list[str] = []
        timeouts: list[tuple[object, float]] = []
        for index, resource in enumerate(members):
            metric_id = f"m{index}"
            metrics.append({"id": metric_id, "metricStat": RESOURCE_METRICS[alarm_type](resource).metric_stat(period),
                            "returnData": False})
            if alarm_type is AlarmType.LAMBDA_DURATION:
                timeout = resource.timeout_seconds
                timeouts.append((resource.cfn, timeout))
                terms.append(f"{metric_id} / {timeout * 1000:g}")
            else:
                terms.append(metric_id)
        expression = f"MAX([{', '.join(terms)}])"
        what, condition = _DESCRIPTIONS[alarm_type]
        metrics.insert(0, {"id": "worst", "expression": expression, "label": what, "returnData": True})
        paths = tuple(r.path for r in members)
        where = f"{len(members)} {kind_label(alarm_type.cfn_type)}(s): " + ", ".join(paths)
        return AlarmPlan(
            alarm_type=alarm_type, label=label, resource_paths=paths, threshold=spec.threshold, spec=spec,
            metric={"metrics": metrics}, expressions=(expression,), timeouts=tuple(timeouts),
            description=describe(what, where, condition.format(t=spec.threshold) + " for any one of them",
                                 _TRACE_FILTERS.get(alarm_type), self.context.console))


def _period(spec: AlarmSpec) -> int:
    seconds = spec.period_seconds
    assert seconds is not None, "alarm periods are known at synth"
    return seconds
