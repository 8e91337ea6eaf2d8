"""AWS CDK constructs that make a serverless application observable with AWS X-Ray.

Example::

    from aws_cdk import App
    from constructs_lib import XRayTracing

    app = App()
    MyServiceStack(app, "MyService")
    XRayTracing.enable(app)
    app.synth()

Names are imported on first use (``from constructs_lib import XRayTracing`` loads tracing, not monitoring or
cost): an app pays at synth only for the parts it uses.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Each public name and the module that defines it.
_EXPORTS: dict[str, str] = {
    "XRayValidationError": "._validation",
    "CostEstimate": ".cost",
    "EventSourceRate": ".cost",
    "TracingCostEstimate": ".cost",
    "TrafficProfile": ".cost",
    "TransactionSearch": ".cost",
    "TransactionSearchPricing": ".cost",
    "XRayPricing": ".cost",
    "estimate_tracing_cost": ".cost",
    "ServiceKind": ".discovery",
    "is_cdk_internal_function": ".discovery",
    "is_cdk_internal_resource": ".discovery",
    "kind_of": ".discovery",
    "traced_resources": ".discovery",
    "FilterExpressionError": ".filters",
    "RootCauseEntity": ".filters",
    "RootCauseKind": ".filters",
    "TraceFilter": ".filters",
    "TraceGroupKind": ".filters",
    "classify": ".filters",
    "TraceGroup": ".groups",
    "INSTRUMENTATION_METADATA_KEY": ".instrumentation",
    "InstrumentationKind": ".instrumentation",
    "LambdaInstrumentation": ".instrumentation",
    "OpenTelemetry": ".instrumentation",
    "PowertoolsTracer": ".instrumentation",
    "detect_instrumentation": ".instrumentation",
    "AlarmMode": ".monitoring",
    "AlarmOverride": ".monitoring",
    "AlarmSpec": ".monitoring",
    "AlarmType": ".monitoring",
    "CreatedAlarm": ".monitoring",
    "QueryScope": ".monitoring",
    "ResourceOverride": ".monitoring",
    "TraceGroupTarget": ".monitoring",
    "TracingAlarms": ".monitoring",
    "TracingDashboard": ".monitoring",
    "TracingMonitoring": ".monitoring",
    "add_policy_checks": ".policy_checks",
    "SamplingRateBoost": ".sampling",
    "SamplingRule": ".sampling",
    "SamplingRuleSpec": ".sampling",
    "MapEdge": ".service_map",
    "MapNode": ".service_map",
    "ServiceMap": ".service_map",
    "TraceOutcome": ".service_map",
    "build_service_map": ".service_map",
    "render_dot": ".service_map",
    "render_json": ".service_map",
    "render_mermaid": ".service_map",
    "TraceRoot": ".trace_roots",
    "TraceRootKind": ".trace_roots",
    "find_trace_roots": ".trace_roots",
    "SnsTracingResourcePolicy": ".tracing",
    "TracingMode": ".tracing",
    "XRayTracing": ".tracing",
}

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


if not TYPE_CHECKING:  # type checkers see the imports above, and flag a misspelled name

    def __getattr__(name: str) -> Any:
        module = _EXPORTS.get(name)
        if module is not None:
            value = getattr(importlib.import_module(module, __name__), name)
        elif importlib.util.find_spec(f"{__name__}.{name}") is not None:  # a subpackage: constructs_lib.tracing
            value = importlib.import_module(f"{__name__}.{name}")
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value  # the next lookup finds it directly
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
