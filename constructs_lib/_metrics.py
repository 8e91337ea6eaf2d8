"""CloudWatch metric factories for the resources X-Ray traces, built from their L1 (CloudFormation) resources.

What a metric *is* lives here; what to do with it (alarms, graphs) lives in :mod:`constructs_lib.alarms` and
:mod:`constructs_lib.dashboard`. Every factory takes a ``CfnResource`` (generated ``Cfn*`` class or plain
``CfnResource``), because discovery works on L1s.

Example::

    fn_metrics = lambda_metrics(my_function.node.default_child)
    errors = fn_metrics.metric_errors()
    rate = fn_metrics.metric_error_rate()          # 100 * Errors / Invocations (metric math)
    query = InsightsQuery.for_metric(LAMBDA_NAMESPACE, "Errors", "FunctionName", InsightsFunction.SUM)
    fleet = query.to_metric(period=Duration.minutes(5))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import quote

from aws_cdk import CfnResource, Duration, Stack, Token
from aws_cdk import aws_cloudwatch as cw

from ._validation import XRayValidationError, check_number
from .discovery import cfn_property
from .groups import TraceGroup

DEFAULT_PERIOD = Duration.minutes(5)
#: X-Ray publishes a group's ``ApproximateTraceCount`` every minute; ``TraceGroup`` graphs it per minute too.
TRACE_COUNT_PERIOD = Duration.minutes(1)

LAMBDA_NAMESPACE = "AWS/Lambda"
APIGATEWAY_NAMESPACE = "AWS/ApiGateway"
SQS_NAMESPACE = "AWS/SQS"
SNS_NAMESPACE = "AWS/SNS"
STATES_NAMESPACE = "AWS/States"
XRAY_NAMESPACE = "AWS/X-Ray"

#: Lambda's default timeout, used when a function does not set ``Timeout``.
DEFAULT_LAMBDA_TIMEOUT_SECONDS = 3

#: CloudWatch's limit on a metric-math / Metrics Insights expression.
MAX_EXPRESSION_LENGTH = 2048


def _metric(
    namespace: str, name: str, dimensions: dict[str, str], statistic: str, period: Duration, label: str | None
) -> cw.Metric:
    return cw.Metric(
        namespace=namespace, metric_name=name, dimensions_map=dimensions, statistic=statistic, period=period,
        label=label,
    )



@dataclass(frozen=True)
class LambdaFunctionMetrics:
    """The ``AWS/Lambda`` metrics of one function (dimension ``FunctionName``).

    Example::

        m = lambda_metrics(cfn_function)
        m.metric_duration()            # p99 Duration, milliseconds
        m.timeout_seconds              # from the CfnFunction, 3 when unset
    """

    function_name: str
    timeout_seconds: float = DEFAULT_LAMBDA_TIMEOUT_SECONDS

    def metric(self, metric_name: str, *, statistic: str = "Sum", period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Any ``AWS/Lambda`` metric of this function."""
        return _metric(LAMBDA_NAMESPACE, metric_name, {"FunctionName": self.function_name}, statistic, period, None)

    def metric_errors(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Invocations that ended in a function error (Sum)."""
        return self.metric("Errors", period=period)

    def metric_invocations(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Invocations (Sum)."""
        return self.metric("Invocations", period=period)

    def metric_throttles(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Throttled invocation requests (Sum)."""
        return self.metric("Throttles", period=period)

    def metric_duration(self, *, statistic: str = "p99", period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Run time in milliseconds (p99 by default)."""
        return self.metric("Duration", statistic=statistic, period=period)

    def metric_error_rate(self, *, period: Duration = DEFAULT_PERIOD) -> cw.MathExpression:
        """Errors as a percentage of invocations (0 when there were none), as metric math."""
        return cw.MathExpression(
            expression="IF(invocations > 0, 100 * errors / invocations, 0)",
            using_metrics={
                "errors": self.metric_errors(period=period),
                "invocations": self.metric_invocations(period=period),
            },
            label="Error rate (%)",
            period=period,
        )


@dataclass(frozen=True)
class RestStageMetrics:
    """The ``AWS/ApiGateway`` metrics of one REST API stage (dimensions ``ApiName`` and ``Stage``).

    Example::

        m = rest_stage_metrics(cfn_stage)
        m.metric_faults()               # 5XXError, Sum
        m.metric_client_error_rate()    # 4XXError, Average = share of requests (0-1)
    """

    api_name: str
    stage_name: str

    def metric(self, metric_name: str, *, statistic: str = "Sum", period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Any ``AWS/ApiGateway`` metric of this stage."""
        return _metric(APIGATEWAY_NAMESPACE, metric_name, {"ApiName": self.api_name, "Stage": self.stage_name},
                       statistic, period, None)

    def metric_faults(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Server-side errors, 5XX responses (Sum)."""
        return self.metric("5XXError", period=period)

    def metric_client_error_rate(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Client errors, 4XX responses, as a share of requests (the Average of ``4XXError``, 0 to 1)."""
        return self.metric("4XXError", statistic="Average", period=period)

    def metric_latency(self, *, statistic: str = "p99", period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Time from request to response in milliseconds (p99 by default)."""
        return self.metric("Latency", statistic=statistic, period=period)

    def metric_count(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Requests (Sum)."""
        return self.metric("Count", period=period)


@dataclass(frozen=True)
class QueueMetrics:
    """The ``AWS/SQS`` metrics of one queue (dimension ``QueueName``)."""

    queue_name: str

    def metric(self, metric_name: str, *, statistic: str = "Maximum", period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Any ``AWS/SQS`` metric of this queue."""
        return _metric(SQS_NAMESPACE, metric_name, {"QueueName": self.queue_name}, statistic, period, None)

    def metric_age_of_oldest_message(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Age of the oldest message, seconds (Maximum)."""
        return self.metric("ApproximateAgeOfOldestMessage", period=period)

    def metric_messages_visible(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Messages waiting to be received (Maximum)."""
        return self.metric("ApproximateNumberOfMessagesVisible", period=period)


@dataclass(frozen=True)
class TopicMetrics:
    """The ``AWS/SNS`` metrics of one topic (dimension ``TopicName``)."""

    topic_name: str

    def metric(self, metric_name: str, *, statistic: str = "Sum", period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Any ``AWS/SNS`` metric of this topic."""
        return _metric(SNS_NAMESPACE, metric_name, {"TopicName": self.topic_name}, statistic, period, None)

    def metric_notifications_failed(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Messages SNS failed to deliver (Sum)."""
        return self.metric("NumberOfNotificationsFailed", period=period)


@dataclass(frozen=True)
class StateMachineMetrics:
    """The ``AWS/States`` metrics of one state machine (dimension ``StateMachineArn``)."""

    state_machine_arn: str

    def metric(self, metric_name: str, *, statistic: str = "Sum", period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Any ``AWS/States`` execution metric of this state machine."""
        return _metric(STATES_NAMESPACE, metric_name, {"StateMachineArn": self.state_machine_arn}, statistic,
                       period, None)

    def metric_executions_failed(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Executions that failed (Sum)."""
        return self.metric("ExecutionsFailed", period=period)

    def metric_executions_timed_out(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """Executions that timed out (Sum)."""
        return self.metric("ExecutionsTimedOut", period=period)

    def metric_executions_throttled(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """State transitions throttled (``ExecutionThrottled``, Sum)."""
        return self.metric("ExecutionThrottled", period=period)


@dataclass(frozen=True)
class TraceGroupMetrics:
    """The one metric an X-Ray group publishes: ``AWS/X-Ray`` ``ApproximateTraceCount`` (dimension ``GroupName``).

    For raw ``CfnGroup``s only: a :class:`~constructs_lib.groups.TraceGroup` has its own
    ``metric_approximate_trace_count`` (same namespace, metric, dimension, statistic and default period), and
    :func:`trace_count_metric` picks that one when the L1 belongs to a ``TraceGroup``.
    """

    group_name: str

    def metric_approximate_trace_count(self, *, period: Duration = TRACE_COUNT_PERIOD) -> cw.Metric:
        """Traces that matched the group's filter expression (Sum, per minute by default like ``TraceGroup``)."""
        return _metric(XRAY_NAMESPACE, "ApproximateTraceCount", {"GroupName": self.group_name}, "Sum", period, None)


# -- factories over L1 resources ------------------------------------------------------------------------------
def lambda_metrics(function: CfnResource) -> LambdaFunctionMetrics:
    """The metrics of an ``AWS::Lambda::Function`` L1, with its timeout read from the template (3 s if unset).

    Example::

        lambda_metrics(fn.node.default_child).metric_error_rate()
    """
    _expect(function, "AWS::Lambda::Function")
    timeout = cfn_property(function, "Timeout")
    if timeout is None or Token.is_unresolved(timeout) or not isinstance(timeout, (int, float)):
        timeout = DEFAULT_LAMBDA_TIMEOUT_SECONDS
    return LambdaFunctionMetrics(function_name=function.ref, timeout_seconds=float(timeout))


def rest_stage_metrics(stage: CfnResource) -> RestStageMetrics:
    """The metrics of an ``AWS::ApiGateway::Stage`` L1. ``ApiName`` comes from the stage's ``RestApiId`` → the
    ``AWS::ApiGateway::RestApi`` in the app and its ``Name``.

    Raises :class:`XRayValidationError` when the API is not defined in the app or has no ``Name``.

    Example::

        rest_stage_metrics(api.deployment_stage.node.default_child).metric_latency()
    """
    _expect(stage, "AWS::ApiGateway::Stage")
    api = rest_api_of(stage)
    name = unresolved_property(api, "Name") if api is not None else None
    if api is None or name is None:
        raise XRayValidationError(
            f"{stage.node.path}: RestApiId must reference an AWS::ApiGateway::RestApi with a Name defined in this "
            "app (CloudWatch names the API by ApiName), got "
            f"{cfn_property(stage, 'RestApiId')!r}"
        )
    stage_name = unresolved_property(stage, "StageName")
    return RestStageMetrics(api_name=name, stage_name=stage_name if stage_name is not None else stage.ref)


def rest_api_of(stage: CfnResource) -> CfnResource | None:
    """The ``AWS::ApiGateway::RestApi`` L1 that a stage's ``RestApiId`` references, when the app defines it."""
    reference = cfn_property(stage, "RestApiId")
    logical_id = referenced_logical_id(reference)
    if logical_id is None:
        return None
    return _find_resource(stage, "AWS::ApiGateway::RestApi", logical_id)


def queue_metrics(queue: CfnResource) -> QueueMetrics:
    """The metrics of an ``AWS::SQS::Queue`` L1."""
    _expect(queue, "AWS::SQS::Queue")
    return QueueMetrics(queue_name=Token.as_string(queue.get_att("QueueName")))


def topic_metrics(topic: CfnResource) -> TopicMetrics:
    """The metrics of an ``AWS::SNS::Topic`` L1."""
    _expect(topic, "AWS::SNS::Topic")
    return TopicMetrics(topic_name=Token.as_string(topic.get_att("TopicName")))


def state_machine_metrics(machine: CfnResource) -> StateMachineMetrics:
    """The metrics of an ``AWS::StepFunctions::StateMachine`` L1."""
    _expect(machine, "AWS::StepFunctions::StateMachine")
    return StateMachineMetrics(state_machine_arn=machine.ref)


def trace_group_metrics(group: CfnResource) -> TraceGroupMetrics:
    """The metric of a raw ``AWS::XRay::Group`` L1 (its ``GroupName``, a token when it is one).

    Prefer :func:`trace_count_metric`, which uses the ``TraceGroup``'s own metric when there is one.
    """
    _expect(group, "AWS::XRay::Group")
    name = unresolved_property(group, "GroupName")
    if name is None:
        raise XRayValidationError(f"{group.node.path}: GroupName must be set, got None")
    return TraceGroupMetrics(group_name=name)


def trace_count_metric(group: CfnResource, *, period: Duration = TRACE_COUNT_PERIOD) -> cw.Metric:
    """The ``ApproximateTraceCount`` of an ``AWS::XRay::Group`` L1: from its owner's
    ``TraceGroup.metric_approximate_trace_count`` when a :class:`~constructs_lib.groups.TraceGroup` made it (the
    ``metric_*``-on-the-owner convention), else from :class:`TraceGroupMetrics`.

    Example::

        trace_count_metric(group.node.default_child, period=Duration.minutes(5))
    """
    _expect(group, "AWS::XRay::Group")
    owner = group.node.scope
    if isinstance(owner, TraceGroup) and owner.resource is group:
        return owner.metric_approximate_trace_count(period=period)
    return trace_group_metrics(group).metric_approximate_trace_count(period=period)


def group_name_of(group: CfnResource) -> str | None:
    """The ``GroupName`` of an ``AWS::XRay::Group`` L1 as written (a token when it is one), or None."""
    return unresolved_property(group, "GroupName")


def unresolved_property(resource: CfnResource, name: str) -> str | None:
    """A string property of an L1 *as given*, tokens kept, so that a name built from ``Aws.STACK_NAME`` or a
    parameter stays a reference CloudFormation resolves (``cfn_property`` returns the resolved JSON instead).

    ``name`` is the CloudFormation name (``StageName``). A generated ``Cfn*`` class is read through its attribute
    (``stage_name``); a plain ``CfnResource`` through its raw properties. A non-string value (an intrinsic
    written as a dict) comes back as a string token.
    """
    attribute = re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", name).lower()
    if type(resource) is not CfnResource and hasattr(type(resource), attribute):
        value = getattr(resource, attribute)
    else:
        raw = resource._cfn_properties
        value = raw.get(name) if isinstance(raw, dict) else None
    if value is None or isinstance(value, str):
        return value
    return Token.as_string(value)


# -- Metrics Insights -------------------------------------------------------------------------------------------
class InsightsFunction(Enum):
    """The aggregate functions Metrics Insights offers (no percentiles)."""

    AVG = "AVG"
    MAX = "MAX"
    MIN = "MIN"
    SUM = "SUM"
    COUNT = "COUNT"


@dataclass(frozen=True)
class InsightsQuery:
    """A CloudWatch Metrics Insights query over every resource of one kind, one time series per resource.

    ``where_values`` scopes the query to the listed values of the grouping dimension (``OR``-ed); leave it empty
    to cover the whole account and region. ``str(query)`` is the query text.

    Example::

        q = InsightsQuery(namespace="AWS/Lambda", metric_name="Errors", dimensions=("FunctionName",),
                          function=InsightsFunction.SUM)
        str(q)  # SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName
                #   ORDER BY MAX() DESC LIMIT 100
    """

    namespace: str
    metric_name: str
    dimensions: tuple[str, ...]
    function: InsightsFunction = InsightsFunction.SUM
    where_values: tuple[str, ...] = field(default=())
    limit: int = 100

    def __post_init__(self) -> None:
        check_number("InsightsQuery", "limit", self.limit, minimum=1, maximum=500, integer=True)
        if not self.dimensions:
            raise XRayValidationError("InsightsQuery: dimensions must name at least one dimension, got ()")

    @classmethod
    def for_metric(
        cls,
        namespace: str,
        metric_name: str,
        dimension: str | Sequence[str],
        function: InsightsFunction,
        *,
        where_values: Sequence[str] = (),
        limit: int = 100,
    ) -> InsightsQuery:
        """Shorthand: a query grouped by ``dimension`` (a name or several)."""
        dims = (dimension,) if isinstance(dimension, str) else tuple(dimension)
        return cls(namespace=namespace, metric_name=metric_name, dimensions=dims, function=function,
                   where_values=tuple(where_values), limit=limit)

    def __str__(self) -> str:
        dims = ", ".join(self.dimensions)
        metric = _quote_identifier(self.metric_name)
        text = f'SELECT {self.function.value}({metric}) FROM SCHEMA("{self.namespace}", {dims})'
        if self.where_values:
            key = self.dimensions[0]
            text += " WHERE " + " OR ".join(f"{key} = '{_quote_label(v)}'" for v in self.where_values)
        return text + f" GROUP BY {dims} ORDER BY MAX() DESC LIMIT {self.limit}"

    def max_length(self, *, token_length: int = 256) -> int:
        """The longest the query can render, counting each unresolved value as ``token_length`` characters."""
        text = str(InsightsQuery(namespace=self.namespace, metric_name=self.metric_name, dimensions=self.dimensions,
                                 function=self.function, limit=self.limit))
        extra = sum(
            len(f" OR {self.dimensions[0]} = ''") + (token_length if Token.is_unresolved(v) else len(v))
            for v in self.where_values
        )
        return len(text) + extra + (len(" WHERE") if self.where_values else 0)

    def to_metric(self, *, period: Duration = DEFAULT_PERIOD, label: str | None = None) -> cw.MathExpression:
        """The query as a CDK ``MathExpression`` (what an alarm or a graph takes)."""
        return cw.MathExpression(expression=str(self), period=period, label=label or "")


@dataclass(frozen=True)
class InsightsMetric:
    """One metric as Metrics Insights reads it: namespace, metric, aggregate function, grouping dimensions.

    The alarms (``alarms.INSIGHTS_METRICS``) and the dashboard's Metrics Insights graphs share one table of these.

    Example::

        InsightsMetric(LAMBDA_NAMESPACE, "Errors", InsightsFunction.SUM, ("FunctionName",)).query(limit=10)
    """

    namespace: str
    metric_name: str
    function: InsightsFunction
    dimensions: tuple[str, ...]

    def query(self, *, where_values: Sequence[str] = (), limit: int = 100) -> InsightsQuery:
        """The query over this metric, grouped by its dimensions, optionally scoped to ``where_values``."""
        return InsightsQuery(namespace=self.namespace, metric_name=self.metric_name, dimensions=self.dimensions,
                             function=self.function, where_values=tuple(where_values), limit=limit)


def _quote_identifier(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else '"' + name.replace('"', '\\"') + '"'


def _quote_label(value: str) -> str:
    return value if Token.is_unresolved(value) else value.replace("\\", "\\\\").replace("'", "\\'")


# -- console links ---------------------------------------------------------------------------------------------
#: The X-Ray node type of each resource kind, as the trace map and ``id(name:, type:)`` filters use it.
XRAY_NODE_TYPES = {
    "AWS::Lambda::Function": "AWS::Lambda::Function",
    "AWS::ApiGateway::Stage": "AWS::ApiGateway::Stage",
    "AWS::StepFunctions::StateMachine": "AWS::StepFunctions::StateMachine",
    "AWS::SNS::Topic": "AWS::SNS",
    "AWS::SQS::Queue": "AWS::SQS::Queue",
}

#: How far back the console links look: 3 hours, in milliseconds.
CONSOLE_TIME_RANGE_MS = 3 * 60 * 60 * 1000


def service_filter(name: str, node_type: str | None) -> tuple[str, str, str]:
    """An X-Ray filter expression selecting one service node, as (before, name, after) so that ``name`` can be a
    token: ``service(id(name: "<name>", type: "<type>"))``."""
    if node_type is None:
        return ('service("', name, '")')
    return ('service(id(name: "', name, f'", type: "{node_type}"))')


def console_url(region: str, page: str, expression: tuple[str, str, str] | str | None = None) -> str:
    """A CloudWatch console link to an X-Ray page (``service-map/map`` or ``traces/query``) with an optional filter
    expression, in the console's own (rison, ``*``-for-``%``) encoding. Tokens in the region or in the middle part of
    ``expression`` are kept as tokens (CloudFormation resolves them at deploy time).

    Example::

        console_url("eu-west-1", "traces/query", "fault = true")
    """
    base = f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#xray:{page}"
    context = f"~context~(timeRange~(delta~{CONSOLE_TIME_RANGE_MS})))"
    if expression is None:
        return f"{base}?~(query~()" + context
    before, middle, after = (expression, "", "") if isinstance(expression, str) else expression
    encoded_middle = middle if Token.is_unresolved(middle) else _console_encode(middle)
    return f"{base}?~(query~(expression~'{_console_encode(before)}{encoded_middle}{_console_encode(after)}')" + context


def _console_encode(text: str) -> str:
    return quote(text, safe="").replace("%", "*")


# -- helpers ---------------------------------------------------------------------------------------------------
def _expect(resource: CfnResource, cfn_type: str) -> None:
    if not isinstance(resource, CfnResource) or resource.cfn_resource_type != cfn_type:
        got = resource.cfn_resource_type if isinstance(resource, CfnResource) else type(resource).__name__
        raise XRayValidationError(f"metrics: resource must be an {cfn_type} L1, got {got!r}")


def referenced_logical_id(reference: Any) -> str | None:
    """The logical id in ``{"Ref": id}`` or ``{"Fn::GetAtt": [id, attr]}``, else None."""
    if isinstance(reference, dict):
        if "Ref" in reference and isinstance(reference["Ref"], str):
            return reference["Ref"]
        getatt = reference.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt and isinstance(getatt[0], str):
            return getatt[0]
    return None


def _find_resource(near: CfnResource, cfn_type: str, logical_id: str) -> CfnResource | None:
    """The L1 of ``cfn_type`` with ``logical_id``, in ``near``'s stack first, else anywhere in the app."""
    stack = Stack.of(near)
    fallback: CfnResource | None = None
    for node in near.node.root.node.find_all():
        if isinstance(node, CfnResource) and node.cfn_resource_type == cfn_type:
            other = Stack.of(node)
            if other.resolve(node.logical_id) != logical_id:
                continue
            if other is stack:
                return node
            fallback = fallback or node
    return fallback
