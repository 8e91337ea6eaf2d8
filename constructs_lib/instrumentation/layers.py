"""Which layer ARN instruments a function, for its region, architecture and runtime.

**Powertools for AWS Lambda (Python)**: by its public SSM parameter, not by a table of ARNs. Since Powertools
3.4.0 every release publishes, in each commercial region it supports, the parameter
``/aws/service/powertools/python/<x86_64|arm64>/<python3.xx>/<version>`` whose value is that region's layer
ARN (Powertools docs, "Installation" > "Lambda Layer" > "Using SSM Parameter Store"). The layer is then
``{{resolve:ssm:<parameter>}}``, which CloudFormation resolves at deploy time:

- the pin is the release users know from PyPI (``3.37.0``), not the layer's version number, which differs per
  release and which no table here would keep current;
- it works for environment-agnostic stacks, whose region is only known at deploy time;
- one code path for every commercial region.

Where Powertools publishes the layer but no parameter (its SSM workflow covers 30 commercial regions; not
``me-central-1``, ``me-south-1``, China or GovCloud), the ARN is built from the documented account and the
layer version number the user pins (``layer_version``). Anywhere else is a synth error naming the function.
A release whose parameter AWS never published (it happened to 3.23.0, powertools-lambda-python#7689) fails
the deploy with "parameter not found"; pin another release or pass ``layer_arn``.

**OpenTelemetry (ADOT)**: aws-cdk-lib's own ``AdotLambdaLayerPythonSdkVersion`` / ``...JavaScriptSdkVersion``
``layer_arn()``, which knows the regions and, for environment-agnostic stacks, renders a regional lookup.
These are the *legacy* ADOT layers (``aws-otel-*``, account 901920570463, collector inside). The
Application Signals layers (``AWSOpenTelemetryDistro*``) differ in account *and* version number per region,
and aws-cdk-lib has no table for them: pass their ARN (``OpenTelemetry(layer_arn=...)``), as aws-cdk-lib's
own documentation advises.

Example::

    from constructs_lib.instrumentation.layers import powertools_ssm_parameter

    powertools_ssm_parameter("arm64", "python3.14", "3.37.0")
    # '/aws/service/powertools/python/arm64/python3.14/3.37.0'
"""

from __future__ import annotations

import functools
from typing import Any

from aws_cdk import CfnDynamicReference, CfnDynamicReferenceService, Token
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

from .._validation import XRayValidationError
from .target import FunctionTarget

#: Python runtimes with a Powertools V3 layer (Powertools docs, "Installation" > "Lambda Layer": python310 to
#: python314; "Python 3.9 layers stopped at layer version 27").
POWERTOOLS_PYTHON_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")

#: Regions where Powertools writes its layer-ARN SSM parameters (its ``update_ssm.yml`` workflow).
POWERTOOLS_SSM_REGIONS = frozenset({
    "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
    "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
    "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
    "us-west-1", "us-west-2",
})

#: The account that publishes the Powertools layer, where there is a layer but no SSM parameter
#: (Powertools docs, "Installation": the regional table, "AWS China regions", "AWS GovCloud regions").
POWERTOOLS_LAYER_ONLY_ACCOUNTS = {
    "me-central-1": "017000801446",
    "me-south-1": "017000801446",
    "cn-north-1": "498634801083",
    "us-gov-east-1": "165087284144",
    "us-gov-west-1": "165093116878",
}
#: The account of the layer in every region of :data:`POWERTOOLS_SSM_REGIONS`.
POWERTOOLS_LAYER_ACCOUNT = "017000801446"


def powertools_ssm_parameter(architecture: str, runtime: str, version: str) -> str:
    """The public SSM parameter holding the Powertools layer ARN of one architecture, runtime and release."""
    return f"/aws/service/powertools/python/{architecture}/{runtime}/{version}"


