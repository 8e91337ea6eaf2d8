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
from .cost import (
    CostEstimate,
    EventSourceRate,
    TracingCostEstimate,
    TrafficProfile,
    TransactionSearch,
    TransactionSearchPricing,
    XRayPricing,
    estimate_tracing_cost,
)
from .dashboard import TracingDashboard
from .discovery import ServiceKind, traced_resources
from .filters import FilterExpressionError, RootCauseEntity, RootCauseKind, TraceFilter, classify
from .groups import TraceGroup
from .sampling import SamplingRateBoost, SamplingRule, SamplingRuleSpec
from .trace_roots import TraceRoot, TraceRootKind, find_trace_roots
from .tracing import SnsTracingResourcePolicy, TracingMode, XRayTracing

__all__ = [
    "AlarmMode",
    "AlarmOverride",
    "AlarmSpec",
    "AlarmType",
    "CostEstimate",
    "CreatedAlarm",
    "EventSourceRate",
    "FilterExpressionError",
    "QueryScope",
    "ResourceOverride",
    "RootCauseEntity",
    "RootCauseKind",
    "SamplingRateBoost",
    "SamplingRule",
    "SamplingRuleSpec",
    "ServiceKind",
    "SnsTracingResourcePolicy",
    "TraceFilter",
    "TraceGroup",
    "TraceGroupKind",
    "TraceGroupTarget",
    "TraceRoot",
    "TraceRootKind",
    "TracingAlarms",
    "TracingCostEstimate",
    "TracingDashboard",
    "TracingMode",
    "TrafficProfile",
    "TransactionSearch",
    "TransactionSearchPricing",
    "XRayPricing",
    "XRayTracing",
    "XRayValidationError",
    "classify",
    "estimate_tracing_cost",
    "find_trace_roots",
    "traced_resources",
]
