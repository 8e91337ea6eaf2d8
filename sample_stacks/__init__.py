"""The sample app: an orders service and a minimal service, each traced with one ``XRayTracing.enable`` call and
instrumented with one ``LambdaInstrumentation.enable`` call (the Powertools Tracer layer for its handlers).

Example::

    app = App()
    build_sample_app(app)
    app.synth()
"""

from __future__ import annotations

from aws_cdk import App, Stack
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from constructs_lib import LambdaInstrumentation, XRayTracing, add_policy_checks

from .minimal.stack import MinimalStack
from .orders.stack import OrdersStack


def build_sample_app(app: App, *, nag: bool = True) -> dict[str, Stack]:
    """Add the sample stacks to ``app``, trace and instrument them; ``nag`` adds the cdk-nag rule packs."""
    orders = OrdersStack(app, "Orders", description="Orders service traced with AWS X-Ray (sample)")
    minimal = MinimalStack(app, "Minimal", description="One API and one function, traced (sample)")

    XRayTracing.enable(orders)
    XRayTracing.enable(minimal)
    LambdaInstrumentation.enable(orders)
    LambdaInstrumentation.enable(minimal)

    if nag:
        add_policy_checks(app, AwsSolutionsChecks(app), ServerlessChecks(app))
    return {"orders": orders, "minimal": minimal}
