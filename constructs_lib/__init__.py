"""AWS CDK constructs that make a serverless application observable with AWS X-Ray.

Example::

    from aws_cdk import App
    from constructs_lib import XRayTracing

    app = App()
    MyServiceStack(app, "MyService")
    XRayTracing.enable(app)
    app.synth()
"""

from ._validation import XRayValidationError
from .discovery import ServiceKind, traced_resources
from .tracing import SnsTracingResourcePolicy, TracingMode, XRayTracing

__all__ = [
    "ServiceKind",
    "SnsTracingResourcePolicy",
    "TracingMode",
    "XRayTracing",
    "XRayValidationError",
    "traced_resources",
]
