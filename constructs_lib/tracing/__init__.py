"""Turn on AWS X-Ray tracing for everything in a CDK scope with one call.

Example::

    XRayTracing.enable(app)          # Active tracing everywhere it exists
    XRayTracing.exclude(fn)          # ...except this subtree, left exactly as it is

What it does, per CloudFormation resource under the scope:

=============================  ==========================================================================
Lambda function (any kind)     ``TracingConfig.Mode``; the X-Ray write permission on its role, as
                               aws-cdk-lib grants it for ``tracing=Tracing.ACTIVE``, in place before the
                               function is created
REST API stage                 ``TracingEnabled``
SNS topic                      ``TracingConfig``; one X-Ray resource policy per account/region (see
                               :class:`SnsTracingResourcePolicy`)
Step Functions state machine   ``TracingConfiguration.Enabled``; X-Ray permissions on its role
AppSync GraphQL API            ``XrayEnabled``
HTTP / WebSocket API           a warning: X-Ray cannot trace API Gateway v2
=============================  ==========================================================================

Permissions go where aws-cdk-lib puts them: into the default policy of an L2 role (which the function already
depends on), or, for a role defined as a bare ``CfnRole`` (or a plain ``CfnResource``, as in CDK's own providers),
into one ``AWS::IAM::Policy`` of that role alone, which the function ``DependsOn``. No policy is shared by unrelated
roles, so no dependency added here can close a loop.

A value the user set explicitly is kept (``Tracing.PASS_THROUGH`` or ``DISABLED``, ``tracing_enabled=False``...).
``lambda_.Tracing.DISABLED`` renders nothing, and aws-cdk-lib keeps no trace of it, except in the props it records
under the feature flag ``@aws-cdk/core:enableAdditionalMetadataCollection`` (and, with ``CDK_DEBUG`` set, in a
property-assignment record): with neither, such a function cannot be told from one with no setting, so it is
traced and the app gets one warning naming the flag and :meth:`XRayTracing.exclude`. To force a value over an
explicit one, set it on the L1 (``fn.node.default_child.tracing_config = ...``: the role still gets the X-Ray
permissions) or use ``add_property_override``, which always wins.

Speed: the work is done in one pass over the scope when synthesis reaches it, reading only the resources X-Ray
can trace, rather than in a callback from Node.js for every construct of the app; property reads and writes go to
Node.js in batches (``constructs_lib._pipeline``).

The package, one job per module: ``aspect.py`` (``XRayTracing``: ``enable``, ``exclude``, the aspect and its
marker), ``modes.py`` (``TracingMode``, the X-Ray actions each service needs), ``scope_pass.py`` (the one pass over
a scope), ``registry.py`` (the decisions of an app, by construct path), ``sns_policy.py``
(``SnsTracingResourcePolicy``).
"""

from .aspect import EXCLUDED_METADATA_TYPE, XRayTracing
from .modes import LAMBDA_XRAY_ACTIONS, METADATA_FLAG, SNS_XRAY_ACTIONS, STATES_XRAY_ACTIONS, TracingMode
from .sns_policy import SnsTracingResourcePolicy

__all__ = [
    "EXCLUDED_METADATA_TYPE",
    "LAMBDA_XRAY_ACTIONS",
    "METADATA_FLAG",
    "SNS_XRAY_ACTIONS",
    "STATES_XRAY_ACTIONS",
    "SnsTracingResourcePolicy",
    "TracingMode",
    "XRayTracing",
]