def powertools_layer_name(architecture: str, runtime: str) -> str:
    """``AWSLambdaPowertoolsPythonV3-python314-arm64``: the layer's name for a runtime and architecture."""
    return f"AWSLambdaPowertoolsPythonV3-{runtime.replace('.', '')}-{architecture}"


def powertools_layer(target: FunctionTarget, *, version: str, layer_version: int | None) -> str:
    """The layer reference for ``target``: an SSM dynamic reference, or an ARN where there is no parameter.

    Raises :class:`XRayValidationError` (naming the function) for a region without a Powertools layer, or a
    layer-only region without ``layer_version``.
    """
    assert target.runtime is not None and target.architecture is not None
    region = target.region
    if region is None or region in POWERTOOLS_SSM_REGIONS:
        return _ssm_reference(powertools_ssm_parameter(target.architecture, target.runtime, version))
    account = POWERTOOLS_LAYER_ONLY_ACCOUNTS.get(region)
    if account is None:
        raise XRayValidationError(
            f"{target.path}: Powertools for AWS Lambda (Python) publishes no layer in region {region!r} "
            f"(it does in {', '.join(sorted(POWERTOOLS_SSM_REGIONS | set(POWERTOOLS_LAYER_ONLY_ACCOUNTS)))}). "
            "Pass PowertoolsTracer(layer_arn=...) with a layer you publish yourself, or exclude the function "
            "(LambdaInstrumentation.exclude)."
        )
    if layer_version is None:
        raise XRayValidationError(
            f"{target.path}: Powertools publishes a layer in {region} but no SSM parameter for it, so release "
            f"{version} cannot be looked up there. Pass PowertoolsTracer(layer_version=N) with the number at the "
            f"end of the layer ARN the Powertools docs list for {region} "
            f"(arn:{target.partition}:lambda:{region}:{account}:layer:"
            f"{powertools_layer_name(target.architecture, target.runtime)}:N), or layer_arn=..."
        )
    return (f"arn:{target.partition}:lambda:{region}:{account}:layer:"
            f"{powertools_layer_name(target.architecture, target.runtime)}:{layer_version}")


def adot_layer(scope: IConstruct, target: FunctionTarget, version: Any) -> str:
    """The ARN of aws-cdk-lib's ADOT layer ``version`` (a ``AdotLambdaLayer*SdkVersion``) for ``target``."""
    architecture = lambda_.Architecture.ARM_64 if target.architecture == "arm64" else lambda_.Architecture.X86_64
    try:
        arn: str = version.layer_arn(scope, architecture)
    except RuntimeError as error:
        if "AdotLayerArnNotFound" not in str(error):
            raise
        raise XRayValidationError(
            f"{target.path}: aws-cdk-lib knows no ADOT layer of this version in region {target.region!r} "
            f"({str(error).splitlines()[0]}). Choose another version, pass OpenTelemetry(layer_arn=...) with the "
            "ARN of the AWSOpenTelemetryDistro layer AWS lists for that region, or exclude the function."
        ) from None
    return arn


def check_layer_region(target: FunctionTarget, field: str, arn: str) -> None:
    """Lambda attaches only layers of the function's own region: a layer ARN given by the user for a function in
    another (known) region is a synth error rather than a failed deploy. Tokens and env-agnostic stacks pass."""
    if target.region is None or not isinstance(arn, str) or Token.is_unresolved(arn):
        return
    parts = arn.split(":")
    layer_region = parts[3] if len(parts) > 3 else ""
    if layer_region and layer_region != target.region:
        raise XRayValidationError(
            f"{target.path}: {field} {arn!r} is a layer of region {layer_region}, but the function deploys to "
            f"{target.region}, and Lambda attaches only layers of the function's own region. Pass that region's "
            "layer ARN (one LambdaInstrumentation.enable per region, on that region's stacks)."
        )


@functools.cache
def _ssm_reference(name: str) -> str:
    """``{{resolve:ssm:<name>}}`` as a CDK token, made once per parameter (a token stands for its value anywhere)."""
    return CfnDynamicReference(CfnDynamicReferenceService.SSM, name).to_string()
