"""Register policy-validation rule packs (cdk-nag) so that the cloud assembly records that they ran.

aws-cdk-lib leaves a rule pack out of ``validation-report.json`` when it found nothing unacknowledged, so a clean
cdk-nag run and no cdk-nag at all leave the same cloud assembly. :func:`add_policy_checks` registers the packs
exactly as ``Validations.of(scope).add_plugins(...)`` does, and also records their names in the metadata of every
stack under ``scope`` (no template changes), which ``python -m constructs_lib.report`` reads to say "cdk-nag ran:
0 unacknowledged findings" or "cdk-nag did not run".

Example::

    from aws_cdk import App
    from cdk_nag import AwsSolutionsChecks, ServerlessChecks
    from constructs_lib import add_policy_checks

    app = App()
    add_policy_checks(app, AwsSolutionsChecks(app), ServerlessChecks(app))
"""

from __future__ import annotations

import jsii
from aws_cdk import Aspects, IAspect, IPolicyValidationPlugin, Stack, Stage, Validations
from constructs import IConstruct

from ._validation import XRayValidationError

#: The stack metadata type that lists the rule packs registered with :func:`add_policy_checks`.
POLICY_CHECKS_METADATA_TYPE = "@constructs-lib/xray:policyChecks"

__all__ = ["POLICY_CHECKS_METADATA_TYPE", "add_policy_checks"]


def add_policy_checks(scope: Stage, *plugins: IPolicyValidationPlugin) -> None:
    """Run ``plugins`` (cdk-nag rule packs...) on every stack of ``scope`` at synth, and record their names in
    each stack's metadata, so that a clean run is visible in the cloud assembly.

    :param scope: the App or Stage whose stacks are checked (policy validation runs per Stage).
    :param plugins: the rule packs, e.g. ``AwsSolutionsChecks(app)``.

    Example::

        from cdk_nag import AwsSolutionsChecks
        add_policy_checks(app, AwsSolutionsChecks(app))
    """
    if not isinstance(scope, Stage):
        raise XRayValidationError(
            f"add_policy_checks: scope must be an App or Stage (policy validation runs per Stage), got {scope!r}")
    if not plugins:
        raise XRayValidationError("add_policy_checks: plugins must name at least one rule pack, got none")
    Validations.of(scope).add_plugins(*plugins)
    names = [str(plugin.name) for plugin in plugins]
    recorder = next((a for a in Aspects.of(scope).all if isinstance(a, _RecordPolicyChecks)), None)
    if recorder is None:
        Aspects.of(scope).add(_RecordPolicyChecks(names))
    else:
        recorder.names.extend(name for name in names if name not in recorder.names)


@jsii.implements(IAspect)
class _RecordPolicyChecks:
    """Adds the registered rule packs' names to each stack's metadata (once, whatever the visit count)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, Stack) and not any(
            entry.type == POLICY_CHECKS_METADATA_TYPE for entry in node.node.metadata
        ):
            node.node.add_metadata(POLICY_CHECKS_METADATA_TYPE, list(self.names))
