"""Tell from a template alone whether a Lambda function records its AWS calls in X-Ray, and with what.

Three signals, strongest first:

1. the Metadata entry ``constructs-lib:instrumentation`` (``powertools-tracer`` or ``opentelemetry``) that
   :class:`~constructs_lib.instrumentation.LambdaInstrumentation` writes;
2. hand-made instrumentation, by layer: a Powertools layer (``...:017000801446:layer:AWSLambdaPowertoolsPython*``
   or ``{{resolve:ssm:/aws/service/powertools/python/...}}``; the TypeScript ones ``AWSLambdaPowertoolsTypeScript*``,
   ``/aws/service/powertools/typescript/``) unless ``POWERTOOLS_TRACE_DISABLED`` is true; an OpenTelemetry layer
   (``aws-otel-*`` from account 901920570463, ``AWSOpenTelemetryDistro*``, the community ``opentelemetry-*``);
3. hand-made instrumentation, by environment: ``AWS_LAMBDA_EXEC_WRAPPER`` set to one of the OpenTelemetry
   wrappers (``/opt/otel-instrument``, ``/opt/otel-handler``, ``/opt/otel-proxy-handler``,
   ``/opt/otel-stream-handler``, ``/opt/otel-sqs-handler``).

A function that bundles the X-Ray SDK or Powertools in its own code asset shows none of these: the template
cannot tell, and this returns None for it.

Example::

    from aws_cdk.assertions import Template
    from constructs_lib import LambdaInstrumentation, detect_instrumentation

    LambdaInstrumentation.enable(stack.orders_fn)
    template = Template.from_stack(stack).to_json()   # or json.load(open("cdk.out/Orders.template.json"))
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Function":
            print(logical_id, detect_instrumentation(resource))      # InstrumentationKind.POWERTOOLS_TRACER
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .kinds import INSTRUMENTATION_METADATA_KEY, InstrumentationKind

#: Layer references (ARNs or SSM dynamic references) of Powertools for AWS Lambda, Python and TypeScript.
POWERTOOLS_LAYER = re.compile(
    r":layer:AWSLambdaPowertools(Python|TypeScript)|/aws/service/powertools/(python|typescript)/"
)
#: Layer references of OpenTelemetry for Lambda: ADOT's legacy and Application Signals layers, and the community's.
OPENTELEMETRY_LAYER = re.compile(r":layer:(aws-otel-|AWSOpenTelemetryDistro|opentelemetry-)")
#: The exec wrappers the OpenTelemetry layers install (``AWS_LAMBDA_EXEC_WRAPPER``).
OPENTELEMETRY_WRAPPERS = frozenset(
    {"/opt/otel-instrument", "/opt/otel-handler", "/opt/otel-proxy-handler", "/opt/otel-stream-handler",
     "/opt/otel-sqs-handler"}
)
_TRUTHY = frozenset({"1", "true", "yes", "on", "y"})


def kind_from_layers(layers: str) -> InstrumentationKind | None:
    """The instrumentation a function's layer references (joined into one string) point to, if any."""
    if OPENTELEMETRY_LAYER.search(layers):
        return InstrumentationKind.OPENTELEMETRY
    if POWERTOOLS_LAYER.search(layers):
        return InstrumentationKind.POWERTOOLS_TRACER
    return None


def kind_from_environment(variables: Mapping[str, Any]) -> InstrumentationKind | None:
    """OpenTelemetry when ``AWS_LAMBDA_EXEC_WRAPPER`` names one of its wrappers."""
    if variables.get("AWS_LAMBDA_EXEC_WRAPPER") in OPENTELEMETRY_WRAPPERS:
        return InstrumentationKind.OPENTELEMETRY
    return None


def tracer_disabled(variables: Mapping[str, Any]) -> bool:
    """True when ``POWERTOOLS_TRACE_DISABLED`` turns the Powertools Tracer off."""
    value = variables.get("POWERTOOLS_TRACE_DISABLED")
    return isinstance(value, str) and value.strip().lower() in _TRUTHY


def detect_instrumentation(resource: Mapping[str, Any]) -> InstrumentationKind | None:
    """The instrumentation of one ``AWS::Lambda::Function`` template resource (a dict), or None.

    Example::

        detect_instrumentation({"Type": "AWS::Lambda::Function",
                                "Metadata": {"constructs-lib:instrumentation": "opentelemetry"}})
    """
    marked = (resource.get("Metadata") or {}).get(INSTRUMENTATION_METADATA_KEY)
    if marked is not None:
        return InstrumentationKind(marked)
    properties = resource.get("Properties") or {}
    environment = properties.get("Environment") or {}
    variables = environment.get("Variables") if isinstance(environment, dict) else None
    variables = variables if isinstance(variables, dict) else {}
    layers = properties.get("Layers") or []
    text = " ".join(layer if isinstance(layer, str) else json.dumps(layer) for layer in
                    (layers if isinstance(layers, list) else [layers]))
    kind = kind_from_environment(variables) or kind_from_layers(text)
    if kind is InstrumentationKind.POWERTOOLS_TRACER and tracer_disabled(variables):
        return None
    return kind
