"""The shared synth-time checks: messages name the field, the value and what is allowed; tokens pass."""

from __future__ import annotations

import math

import pytest
from aws_cdk import Aws, Token

from constructs_lib._validation import XRayValidationError, check_length, check_number, is_token


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_rejected_without_reaching_jsii(value: float) -> None:
    assert is_token(value) is False  # NaN is not JSON: sending it to jsii would break the process
    with pytest.raises(XRayValidationError, match=r"Rule: fixed_rate must be a finite number from 0 to 1, got"):
        check_number("Rule", "fixed_rate", value, minimum=0, maximum=1)


def test_range_errors_name_field_value_and_limit() -> None:
    with pytest.raises(XRayValidationError, match=r"^Rule: priority must be an integer from 1 to 9999, got 0$"):
        check_number("Rule", "priority", 0, minimum=1, maximum=9999, integer=True)
    with pytest.raises(XRayValidationError, match=r"name must be 1 to 32 characters long \(it has 33\), got 'x+'"):
        check_length("Group", "name", "x" * 33, minimum=1, maximum=32)


def test_tokens_are_not_validated() -> None:
    check_number("Rule", "priority", Token.as_number(Aws.ACCOUNT_ID), minimum=1, maximum=9999)
    check_length("Group", "name", Aws.STACK_NAME, minimum=1, maximum=3)


@pytest.mark.parametrize("value", [0, 7, 2.5, -1, -2.5, "", "orders", "a Token[ that is not one", Aws.STACK_NAME,
                                   f"prefix-{Aws.REGION}", Token.as_number(Aws.ACCOUNT_ID), ["x"], {"Ref": "R"}])
def test_is_token_agrees_with_cdk(value: object) -> None:
    # Plain numbers and strings without "Token[" are answered in Python (no call into Node.js): the answer must be
    # the one CDK's own Token.is_unresolved gives.
    assert is_token(value) is Token.is_unresolved(value)
