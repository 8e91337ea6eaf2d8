"""Instrument every Lambda function in a scope (an aspect), or one function now.

Example::

    app = App()
    orders = OrdersStack(app, "Orders")
    XRayTracing.enable(app)                  # the functions record a segment per invocation...
    LambdaInstrumentation.enable(app)        # ...and their code records annotations and every AWS call
    LambdaInstrumentation.enable(orders.legacy, mode=OpenTelemetry())          # nearest call wins
    LambdaInstrumentation.exclude(orders.batch_job)                             # left exactly as it is
"""

from __future__ import annotations

from typing import Any, TypeAlias

import jsii
from aws_cdk import IAspect, Stack, Stage
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

from .._passes import PassLeaf, PathDecisions, place_passes, ref_of
from .._validation import XRayValidationError, warn
from .._walk import Walk, inherits
from ..discovery import is_cdk_internal_function, path_of, paths_of
from ..tracing import XRayTracing
from .detect import kind_from_environment, kind_from_layers
from .kinds import INSTRUMENTATION_METADATA_KEY, InstrumentationKind
from .opentelemetry import OpenTelemetry
from .plan import InstrumentationPlan, Skip
from .powertools import PowertoolsTracer
from .target import FunctionTarget

#: A mode: what instruments the functions, with its settings.
InstrumentationMode: TypeAlias = PowertoolsTracer | OpenTelemetry

#: Lambda's limit on layers per function (CreateFunction: "Cannot reference more than 5 layers").
MAX_LAYERS = 5
_LAYER_ID = "InstrumentationLayer"


@jsii.implements(IAspect)
class LambdaInstrumentation:
    """The aspect behind :meth:`enable`; :meth:`apply` instruments one function without an aspect.

    For each ``lambda_.Function`` / ``CfnFunction`` under the scope (not the functions CDK makes for itself,
    not those under :meth:`exclude` or ``XRayTracing.exclude``), the mode's layer is added, resolved for the
    function's region, architecture and runtime, with the mode's environment variables where the function has
    none of its own, and the Metadata entry ``constructs-lib:instrumentation: <kind>``. Visiting is
    idempotent: a function is instrumented once, by the nearest ``enable`` above it (the latest, on one scope).

    A function already instrumented by hand (its layers or exec wrapper show it) keeps what it has: with the same
    kind it only gets the missing variables and the Metadata entry; with the other kind it is left alone, with a
    warning, since both would record every AWS call twice. Runtimes a mode has no layer for get a warning
    naming the function; regions and partitions where the layer cannot exist are synth errors.

    Tracing itself is :class:`~constructs_lib.XRayTracing`'s job: without it, the functions only record what
    an upstream service sampled (Lambda's default PassThrough).
    """

    def __init__(self, *, mode: InstrumentationMode | None = None) -> None:
        mode = PowertoolsTracer() if mode is None else mode
        if not isinstance(mode, (PowertoolsTracer, OpenTelemetry)):
            raise XRayValidationError(
                f"LambdaInstrumentation: mode must be PowertoolsTracer(...) or OpenTelemetry(...), got {mode!r}"
            )
        self.mode: InstrumentationMode = mode
        self._covered: set[str] = set()  # constructs a pass has seen (only when added by hand)
        self._scopes: list[str] = []  # the paths it was added on by hand, as first visited

    @classmethod
    def enable(cls, scope: IConstruct, *, mode: InstrumentationMode | None = None) -> LambdaInstrumentation:
        """Instrument every Lambda function under ``scope`` (an App, Stage, Stack or construct).

        :param mode: ``PowertoolsTracer()`` (default) or ``OpenTelemetry()``, with their settings.

        Example::

            LambdaInstrumentation.enable(app)
            LambdaInstrumentation.enable(app, mode=PowertoolsTracer(version="3.37.0", capture_response=True))
        """
        aspect = cls(mode=mode)
        decisions = PathDecisions.of(scope)
        scope_path = path_of(scope)
        decisions.decide(scope_path, aspect)
        # An id no user picks for a construct of their own.
        place_passes(scope, scope_path, aspect, decisions, "ConstructsLibInstrumentationPass")
        return aspect

    @staticmethod
    def exclude(scope: IConstruct) -> None:
        """Leave every function under ``scope`` uninstrumented, whatever ``enable`` covers it.

        Example::

            LambdaInstrumentation.exclude(stack.batch_job)
        """
        decisions = PathDecisions.of(scope)
        path = path_of(scope)
        if decisions.decisions.get(path, [None])[-1] is not _EXCLUDED:
            decisions.decide(path, _EXCLUDED)

    @classmethod
    def apply(cls, function: IConstruct, *, mode: InstrumentationMode | None = None) -> InstrumentationKind | None:
        """Instrument one function now, without an aspect; returns the kind it ends up with (None: left alone).

        Use it where an aspect cannot be added, e.g. from inside your own aspect (CDK ignores aspects added
        by an aspect). ``function`` is a ``lambda_.Function`` or its ``CfnFunction``.

        Example::

            LambdaInstrumentation.apply(stack.orders_fn)
        """
        cfn = function.node.default_child if isinstance(function, lambda_.Function) else function
        if not isinstance(cfn, lambda_.CfnFunction):
            raise XRayValidationError(
                f"LambdaInstrumentation.apply: {function.node.path} is not a lambda_.Function or lambda_.CfnFunction"
            )
        return instrument(cfn, cls(mode=mode).mode)

    @staticmethod
    def is_excluded(node: IConstruct) -> bool:
        """True when ``node`` is under a subtree passed to :meth:`exclude` with no ``enable`` closer to it."""
        return isinstance(PathDecisions.of(node).nearest(path_of(node)), _Excluded)

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, PassLeaf):
            if node.aspect is self:
                _run(self, node.target)
            return
        # Added by hand (Aspects.of(scope).add(LambdaInstrumentation())): CDK visits the scope first, then each
        # construct under it; the first visit does the work for the whole scope, and records the decision then.
        # A construct another aspect adds later gets a pass of its own, under the decisions already recorded.
        if ref_of(node) in self._covered:
            return
        path = path_of(node)
        if not any(path == done or path.startswith(done + "/") for done in self._scopes):
            self._scopes.append(path)
            PathDecisions.of(node).decide(path, self)
        self._covered.update(_run(self, node))


