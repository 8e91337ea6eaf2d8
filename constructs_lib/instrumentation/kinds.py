"""What kind of instrumentation a Lambda function carries, and how a template says so.

Every function :class:`~constructs_lib.instrumentation.LambdaInstrumentation` instruments gets the resource
Metadata entry ``"constructs-lib:instrumentation": "<kind>"``, so that a tool reading only the CloudFormation
template (the service map, the synth report) knows the function records its AWS SDK calls.

Example::

    from constructs_lib import INSTRUMENTATION_METADATA_KEY, LambdaInstrumentation

    LambdaInstrumentation.apply(fn)
    fn.node.default_child.get_metadata(INSTRUMENTATION_METADATA_KEY)   # 'powertools-tracer'

"""

from __future__ import annotations

from enum import Enum

#: The resource Metadata key written on every instrumented ``AWS::Lambda::Function``.
INSTRUMENTATION_METADATA_KEY = "constructs-lib:instrumentation"


class InstrumentationKind(Enum):
    """The instrumentation inside a function; the value is what the Metadata entry holds."""

    #: Powertools for AWS Lambda (Python) Tracer: the X-Ray SDK, a subsegment per AWS call, annotations.
    POWERTOOLS_TRACER = "powertools-tracer"
    #: AWS Distro for OpenTelemetry (ADOT) Lambda layer, started by its exec wrapper: spans sent to X-Ray.
    OPENTELEMETRY = "opentelemetry"
