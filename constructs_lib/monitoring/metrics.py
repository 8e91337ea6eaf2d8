"""CloudWatch metric factories for the resources X-Ray traces, one class per service.

What a metric *is* lives here; what to do with it (alarms, graphs) lives in the other modules of
:mod:`constructs_lib.monitoring`. Each class holds the dimension values of one resource and offers:

- ``metric_*()`` methods that return a ``cloudwatch.Metric`` (or ``MathExpression``). When the class was made
  from an L2 that has the same ``metric_*`` method (``lambda_.Function.metric_errors``, ``apigateway.Stage
  .metric_latency``, ``sqs.Queue``, ``sns.Topic``, ``stepfunctions.StateMachine``, :class:`TraceGroup`), the L2's
  own method builds it;
- plain :class:`MetricDefinition` values (``errors``, ``duration``...) that alarms and dashboards render into
  CloudFormation properties without a round trip to Node.

The ``*_metrics(l1)`` functions make one from a CloudFormation resource (discovery works on L1s); ``of(l2)``
class methods from an L2.

Example::

    from aws_cdk import Duration
    from aws_cdk import aws_lambda as lambda_
    from constructs_lib.monitoring import LambdaFunctionMetrics

    fn = lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(event, context): return {}"))
    fn_metrics = LambdaFunctionMetrics.of(fn)
    fn_metrics.metric_errors(period=Duration.minutes(1))   # the L2's own metric_errors
    fn_metrics.metric_error_rate()                          # Errors / Invocations, a share from 0 to 1
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aws_cdk import CfnResource, Duration, Stack, Token
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from .._validation import XRayValidationError, is_token
from ..discovery import cfn_property, cfn_type_of
from .given import GivenProperties, referenced_logical_id, unresolved_property

if TYPE_CHECKING:  # modules of services an app may not use: 15-20 ms each to import
    from aws_cdk import aws_apigateway as apigateway
    from aws_cdk import aws_stepfunctions as sfn

__all__ = [
    "APIGATEWAY_NAMESPACE",
    "APPSYNC_NAMESPACE",
    "DEFAULT_LAMBDA_TIMEOUT_SECONDS",
    "DEFAULT_PERIOD",
    "LAMBDA_NAMESPACE",
    "SNS_NAMESPACE",
    "SQS_NAMESPACE",
    "STATES_NAMESPACE",
    "TRACE_COUNT_PERIOD",
    "XRAY_NAMESPACE",
    "GivenProperties",
    "GraphqlApiMetrics",
    "LambdaFunctionMetrics",
    "MetricDefinition",
    "QueueMetrics",
    "RestStageMetrics",
    "StateMachineMetrics",
    "TopicMetrics",
    "TraceGroupMetrics",
    "cfn_type_of",
    "graphql_api_metrics",
    "lambda_metrics",
    "number_is_token",
    "queue_metrics",
    "referenced_logical_id",
    "rest_api_name_of",
    "rest_stage_metrics",
    "state_machine_metrics",
    "topic_metrics",
    "trace_group_metrics",
]

DEFAULT_PERIOD = Duration.minutes(5)
#: X-Ray publishes a group's ``ApproximateTraceCount`` every minute; ``TraceGroup`` graphs it per minute too.
TRACE_COUNT_PERIOD = Duration.minutes(1)

LAMBDA_NAMESPACE = "AWS/Lambda"
APIGATEWAY_NAMESPACE = "AWS/ApiGateway"
APPSYNC_NAMESPACE = "AWS/AppSync"
SQS_NAMESPACE = "AWS/SQS"
SNS_NAMESPACE = "AWS/SNS"
STATES_NAMESPACE = "AWS/States"
XRAY_NAMESPACE = "AWS/X-Ray"

#: Lambda's default timeout, used when a function does not set ``Timeout``.
DEFAULT_LAMBDA_TIMEOUT_SECONDS = 3.0

_PERCENTILE = re.compile(r"p\d{1,2}(\.\d+)?|p100")


@dataclass(frozen=True)
class MetricDefinition:
    """One CloudWatch metric as plain values: namespace, name, dimensions (in order) and statistic.

    Example::

        from constructs_lib.monitoring import MetricDefinition
        from aws_cdk import Duration

        errors = MetricDefinition("AWS/Lambda", "Errors", (("FunctionName", "orders-api"),), "Sum")
        errors.to_metric(period=Duration.minutes(1))   # a cloudwatch.Metric
        errors.metric_stat(60)                          # CloudFormation's MetricStat
    """

    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str

    @property
    def dimensions_map(self) -> dict[str, str]:
        """The dimensions as a dict (what ``cloudwatch.Metric`` takes)."""
        return dict(self.dimensions)

    @property
    def is_percentile(self) -> bool:
        """True for ``p99`` and other extended statistics (an alarm sets ``ExtendedStatistic``)."""
        return _PERCENTILE.fullmatch(self.statistic) is not None

    def to_metric(self, *, period: Duration = DEFAULT_PERIOD, label: str | None = None) -> cw.Metric:
        """This metric as a CDK ``cloudwatch.Metric``."""
        return cw.Metric(namespace=self.namespace, metric_name=self.metric_name, dimensions_map=self.dimensions_map,
                         statistic=self.statistic, period=period, label=label)

    def metric_stat(self, period_seconds: int) -> dict[str, Any]:
        """The ``MetricStat`` of an alarm's ``Metrics`` entry (CloudFormation names, camel case for jsii)."""
        return {"metric": {"namespace": self.namespace, "metricName": self.metric_name,
                           "dimensions": [{"name": k, "value": v} for k, v in self.dimensions]},
                "period": period_seconds, "stat": self.statistic}

    def alarm_properties(self, period_seconds: int) -> dict[str, Any]:
        """The single-metric part of ``AWS::CloudWatch::Alarm`` properties (``CfnAlarm`` keyword arguments)."""
        props: dict[str, Any] = {"namespace": self.namespace, "metric_name": self.metric_name,
                                 "dimensions": [{"name": k, "value": v} for k, v in self.dimensions],
                                 "period": period_seconds}
        props["extended_statistic" if self.is_percentile else "statistic"] = self.statistic
        return props

    def with_statistic(self, statistic: str) -> MetricDefinition:
        """The same metric with another statistic."""
        return MetricDefinition(self.namespace, self.metric_name, self.dimensions, statistic)


