"""The ``LambdaInstrumentation.enable`` / ``exclude`` decisions of one app, by construct path, kept on the Python
side: finding the decision for a function costs no call into Node.js (walking up the tree and asking each
construct for its aspects cost about a dozen).

Example::

    from constructs_lib.instrumentation.decisions import Decisions

    decisions = Decisions.of(app)
    decisions.decide("Orders", "enable")
    assert decisions.nearest("Orders/Api/Resource") == "enable"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from constructs import IConstruct


@dataclass
class Decisions:
    """What was decided where, and which Stages carry a pass of their own."""

    decisions: dict[str, list[Any]] = field(default_factory=dict)
    stages_with_pass: set[str] = field(default_factory=set)

    _apps: ClassVar[dict[str, Decisions]] = {}  # by the app's jsii reference

    @classmethod
    def of(cls, node: IConstruct) -> Decisions:
        """The decisions of ``node``'s app (two calls into Node.js: the app)."""
        root: Any = node.node.root
        key = str(root.__jsii_ref__.ref)
        found = cls._apps.get(key)
        if found is None:
            found = cls._apps[key] = cls()
        return found

    def decide(self, path: str, decision: Any) -> None:
        """Record ``decision`` for the subtree at ``path``; the latest on one path wins."""
        self.decisions.setdefault(path, []).append(decision)

    def nearest(self, path: str) -> Any | None:
        """The decision nearest above ``path`` (or on it), None when there is none."""
        while True:
            found = self.decisions.get(path)
            if found:
                return found[-1]
            if not path:
                return None
            path = path.rpartition("/")[0]
