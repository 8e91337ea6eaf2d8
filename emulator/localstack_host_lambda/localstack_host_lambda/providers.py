"""A DynamoDB provider backed by moto (selected with PROVIDER_OVERRIDE_DYNAMODB=moto).

LocalStack's own DynamoDB runs Amazon's DynamoDB Local, a Java program it downloads at first use
(a JDK from GitHub and the DynamoDB Local archive from AWS): neither is reachable from these machines, and
DynamoDB Local's licence is the vendor's own. moto (installed with LocalStack) implements the DynamoDB API
in Python: tables, items, condition and update expressions, queries and scans. No DynamoDB Streams.
"""

from localstack.services.plugins import Service, aws_provider


@aws_provider(api="dynamodb", name="moto")
def dynamodb_moto():
    import uuid

    from localstack.aws.api import RequestContext, handler
    from localstack.aws.api.dynamodb import DynamodbApi
    from localstack.services import moto
    from localstack.state import StateVisitor

    def with_table_id(description: dict) -> None:
        # moto leaves out TableId, which CloudFormation's AWS::DynamoDB::(Global)Table returns.
        if description and "TableArn" in description:
            description.setdefault("TableId", str(uuid.uuid5(uuid.NAMESPACE_URL, description["TableArn"])))

    class DynamoDBMotoProvider(DynamodbApi):
        def accept_state_visitor(self, visitor: StateVisitor):
            from moto.dynamodb.models import dynamodb_backends

            visitor.visit(dynamodb_backends)

        @handler("CreateTable", expand=False)
        def create_table(self, context: RequestContext, request):
            response = moto.call_moto(context)
            with_table_id(response.get("TableDescription"))
            return response

        @handler("DescribeTable", expand=False)
        def describe_table(self, context: RequestContext, request):
            response = moto.call_moto(context)
            with_table_id(response.get("Table"))
            return response

    return Service.for_provider(DynamoDBMotoProvider(), dispatch_table_factory=moto.MotoFallbackDispatcher)
