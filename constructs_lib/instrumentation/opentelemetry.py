"""OpenTelemetry for Lambda (AWS Distro for OpenTelemetry, ADOT): its layer and the exec wrapper that starts it.

What it gives in X-Ray (with the function traced): spans for the invocation and for each AWS SDK and HTTP call,
made by auto-instrumentation without code changes; custom attributes only if the code adds them with the
OpenTelemetry API. The layers are aws-cdk-lib's (``AdotLambdaLayerPythonSdkVersion``,
``AdotLambdaLayerJavaScriptSdkVersion``): the legacy ADOT layers with a collector inside. For AWS's newer
Application Signals layers (``AWSOpenTelemetryDistroPython`` / ``...Js``), pass their ARN for your region.

Example::

    LambdaInstrumentation.enable(app, mode=OpenTelemetry())
    LambdaInstrumentation.enable(app, mode=OpenTelemetry(
        python_layer_arn="arn:aws:lambda:eu-west-1:615299751070:layer:AWSOpenTelemetryDistroPython:16"))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

from .._validation import XRayValidationError, check_length, is_token
from .kinds import InstrumentationKind
from .layers import adot_layer, check_layer_region
from .plan import InstrumentationPlan, Skip
from .powertools import LAYER_VERSION_ARN
from .target import FunctionTarget, RuntimeFamily

#: The wrapper for Python (both layer families) and for the AWSOpenTelemetryDistro layers of any language
#: (aws-cdk-lib ``AdotLambdaExecWrapper.INSTRUMENT_HANDLER``).
INSTRUMENT_WRAPPER = "/opt/otel-instrument"
#: The wrapper of the legacy ADOT JavaScript layer (``AdotLambdaExecWrapper.REGULAR_HANDLER``).
NODEJS_LEGACY_WRAPPER = "/opt/otel-handler"
#: Python versions the legacy ADOT Python layer documents (ADOT docs, "AWS Distro for OpenTelemetry Lambda
#: Support For Python": "Python 3.8, 3.9, 3.10, 3.11, 3.12 and 3.13").
ADOT_LEGACY_PYTHON_RUNTIMES = ("python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13")


@dataclass(frozen=True)
class OpenTelemetry:
    """Instrument Python and Node.js functions with an ADOT Lambda layer and its exec wrapper.

    :param python_layer: aws-cdk-lib's ADOT Python layer version (pinned; default ``V1_29_0``).
    :param javascript_layer: aws-cdk-lib's ADOT JavaScript layer version (pinned; default ``V1_30_0``).
    :param python_layer_arn: use this layer for Python functions instead, e.g. the ``AWSOpenTelemetryDistroPython``
        ARN AWS lists for your region (its account and number differ per region).
    :param nodejs_layer_arn: the same for Node.js functions (``AWSOpenTelemetryDistroJs``; wrapper
        ``/opt/otel-instrument``).
    :param service_name: ``OTEL_SERVICE_NAME``; unset by default (the layer then names the service after the
        function).

    ``AWS_LAMBDA_EXEC_WRAPPER`` must be the layer's wrapper: a function where you set another one is left as it
    is, with a warning. Other variables you set are never changed.

    Example::

        OpenTelemetry(python_layer=lambda_.AdotLambdaLayerPythonSdkVersion.V1_25_0)
    """

    python_layer: lambda_.AdotLambdaLayerPythonSdkVersion = lambda_.AdotLambdaLayerPythonSdkVersion.V1_29_0
    javascript_layer: lambda_.AdotLambdaLayerJavaScriptSdkVersion = (
        lambda_.AdotLambdaLayerJavaScriptSdkVersion.V1_30_0
    )
    python_layer_arn: str | None = None
    nodejs_layer_arn: str | None = None
    service_name: str | None = None

    kind: ClassVar[InstrumentationKind] = InstrumentationKind.OPENTELEMETRY

    def __post_init__(self) -> None:
        owner = "OpenTelemetry"
        if not isinstance(self.python_layer, lambda_.AdotLambdaLayerPythonSdkVersion):
            raise XRayValidationError(
                f"{owner}: python_layer must be an aws_lambda.AdotLambdaLayerPythonSdkVersion, "
                f"got {self.python_layer!r}"
            )
        if not isinstance(self.javascript_layer, lambda_.AdotLambdaLayerJavaScriptSdkVersion):
            raise XRayValidationError(
                f"{owner}: javascript_layer must be an aws_lambda.AdotLambdaLayerJavaScriptSdkVersion, "
                f"got {self.javascript_layer!r}"
            )
        for name in ("python_layer_arn", "nodejs_layer_arn"):
            value = getattr(self, name)
            if value is not None and not is_token(value) and (
                not isinstance(value, str) or re.fullmatch(LAYER_VERSION_ARN, value) is None
            ):
                raise XRayValidationError(
                    f"{owner}: {name} must be a Lambda layer version ARN "
                    f"(arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>), got {value!r}"
                )
        check_length(owner, "service_name", self.service_name, minimum=1, maximum=1024)

    def plan(self, scope: IConstruct, target: FunctionTarget) -> InstrumentationPlan | Skip:
        """What to add to ``target``; raises :class:`XRayValidationError` where nothing can work."""
        defaults = {"OTEL_SERVICE_NAME": self.service_name} if self.service_name else {}
        if target.family is RuntimeFamily.PYTHON:
            notes: tuple[tuple[str, str], ...] = ()
            if self.python_layer_arn is None and target.runtime not in ADOT_LEGACY_PYTHON_RUNTIMES:
                notes = ((
                    "adotPythonRuntimeUndocumented",
                    f"aws-cdk-lib's ADOT Python layers (the legacy aws-otel-python ones) document Python 3.8 to "
                    f"3.13, not {target.runtime}. Test it, or pass OpenTelemetry(python_layer_arn=...) with the "
                    "AWSOpenTelemetryDistroPython layer of your region.",
                ),)
            if self.python_layer_arn is not None:
                check_layer_region(target, "python_layer_arn", self.python_layer_arn)
            layer = self.python_layer_arn or adot_layer(scope, target, self.python_layer)
            return InstrumentationPlan(self.kind, layer, defaults,
                                       {"AWS_LAMBDA_EXEC_WRAPPER": INSTRUMENT_WRAPPER}, notes)
        if target.family is RuntimeFamily.NODEJS:
            if self.nodejs_layer_arn is not None:
                check_layer_region(target, "nodejs_layer_arn", self.nodejs_layer_arn)
                return InstrumentationPlan(self.kind, self.nodejs_layer_arn, defaults,
                                           {"AWS_LAMBDA_EXEC_WRAPPER": INSTRUMENT_WRAPPER})
            layer = adot_layer(scope, target, self.javascript_layer)
            return InstrumentationPlan(self.kind, layer, defaults, {"AWS_LAMBDA_EXEC_WRAPPER": NODEJS_LEGACY_WRAPPER})
        return Skip(
            "instrumentationUnsupportedRuntime",
            f"This library instruments Python and Node.js functions; {target.runtime or 'a runtime it cannot read'} "
            "is left as it is. For Java, use aws-cdk-lib's adot_instrumentation prop "
            "(AdotLayerVersion.from_java_sdk_layer_version); exclude the function to silence this warning.",
        )
