"""The smallest observable service: one REST API and one function.

Nothing here mentions X-Ray: the single ``XRayTracing.enable(stack)`` call in ``sample_stacks/__init__.py``
traces the stage and the function and gives the function's role the X-Ray permissions, and
``LambdaInstrumentation.enable(stack)`` adds the Powertools layer the handler's Tracer comes from.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_apigateway as apigateway
from constructs import Construct

from ..building_blocks import python_function, rest_api


class MinimalStack(Stack):
    """GET /hello → Lambda."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        self.function = python_function(
            self, "HelloFunction",
            handlers=Path(__file__).parent / "handlers", handler="hello.handler",
            description="Says hello", invoked_by="API Gateway",
        )
        self.api = rest_api(self, "HelloApi", description="Minimal traced API (sample)")
        validator = self.api.add_request_validator(
            "Validate", validate_request_body=True, validate_request_parameters=True
        )
        self.api.root.add_resource("hello").add_method(
            "GET", apigateway.LambdaIntegration(self.function),
            request_validator=validator,
            request_parameters={"method.request.querystring.name": False},
        )
        CfnOutput(self, "ApiUrl", value=self.api.url)
        CfnOutput(self, "ApiId", value=self.api.rest_api_id)
        CfnOutput(self, "StageName", value=self.api.deployment_stage.stage_name)
