"""A static site: files deployed to a bucket with ``BucketDeployment``, and a function whose logs CDK's
log-retention function keeps (the shape of the aws-cdk-lib s3-deployment README)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from ._common import python_function


def build(scope: Construct) -> None:
    stack = Stack(scope, "Site")
    bucket = s3.Bucket(stack, "Content", removal_policy=RemovalPolicy.DESTROY, auto_delete_objects=True)
    s3deploy.BucketDeployment(stack, "Publish", destination_bucket=bucket, sources=[
        s3deploy.Source.data("index.html", "<h1>hello</h1>"), s3deploy.Source.json_data("config.json", {"v": 1})])
    python_function(stack, "Contact", log_retention=logs.RetentionDays.TWO_WEEKS,
                    environment={"BUCKET": bucket.bucket_name})
