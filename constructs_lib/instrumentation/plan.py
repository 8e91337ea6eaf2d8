"""What a mode decides for one function: the layer and variables to add, or why it leaves the function alone.

A mode (``PowertoolsTracer``, ``OpenTelemetry``) turns a :class:`~.target.FunctionTarget` into one of these;
:class:`~.aspect.LambdaInstrumentation` applies it. Keeping the decision a value makes it testable without
synthesizing.

Example::

    from constructs_lib import PowertoolsTracer
    from constructs_lib.instrumentation.target import FunctionTarget

    target = FunctionTarget.of(fn.node.default_child)
    plan = PowertoolsTracer().plan(fn, target)
    plan.layer_arn, plan.defaults["POWERTOOLS_SERVICE_NAME"]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .kinds import InstrumentationKind


@dataclass(frozen=True)
class InstrumentationPlan:
    """Instrument the function: add ``layer_arn`` and the variables.

    ``defaults`` are set only where the function has no such variable. ``required`` must hold exactly this
    value: where the user set another one, the function is left alone (with a warning), since the
    instrumentation could not start. ``notes`` are ``(code, message)`` warnings to attach to the function.
    """

    kind: InstrumentationKind
    layer_arn: str
    defaults: Mapping[str, str] = field(default_factory=dict)
    required: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Skip:
    """Leave the function as it is, and warn: ``code`` becomes ``@constructs-lib/xray:<code>``."""

    code: str
    message: str
