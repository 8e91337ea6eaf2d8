"""The orders service: a small but real serverless system, traced end to end with X-Ray.

    POST /orders ──▶ API function ──▶ DynamoDB (status RECEIVED)
                          └──────────▶ SNS topic ──▶ SQS queue (DLQ) ──▶ worker function
                                                                          ├─▶ DynamoDB (status PROCESSED)
                                                                          └─▶ EventBridge ──▶ rule ──▶ Step Functions
    GET /orders/{order_id} ──▶ API function ──▶ DynamoDB

Tracing and instrumentation are not configured here: ``XRayTracing.enable`` and ``LambdaInstrumentation.enable`` in
``sample_stacks/__init__.py`` cover it all (the handlers use the Powertools Tracer from the layer that adds).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from constructs_lib import (
    EventSourceRate,
    SamplingRule,
    TraceFilter,
    TraceGroup,
    TracingCostEstimate,
    TracingMonitoring,
    TrafficProfile,
)

from ..building_blocks import LOG_RETENTION, acknowledge, dead_letter_queue, python_function, rest_api

HANDLERS = Path(__file__).parent / "handlers"
STAGE = "prod"

ORDER_SCHEMA = apigateway.JsonSchema(
    schema=apigateway.JsonSchemaVersion.DRAFT4,
    type=apigateway.JsonSchemaType.OBJECT,
    required=["customer_id", "items"],
    properties={
        "customer_id": apigateway.JsonSchema(type=apigateway.JsonSchemaType.STRING, min_length=1),
        "customer_tier": apigateway.JsonSchema(type=apigateway.JsonSchemaType.STRING, enum=["standard", "premium"]),
        "items": apigateway.JsonSchema(
            type=apigateway.JsonSchemaType.ARRAY,
            min_items=1,
            max_items=50,
            items=apigateway.JsonSchema(
                type=apigateway.JsonSchemaType.OBJECT,
                required=["sku", "quantity"],
                properties={
                    "sku": apigateway.JsonSchema(type=apigateway.JsonSchemaType.STRING, min_length=1),
                    "quantity": apigateway.JsonSchema(
                        type=apigateway.JsonSchemaType.INTEGER, minimum=1, maximum=1000
                    ),
                },
            ),
        ),
    },
)


class OrdersStack(Stack):
    """REST API → Lambda → DynamoDB + SNS → SQS → worker Lambda → EventBridge → Step Functions."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]

        self.table = dynamodb.TableV2(
            self, "Orders",
            partition_key=dynamodb.Attribute(name="order_id", type=dynamodb.AttributeType.STRING),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )

        # Events: orders created (SNS → SQS) and orders processed (EventBridge → Step Functions).
        topic_key = kms.Key(
            self, "OrderEventsKey",
            description="Encrypts the OrderCreated topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.topic = sns.Topic(self, "OrderCreated", master_key=topic_key, enforce_ssl=True)
        self.order_dlq = dead_letter_queue(self, "OrderQueueDlq", of="the order queue")
        self.delivery_dlq = dead_letter_queue(
            self, "DeliveryDlq", of="the SNS subscription and the EventBridge rule target"
        )
        self.queue = sqs.Queue(
            self, "OrderQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(60),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.order_dlq, max_receive_count=3),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.topic.add_subscription(
            subscriptions.SqsSubscription(
                self.queue, raw_message_delivery=True, dead_letter_queue=self.delivery_dlq
            )
        )
        self.bus = events.EventBus(self, "OrderBus")

        # The API.
        self.api_function = python_function(
            self, "ApiFunction",
            handlers=HANDLERS, handler="api.handler",
            description="Orders API: create and read orders",
            environment={"TABLE_NAME": self.table.table_name, "TOPIC_ARN": self.topic.topic_arn},
            invoked_by="API Gateway",
        )
        self.table.grant_read_write_data(self.api_function)
        self.topic.grant_publish(self.api_function)
        acknowledge(
            self.api_function.role,  # type: ignore[arg-type]
            ("AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
             "The KMS actions SNS needs to publish to an encrypted topic, on that topic's key only."),
        )

        self.api = rest_api(self, "OrdersApi", description="Orders API (sample)", stage_name=STAGE)
        integration = apigateway.LambdaIntegration(self.api_function)
        validator = self.api.add_request_validator(
            "ValidateBody", validate_request_body=True, validate_request_parameters=True
        )
        order_model = self.api.add_model("Order", content_type="application/json", schema=ORDER_SCHEMA)
        orders = self.api.root.add_resource("orders")
        orders.add_method(
            "POST", integration, request_validator=validator, request_models={"application/json": order_model}
        )
        orders.add_resource("{order_id}").add_method(
            "GET", integration, request_validator=validator,
            request_parameters={"method.request.path.order_id": True},
        )

        # The worker.
        self.worker_function = python_function(
            self, "WorkerFunction",
            handlers=HANDLERS, handler="worker.handler",
            description="Marks orders processed and announces them on the event bus",
            environment={"TABLE_NAME": self.table.table_name, "EVENT_BUS_NAME": self.bus.event_bus_name},
            invoked_by="the SQS event source mapping",
        )
        self.table.grant_read_write_data(self.worker_function)
        self.bus.grant_put_events_to(self.worker_function)
        self.worker_function.add_event_source(
            event_sources.SqsEventSource(self.queue, batch_size=10, report_batch_item_failures=True)
        )
        acknowledge(
            self.worker_function,
            ("Serverless-LambdaEventSourceMappingDestination",
             "SQS event sources retry through the queue's redrive policy; failed orders land in OrderQueueDlq."),
        )

        # Fulfilment: a state machine started by the OrderProcessed event.
        schedule = tasks.DynamoUpdateItem(
            self, "ScheduleFulfilment",
            table=self.table,
            key={"order_id": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.detail.order_id"))},
            update_expression="SET fulfilment = :scheduled",
            expression_attribute_values={":scheduled": tasks.DynamoAttributeValue.from_string("SCHEDULED")},
        )
        machine_logs = logs.LogGroup(
            self, "FulfilmentLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        self.state_machine = sfn.StateMachine(
            self, "Fulfilment",
            definition_body=sfn.DefinitionBody.from_chainable(schedule.next(sfn.Succeed(self, "Scheduled"))),
            timeout=Duration.minutes(5),
            logs=sfn.LogOptions(destination=machine_logs, level=sfn.LogLevel.ALL),
            removal_policy=RemovalPolicy.DESTROY,
        )
        acknowledge(
            self.state_machine.role,  # type: ignore[arg-type]
            ("AwsSolutions-IAM5[Resource::*]",
             "Step Functions log delivery (logs:CreateLogDelivery and friends) supports only Resource '*'."),
        )
        self.order_processed_rule = events.Rule(
            self, "OrderProcessedRule",
            event_bus=self.bus,
            event_pattern=events.EventPattern(source=["orders.worker"], detail_type=["OrderProcessed"]),
            targets=[targets.SfnStateMachine(self.state_machine, dead_letter_queue=self.delivery_dlq,
                                             retry_attempts=3, max_event_age=Duration.hours(1))],
        )

        self._observability()

        CfnOutput(self, "ApiUrl", value=self.api.url, description="Base URL of the orders API")
        CfnOutput(self, "ApiId", value=self.api.rest_api_id)
        CfnOutput(self, "StageName", value=self.api.deployment_stage.stage_name)
        CfnOutput(self, "TableName", value=self.table.table_name)
        CfnOutput(self, "TopicArn", value=self.topic.topic_arn)
        CfnOutput(self, "QueueUrl", value=self.queue.queue_url)
        CfnOutput(self, "DeadLetterQueueUrl", value=self.order_dlq.queue_url)
        CfnOutput(self, "StateMachineArn", value=self.state_machine.state_machine_arn)

    def _observability(self) -> None:
        """What to sample, which traces to group, what to alarm on, and what that costs.

        Tracing itself is switched on for the whole app by ``XRayTracing.enable`` (see ``sample_stacks``).
        """
        name = self.stack_name
        # Every order placed is traced: the API's only POST is "place an order", so the rule matches the method on
        # the stage's service name, not the URL path (which API Gateway does not match on, per the X-Ray guide).
        # The rest of the API like X-Ray's default rule, but 1 % past 1/s. (No adaptive boost: it applies to
        # ADOT-instrumented compute only, and API Gateway samples for itself.)
        SamplingRule.for_rest_api(
            self, "TraceAllOrderPosts", stage=self.api, rule_name=f"{name}-post-orders",
            priority=100, fixed_rate=1.0, reservoir_size=0, http_method="POST",
        )
        SamplingRule.for_rest_api(
            self, "TraceApiBaseline", stage=self.api, rule_name=f"{name}-api-baseline",
            priority=9000, fixed_rate=0.01, reservoir_size=1,
        )
        # Groups see only recorded traces: these show where faults and slow requests happen; the alarms count
        # them all from the services' own metrics.
        api_service = TraceFilter.service(f"{self.api.rest_api_name}/{STAGE}")
        TraceGroup(
            self, "FaultsGroup", group_name=f"{name}-faults",
            filter_expression=api_service & TraceFilter.fault(), insights=True, notifications=True,
        )
        TraceGroup(
            self, "SlowGroup", group_name=f"{name}-slow",
            filter_expression=api_service & (TraceFilter.response_time() > 1),
        )
        TraceGroup(
            self, "ColdStartGroup", group_name=f"{name}-cold-starts",
            filter_expression=TraceFilter.annotation("ColdStart").is_true(),
        )
        # 5 orders/s and 50 reads/s on the API. Each order becomes one message, and the worker (fed by the queue)
        # starts a trace of its own per invocation, linked to the order's: Lambda samples those at 1/s + 5 %.
        # OrderProcessed events carry the worker's trace header to Step Functions: no new traces there.
        TracingCostEstimate(
            self, "TracingCost", monthly_budget_usd=130, monitored_scope=self,
            traffic=[
                TrafficProfile.for_rest_api(stage=self.api, rps=5, http_method="POST", url_path="/orders"),
                TrafficProfile.for_rest_api(stage=self.api, rps=50, http_method="GET", url_path="/orders/42"),
            ],
            event_sources=[
                EventSourceRate(source=self.queue, invocations_per_second=5),
                EventSourceRate(source=self.order_processed_rule, invocations_per_second=0),
            ],
        )
        self.monitoring = TracingMonitoring(
            self, "TracingMonitoring", monitored_scope=self, alarm_name_prefix=name.lower(),
            dashboard_name=f"{name}-xray", alarm_topic_key_removal_policy=RemovalPolicy.DESTROY,
        )
        self.alarms = self.monitoring.alarms