def _looked_at(cls: type) -> bool:
    """The constructs the pass looks at: Stages, stacks (a function's is found by path), Lambda L2s and L1s."""
    return inherits(cls, Stage, Stack, lambda_.Function, lambda_.CfnFunction)


def _run(aspect: LambdaInstrumentation, scope: IConstruct) -> list[str]:
    """One pass of ``aspect`` over ``scope``: every function whose nearest decision it is gets instrumented, with
    one walk of the tree and the decisions looked up by path. Returns the jsii references of the constructs walked."""
    walk = Walk(scope)
    nodes = walk.objects(_looked_at)  # Python objects for these only (``_walk``), in find_all's pre-order
    paths_of([n for n in nodes if isinstance(n, (lambda_.CfnFunction, Stage, Stack))])  # together, then cached
    decisions = PathDecisions.of(scope)
    own = ref_of(scope)
    stage_paths = [path_of(n) for n in nodes if isinstance(n, Stage) and ref_of(n) != own]
    for path in stage_paths:
        if path not in decisions.stages_with_pass and isinstance(decisions.nearest(path), LambdaInstrumentation):
            raise XRayValidationError(
                f"LambdaInstrumentation: Stage '{path}' was created after LambdaInstrumentation.enable was called "
                "on a scope above it, and CDK aspects do not cross Stage boundaries, so no function in it would be "
                "instrumented. Call LambdaInstrumentation.enable after creating the Stage, or on the Stage "
                "(LambdaInstrumentation.exclude(stage) to leave it as it is)."
            )
    nested = tuple(p + "/" for p in stage_paths)
    traced_excluded = XRayTracing.exclusion_test(scope)
    stacks = _Stacks(nodes)
    l2: lambda_.Function | None = None
    if isinstance(scope, lambda_.CfnFunction):  # enable on an L2's own L1: the walk starts below the L2
        parent = scope.node.scope
        l2 = parent if isinstance(parent, lambda_.Function) else None
    for node in nodes:
        # The L1 of a Function L2 is the first CfnFunction after it: find_all lists constructs in pre-order, and
        # the L2 makes its L1 ("Resource") in its constructor, before anything else under it can hold a function.
        if isinstance(node, lambda_.Function):
            l2 = node
            continue
        if not isinstance(node, lambda_.CfnFunction):
            continue
        owner, l2 = l2, None
        path = path_of(node)
        if nested and path.startswith(nested):
            continue  # a nested Stage synthesizes on its own, with its own pass
        if decisions.nearest(path) is not aspect or traced_excluded(path):
            continue
        if is_cdk_internal_function(node, path=path):
            continue
        instrument(node, aspect.mode, owner_l2=owner or False, stack=stacks.of(node, path))
    return walk.keys()


class _Stacks:
    """The stack of a construct by its path (the nearest stack above it among those walked), without asking
    Node.js per construct."""

    def __init__(self, nodes: list[IConstruct]) -> None:
        found = [(path_of(n), n) for n in nodes if isinstance(n, Stack)]
        self._by_path = sorted(found, key=lambda pair: -len(pair[0]))  # nested stacks first

    def of(self, node: IConstruct, path: str) -> Stack:
        for stack_path, stack in self._by_path:
            if path.startswith(stack_path + "/"):
                return stack
        return Stack.of(node)  # the pass's scope is inside a stack


