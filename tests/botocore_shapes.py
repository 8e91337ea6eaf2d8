"""Check what the constructs emit against the API's own input shape, from botocore's service model.

botocore's validator (``botocore.validate.validate_parameters``) checks required members, types and minimums; the
model also carries maximums (string lengths, list and map sizes, number ranges) that the validator leaves to the
service. :func:`input_errors` checks both, so a test fails on anything the API would reject.
"""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.model import Shape
from botocore.validate import validate_parameters

_SESSION = botocore.session.get_session()


def input_errors(service: str, operation: str, params: dict[str, Any]) -> list[str]:
    """Every way ``params`` breaks the input shape of ``service``'s ``operation`` (empty when it fits)."""
    shape = _SESSION.get_service_model(service).operation_model(operation).input_shape
    errors: list[str] = []
    try:
        validate_parameters(params, shape)
    except ParamValidationError as error:
        errors.append(str(error))
    _limits(shape, params, operation, errors)
    return errors


def _limits(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    meta = shape.metadata
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            if name in value:
                _limits(member, value[name], f"{path}.{name}", errors)
        return
    if shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            _limits(shape.key, key, f"{path} key", errors)  # type: ignore[attr-defined]
            _limits(shape.value, item, f"{path}[{key!r}]", errors)  # type: ignore[attr-defined]
        size: float = len(value)
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            _limits(shape.member, item, f"{path}[{index}]", errors)  # type: ignore[attr-defined]
        size = len(value)
    elif shape.type_name == "string" and isinstance(value, str):
        size = len(value)
    elif shape.type_name in ("integer", "long", "double", "float") and isinstance(value, (int, float)):
        size = value
    else:
        return
    if "max" in meta and size > meta["max"]:
        errors.append(f"{path}: {value!r} is over the maximum {meta['max']}")
    if "min" in meta and size < meta["min"]:
        errors.append(f"{path}: {value!r} is under the minimum {meta['min']}")
