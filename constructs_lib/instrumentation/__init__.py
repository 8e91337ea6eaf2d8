"""Instrument the code inside Lambda functions, so traces show annotations, metadata and every AWS call.

Turning tracing on (:class:`~constructs_lib.XRayTracing`) makes Lambda record one segment per invocation.
What a user reads in a trace beyond that comes from the code: :class:`LambdaInstrumentation` adds it, as a
public layer pinned to a version you choose, resolved for each function's region, architecture and runtime,
with the environment that configures it. Two modes:

- :class:`PowertoolsTracer` (default): Powertools for AWS Lambda (Python) Tracer, the X-Ray SDK underneath;
- :class:`OpenTelemetry`: an AWS Distro for OpenTelemetry layer and its exec wrapper.

Example::

    from constructs_lib import LambdaInstrumentation, XRayTracing

    XRayTracing.enable(app)
    LambdaInstrumentation.enable(app)

See ``docs/instrumentation.md`` for choosing a mode.
"""

from .aspect import InstrumentationMode, LambdaInstrumentation
from .detect import detect_instrumentation
from .kinds import INSTRUMENTATION_METADATA_KEY, InstrumentationKind
from .opentelemetry import OpenTelemetry
from .powertools import DEFAULT_POWERTOOLS_VERSION, PowertoolsTracer

__all__ = [
    "DEFAULT_POWERTOOLS_VERSION",
    "INSTRUMENTATION_METADATA_KEY",
    "InstrumentationKind",
    "InstrumentationMode",
    "LambdaInstrumentation",
    "OpenTelemetry",
    "PowertoolsTracer",
    "detect_instrumentation",
]
