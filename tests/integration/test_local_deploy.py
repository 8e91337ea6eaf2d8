"""Issue 5: the sample app deployed with the real `cdk deploy` to a local emulator, and smoke-tested there.

The checks are those of emulator/smoke.py (the same code `scripts/deploy-local` runs); the tests run in file
order: the last one destroys the app and checks that nothing is left.
"""

from __future__ import annotations

import pytest

from emulator import cdk_local, smoke

from .conftest import LocalDeployment

pytestmark = pytest.mark.integration


def test_deployed_tracing_matches_the_templates(local_deployment: LocalDeployment) -> None:
    bad, seen = smoke.tracing_mismatches(local_deployment.app)
    assert not bad
    kinds = " ".join(seen)
    # Every function, REST stage and topic of both stacks was read back.
    for stack in local_deployment.app.templates:
        for type_ in ("AWS::Lambda::Function", "AWS::ApiGateway::Stage", "AWS::SNS::Topic"):
            for logical in local_deployment.app.resources(stack, type_):
                assert f"{stack}/{logical} " in kinds


def test_every_function_stage_and_topic_is_traced(local_deployment: LocalDeployment) -> None:
    # The app enables X-Ray everywhere: what the emulator reports must say Active / enabled, not just "as templated",
    # except on the alarm topic, the library's own plumbing, left out of tracing (XRayTracing.exclude) on purpose.
    _, seen = smoke.tracing_mismatches(local_deployment.app)
    plumbing = [line for line in seen if "AlarmTopic" in line]
    assert len(plumbing) == 1 and plumbing[0].endswith("TracingConfig=PassThrough"), plumbing
    traced = [line for line in seen if line not in plumbing]
    assert traced
    assert all(line.endswith(("=Active", "=True")) for line in traced), traced


def test_an_order_flows_through_every_service(local_deployment: LocalDeployment) -> None:
    steps = smoke.check_order_flow(local_deployment.app)
    assert len(steps) == 7


def test_the_handlers_send_their_traces(local_deployment: LocalDeployment) -> None:
    # After the order flow above: the Powertools layer (AWS's public SSM parameter -> layer ARN -> the emulator's
    # bundle) loaded in both functions, and their Tracer recorded the order's steps and AWS calls.
    steps = smoke.check_traces(local_deployment.app)
    assert len(steps) == 3


def test_malformed_orders_are_rejected_and_land_nowhere(local_deployment: LocalDeployment) -> None:
    steps = smoke.check_malformed_orders(local_deployment.app)
    assert len(steps) == len(smoke.MALFORMED_ORDERS) + 1


def test_the_minimal_stack_answers(local_deployment: LocalDeployment) -> None:
    assert smoke.check_minimal(local_deployment.app)


def test_cdk_destroy_leaves_nothing_behind(local_deployment: LocalDeployment) -> None:
    port = local_deployment.port
    cdk_local.destroy(port)
    local_deployment.destroyed = True
    # LocalStack writes Lambda logs to /aws/lambda/<function> whatever LoggingConfig.LogGroup says; no stack owns
    # those groups (AWS would not create them), so they are the emulator's to clean, not a leftover of the app.
    cdk_local.delete_emulator_log_groups(port)
    left = cdk_local.wait_for_no_leftovers(port, timeout=15)
    retained = cdk_local.retained_by_templates(local_deployment.app.templates)
    assert left == {}, f"left behind after cdk destroy: {left}; resources the templates retain: {retained}"
