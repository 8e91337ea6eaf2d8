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
from .cost import CostEstimate, TracingCostEstimate, TrafficProfile, XRayPricing, estimate_tracing_cost
from .discovery import ServiceKind, traced_resources
from .filters import FilterExpressionError, TraceFilter, TraceGroupKind
from .groups import TraceGroup
from .monitoring import (
    AlarmMode,
    AlarmOverride,
    AlarmSpec,
    AlarmType,
    CreatedAlarm,
    QueryScope,
    ResourceOverride,
    TraceGroupTarget,
    TracingAlarms,
    TracingDashboard,
    TracingMonitoring,
)
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
    "TracingMonitoring",
    "TrafficProfile",
    "XRayPricing",
    "XRayTracing",
    "XRayValidationError",
    "estimate_tracing_cost",
    "traced_resources",
]
