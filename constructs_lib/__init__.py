"""AWS CDK constructs that make a serverless application observable with AWS X-Ray.

Example::

    from aws_cdk import App
    from constructs_lib import XRayTracing

    app = App()
    MyServiceStack(app, "MyService")
    XRayTracing.enable(app)
    app.synth()
"""

from ._validation import XRayValidationError
from .alarms import (
    AlarmMode,
    AlarmOverride,
    AlarmSpec,
    AlarmType,
    CreatedAlarm,
    QueryScope,
    ResourceOverride,
    TraceGroupKind,
    TraceGroupTarget,
    TracingAlarms,
)
from .cost import CostEstimate, TracingCostEstimate, TrafficProfile, XRayPricing, estimate_tracing_cost
from .dashboard import TracingDashboard
from .discovery import ServiceKind, is_cdk_internal_function, is_cdk_internal_resource, kind_of, traced_resources
from .filters import FilterExpressionError, TraceFilter
from .groups import TraceGroup
from .sampling import SamplingRateBoost, SamplingRule, SamplingRuleSpec
from .tracing import SnsTracingResourcePolicy, TracingMode, XRayTracing

__all__ = [
    "AlarmMode",
    "AlarmOverride",
    "AlarmSpec",
    "AlarmType",
    "CostEstimate",
    "CreatedAlarm",
    "FilterExpressionError",
    "QueryScope",
    "ResourceOverride",
    "SamplingRateBoost",
    "SamplingRule",
    "SamplingRuleSpec",
    "ServiceKind",
    "SnsTracingResourcePolicy",
    "TraceFilter",
    "TraceGroup",
    "TraceGroupKind",
    "TraceGroupTarget",
    "TracingAlarms",
    "TracingCostEstimate",
    "TracingDashboard",
    "TracingMode",
    "TrafficProfile",
    "XRayPricing",
    "XRayTracing",
    "XRayValidationError",
    "estimate_tracing_cost",
    "is_cdk_internal_function",
    "is_cdk_internal_resource",
    "kind_of",
    "traced_resources",
]
