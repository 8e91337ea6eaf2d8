"""A Step Functions job poller: submit a job, wait, check its status, loop until it succeeds or fails (the shape
of the aws-cdk-examples "stepfunctions-job-poller")."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from ._common import python_function


def build(scope: Construct) -> None:
    stack = Stack(scope, "Jobs")
    submit = python_function(stack, "SubmitJob")
    status = python_function(stack, "CheckStatus")
    submit_job = tasks.LambdaInvoke(stack, "Submit", lambda_function=submit, output_path="$.Payload")
    wait = sfn.Wait(stack, "Wait", time=sfn.WaitTime.duration(Duration.seconds(30)))
    check = tasks.LambdaInvoke(stack, "Check", lambda_function=status, output_path="$.Payload")
    done = sfn.Choice(stack, "Done?")
    definition = submit_job.next(wait).next(check).next(
        done.when(sfn.Condition.string_equals("$.status", "FAILED"), sfn.Fail(stack, "Failed"))
        .when(sfn.Condition.string_equals("$.status", "SUCCEEDED"), sfn.Succeed(stack, "Succeeded"))
        .otherwise(wait))
    sfn.StateMachine(stack, "Poller", definition_body=sfn.DefinitionBody.from_chainable(definition),
                     timeout=Duration.hours(1))
