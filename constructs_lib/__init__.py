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
from .discovery import ServiceKind, traced_resources
from .filters import FilterExpressionError, TraceFilter
from .groups import TraceGroup
from .instrumentation import (
    INSTRUMENTATION_METADATA_KEY,
    InstrumentationKind,
    LambdaInstrumentation,
    OpenTelemetry,
    PowertoolsTracer,
    detect_instrumentation,
)
from .sampling import SamplingRateBoost, SamplingRule, SamplingRuleSpec
from .tracing import SnsTracingResourcePolicy, TracingMode, XRayTracing

__all__ = [
    "INSTRUMENTATION_METADATA_KEY",
    "AlarmMode",
    "AlarmOverride",
    "AlarmSpec",
    "AlarmType",
    "CostEstimate",
    "CreatedAlarm",
    "FilterExpressionError",
    "InstrumentationKind",
    "LambdaInstrumentation",
    "OpenTelemetry",
    "PowertoolsTracer",
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
    "detect_instrumentation",
    "estimate_tracing_cost",
    "traced_resources",
]
