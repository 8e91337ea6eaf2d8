"""Well-configured building blocks the sample stacks share, so each stack reads like its architecture.

These are sample code, not part of the library: they carry the settings cdk-nag asks for (explicit roles,
log groups with retention, structured access logs, throttling) and the few acknowledgements that are
inherent to a sample, each with its reason.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

RUNTIME = lambda_.Runtime.PYTHON_3_14
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
DEFAULT_TIMEOUT = Duration.seconds(10)


def acknowledge(construct: Construct, *reasons: tuple[str, str]) -> None:
    """Acknowledge cdk-nag findings on one construct: ``(rule id, reason)`` pairs."""
    Validations.of(construct).acknowledge(*(Acknowledgment(id=rule, reason=why) for rule, why in reasons))


def python_function(
    scope: Construct,
    id: str,
    *,
    handlers: Path,
    handler: str,
    description: str,
    environment: dict[str, str] | None = None,
    timeout: Duration = DEFAULT_TIMEOUT,
    memory_size: int = 256,
    invoked_by: str,
) -> lambda_.Function:
    """A Python function with its own role and log group; ``invoked_by`` names its synchronous caller."""
    log_group = logs.LogGroup(
        scope, f"{id}Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
    )
    role = iam.Role(
        scope, f"{id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"Execution role of {id}",
    )
    log_group.grant_write(role)
    function = lambda_.Function(
        scope, id,
        runtime=RUNTIME,
        architecture=lambda_.Architecture.ARM_64,
        code=lambda_.Code.from_asset(str(handlers), exclude=["__pycache__", "*.pyc"]),
        handler=handler,
        description=description,
        environment=environment,
        timeout=timeout,
        memory_size=memory_size,
        role=role,
        log_group=log_group,
    )
    reason = f"Invoked synchronously by {invoked_by}, which handles failures itself; async DLQs never apply."
    acknowledge(function, ("Serverless-LambdaDLQ", reason), ("Serverless-LambdaAsyncFailureDestination", reason))
    return function


def rest_api(scope: Construct, id: str, *, description: str, stage_name: str = "prod") -> apigateway.RestApi:
    """A REST API with JSON access logs and stage throttling, open to the public (a sample has no users)."""
    access_logs = logs.LogGroup(
        scope, f"{id}AccessLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
    )
    api = apigateway.RestApi(
        scope, id,
        description=description,
        cloud_watch_role=False,
        endpoint_types=[apigateway.EndpointType.REGIONAL],
        deploy_options=apigateway.StageOptions(
            stage_name=stage_name,
            access_log_destination=apigateway.LogGroupLogDestination(access_logs),
            access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                caller=False, http_method=True, ip=True, protocol=True, request_time=True,
                resource_path=True, response_length=True, status=True, user=False,
            ),
            throttling_rate_limit=100,
            throttling_burst_limit=50,
        ),
    )
    acknowledge(
        api,
        ("AwsSolutions-APIG3", "A sample API: put AWS WAF in front of it for production traffic."),
        ("AwsSolutions-APIG4", "A sample API without users; add IAM or Cognito authorization for production."),
        ("AwsSolutions-COG4", "A sample API without users; add IAM or Cognito authorization for production."),
        ("AwsSolutions-APIG6", "Execution logs need an account-wide CloudWatch role; the stage writes JSON "
                               "access logs instead."),
    )
    return api


def dead_letter_queue(scope: Construct, id: str, *, of: str) -> sqs.Queue:
    """An encrypted, SSL-only queue that receives what ``of`` could not deliver."""
    queue = sqs.Queue(
        scope, id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
        removal_policy=RemovalPolicy.DESTROY,
    )
    reason = f"This queue is the dead-letter queue of {of}; a DLQ of a DLQ would only move the problem."
    acknowledge(queue, ("AwsSolutions-SQS3", reason), ("Serverless-SQSRedrivePolicy", reason))
    return queue