def _rate(numerator: cw.IMetric, denominator: cw.IMetric, label: str, period: Duration) -> cw.MathExpression:
    return cw.MathExpression(expression="IF(total > 0, part / total, 0)",
                             using_metrics={"part": numerator, "total": denominator}, label=label, period=period)


# -- per service ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LambdaFunctionMetrics:
    """The ``AWS/Lambda`` metrics of one function (dimension ``FunctionName``).

    Example::

        from constructs_lib.monitoring import LambdaFunctionMetrics

        m = LambdaFunctionMetrics(function_name="orders-api", timeout_seconds=10)
        m.metric_duration()       # p99 Duration, milliseconds
        m.duration().statistic    # 'p99', the plain definition alarms render
    """

    function_name: str
    timeout_seconds: float = DEFAULT_LAMBDA_TIMEOUT_SECONDS
    function: lambda_.IFunction | None = field(default=None, compare=False)

    @classmethod
    def of(cls, function: lambda_.Function) -> LambdaFunctionMetrics:
        """From an L2 function (its ``metric_*`` methods build the metrics)."""
        timeout = function.timeout
        seconds = timeout.to_seconds() if timeout is not None and not timeout.is_unresolved() \
            else DEFAULT_LAMBDA_TIMEOUT_SECONDS
        return cls(function_name=function.function_name, timeout_seconds=float(seconds), function=function)

    def _definition(self, name: str, statistic: str = "Sum") -> MetricDefinition:
        return MetricDefinition(LAMBDA_NAMESPACE, name, (("FunctionName", self.function_name),), statistic)

    @property
    def errors(self) -> MetricDefinition:
        """Invocations that ended in a function error (Sum)."""
        return self._definition("Errors")

    @property
    def invocations(self) -> MetricDefinition:
        """Invocations (Sum)."""
        return self._definition("Invocations")

    @property
    def throttles(self) -> MetricDefinition:
        """Throttled invocation requests (Sum)."""
        return self._definition("Throttles")

    def duration(self, statistic: str = "p99") -> MetricDefinition:
        """Run time in milliseconds (p99 by default)."""
        return self._definition("Duration", statistic)

    def metric_errors(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``Errors`` (Sum)."""
        if self.function is not None:
            return self.function.metric_errors(period=period, statistic="Sum")
        return self.errors.to_metric(period=period)

    def metric_invocations(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``Invocations`` (Sum)."""
        if self.function is not None:
            return self.function.metric_invocations(period=period, statistic="Sum")
        return self.invocations.to_metric(period=period)

    def metric_throttles(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``Throttles`` (Sum)."""
        if self.function is not None:
            return self.function.metric_throttles(period=period, statistic="Sum")
        return self.throttles.to_metric(period=period)

    def metric_duration(self, *, statistic: str = "p99", period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``Duration`` in milliseconds (p99 by default)."""
        if self.function is not None:
            return self.function.metric_duration(period=period, statistic=statistic)
        return self.duration(statistic).to_metric(period=period)

    def metric_error_rate(self, *, period: Duration = DEFAULT_PERIOD) -> cw.MathExpression:
        """Errors as a share of invocations, from 0 to 1 (0 when there were none), as metric math."""
        return _rate(self.metric_errors(period=period), self.metric_invocations(period=period),
                     "Error rate (0-1)", period)


@dataclass(frozen=True)
class RestStageMetrics:
    """The ``AWS/ApiGateway`` metrics of one REST API stage (dimensions ``ApiName`` and ``Stage``).

    The Average of ``5XXError`` and ``4XXError`` is the share of requests (0 to 1) that got such a response; the
    Sum is their count.

    Example::

        from constructs_lib.monitoring import RestStageMetrics

        m = RestStageMetrics(api_name="orders-api", stage_name="prod")
        m.metric_faults()        # 5XXError, Sum
        m.metric_fault_rate()    # 5XXError, Average: a share of requests
    """

    api_name: str
    stage_name: str
    stage: apigateway.Stage | None = field(default=None, compare=False)

    @classmethod
    def of(cls, stage: apigateway.Stage, *, api_name: str) -> RestStageMetrics:
        """From an L2 stage; ``api_name`` is the API's ``rest_api_name`` (CloudWatch names the API by it)."""
        l1 = stage.node.default_child
        literal = unresolved_property(l1, "StageName") if isinstance(l1, CfnResource) else None
        return cls(api_name=api_name, stage_name=literal or stage.stage_name, stage=stage)

    def _definition(self, name: str, statistic: str = "Sum") -> MetricDefinition:
        return MetricDefinition(APIGATEWAY_NAMESPACE, name,
                                (("ApiName", self.api_name), ("Stage", self.stage_name)), statistic)

    @property
    def faults(self) -> MetricDefinition:
        """5XX responses (Sum)."""
        return self._definition("5XXError")

    @property
    def fault_rate(self) -> MetricDefinition:
        """5XX responses as a share of requests, 0 to 1 (Average)."""
        return self._definition("5XXError", "Average")

    @property
    def client_error_rate(self) -> MetricDefinition:
        """4XX responses as a share of requests, 0 to 1 (Average)."""
        return self._definition("4XXError", "Average")

    def latency(self, statistic: str = "p99") -> MetricDefinition:
        """Time from request to response, milliseconds (p99 by default)."""
        return self._definition("Latency", statistic)

    @property
    def count(self) -> MetricDefinition:
        """Requests (Sum)."""
        return self._definition("Count")

    def metric_faults(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``5XXError`` (Sum)."""
        if self.stage is not None:
            return self.stage.metric_server_error(period=period, statistic="Sum")
        return self.faults.to_metric(period=period)

    def metric_fault_rate(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``5XXError`` (Average): the share of requests with a 5XX response."""
        if self.stage is not None:
            return self.stage.metric_server_error(period=period, statistic="Average")
        return self.fault_rate.to_metric(period=period)

    def metric_client_error_rate(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``4XXError`` (Average): the share of requests with a 4XX response."""
        if self.stage is not None:
            return self.stage.metric_client_error(period=period, statistic="Average")
        return self.client_error_rate.to_metric(period=period)

    def metric_latency(self, *, statistic: str = "p99", period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``Latency`` in milliseconds (p99 by default)."""
        if self.stage is not None:
            return self.stage.metric_latency(period=period, statistic=statistic)
        return self.latency(statistic).to_metric(period=period)

    def metric_count(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``Count`` (Sum)."""
        if self.stage is not None:
            return self.stage.metric_count(period=period, statistic="Sum")
        return self.count.to_metric(period=period)


@dataclass(frozen=True)
class GraphqlApiMetrics:
    """The ``AWS/AppSync`` metrics of one GraphQL API (dimension ``GraphQLAPIId``).

    AppSync's L2 has no ``metric_*`` methods, so these are built here.

    Example::

        from constructs_lib.monitoring import GraphqlApiMetrics

        GraphqlApiMetrics(api_id="abcdefghijklmnopqrstuvwxyz").metric_faults()
    """

    api_id: str

    @classmethod
    def of(cls, api: Any) -> GraphqlApiMetrics:
        """From an ``appsync.GraphqlApi`` (or any object with ``api_id``)."""
        return cls(api_id=api.api_id)

    def _definition(self, name: str, statistic: str = "Sum") -> MetricDefinition:
        return MetricDefinition(APPSYNC_NAMESPACE, name, (("GraphQLAPIId", self.api_id),), statistic)

    @property
    def faults(self) -> MetricDefinition:
        """Errors while running a GraphQL operation, ``5XXError`` (Sum)."""
        return self._definition("5XXError")

    @property
    def client_errors(self) -> MetricDefinition:
        """Requests AppSync rejected, ``4XXError`` (Sum)."""
        return self._definition("4XXError")

    def latency(self, statistic: str = "p99") -> MetricDefinition:
        """Time from request to response, milliseconds (p99 by default)."""
        return self._definition("Latency", statistic)

    def metric_faults(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``5XXError`` (Sum)."""
        return self.faults.to_metric(period=period)

    def metric_client_errors(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``4XXError`` (Sum)."""
        return self.client_errors.to_metric(period=period)

    def metric_latency(self, *, statistic: str = "p99", period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``Latency`` in milliseconds (p99 by default)."""
        return self.latency(statistic).to_metric(period=period)


@dataclass(frozen=True)
class QueueMetrics:
    """The ``AWS/SQS`` metrics of one queue (dimension ``QueueName``)."""

    queue_name: str
    queue: sqs.IQueue | None = field(default=None, compare=False)

    @classmethod
    def of(cls, queue: sqs.IQueue) -> QueueMetrics:
        """From an L2 queue."""
        return cls(queue_name=queue.queue_name, queue=queue)

    def _definition(self, name: str) -> MetricDefinition:
        return MetricDefinition(SQS_NAMESPACE, name, (("QueueName", self.queue_name),), "Maximum")

    @property
    def age_of_oldest_message(self) -> MetricDefinition:
        """Age of the oldest message, seconds (Maximum)."""
        return self._definition("ApproximateAgeOfOldestMessage")

    @property
    def messages_visible(self) -> MetricDefinition:
        """Messages waiting to be received (Maximum)."""
        return self._definition("ApproximateNumberOfMessagesVisible")

    def metric_age_of_oldest_message(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``ApproximateAgeOfOldestMessage`` (Maximum)."""
        if self.queue is not None:
            return self.queue.metric_approximate_age_of_oldest_message(period=period, statistic="Maximum")
        return self.age_of_oldest_message.to_metric(period=period)

    def metric_messages_visible(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``ApproximateNumberOfMessagesVisible`` (Maximum)."""
        if self.queue is not None:
            return self.queue.metric_approximate_number_of_messages_visible(period=period, statistic="Maximum")
        return self.messages_visible.to_metric(period=period)


@dataclass(frozen=True)
class TopicMetrics:
    """The ``AWS/SNS`` metrics of one topic (dimension ``TopicName``)."""

    topic_name: str
    topic: sns.ITopic | None = field(default=None, compare=False)

    @classmethod
    def of(cls, topic: sns.ITopic) -> TopicMetrics:
        """From an L2 topic."""
        return cls(topic_name=topic.topic_name, topic=topic)

    @property
    def notifications_failed(self) -> MetricDefinition:
        """Messages SNS failed to deliver (Sum)."""
        return MetricDefinition(SNS_NAMESPACE, "NumberOfNotificationsFailed", (("TopicName", self.topic_name),),
                                "Sum")

    def metric_notifications_failed(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``NumberOfNotificationsFailed`` (Sum)."""
        if self.topic is not None:
            return self.topic.metric_number_of_notifications_failed(period=period, statistic="Sum")
        return self.notifications_failed.to_metric(period=period)


@dataclass(frozen=True)
class StateMachineMetrics:
    """The ``AWS/States`` metrics of one state machine (dimension ``StateMachineArn``)."""

    state_machine_arn: str
    state_machine: sfn.IStateMachine | None = field(default=None, compare=False)

    @classmethod
    def of(cls, machine: sfn.IStateMachine) -> StateMachineMetrics:
        """From an L2 state machine."""
        return cls(state_machine_arn=machine.state_machine_arn, state_machine=machine)

    def _definition(self, name: str) -> MetricDefinition:
        return MetricDefinition(STATES_NAMESPACE, name, (("StateMachineArn", self.state_machine_arn),), "Sum")

    @property
    def executions_failed(self) -> MetricDefinition:
        """Executions that failed (Sum)."""
        return self._definition("ExecutionsFailed")

    @property
    def executions_timed_out(self) -> MetricDefinition:
        """Executions that timed out (Sum)."""
        return self._definition("ExecutionsTimedOut")

    @property
    def executions_throttled(self) -> MetricDefinition:
        """State transitions throttled, ``ExecutionThrottled`` (Sum)."""
        return self._definition("ExecutionThrottled")

    def metric_executions_failed(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``ExecutionsFailed`` (Sum)."""
        if self.state_machine is not None:
            return self.state_machine.metric_failed(period=period, statistic="Sum")
        return self.executions_failed.to_metric(period=period)

    def metric_executions_timed_out(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``ExecutionsTimedOut`` (Sum)."""
        if self.state_machine is not None:
            return self.state_machine.metric_timed_out(period=period, statistic="Sum")
        return self.executions_timed_out.to_metric(period=period)

    def metric_executions_throttled(self, *, period: Duration = DEFAULT_PERIOD) -> cw.Metric:
        """``ExecutionThrottled`` (Sum)."""
        if self.state_machine is not None:
            return self.state_machine.metric_throttled(period=period, statistic="Sum")
        return self.executions_throttled.to_metric(period=period)


@dataclass(frozen=True)
class TraceGroupMetrics:
    """The one metric an X-Ray group publishes: ``AWS/X-Ray`` ``ApproximateTraceCount`` (dimension ``GroupName``).

    ``TraceGroup.metric_approximate_trace_count`` is built by :meth:`metric_approximate_trace_count`.

    Example::

        from constructs_lib.monitoring import TraceGroupMetrics

        TraceGroupMetrics(group_name="orders-faults").metric_approximate_trace_count(period=Duration.minutes(5))
    """

    group_name: str

    @property
    def approximate_trace_count(self) -> MetricDefinition:
        """Traces that matched the group's filter expression (Sum)."""
        return MetricDefinition(XRAY_NAMESPACE, "ApproximateTraceCount", (("GroupName", self.group_name),), "Sum")

    def metric_approximate_trace_count(
        self, *, period: Duration | None = None, statistic: str = "Sum", label: str | None = None, **kwargs: Any,
    ) -> cw.Metric:
        """``ApproximateTraceCount`` (Sum, per minute by default). Extra keyword arguments go to
        ``cloudwatch.Metric`` (``color``, ``unit``, ``account``, ``region``...)."""
        return cw.Metric(namespace=XRAY_NAMESPACE, metric_name="ApproximateTraceCount",
                         dimensions_map={"GroupName": self.group_name},
                         period=period if period is not None else TRACE_COUNT_PERIOD, statistic=statistic,
                         label=label, **kwargs)


# -- factories over L1 resources ------------------------------------------------------------------------------
def _expect(resource: Any, cfn_type: str) -> None:
    if not isinstance(resource, CfnResource):
        raise XRayValidationError(f"metrics: resource must be an {cfn_type} L1, got {type(resource).__name__!r}")
    actual = cfn_type_of(resource)
    if actual != cfn_type:
        raise XRayValidationError(f"metrics: resource must be an {cfn_type} L1, got {actual!r}")


def lambda_metrics(function: CfnResource) -> LambdaFunctionMetrics:
    """The metrics of an ``AWS::Lambda::Function`` L1, with its timeout read from the template (3 s if unset).

    Example::

        from constructs_lib.monitoring import lambda_metrics

        from aws_cdk import aws_lambda as lambda_

        fn = lambda_.CfnFunction(stack, "Bare", role="arn:aws:iam::111111111111:role/r", runtime="python3.12",
                                 handler="i.h", code=lambda_.CfnFunction.CodeProperty(zip_file="x"), timeout=30)
        lambda_metrics(fn).timeout_seconds   # 30.0
    """
    _expect(function, "AWS::Lambda::Function")
    return LambdaFunctionMetrics(function_name=function.ref, timeout_seconds=lambda_timeout(function))


def lambda_timeout(function: CfnResource, properties: GivenProperties | None = None) -> float:
    """A function L1's ``Timeout`` in seconds; 3 (Lambda's default) when unset or a token.

    :param properties: the function's :class:`GivenProperties`, when the caller has read them already.
    """
    if isinstance(function, lambda_.CfnFunction):
        timeout = (properties or GivenProperties(function)).get("Timeout")
    else:  # CDK's own functions (plain CfnResource): as rendered
        timeout = cfn_property(function, "Timeout")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or number_is_token(timeout):
        return DEFAULT_LAMBDA_TIMEOUT_SECONDS
    return float(timeout)


def number_is_token(value: float) -> bool:
    """True when a number is a CDK token. CDK encodes number tokens as huge negative doubles, so a number that is
    0 or more is a plain value and needs no call into Node."""
    return value < 0 and is_token(value)


def rest_stage_metrics(stage: CfnResource, *, api_name: str | None = None) -> RestStageMetrics:
    """The metrics of an ``AWS::ApiGateway::Stage`` L1. ``api_name`` is the API's ``Name``; without it, the
    stage's ``RestApiId`` must reference an ``AWS::ApiGateway::RestApi`` of the same stack with a ``Name``.

    Example::

        from constructs_lib.monitoring import rest_stage_metrics

        from aws_cdk import aws_apigateway as apigateway

        api = apigateway.RestApi(stack, "Api", rest_api_name="orders-api")
        api.root.add_method("GET", apigateway.MockIntegration())
        rest_stage_metrics(api.deployment_stage.node.default_child).metric_latency()
    """
    _expect(stage, "AWS::ApiGateway::Stage")
    if api_name is None:
        api_name = rest_api_name_of(stage)
    if api_name is None:
        raise XRayValidationError(
            f"{stage.node.path}: RestApiId must reference an AWS::ApiGateway::RestApi with a Name defined in this "
            "app (CloudWatch names the API by ApiName); pass api_name= otherwise")
    stage_name = unresolved_property(stage, "StageName")
    return RestStageMetrics(api_name=api_name, stage_name=stage_name if stage_name is not None else stage.ref)


def graphql_api_metrics(api: CfnResource) -> GraphqlApiMetrics:
    """The metrics of an ``AWS::AppSync::GraphQLApi`` L1 (``GraphQLAPIId`` is its ``ApiId`` attribute)."""
    _expect(api, "AWS::AppSync::GraphQLApi")
    return GraphqlApiMetrics(api_id=Token.as_string(api.get_att("ApiId")))


def queue_metrics(queue: CfnResource) -> QueueMetrics:
    """The metrics of an ``AWS::SQS::Queue`` L1."""
    _expect(queue, "AWS::SQS::Queue")
    name = queue.attr_queue_name if isinstance(queue, sqs.CfnQueue) else Token.as_string(queue.get_att("QueueName"))
    return QueueMetrics(queue_name=name)


def topic_metrics(topic: CfnResource) -> TopicMetrics:
    """The metrics of an ``AWS::SNS::Topic`` L1."""
    _expect(topic, "AWS::SNS::Topic")
    name = topic.attr_topic_name if isinstance(topic, sns.CfnTopic) else Token.as_string(topic.get_att("TopicName"))
    return TopicMetrics(topic_name=name)


def state_machine_metrics(machine: CfnResource) -> StateMachineMetrics:
    """The metrics of an ``AWS::StepFunctions::StateMachine`` L1."""
    _expect(machine, "AWS::StepFunctions::StateMachine")
    return StateMachineMetrics(state_machine_arn=machine.ref)


def trace_group_metrics(group: CfnResource) -> TraceGroupMetrics:
    """The metric of an ``AWS::XRay::Group`` L1 (its ``GroupName``, a token when it is one)."""
    _expect(group, "AWS::XRay::Group")
    name = unresolved_property(group, "GroupName")
    if name is None:
        raise XRayValidationError(f"{group.node.path}: GroupName must be set, got None")
    return TraceGroupMetrics(group_name=name)


def rest_api_name_of(stage: CfnResource) -> str | None:
    """The ``Name`` of the ``AWS::ApiGateway::RestApi`` a stage L1's ``RestApiId`` references (same stack)."""
    stack = Stack.of(stage)
    logical_id = referenced_logical_id(stack.resolve(unresolved_property(stage, "RestApiId")))
    if logical_id is None:
        return None
    for node in stack.node.find_all():
        if isinstance(node, CfnResource) and cfn_type_of(node) == "AWS::ApiGateway::RestApi" \
                and stack.resolve(node.logical_id) == logical_id:
            return unresolved_property(node, "Name")
    return None
