"""``XRayTracing``: the public entry points (``enable``, ``exclude``), the aspect, and the marker ``exclude`` leaves."""

from __future__ import annotations

from collections.abc import Callable

import jsii
from aws_cdk import (
    Aspects,
    IAspect,
    Stack,
)
from constructs import IConstruct

from .._passes import PassLeaf, mutating_priority, place_passes, ref_of
from .._validation import XRayValidationError, check_length, check_pattern
from ..discovery import (
    kind_of,
    path_of,
)
from .modes import TracingMode
from .registry import TracingRegistry
from .scope_pass import ScopePass
from .sns_policy import SnsTracingResourcePolicy

__all__ = ["EXCLUDED_METADATA_TYPE", "XRayTracing"]


@jsii.implements(IAspect)
class XRayTracing:
    """The aspect behind :meth:`enable`. Create it through :meth:`enable`, not directly.

    Visiting is idempotent: adding the aspect twice, or on nested scopes, changes nothing more. Where several
    ``enable`` calls cover a resource, the one on the nearest scope decides (the latest, on the same scope).
    """

    def __init__(
        self,
        *,
        mode: TracingMode = TracingMode.ACTIVE,
        sns_resource_policy: bool = True,
        sns_resource_policy_name: str | None = None,
        sns_resource_policy_stack: Stack | None = None,
    ) -> None:
        if not isinstance(mode, TracingMode):
            raise XRayValidationError(f"XRayTracing: mode must be a TracingMode, got {mode!r}")
        check_length("XRayTracing", "sns_resource_policy_name", sns_resource_policy_name, minimum=1, maximum=128)
        check_pattern(
            "XRayTracing",
            "sns_resource_policy_name",
            sns_resource_policy_name,
            r"[\w+=,.@-]+",
            "made of letters, digits and + = , . @ - _",
        )
        if sns_resource_policy_stack is not None and not isinstance(sns_resource_policy_stack, Stack):
            raise XRayValidationError(
                f"XRayTracing: sns_resource_policy_stack must be a Stack, got {sns_resource_policy_stack!r}"
            )
        if sns_resource_policy_stack is not None and not sns_resource_policy:
            raise XRayValidationError(
                "XRayTracing: sns_resource_policy_stack names the stack that makes the account-wide SNS policy, "
                "but sns_resource_policy=False leaves the policy out: give one or the other"
            )
        self.mode = mode
        self.sns_resource_policy = sns_resource_policy
        self.sns_resource_policy_name = sns_resource_policy_name
        self.sns_resource_policy_stack = sns_resource_policy_stack
        self._covered: set[str] = set()  # constructs a pass has seen (only when added by hand)

    @classmethod
    def enable(
        cls,
        scope: IConstruct,
        *,
        mode: TracingMode = TracingMode.ACTIVE,
        sns_resource_policy: bool = True,
        sns_resource_policy_name: str | None = None,
        sns_resource_policy_stack: Stack | None = None,
    ) -> XRayTracing:
        """Turn on X-Ray tracing for every traceable resource in ``scope`` (an App, Stage, Stack or construct).

        :param mode: ``ACTIVE`` (default) or ``PASS_THROUGH``; see :class:`TracingMode`.
        :param sns_resource_policy: create the X-Ray resource policy that lets SNS send traces. Turn off when the
            account already has one for all its topics (a platform stack, another app): X-Ray allows five.
        :param sns_resource_policy_name: the policy's name; default ``<hosting stack name>-SnsTracing``.
        :param sns_resource_policy_stack: make the one account-wide policy for this stack's account and region
            here (whether or not the stack has a topic), and none elsewhere in the app for that account and
            region, in whichever Stage. Default: one per account/region per Stage, in the first stack with a
            traced topic there.

        Example::

            XRayTracing.enable(app)
            XRayTracing.enable(stack, mode=TracingMode.PASS_THROUGH)   # the nearest call decides
        """
        aspect = cls(
            mode=mode,
            sns_resource_policy=sns_resource_policy,
            sns_resource_policy_name=sns_resource_policy_name,
            sns_resource_policy_stack=sns_resource_policy_stack,
        )
        registry = TracingRegistry.of(scope)
        scope_path = scope.node.path
        registry.decide(scope_path, aspect)
        if sns_resource_policy_stack is not None:
            SnsTracingResourcePolicy.ensure_account_wide(
                sns_resource_policy_stack, policy_name=sns_resource_policy_name
            )
        # An id no user picks for a stack or construct of their own.
        place_passes(scope, scope_path, aspect, registry, "ConstructsLibXRayTracingPass")
        return aspect

    @staticmethod
    def exclude(scope: IConstruct) -> None:
        """Leave every resource under ``scope`` exactly as it is, whatever ``enable`` covers it.

        Cheap: it records the decision and adds a marker aspect that changes nothing itself.

        Example::

            XRayTracing.exclude(fn)
        """
        path = path_of(scope)
        registry = TracingRegistry.of(scope)
        # The scope's marker, if exclude was called on it before: decisions are kept by path, one per construct.
        marker = next((d for d in registry.decisions.get(path, ()) if isinstance(d, _Excluded)), None)
        if marker is None:
            marker = _Excluded(path, registry)
            Aspects.of(scope).add(marker, priority=mutating_priority())
        registry.decide(path, marker)

    @staticmethod
    def is_excluded(node: IConstruct, *, path: str | None = None) -> bool:
        """True when ``node`` is under a subtree passed to :meth:`exclude` with no ``enable`` closer to it.

        The decisions are kept by construct path on the Python side, so this costs two or four calls into Node.js
        (the app, and ``node``'s path unless given), whatever the depth of ``node``.

        :param path: ``node.node.path``, when the caller has it already.

        Example::

            XRayTracing.exclude(fn)
            assert XRayTracing.is_excluded(fn.node.default_child)
        """
        return isinstance(TracingRegistry.of(node).nearest(path_of(node) if path is None else path), _Excluded)

    @staticmethod
    def exclusion_test(scope: IConstruct) -> Callable[[str], bool]:
        """:meth:`is_excluded` by construct path, for every construct of ``scope``'s app: one call into Node.js now,
        none per question. It follows ``enable`` and ``exclude`` calls made after it was taken.

        Example::

            XRayTracing.exclude(fn)
            excluded = XRayTracing.exclusion_test(fn)
            assert excluded(fn.node.default_child.node.path)
        """
        registry = TracingRegistry.of(scope)
        return lambda path: isinstance(registry.nearest(path), _Excluded)

    # -- the aspect ---------------------------------------------------------------------------------------
    def visit(self, node: IConstruct) -> None:
        if isinstance(node, PassLeaf):
            if node.aspect is self:
                ScopePass(self, node.target).run()
            return
        # Added by hand (Aspects.of(scope).add(XRayTracing())): CDK visits the scope first, then each construct
        # under it; the first visit does the work for the whole scope.
        if ref_of(node) in self._covered:
            return
        TracingRegistry.of(node).decide(node.node.path, self)
        done = ScopePass(self, node)
        done.run()
        self._covered.update(done.covered)


#: Construct metadata on each traceable resource ``XRayTracing.exclude`` governs (data: the excluded scope's path),
#: so that readers of the cloud assembly (``constructs_lib.report``) can tell "left alone on purpose".
EXCLUDED_METADATA_TYPE = "constructs-lib:xray:excluded"


@jsii.implements(IAspect)
class _Excluded:
    """Marker placed by :meth:`XRayTracing.exclude`: it changes no template, and records in the cloud assembly
    each traceable resource it governs (:data:`EXCLUDED_METADATA_TYPE`)."""

    def __init__(self, scope_path: str, registry: TracingRegistry) -> None:
        self.scope_path = scope_path
        self.registry = registry

    def visit(self, node: IConstruct) -> None:
        kind = kind_of(node)  # no call into Node.js for a generated L1, nor for anything that is not an L1
        if kind is None or not kind.traceable:
            return
        key = ref_of(node)
        if key not in self.registry.marked_excluded and self.registry.nearest(path_of(node)) is self:
            self.registry.marked_excluded.add(key)
            node.node.add_metadata(EXCLUDED_METADATA_TYPE, self.scope_path)