def instrument(cfn: lambda_.CfnFunction, mode: InstrumentationMode, *, owner_l2: Any = None,
               stack: Stack | None = None) -> InstrumentationKind | None:
    """Apply ``mode`` to one function (idempotent); the kind it ends up with, or None when left alone.

    ``owner_l2`` (the ``lambda_.Function`` that made ``cfn``, or False for none) and ``stack`` save calls into
    Node.js when the caller knows them already; by default they are looked up.
    """
    marked = cfn.get_metadata(INSTRUMENTATION_METADATA_KEY)
    if marked is not None:
        return InstrumentationKind(marked)
    if owner_l2 is None:
        scope = cfn.node.scope
        owner_l2 = scope if isinstance(scope, lambda_.Function) else False
    l2: lambda_.Function | None = owner_l2 or None
    owner: IConstruct = l2 or cfn
    target = FunctionTarget.of(cfn, stack=stack, owned=l2 is not None)
    existing = kind_from_environment(target.environment) or kind_from_layers(target.layer_text)
    skip = _precheck(target, existing, mode.kind)
    if skip is not None:
        warn(owner, skip.code, skip.message)
        return None
    plan = mode.plan(cfn, target)
    if isinstance(plan, Skip):
        warn(owner, plan.code, plan.message)
        return None
    for key, value in plan.required.items():
        if key in target.environment and target.environment[key] != value:
            warn(owner, "instrumentationWrapperConflict",
                 f"{key} is already {target.environment[key]!r}; {mode.kind.value} needs {value!r} to start, so "
                 "this function is left as it is. Remove your value, or exclude the function.")
            return None
    if kind_from_layers(target.layer_text) is None:  # a layer of the same kind, added by hand, stays the only one
        if len(target.layers) >= MAX_LAYERS:
            warn(owner, "instrumentationTooManyLayers",
                 f"The function already has {len(target.layers)} layers, Lambda's limit, so the {plan.kind.value} "
                 "layer would be one too many: it is not instrumented. Merge layers, or exclude the function "
                 "(LambdaInstrumentation.exclude) to silence this warning.")
            return None
        _add_layer(cfn, l2, target, plan)
    added = {k: v for k, v in {**plan.defaults, **plan.required}.items() if k not in target.environment}
    if l2 is not None:
        for key, value in added.items():
            l2.add_environment(key, value)
    elif added:
        # The typed property, not a raw override: the user's own raw overrides (add_property_override) are applied
        # after it, so a variable set that way still wins.
        cfn.environment = lambda_.CfnFunction.EnvironmentProperty(variables={**target.environment, **added})
    for code, message in plan.notes:
        warn(owner, code, message)
    cfn.add_metadata(INSTRUMENTATION_METADATA_KEY, plan.kind.value)
    return plan.kind


def _precheck(target: FunctionTarget, existing: InstrumentationKind | None,
              kind: InstrumentationKind) -> Skip | None:
    """Why ``target`` is left alone before a layer is even chosen: no layers possible, unreadable settings, or
    ``existing`` instrumentation of another kind than ``kind``."""
    if target.package_type == "Image":
        return Skip("instrumentationContainerImage",
                    "Container-image functions cannot use layers: install the instrumentation in the image "
                    "(pip install 'aws-lambda-powertools[tracer]', or the OpenTelemetry distro) instead.")
    if target.architecture is None:
        return Skip("instrumentationUnknownArchitecture",
                    "The function's architecture is a token, so no layer can be chosen for it: it is not "
                    "instrumented.")
    if target.environment_unreadable:
        return Skip("instrumentationEnvironmentUnreadable",
                    "The function's environment is an intrinsic function (Fn::If...), so the variables you set "
                    "cannot be read and might be overwritten: it is not instrumented.")
    if existing is not None and existing is not kind:
        return Skip("instrumentationConflict",
                    f"This function is already instrumented with {existing.value} (its layers or "
                    f"AWS_LAMBDA_EXEC_WRAPPER show it), so {kind.value} is not added: both would record every AWS "
                    "call twice. Remove one, or exclude the function (LambdaInstrumentation.exclude).")
    return None


def _add_layer(cfn: lambda_.CfnFunction, l2: lambda_.Function | None, target: FunctionTarget,
               plan: InstrumentationPlan) -> None:
    if l2 is not None:
        l2.add_layers(lambda_.LayerVersion.from_layer_version_arn(l2, _LAYER_ID, plan.layer_arn))
        return
    layers = cfn.layers
    if layers is None or isinstance(layers, list):
        cfn.layers = [*(layers or []), plan.layer_arn]
    else:
        cfn.add_property_override("Layers", [*target.layers, plan.layer_arn])


class _Excluded:
    """The decision :meth:`LambdaInstrumentation.exclude` records: leave the subtree as it is."""


_EXCLUDED = _Excluded()


__all__ = ["InstrumentationMode", "LambdaInstrumentation", "instrument"]
