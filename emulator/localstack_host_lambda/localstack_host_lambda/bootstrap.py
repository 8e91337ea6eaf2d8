"""One Lambda execution environment: imports the handler once, then serves invocations from stdin.

Protocol (one JSON object a line): requests on stdin, responses on the original stdout; the handler's
own prints and logging go to stderr and are also returned as the invocation's logs.
Started by executor.py as ``python bootstrap.py <handler>`` with the function's environment.
"""

import sys

# As on Lambda, the code (LAMBDA_TASK_ROOT, via PYTHONPATH) comes first on sys.path; this file's folder must
# not be there at all, or a handler module named like one of ours would import the wrong file.
if sys.path and sys.path[0] and __file__.startswith(sys.path[0]):
    sys.path.pop(0)

import faulthandler
import importlib
import io
import json
import logging
import os
import signal
import sys
import time
import traceback

faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)

protocol = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)  # anything written to fd 1 by the handler ends up with the logs
sys.stdout = sys.stderr


class Tee(io.TextIOBase):
    def __init__(self, *streams):
        self.streams = streams

    def write(self, s):
        for stream in self.streams:
            stream.write(s)
        return len(s)

    def flush(self):
        for stream in self.streams:
            stream.flush()


class CurrentStdout(io.TextIOBase):
    """Lets the logging handler follow sys.stdout as it is swapped per invocation."""

    def write(self, s):
        return sys.stdout.write(s)

    def flush(self):
        sys.stdout.flush()


class RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record):
        record.aws_request_id = self.request_id
        return True


request_filter = RequestIdFilter()
log_handler = logging.StreamHandler(CurrentStdout())
log_handler.setFormatter(
    logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"
    )
)
log_handler.addFilter(request_filter)
logging.getLogger().addHandler(log_handler)
logging.getLogger().setLevel(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "WARNING").upper())


class LambdaContext:
    def __init__(self, request):
        self.aws_request_id = request["request_id"]
        self.invoked_function_arn = request["invoked_function_arn"]
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = time.time() + float(request["timeout"])

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))


def error_body(exc, error_type=None):
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def load_handler(spec):
    module_name, _, func_name = spec.rpartition(".")
    if not module_name:
        raise ValueError(f"Bad handler '{spec}': expected <module>.<function>")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as exc:
        return None, error_body(exc, "Runtime.ImportModuleError") | {
            "errorMessage": f"Unable to import module '{module_name}': {exc}"
        }
    func = getattr(module, func_name, None)
    if func is None:
        return None, {
            "errorMessage": f"Handler '{func_name}' missing on module '{module_name}'",
            "errorType": "Runtime.HandlerNotFound",
        }
    return func, None


handler, init_error = load_handler(sys.argv[1])
for line in sys.stdin:
    request = json.loads(line)
    captured = io.StringIO()
    sys.stdout = sys.stderr = Tee(captured, sys.__stderr__)
    request_filter.request_id = request["request_id"]
    os.environ["_X_AMZN_TRACE_ID"] = request["trace_id"]
    print(f"START RequestId: {request['request_id']} Version: {os.environ.get('AWS_LAMBDA_FUNCTION_VERSION')}")
    started = time.time()
    is_error = True
    if init_error:
        body = init_error
    else:
        try:
            event = json.loads(request["payload"]) if request["payload"] else {}
            body = handler(event, LambdaContext(request))
            payload = json.dumps(body)
            is_error = False
        except Exception as exc:
            traceback.print_exc()
            body = error_body(exc)
    if is_error:
        payload = json.dumps(body)
    print(f"END RequestId: {request['request_id']}")
    print(f"REPORT RequestId: {request['request_id']}\tDuration: {(time.time() - started) * 1000:.2f} ms")
    sys.stdout = sys.stderr = sys.__stderr__
    protocol.write(json.dumps({"payload": payload, "is_error": is_error, "logs": captured.getvalue()}) + "\n")
