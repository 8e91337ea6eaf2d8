"""A nested stack: the parent holds the API, a nested stack holds the function and its topic (the shape of the
aws-cdk-lib NestedStack README)."""

from __future__ import annotations

from aws_cdk import NestedStack, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_sns as sns
from constructs import Construct

from ._common import python_function


def build(scope: Construct) -> None:
    parent = Stack(scope, "Parent")
    backend = NestedStack(parent, "Backend")
    topic = sns.Topic(backend, "Events")
    fn = python_function(backend, "Handler", environment={"TOPIC": topic.topic_arn})
    topic.grant_publish(fn)
    api = apigateway.RestApi(parent, "Api")
    api.root.add_method("POST", apigateway.LambdaIntegration(fn))
