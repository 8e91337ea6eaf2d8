"""What one app decided (``enable``/``exclude`` by construct path) and what its passes made, kept on the Python side."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import IAspect
from aws_cdk import aws_iam as iam

from .._passes import PathDecisions

__all__ = ["RolePolicy", "TracingRegistry"]


@dataclass
class RolePolicy:
    """The X-Ray policy of one role defined without an L2 (``CfnRole``, or CDK's plain ``CfnResource`` roles)."""

    resource: iam.CfnPolicy
    actions: list[str]


@dataclass
class TracingRegistry(PathDecisions):
    """The ``enable``/``exclude`` decisions of one app by construct path, and what the passes made, so that
    finding the decision for a resource costs no call into Node.js."""

    role_policies: dict[str, RolePolicy] = field(default_factory=dict)
    unreadable_disabled_warned: bool = False
    #: The resources (jsii references) an ``exclude`` marker recorded itself on, so that a second synthesis
    #: neither records them twice nor reads their metadata to find out.
    marked_excluded: set[str] = field(default_factory=set)

    def others_decide_below(self, path: str, aspect: IAspect) -> bool:
        """True when another ``enable`` or an ``exclude`` was called on a construct under ``path``."""
        prefix = path + "/" if path else ""
        return any(
            p != path and p.startswith(prefix) and any(d is not aspect for d in ds) for p, ds in self.decisions.items()
        )
