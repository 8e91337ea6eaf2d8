"""Entry point ``host`` in the group ``localstack.lambda.runtime_executor``: LAMBDA_RUNTIME_EXECUTOR=host."""

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin


class HostRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = "host"

    def load(self, *args, **kwargs):
        from localstack_host_lambda.executor import HostRuntimeExecutor

        return HostRuntimeExecutor
