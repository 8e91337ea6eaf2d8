"""Shared helpers of the monitoring tests: small resource builders, template readers, and a validator of alarm
properties against botocore's CloudWatch input shapes."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import botocore.validate
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_

ACCOUNT, REGION = "111111111111", "eu-west-1"
ENV = {"account": ACCOUNT, "region": REGION}


def cfn_fn(scope: Any, id: str, **kwargs: Any) -> lambda_.CfnFunction:
    """A bare function L1 (cheap to synthesize)."""
    return lambda_.CfnFunction(scope, id, code=lambda_.CfnFunction.CodeProperty(zip_file="x"),
                               role=f"arn:aws:iam::{ACCOUNT}:role/r", runtime="python3.12", handler="i.h", **kwargs)


def inline_function(scope: Any, id: str, **kwargs: Any) -> lambda_.Function:
    return lambda_.Function(scope, id, runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(e, c): return e"), **kwargs)


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def alarms_of(template: dict[str, Any], kind: str = "AWS::CloudWatch::Alarm") -> dict[str, dict[str, Any]]:
    """Alarm properties by alarm name."""
    return {r["Properties"]["AlarmName"]: r["Properties"] for r in resources_of(template, kind).values()}


def text_of(value: Any, token_length: int = 80) -> str:
    """A rendered string property as text, each reference replaced by ``token_length`` characters (the longest
    the referenced name can be)."""
    if isinstance(value, str):
        return value
    parts = value["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else "x" * token_length for p in parts)


def expressions_of(props: dict[str, Any]) -> list[Any]:
    return [m["Expression"] for m in props.get("Metrics", []) if "Expression" in m]


def synth(stack: Stack) -> dict[str, Any]:
    stage = stack.node.root
    return stage.synth().get_stack_by_name(stack.stack_name).template  # type: ignore[attr-defined, no-any-return]


# -- botocore ------------------------------------------------------------------------------------------------
_CLOUDWATCH = botocore.session.get_session().get_service_model("cloudwatch")


def _placeholders(value: Any) -> Any:
    """Replace CloudFormation intrinsics with plain strings of a realistic length."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::Join", "Fn::Sub", "Fn::ImportValue"):
            if "Fn::Join" in value:
                return text_of(value, 20)
            return "arn:aws:sns:eu-west-1:111111111111:placeholder" if "Arn" in json.dumps(value) or \
                "Topic" in json.dumps(value) else "placeholder"
        return {k: _placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v) for v in value]
    return value


def _strict(value: Any, shape: Any, path: str, errors: list[str]) -> None:
    """What botocore's validator leaves out: ``max`` lengths and values, and enums."""
    metadata = shape.metadata
    if shape.type_name == "structure" and isinstance(value, dict):
        for key, member in value.items():
            if key in shape.members:
                _strict(member, shape.members[key], f"{path}.{key}", errors)
    elif shape.type_name == "list" and isinstance(value, list):
        if "max" in metadata and len(value) > metadata["max"]:
            errors.append(f"{path}: {len(value)} items, at most {metadata['max']}")
        for index, item in enumerate(value):
            _strict(item, shape.member, f"{path}[{index}]", errors)
    elif shape.type_name == "string" and isinstance(value, str):
        if "max" in metadata and len(value) > metadata["max"]:
            errors.append(f"{path}: {len(value)} characters, at most {metadata['max']}")
        if shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} is not one of {shape.enum}")
    elif shape.type_name in ("integer", "long", "double") and isinstance(value, (int, float)) \
            and "max" in metadata and value > metadata["max"]:
        errors.append(f"{path}: {value} is more than {metadata['max']}")


def validate_api_input(operation: str, properties: dict[str, Any]) -> list[str]:
    """Errors of ``properties`` (an alarm's CloudFormation properties, whose names are the API's) against the
    input shape of CloudWatch's ``operation`` (``PutMetricAlarm``, ``PutCompositeAlarm``)."""
    shape = _CLOUDWATCH.operation_model(operation).input_shape
    params = _placeholders(properties)
    unknown = sorted(set(params) - set(shape.members))
    errors = [f"{k}: not a {operation} parameter" for k in unknown]
    report = botocore.validate.ParamValidator().validate(params, shape)
    if report.has_errors():
        errors.append(report.generate_report())
    _strict(params, shape, operation, errors)
    return errors
