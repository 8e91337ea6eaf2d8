"""Which metric each alarm type watches, per resource and as a Metrics Insights query: one table for the
alarms and the dashboard.

Example::

    from constructs_lib.monitoring.catalog import INSIGHTS_QUERIES, RESOURCE_METRICS

    str(INSIGHTS_QUERIES[AlarmType.LAMBDA_ERRORS])   # SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", ...
    RESOURCE_METRICS[AlarmType.LAMBDA_THROTTLES]     # resource -> its Throttles (Sum)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .insights import InsightsFunction, InsightsQuery
from .inventory import MonitoredResource
from .metrics import (
    APIGATEWAY_NAMESPACE,
    APPSYNC_NAMESPACE,
    LAMBDA_NAMESPACE,
    SNS_NAMESPACE,
    SQS_NAMESPACE,
    STATES_NAMESPACE,
    XRAY_NAMESPACE,
    MetricDefinition,
)
from .specs import TRACE_GROUP_TYPE, AlarmType

__all__ = ["INSIGHTS_QUERIES", "RESOURCE_METRICS", "SERVICE_LABELS"]

#: The metric one alarm of each type watches on one resource (per-resource alarms, batched alarms, graphs).
RESOURCE_METRICS: Mapping[AlarmType, Callable[[MonitoredResource], MetricDefinition]] = {
    AlarmType.LAMBDA_ERRORS: lambda r: r.function.errors,
    AlarmType.LAMBDA_THROTTLES: lambda r: r.function.throttles,
    AlarmType.LAMBDA_DURATION: lambda r: r.function.duration(),
    AlarmType.REST_FAULTS: lambda r: r.stage.faults,
    AlarmType.REST_FAULT_RATE: lambda r: r.stage.fault_rate,
    AlarmType.REST_CLIENT_ERROR_RATE: lambda r: r.stage.client_error_rate,
    AlarmType.REST_LATENCY: lambda r: r.stage.latency(),
    AlarmType.GRAPHQL_FAULTS: lambda r: r.graphql_api.faults,
    AlarmType.GRAPHQL_LATENCY: lambda r: r.graphql_api.latency(),
    AlarmType.QUEUE_MESSAGE_AGE: lambda r: r.queue.age_of_oldest_message,
    AlarmType.DLQ_MESSAGES: lambda r: r.queue.messages_visible,
    AlarmType.TOPIC_FAILED_NOTIFICATIONS: lambda r: r.topic.notifications_failed,
    AlarmType.STATE_MACHINE_FAILED: lambda r: r.state_machine.executions_failed,
    AlarmType.STATE_MACHINE_TIMED_OUT: lambda r: r.state_machine.executions_timed_out,
    AlarmType.STATE_MACHINE_THROTTLED: lambda r: r.state_machine.executions_throttled,
    AlarmType.TRACE_GROUP_FAULTS: lambda r: r.trace_group.approximate_trace_count,
    AlarmType.TRACE_GROUP_ERRORS: lambda r: r.trace_group.approximate_trace_count,
    AlarmType.TRACE_GROUP_SLOW: lambda r: r.trace_group.approximate_trace_count,
}

_F = InsightsFunction


def _query(namespace: str, metric: str, function: InsightsFunction, *dimensions: str) -> InsightsQuery:
    return InsightsQuery(namespace=namespace, metric_name=metric, dimensions=dimensions, function=function)


#: The account-wide Metrics Insights query of each alarm type that has one: every resource of the type in the
#: account and Region, one time series per resource (``GROUP BY`` its dimension), worst first.
INSIGHTS_QUERIES: Mapping[AlarmType, InsightsQuery] = {
    AlarmType.LAMBDA_ERRORS: _query(LAMBDA_NAMESPACE, "Errors", _F.SUM, "FunctionName"),
    AlarmType.LAMBDA_THROTTLES: _query(LAMBDA_NAMESPACE, "Throttles", _F.SUM, "FunctionName"),
    AlarmType.REST_FAULTS: _query(APIGATEWAY_NAMESPACE, "5XXError", _F.SUM, "ApiName", "Stage"),
    AlarmType.REST_FAULT_RATE: _query(APIGATEWAY_NAMESPACE, "5XXError", _F.AVG, "ApiName", "Stage"),
    AlarmType.REST_CLIENT_ERROR_RATE: _query(APIGATEWAY_NAMESPACE, "4XXError", _F.AVG, "ApiName", "Stage"),
    AlarmType.REST_LATENCY: _query(APIGATEWAY_NAMESPACE, "Latency", _F.AVG, "ApiName", "Stage"),
    AlarmType.GRAPHQL_FAULTS: _query(APPSYNC_NAMESPACE, "5XXError", _F.SUM, "GraphQLAPIId"),
    AlarmType.GRAPHQL_LATENCY: _query(APPSYNC_NAMESPACE, "Latency", _F.AVG, "GraphQLAPIId"),
    AlarmType.QUEUE_MESSAGE_AGE: _query(SQS_NAMESPACE, "ApproximateAgeOfOldestMessage", _F.MAX, "QueueName"),
    AlarmType.TOPIC_FAILED_NOTIFICATIONS: _query(SNS_NAMESPACE, "NumberOfNotificationsFailed", _F.SUM, "TopicName"),
    AlarmType.STATE_MACHINE_FAILED: _query(STATES_NAMESPACE, "ExecutionsFailed", _F.SUM, "StateMachineArn"),
    AlarmType.STATE_MACHINE_TIMED_OUT: _query(STATES_NAMESPACE, "ExecutionsTimedOut", _F.SUM, "StateMachineArn"),
    AlarmType.STATE_MACHINE_THROTTLED: _query(STATES_NAMESPACE, "ExecutionThrottled", _F.SUM, "StateMachineArn"),
}

#: Dashboard graphs of trace groups in Metrics Insights mode (every group of the account).
GROUP_COUNT_QUERY = _query(XRAY_NAMESPACE, "ApproximateTraceCount", _F.SUM, "GroupName")
#: Dashboard graphs of Lambda duration in Metrics Insights mode.
DURATION_QUERY = _query(LAMBDA_NAMESPACE, "Duration", _F.MAX, "FunctionName")

#: The service part of Metrics Insights and batched alarm names.
SERVICE_LABELS = {
    "AWS::Lambda::Function": "lambda",
    "AWS::ApiGateway::Stage": "rest-api",
    "AWS::AppSync::GraphQLApi": "graphql",
    "AWS::SQS::Queue": "sqs",
    "AWS::SNS::Topic": "sns",
    "AWS::StepFunctions::StateMachine": "states",
    TRACE_GROUP_TYPE: "xray-groups",
}
