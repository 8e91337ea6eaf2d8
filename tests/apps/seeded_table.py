"""Trigger-based setup: a table seeded by a function that a ``triggers.Trigger`` runs during deployment, a
self-test ``TriggerFunction`` after it, and an API that reads the table (the shape of the aws-cdk-lib triggers
README and of "seed a DynamoDB table on deploy" examples)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack, triggers
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from ._common import HANDLER, python_function


def build(scope: Construct) -> None:
    stack = Stack(scope, "Catalog")
    table = dynamodb.Table(stack, "Products", partition_key=dynamodb.Attribute(
        name="pk", type=dynamodb.AttributeType.STRING), removal_policy=RemovalPolicy.DESTROY)
    seed = python_function(stack, "SeedProducts", environment={"TABLE": table.table_name},
                           timeout=Duration.minutes(1))
    table.grant_write_data(seed)
    seeding = triggers.Trigger(stack, "SeedOnDeploy", handler=seed, execute_after=[table])
    reader = python_function(stack, "ListProducts", environment={"TABLE": table.table_name})
    table.grant_read_data(reader)
    api = apigateway.LambdaRestApi(stack, "CatalogApi", handler=reader, proxy=False)
    api.root.add_resource("products").add_method("GET")
    smoke = triggers.TriggerFunction(stack, "SmokeTest", runtime=lambda_.Runtime.PYTHON_3_13,
                                     handler="index.handler", code=lambda_.Code.from_inline(HANDLER),
                                     environment={"URL": api.url}, execute_after=[api])
    smoke.execute_after(seeding)
