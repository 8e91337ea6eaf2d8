"""The tracing modes, the X-Ray actions each service needs, and the names the passes share."""

from __future__ import annotations

from enum import Enum
from typing import Protocol

__all__ = ["LAMBDA_XRAY_ACTIONS", "METADATA_FLAG", "SNS_XRAY_ACTIONS", "STATES_XRAY_ACTIONS", "TracingMode"]


LAMBDA_XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
STATES_XRAY_ACTIONS = (*LAMBDA_XRAY_ACTIONS, "xray:GetSamplingRules", "xray:GetSamplingTargets")
SNS_XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:GetSamplingRules", "xray:GetSamplingTargets")

#: The feature flag under which aws-cdk-lib records the props given to an L2 (``tracing=Tracing.DISABLED``).
METADATA_FLAG = "@aws-cdk/core:enableAdditionalMetadataCollection"

IAM5_FINDING = "AwsSolutions-IAM5[Resource::*]"
IAM5_REASON = (
    "X-Ray's write and sampling actions (PutTraceSegments, PutTelemetryRecords, GetSamplingRules, "
    "GetSamplingTargets) support only Resource '*'."
)
MODE_VALUES = ("Active", "PassThrough")
ALL_XRAY_ACTIONS = frozenset(STATES_XRAY_ACTIONS)


class TracingMode(Enum):
    """How a traced resource takes part in traces.

    ``ACTIVE`` samples requests and records them. ``PASS_THROUGH`` only continues traces an upstream caller
    sampled: Lambda functions and SNS topics get ``PassThrough``, and services without such a mode (REST stages,
    state machines, GraphQL APIs) are left as they are.
    """

    ACTIVE = "Active"
    PASS_THROUGH = "PassThrough"


class PassSettings(Protocol):
    """What the pass reads of the ``XRayTracing`` aspect that runs it (the aspect itself, without importing it)."""

    mode: TracingMode
    sns_resource_policy: bool
    sns_resource_policy_name: str | None
