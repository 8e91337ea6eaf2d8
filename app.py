#!/usr/bin/env python3
"""The CDK app behind ``cdk synth`` / ``cdk deploy``: the sample stacks, traced with AWS X-Ray."""

from aws_cdk import App

from sample_stacks import build_sample_app

app = App()
build_sample_app(app)
app.synth()
