"""Powertools for AWS Lambda (Python) Tracer: its public layer and the variables that configure it.

What it gives in X-Ray (with the function traced): a ``## <handler>`` subsegment with the ``ColdStart`` and
``Service`` annotations, a ``## <method>`` subsegment per ``@tracer.capture_method``, one subsegment per AWS
SDK call (boto3 is patched: DynamoDB, SNS, EventBridge... appear on the trace map), and the annotations and
metadata the code adds. The layer only ships the library: the handler must use ``Tracer``.

Example::

    LambdaInstrumentation.enable(app, mode=PowertoolsTracer(version="3.37.0", service_name="orders"))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from constructs import IConstruct

from .._validation import XRayValidationError, check_length, check_number, is_token
from .kinds import InstrumentationKind
from .layers import POWERTOOLS_PYTHON_RUNTIMES, check_layer_region, powertools_layer
from .plan import InstrumentationPlan, Skip
from .target import FunctionTarget, RuntimeFamily

#: The Powertools release the layer is pinned to unless you choose another (PyPI ``aws-lambda-powertools``).
DEFAULT_POWERTOOLS_VERSION = "3.37.0"

#: Lambda's ``LayerVersionArn`` pattern, from botocore's service model of the Lambda API.
LAYER_VERSION_ARN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:"
    r"[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)"
)
_RELEASE = re.compile(r"(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class PowertoolsTracer:
    """Instrument Python functions with the Powertools for AWS Lambda Tracer.

    :param version: the Powertools release (``3.x.y``, at least 3.4.0, the first with SSM parameters) whose
        layer is added; resolved per region, architecture and Python runtime at deploy time.
    :param service_name: ``POWERTOOLS_SERVICE_NAME`` (the ``Service`` annotation and the metadata namespace);
        default ``<stack name>-<function id>``.
    :param capture_response: ``POWERTOOLS_TRACER_CAPTURE_RESPONSE``. Off by default: a handler's return value
        (an order, a customer record) would be stored in X-Ray as metadata, readable by anyone who can read
        traces. Turn on per function where responses hold nothing personal.
    :param capture_error: ``POWERTOOLS_TRACER_CAPTURE_ERROR``. On by default: the X-Ray SDK records the
        exception (type, message, stack) in the subsegment's ``cause`` whatever this says; this adds it as
        metadata too. Turning it off does not keep exception messages out of X-Ray.
    :param layer_version: the number at the end of the layer ARN, needed only where Powertools publishes no SSM
        parameter (``me-central-1``, ``me-south-1``, ``cn-north-1``, GovCloud).
    :param layer_arn: use exactly this layer for every Python function (a copy you publish, another partition).

    A variable the function already has is never changed.

    Example::

        PowertoolsTracer()                                          # 3.37.0, responses not captured
        PowertoolsTracer(version="3.36.0", capture_response=True)
    """

    version: str = DEFAULT_POWERTOOLS_VERSION
    service_name: str | None = None
    capture_response: bool = False
    capture_error: bool = True
    layer_version: int | None = None
    layer_arn: str | None = None

    kind: ClassVar[InstrumentationKind] = InstrumentationKind.POWERTOOLS_TRACER

    def __post_init__(self) -> None:
        owner = "PowertoolsTracer"
        if not is_token(self.version):
            match = _RELEASE.fullmatch(self.version) if isinstance(self.version, str) else None
            if match is None or int(match[1]) != 3 or (int(match[2]), int(match[3])) < (4, 0):
                raise XRayValidationError(
                    f"{owner}: version must be a Powertools release from 3.4.0 on (the first with public SSM "
                    f"parameters for its layers), e.g. {DEFAULT_POWERTOOLS_VERSION!r}; got {self.version!r}. "
                    "'latest' is not allowed: CloudFormation resolves it at each deploy, so the code your "
                    "functions run would change without a change to the template."
                )
        check_length(owner, "service_name", self.service_name, minimum=1, maximum=1024)
        for name in ("capture_response", "capture_error"):
            if not isinstance(getattr(self, name), bool):
                raise XRayValidationError(f"{owner}: {name} must be True or False, got {getattr(self, name)!r}")
        check_number(owner, "layer_version", self.layer_version, minimum=1, integer=True)
        if self.layer_arn is not None and not is_token(self.layer_arn) and (
            not isinstance(self.layer_arn, str) or re.fullmatch(LAYER_VERSION_ARN, self.layer_arn) is None
        ):
            raise XRayValidationError(
                f"{owner}: layer_arn must be a Lambda layer version ARN "
                f"(arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>), got {self.layer_arn!r}"
            )

    def environment(self, target: FunctionTarget) -> dict[str, str]:
        """The variables this mode sets on ``target`` where it has none of its own."""
        return {
            "POWERTOOLS_SERVICE_NAME": self.service_name or default_service_name(target),
            "POWERTOOLS_TRACER_CAPTURE_RESPONSE": str(self.capture_response).lower(),
            "POWERTOOLS_TRACER_CAPTURE_ERROR": str(self.capture_error).lower(),
        }

    def plan(self, scope: IConstruct, target: FunctionTarget) -> InstrumentationPlan | Skip:
        """What to add to ``target``; raises :class:`XRayValidationError` where nothing can work."""
        if target.family is RuntimeFamily.NODEJS:
            return Skip(
                "instrumentationNodejsNeedsOpenTelemetry",
                f"Powertools for AWS Lambda (Python) cannot instrument this {target.runtime} function, so it is "
                "left as it is. Use mode=OpenTelemetry() for Node.js functions (ADOT's JavaScript layer), or "
                "Powertools for AWS Lambda (TypeScript)'s Tracer in the function's code.",
            )
        if target.family is not RuntimeFamily.PYTHON:
            return Skip(
                "instrumentationUnsupportedRuntime",
                f"Powertools Tracer has no layer for runtime {target.runtime or 'unknown (a token)'}: this "
                "function is not instrumented. Instrument it in its code, or exclude it "
                "(LambdaInstrumentation.exclude) to silence this warning.",
            )
        if self.layer_arn is not None:
            check_layer_region(target, "layer_arn", self.layer_arn)
            return InstrumentationPlan(self.kind, self.layer_arn, self.environment(target))
        if target.runtime not in POWERTOOLS_PYTHON_RUNTIMES:
            return Skip(  # the function deploys as it is: a warning, not an error, on apps nobody here wrote
                "instrumentationUnsupportedRuntime",
                f"Powertools for AWS Lambda (Python) v3 publishes no layer for {target.runtime} (it does for "
                f"{', '.join(POWERTOOLS_PYTHON_RUNTIMES)}): this function is not instrumented. Upgrade its runtime, "
                "pass PowertoolsTracer(layer_arn=...), or exclude it (LambdaInstrumentation.exclude).",
            )
        layer = powertools_layer(target, version=self.version, layer_version=self.layer_version)
        return InstrumentationPlan(self.kind, layer, self.environment(target))


def default_service_name(target: FunctionTarget) -> str:
    """``<stack name>-<function id>`` (``Orders-ApiFunction``), or the function id in a stack without a name."""
    return f"{target.stack_name}-{target.construct_id}" if target.stack_name else target.construct_id
