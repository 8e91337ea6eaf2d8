"""The per-resource strategy: one alarm per metric per resource, percentiles and rates allowed.

Example::

    from constructs_lib.monitoring.per_resource import PerResourceStrategy
    from constructs_lib.monitoring.plans import PlanContext
    from constructs_lib.monitoring.specs import AlarmMode, SpecTable

    strategy = PerResourceStrategy(SpecTable(AlarmMode.PER_RESOURCE, {}, ()), PlanContext("S", None))
    # strategy.plans(resource, done=set()) for each MonitoredResource of an Inventory
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from aws_cdk import Token

from .._validation import is_token
from ..discovery import class_cfn_type
from .inventory import MonitoredResource
from .metrics import MetricDefinition
from .naming import describe, path_label, service_filter
from .plans import AlarmPlan, PlanContext
from .specs import TRACE_GROUP_TYPE, AlarmSpec, AlarmType, SpecTable

__all__ = ["PerResourceStrategy", "kind_label", "rate_metrics"]

_KIND_LABELS = {
    "AWS::Lambda::Function": "Lambda function",
    "AWS::ApiGateway::Stage": "REST API stage",
    "AWS::AppSync::GraphQLApi": "GraphQL API",
    "AWS::SQS::Queue": "SQS queue",
    "AWS::SNS::Topic": "SNS topic",
    "AWS::StepFunctions::StateMachine": "state machine",
    TRACE_GROUP_TYPE: "X-Ray group",
}


def kind_label(cfn_type: str) -> str:
    """A short human-readable name of a resource type, e.g. ``Lambda function``."""
    return _KIND_LABELS.get(cfn_type, cfn_type)


def rate_metrics(part: MetricDefinition, total: MetricDefinition, period: int, label: str) -> list[dict[str, Any]]:
    """An alarm's ``Metrics``: ``part / total`` (0 when ``total`` is 0), a share from 0 to 1."""
    return [
        {"id": "rate", "expression": "IF(total > 0, part / total, 0)", "label": label, "returnData": True},
        {"id": "part", "metricStat": part.metric_stat(period), "returnData": False},
        {"id": "total", "metricStat": total.metric_stat(period), "returnData": False},
    ]


