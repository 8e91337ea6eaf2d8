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
from .policy_checks import add_policy_checks
from .sampling import SamplingRateBoost, SamplingRule, SamplingRuleSpec
from .service_map import (
    MapEdge,
    MapNode,
    ServiceMap,
    TraceOutcome,
    build_service_map,
    render_dot,
    render_json,
    render_mermaid,
)
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
    "MapEdge",
    "MapNode",
    "OpenTelemetry",
    "PowertoolsTracer",
    "QueryScope",
    "ResourceOverride",
    "SamplingRateBoost",
    "SamplingRule",
    "SamplingRuleSpec",
    "ServiceKind",
    "ServiceMap",
    "SnsTracingResourcePolicy",
    "TraceFilter",
    "TraceGroup",
    "TraceGroupKind",
    "TraceGroupTarget",
    "TraceOutcome",
    "TracingAlarms",
    "TracingCostEstimate",
    "TracingDashboard",
    "TracingMode",
    "TrafficProfile",
    "XRayPricing",
    "XRayTracing",
    "XRayValidationError",
    "add_policy_checks",
    "build_service_map",
    "detect_instrumentation",
    "estimate_tracing_cost",
    "render_dot",
    "render_json",
    "render_mermaid",
    "traced_resources",
]
