"""Custom resources: an ``AwsCustomResource`` that reads a parameter, a custom-resources ``Provider`` with
on-event and is-complete handlers behind a ``CustomResource``, and a function whose logs CDK's log-retention
function keeps for a week (shapes of the aws-cdk-lib custom-resources README)."""

from __future__ import annotations

from aws_cdk import CustomResource, Duration, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from ._common import python_function


def build(scope: Construct) -> None:
    stack = Stack(scope, "Provisioning")
    config = cr.AwsCustomResource(
        stack, "ReadConfig",
        on_update=cr.AwsSdkCall(service="SSM", action="getParameter", parameters={"Name": "/app/feature-flags"},
                                physical_resource_id=cr.PhysicalResourceId.of("feature-flags")),
        policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE),
        install_latest_aws_sdk=False,
    )
    on_event = python_function(stack, "CreateTenant", environment={"FLAGS": config.get_response_field(
        "Parameter.Value")})
    is_complete = python_function(stack, "TenantReady")
    provider = cr.Provider(stack, "TenantProvider", on_event_handler=on_event, is_complete_handler=is_complete,
                           query_interval=Duration.seconds(30), total_timeout=Duration.minutes(30))
    CustomResource(stack, "Tenant", service_token=provider.service_token, properties={"Name": "acme"})
    python_function(stack, "Reporter", log_retention=logs.RetentionDays.ONE_WEEK)
