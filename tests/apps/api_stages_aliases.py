"""An API with several explicit stages, each calling its own alias of one function through a stage variable
(the shape of "API Gateway with multiple stages + Lambda aliases" examples). The ``test`` stage turns tracing off
explicitly, and so does the canary function: both must stay off."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from ._common import python_function

#: Construct paths (under the app's scope) of the resources this app turns tracing off on.
EXPLICITLY_UNTRACED = {"Service/Stage-test/Resource"}


def build(scope: Construct) -> None:
    stack = Stack(scope, "Service")
    fn = python_function(stack, "Hello")
    version = fn.current_version
    aliases = {name: lambda_.Alias(stack, f"Alias-{name}", alias_name=name, version=version)
               for name in ("dev", "test", "prod")}
    api = apigateway.RestApi(stack, "Api", deploy=False)
    uri = (f"arn:{stack.partition}:apigateway:{stack.region}:lambda:path/2015-03-31/functions/"
           f"{fn.function_arn}:${{stageVariables.alias}}/invocations")
    api.root.add_method("GET", apigateway.Integration(type=apigateway.IntegrationType.AWS_PROXY,
                                                      integration_http_method="POST", uri=uri))
    deployment = apigateway.Deployment(stack, "Deployment", api=api)
    for name, alias in aliases.items():
        stage = apigateway.Stage(stack, f"Stage-{name}", deployment=deployment, stage_name=name,
                                 variables={"alias": name}, tracing_enabled=False if name == "test" else None)
        alias.add_permission(f"InvokeFrom-{name}", principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
                             source_arn=api.arn_for_execute_api("GET", "/", name))
    api.deployment_stage = stage  # the last one, prod
