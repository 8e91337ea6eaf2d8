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
from .discovery import ServiceKind, is_cdk_internal_function, is_cdk_internal_resource, kind_of, traced_resources
from .filters import FilterExpressionError, RootCauseEntity, RootCauseKind, TraceFilter, TraceGroupKind, classify
from .groups import TraceGroup
from .instrumentation import (
    INSTRUMENTATION_METADATA_KEY,
    InstrumentationKind,
    LambdaInstrumentation,
    OpenTelemetry,
    PowertoolsTracer,
    detect_instrumentation,
)
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
from .trace_roots import TraceRoot, TraceRootKind, find_trace_roots
from .tracing import SnsTracingResourcePolicy, TracingMode, XRayTracing

__all__ = [
    "INSTRUMENTATION_METADATA_KEY",
    "AlarmMode",
    "AlarmOverride",
    "AlarmSpec",
    "AlarmType",
    "CostEstimate",
    "CreatedAlarm",
    "EventSourceRate",
    "FilterExpressionError",
    "InstrumentationKind",
    "LambdaInstrumentation",
    "MapEdge",
    "MapNode",
    "OpenTelemetry",
    "PowertoolsTracer",
    "QueryScope",
    "ResourceOverride",
    "RootCauseEntity",
    "RootCauseKind",
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
    "TraceRoot",
    "TraceRootKind",
    "TracingAlarms",
    "TracingCostEstimate",
    "TracingDashboard",
    "TracingMode",
    "TracingMonitoring",
    "TrafficProfile",
    "TransactionSearch",
    "TransactionSearchPricing",
    "XRayPricing",
    "XRayTracing",
    "XRayValidationError",
    "add_policy_checks",
    "build_service_map",
    "classify",
    "detect_instrumentation",
    "estimate_tracing_cost",
    "find_trace_roots",
    "is_cdk_internal_function",
    "is_cdk_internal_resource",
    "kind_of",
    "render_dot",
    "render_json",
    "render_mermaid",
    "traced_resources",
]
