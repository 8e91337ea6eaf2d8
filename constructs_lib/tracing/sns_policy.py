"""The X-Ray resource policy SNS needs to send traces: one per account and region."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import (
    Stack,
    Stage,
)
from aws_cdk import aws_xray as xray
from constructs import Construct, IConstruct

from .._passes import PathDecisions, ref_of
from .._validation import XRayValidationError, check_length, check_pattern, warn
from ..discovery import (
    env_key,
    env_text,
    top_level_stack,
)
from .modes import SNS_XRAY_ACTIONS

__all__ = ["SnsTracingResourcePolicy"]


class SnsTracingResourcePolicy(Construct):
    """The X-Ray resource policy that lets SNS send trace segments, for every topic of one account/region.

    CloudFormation and the ``sns.Topic`` L2 do not create it, and without it an Active topic records nothing.
    The policy covers every topic of its account and region (``aws:SourceArn`` =
    ``arn:<partition>:sns:<region>:<account>:*``, ``aws:SourceAccount`` = account), so one is enough per account
    and region, and X-Ray allows only five there, shared by every app deployed to it.

    :meth:`XRayTracing.enable` creates it: by default one per account/region per Stage (each Stage deploys on its
    own), in the first stack (in tree order) with a traced topic there; with ``sns_resource_policy_stack=stack``
    one for that stack's account/region, in that stack only. Synth warns when one app would create more than one
    for the same account and region. Create one yourself in a platform stack deployed once per account and region,
    and pass ``sns_resource_policy=False`` everywhere else.

    Example::

        platform = Stack(app, "XRayAccountSetup", env=Environment(account="111111111111", region="eu-west-1"))
        SnsTracingResourcePolicy(platform, "SnsTracing", policy_name="sns-xray-tracing")
        XRayTracing.enable(app, sns_resource_policy=False)   # and in every service app
    """

    ID = "XRayTracingSnsResourcePolicy"

    def __init__(self, scope: Construct, id: str, *, policy_name: str | None = None) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        name = policy_name or f"{stack.stack_name[:116]}-SnsTracing"
        check_length("SnsTracingResourcePolicy", "policy_name", name, minimum=1, maximum=128)
        check_pattern("SnsTracingResourcePolicy", "policy_name", name, r"[\w+=,.@-]+",
                      "made of letters, digits and + = , . @ - _")
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "SNSSendTraces",
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": list(SNS_XRAY_ACTIONS),
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": stack.account},
                        "StringLike": {"aws:SourceArn": f"arn:{stack.partition}:sns:{stack.region}:{stack.account}:*"},
                    },
                }
            ],
        }
        self.resource = xray.CfnResourcePolicy(
            self, "Resource", policy_name=name, policy_document=stack.to_json_string(document)
        )
        self.env = env_key(stack)
        self.stage_path = (Stage.of(stack) or stack.node.root).node.path
        #: True when it stands for its account/region in the whole app (made by hand, or by
        #: ``sns_resource_policy_stack``); False when made by ``enable`` for one Stage.
        self.account_wide = True
        self._register(name)

    @property
    def policy_name(self) -> str:
        """The resource policy's name."""
        return self.resource.policy_name

    def _register(self, name: str) -> None:
        registry = _AppPolicies.of(self)
        same_env = [p for p in registry.sns_policies if p.env == self.env]
        registry.sns_policies.append(self)
        if not same_env:
            return
        if "*" not in self.env and any(p.policy_name == name for p in same_env):
            raise XRayValidationError(
                f"SnsTracingResourcePolicy '{self.node.path}': policy_name '{name}' is already used by "
                f"'{same_env[0].node.path}' for {env_text(self.env)}: X-Ray resource policy names are unique per "
                "account and region, so the second deployment would fail. Make one account-wide policy "
                "(XRayTracing.enable(..., sns_resource_policy_stack=stack)) instead."
            )
        paths = ", ".join(p.node.path for p in [*same_env, self])
        warn(
            self,
            "duplicateSnsResourcePolicy",
            f"This app creates {len(same_env) + 1} X-Ray resource policies for SNS in {env_text(self.env)} "
            f"({paths}), each covering every topic there. X-Ray allows 5 resource policies per account and region, "
            "shared by every app deployed there. Make one: XRayTracing.enable(app, sns_resource_policy_stack="
            "<one stack>), or a SnsTracingResourcePolicy in a platform stack and sns_resource_policy=False.",
        )

    @classmethod
    def ensure(cls, topic: IConstruct, *, policy_name: str | None = None) -> SnsTracingResourcePolicy:
        """The policy covering ``topic``'s account/region: the app's account-wide one, or the one of ``topic``'s
        Stage, created in ``topic``'s (deployable) stack if there is none yet."""
        stack = top_level_stack(topic)  # a nested stack's topic is covered by its deployable parent's policy
        env = env_key(stack)
        stage_path = (Stage.of(stack) or stack.node.root).node.path
        for policy in _AppPolicies.of(stack).sns_policies:
            if policy.env == env and (policy.account_wide or policy.stage_path == stage_path):
                return policy
        policy = cls(stack, cls.ID, policy_name=policy_name)
        policy.account_wide = False
        return policy

    @classmethod
    def ensure_account_wide(cls, stack: Stack, *, policy_name: str | None = None) -> SnsTracingResourcePolicy:
        """The one policy of ``stack``'s account/region for the whole app, made in ``stack``."""
        env = env_key(stack)
        for policy in _AppPolicies.of(stack).sns_policies:
            if policy.env == env and policy.account_wide:
                if ref_of(Stack.of(policy)) != ref_of(stack):
                    raise XRayValidationError(
                        f"XRayTracing: sns_resource_policy_stack '{stack.node.path}' would make a second "
                        f"account-wide SNS policy for {env_text(env)}; '{policy.node.path}' already is one"
                    )
                return policy
        existing = stack.node.try_find_child(cls.ID)
        policy = existing if isinstance(existing, SnsTracingResourcePolicy) else cls(
            stack, cls.ID, policy_name=policy_name)
        policy.account_wide = True
        return policy


@dataclass
class _AppPolicies(PathDecisions):
    """The SNS resource policies made in one app (``PathDecisions.of`` keeps one instance per app)."""

    sns_policies: list[SnsTracingResourcePolicy] = field(default_factory=list)
