"""Synth-time validation helpers shared by every construct in the library.

Every check names the field, the value it got and what is allowed, and skips values that are still CDK tokens
(they are only known at deploy time).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from typing import Any

from aws_cdk import Annotations, Token
from constructs import IConstruct

#: The prefix of every warning id this library emits; acknowledge one with ``annotation::<id>``.
WARNING_PREFIX = "@constructs-lib/xray"


class XRayValidationError(ValueError):
    """Raised at synth time when a construct is given a value AWS would reject at deploy time."""


def is_token(value: Any) -> bool:
    """True when ``value`` is (or contains) an unresolved CDK token."""
    # Told without a call into Node.js where CDK's own test would say no at once: a string token contains
    # "Token[" (CDK checks that first), a number token is a large negative number.
    if value is None or isinstance(value, bool) or (isinstance(value, str) and "Token[" not in value):
        return False
    if isinstance(value, int) and value >= 0:
        return False
    if isinstance(value, float) and (value >= 0 or not math.isfinite(value)):
        return False  # NaN and infinities are not JSON: never send them to jsii
    return Token.is_unresolved(value)


def warn(node: IConstruct, code: str, message: str) -> None:
    """A "this works, but you should know" warning on ``node``, id ``@constructs-lib/xray:<code>``."""
    Annotations.of(node).add_warning_v2(f"{WARNING_PREFIX}:{code}", message)


def fail(owner: str, field: str, value: Any, allowed: str) -> XRayValidationError:
    """Build the library's standard error: ``owner: field must be <allowed>, got <value>``."""
    return XRayValidationError(f"{owner}: {field} must be {allowed}, got {value!r}")


def check_number(
    owner: str,
    field: str,
    value: float | int | None,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
) -> None:
    """Check that ``value`` is a number (an integer if asked) within ``[minimum, maximum]``."""
    if value is None or is_token(value):
        return
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise fail(owner, field, value, kind + _range_text(minimum, maximum))
    if not math.isfinite(value):
        raise fail(owner, field, value, "a finite number" + _range_text(minimum, maximum))
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise fail(owner, field, value, kind + _range_text(minimum, maximum))


def check_length(owner: str, field: str, value: str | None, *, minimum: int = 0, maximum: int) -> None:
    """Check that the string ``value`` has between ``minimum`` and ``maximum`` characters."""
    if value is None or is_token(value):
        return
    if not isinstance(value, str):
        raise fail(owner, field, value, "a string")
    if not minimum <= len(value) <= maximum:
        raise fail(owner, field, value, f"{minimum} to {maximum} characters long (it has {len(value)})")


def check_pattern(owner: str, field: str, value: str | None, pattern: str, description: str) -> None:
    """Check that the whole of ``value`` matches ``pattern``; ``description`` says what that means to a user."""
    if value is None or is_token(value):
        return
    if not isinstance(value, str) or re.fullmatch(pattern, value) is None:
        raise fail(owner, field, value, description)


def check_choice(owner: str, field: str, value: str | None, allowed: Collection[str]) -> None:
    """Check that ``value`` is one of ``allowed``."""
    if value is None or is_token(value):
        return
    if value not in allowed:
        raise fail(owner, field, value, "one of " + ", ".join(sorted(allowed)))


def _range_text(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    if maximum is not None:
        return f" of at most {maximum}"
    return ""