class PerResourceStrategy:
    """Plans the alarms of one resource at a time."""

    def __init__(self, specs: SpecTable, context: PlanContext) -> None:
        self.specs = specs
        self.context = context

    def plans(self, resource: MonitoredResource, done: set[tuple[str, AlarmType]]) -> Iterator[AlarmPlan]:
        """The alarms ``resource`` needs that are not in ``done`` (``(path, alarm type)`` pairs)."""
        for alarm_type, build in self._builders(resource):
            if (resource.path, alarm_type) in done:
                continue
            spec = self.specs.resolve(alarm_type, resource.path, track=True)
            if not spec.enabled:
                continue
            yield build(spec)

    # -- per type -----------------------------------------------------------------------------------------------
    def _builders(self, r: MonitoredResource) -> list[tuple[AlarmType, Callable[[AlarmSpec], AlarmPlan]]]:
        t = r.cfn_type
        if t == "AWS::Lambda::Function":
            return [(AlarmType.LAMBDA_ERROR_RATE, lambda s: self._error_rate(r, s)),
                    (AlarmType.LAMBDA_ERRORS, lambda s: self._single(
                        r, AlarmType.LAMBDA_ERRORS, s, r.function.errors, "Errors", f"at least {s.threshold:g} errors",
                        self._function_filter(r))),
                    (AlarmType.LAMBDA_THROTTLES, lambda s: self._single(
                        r, AlarmType.LAMBDA_THROTTLES, s, r.function.throttles, "Throttles",
                        f"at least {s.threshold:g} throttled invocations", self._function_filter(r))),
                    (AlarmType.LAMBDA_DURATION, lambda s: self._duration(r, s))]
        if t == "AWS::ApiGateway::Stage":
            def stage_filter() -> str:
                return service_filter(f"{r.stage.api_name}/{r.stage.stage_name}", t)
            return [(AlarmType.REST_FAULTS, lambda s: self._single(
                        r, AlarmType.REST_FAULTS, s, r.stage.faults, "5XX responses",
                        f"at least {s.threshold:g} 5XX responses", stage_filter())),
                    (AlarmType.REST_FAULT_RATE, lambda s: self._single(
                        r, AlarmType.REST_FAULT_RATE, s, r.stage.fault_rate, "5XX rate",
                        f"at least {s.threshold:.1%} of requests got a 5XX response", stage_filter())),
                    (AlarmType.REST_CLIENT_ERROR_RATE, lambda s: self._single(
                        r, AlarmType.REST_CLIENT_ERROR_RATE, s, r.stage.client_error_rate, "4XX rate",
                        f"at least {s.threshold:.1%} of requests got a 4XX response", stage_filter())),
                    (AlarmType.REST_LATENCY, lambda s: self._single(
                        r, AlarmType.REST_LATENCY, s, r.stage.latency(), "p99 latency",
                        f"p99 latency is at least {s.threshold:g} ms", stage_filter()))]
        if t == "AWS::AppSync::GraphQLApi":
            return [(AlarmType.GRAPHQL_FAULTS, lambda s: self._single(
                        r, AlarmType.GRAPHQL_FAULTS, s, r.graphql_api.faults, "5XX errors",
                        f"at least {s.threshold:g} 5XX errors", None)),
                    (AlarmType.GRAPHQL_LATENCY, lambda s: self._single(
                        r, AlarmType.GRAPHQL_LATENCY, s, r.graphql_api.latency(), "p99 latency",
                        f"p99 latency is at least {s.threshold:g} ms", None))]
        if t == "AWS::SQS::Queue":
            queue_filter = service_filter(r.queue.queue_name, None)
            if r.dead_letter:
                return [(AlarmType.DLQ_MESSAGES, lambda s: self._single(
                    r, AlarmType.DLQ_MESSAGES, s, r.queue.messages_visible, "Messages in dead-letter queue",
                    f"at least {s.threshold:g} messages are waiting in this dead-letter queue", queue_filter))]
            return [(AlarmType.QUEUE_MESSAGE_AGE, lambda s: self._single(
                r, AlarmType.QUEUE_MESSAGE_AGE, s, r.queue.age_of_oldest_message, "Age of oldest message",
                f"the oldest message is at least {s.threshold:g} s old", queue_filter))]
        if t == "AWS::SNS::Topic":
            return [(AlarmType.TOPIC_FAILED_NOTIFICATIONS, lambda s: self._single(
                r, AlarmType.TOPIC_FAILED_NOTIFICATIONS, s, r.topic.notifications_failed, "Failed notifications",
                f"at least {s.threshold:g} notifications failed", service_filter(r.topic.topic_name, t)))]
        if t == "AWS::StepFunctions::StateMachine":
            def machine(alarm_type: AlarmType, definition: Callable[[], MetricDefinition], what: str) -> \
                    tuple[AlarmType, Callable[[AlarmSpec], AlarmPlan]]:
                return (alarm_type, lambda s: self._single(
                    r, alarm_type, s, definition(), f"Executions {what}", f"at least {s.threshold:g} executions "
                    f"{what}", service_filter(_machine_name(r), t)))
            return [machine(AlarmType.STATE_MACHINE_FAILED, lambda: r.state_machine.executions_failed, "failed"),
                    machine(AlarmType.STATE_MACHINE_TIMED_OUT, lambda: r.state_machine.executions_timed_out,
                            "timed out"),
                    machine(AlarmType.STATE_MACHINE_THROTTLED, lambda: r.state_machine.executions_throttled,
                            "throttled")]
        if t == TRACE_GROUP_TYPE and r.group_kind is not None and r.group_name is not None:
            alarm_type = AlarmType.for_group(r.group_kind)
            kind = r.group_kind.value
            name = r.group_name
            label = f"group-{name}" if not is_token(name) else None
            return [(alarm_type, lambda s: self._single(
                r, alarm_type, s, r.trace_group.approximate_trace_count, f"{kind.capitalize()} traces",
                f"at least {s.threshold:g} traces matched the {kind} group {name}", f'group.name = "{name}"',
                label=label))]
        return []

    # -- building blocks ------------------------------------------------------------------------------------
    def _function_filter(self, r: MonitoredResource) -> str:
        return service_filter(r.function.function_name, r.cfn_type)

    def _label(self, r: MonitoredResource, alarm_type: AlarmType, label: str | None = None) -> str:
        return f"{label or path_label(r.path, self.context.own_stack_path)}-{alarm_type.short_name}"

    def _where(self, r: MonitoredResource) -> str:
        return f"the {kind_label(r.cfn_type)} {r.path}"

    def _single(self, r: MonitoredResource, alarm_type: AlarmType, spec: AlarmSpec, metric: MetricDefinition,
                what: str, condition: str, trace_filter: str | None, *, threshold: float | None = None,
                label: str | None = None) -> AlarmPlan:
        period = _period(spec)
        return AlarmPlan(
            alarm_type=alarm_type, label=self._label(r, alarm_type, label), resource_paths=(r.path,),
            metric=metric.alarm_properties(period), threshold=spec.threshold if threshold is None else threshold,
            spec=spec, description=describe(what, self._where(r), condition, trace_filter, self.context.console))

    def _error_rate(self, r: MonitoredResource, spec: AlarmSpec) -> AlarmPlan:
        metrics = rate_metrics(r.function.errors, r.function.invocations, _period(spec), "Error rate (0-1)")
        return AlarmPlan(
            alarm_type=AlarmType.LAMBDA_ERROR_RATE, label=self._label(r, AlarmType.LAMBDA_ERROR_RATE),
            resource_paths=(r.path,), metric={"metrics": metrics}, threshold=spec.threshold, spec=spec,
            description=describe("Error rate", self._where(r),
                                 f"errors are at least {spec.threshold:.1%} of invocations",
                                 self._function_filter(r), self.context.console),
            expressions=(metrics[0]["expression"],))

    def _duration(self, r: MonitoredResource, spec: AlarmSpec) -> AlarmPlan:
        timeout = r.timeout_seconds
        threshold_ms = round(spec.threshold * timeout * 1000, 3)
        plan = self._single(r, AlarmType.LAMBDA_DURATION, spec, r.function.duration(), "p99 duration",
                            f"p99 duration is at least {spec.threshold:.0%} of the function's {timeout:g} s timeout "
                            f"({threshold_ms:g} ms)", self._function_filter(r), threshold=threshold_ms)
        return AlarmPlan(**{**plan.__dict__, "timeouts": ((r.cfn, timeout),)})


def _period(spec: AlarmSpec) -> int:
    seconds = spec.period_seconds
    if seconds is None:
        raise ValueError("alarm periods must be known at synth (a Duration, not a token)")
    return seconds


def _machine_name(r: MonitoredResource) -> str:
    l1 = r.cfn
    if class_cfn_type(type(l1)) == "AWS::StepFunctions::StateMachine":  # an sfn.CfnStateMachine
        return l1.attr_name  # type: ignore[attr-defined,no-any-return]
    return Token.as_string(l1.get_att("Name"))
