"""Two stacks: one defines a function, the other uses it through an imported reference (an export/import, and a
plain ARN), from a topic subscription and a schedule (the shape of "share a function across stacks" examples)."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from ._common import python_function


def build(scope: Construct) -> None:
    producer = Stack(scope, "Producer")
    shared = python_function(producer, "Enrich")
    consumer = Stack(scope, "Consumer")
    consumer.add_dependency(producer)
    imported = lambda_.Function.from_function_attributes(consumer, "SharedEnrich",
                                                         function_arn=shared.function_arn, same_environment=True)
    topic = sns.Topic(consumer, "Orders")
    topic.add_subscription(subscriptions.LambdaSubscription(imported))
    by_arn = lambda_.Function.from_function_arn(
        consumer, "Legacy", f"arn:aws:lambda:{consumer.region}:{consumer.account}:function:legacy-report")
    events.Rule(consumer, "Nightly", schedule=events.Schedule.rate(Duration.days(1)),
                targets=[targets.LambdaFunction(by_arn), targets.LambdaFunction(python_function(consumer, "Own"))])
