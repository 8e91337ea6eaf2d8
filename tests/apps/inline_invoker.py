"""Functions that invoke each other: a function defined with bare ``CfnRole``/``CfnFunction`` whose inline role
policy invokes an L2 function, and an L2 function granted to invoke another (the shape of examples written
against the CloudFormation resources directly)."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from ._common import HANDLER, python_function

#: Construct paths (under the app's scope) of the resources this app turns tracing off on.
EXPLICITLY_UNTRACED = {"Invokers/Quiet/Resource"}


def build(scope: Construct) -> None:
    stack = Stack(scope, "Invokers")
    target = python_function(stack, "Target")
    role = iam.CfnRole(stack, "DispatcherRole", assume_role_policy_document={"Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]},
        policies=[iam.CfnRole.PolicyProperty(policy_name="invoke-target", policy_document={"Statement": [{
            "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": target.function_arn}]})])
    lambda_.CfnFunction(stack, "Dispatcher", role=role.attr_arn, runtime="python3.13", handler="index.handler",
                        code=lambda_.CfnFunction.CodeProperty(zip_file=HANDLER),
                        environment=lambda_.CfnFunction.EnvironmentProperty(
                            variables={"TARGET": target.function_name}))
    caller = python_function(stack, "Caller", environment={"TARGET": target.function_name})
    target.grant_invoke(caller)
    quiet = python_function(stack, "Quiet", tracing=lambda_.Tracing.DISABLED)
    quiet.grant_invoke(caller)
