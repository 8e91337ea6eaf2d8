"""S3 -> SNS -> SQS -> Lambda: uploads notify a topic, a queue subscribed to it (with a dead-letter queue)
feeds a worker (the shape of the "S3 SNS SQS Lambda chain" examples)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ._common import python_function


def build(scope: Construct) -> None:
    stack = Stack(scope, "Uploads")
    bucket = s3.Bucket(stack, "Inbox", auto_delete_objects=True, removal_policy=RemovalPolicy.DESTROY,
                       enforce_ssl=True)
    topic = sns.Topic(stack, "Uploaded")
    bucket.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.SnsDestination(topic),
                                  s3.NotificationKeyFilter(prefix="incoming/"))
    dead_letters = sqs.Queue(stack, "ResizeDlq", retention_period=Duration.days(14))
    queue = sqs.Queue(stack, "ResizeQueue", visibility_timeout=Duration.minutes(5),
                      dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=3))
    topic.add_subscription(subscriptions.SqsSubscription(queue, raw_message_delivery=True))
    worker = python_function(stack, "Resize", timeout=Duration.minutes(1), environment={"BUCKET": bucket.bucket_name})
    bucket.grant_read_write(worker)
    worker.add_event_source(sources.SqsEventSource(queue, batch_size=5))
