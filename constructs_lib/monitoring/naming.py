"""Alarm names, construct ids, and where descriptions point a reader (trace filters, console links).

Names are ``<prefix>-<label>``: the label is the resource's construct path (without its stack when the resource is
in the alarms' own stack, without a trailing ``Resource``) and the alarm's short name. A name longer than 255
characters keeps its start and end with a stable hash in between.

Console links: AWS documents the CloudWatch console's address per partition (``console.aws.amazon.com``,
``console.amazonaws.cn``, ``console.amazonaws-us-gov.com``) but not the routes inside it, so a description links to
the console's home in the alarm's Region and gives the X-Ray filter expression to paste under *X-Ray traces*. A
stack whose Region is unknown at synth (environment-agnostic), or in another partition, gets no link.

Example::

    from constructs_lib.monitoring.naming import alarm_name, console_home

    alarm_name("orders", "ApiFn-error-rate")   # 'orders-ApiFn-error-rate'
    console_home("eu-west-1")                  # 'https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1'
    console_home("cn-north-1")                 # 'https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1'
"""

from __future__ import annotations

import functools
import hashlib
import re

from aws_cdk.region_info import RegionInfo

from .._validation import is_token

__all__ = ["MAX_ALARM_NAME_LENGTH", "MAX_DESCRIPTION_LENGTH", "alarm_name", "console_home", "construct_id",
           "path_label", "service_filter"]

MAX_ALARM_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 1024

#: The CloudWatch console per partition (the hosts AWS documents for each).
CONSOLE_HOSTS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}

#: The X-Ray node type of each resource type, as ``id(name:, type:)`` filters name it.
XRAY_NODE_TYPES = {
    "AWS::Lambda::Function": "AWS::Lambda::Function",
    "AWS::ApiGateway::Stage": "AWS::ApiGateway::Stage",
    "AWS::StepFunctions::StateMachine": "AWS::StepFunctions::StateMachine",
    "AWS::SNS::Topic": "AWS::SNS",
    "AWS::AppSync::GraphQLApi": "AWS::AppSync::GraphQLAPI",
}


def path_label(path: str, own_stack_path: str = "") -> str:
    """The construct path as a name part; without the stack when it is ``own_stack_path`` (the alarms' stack)."""
    if own_stack_path and path.startswith(own_stack_path + "/"):
        path = path[len(own_stack_path) + 1:]
    parts = [p for p in path.split("/") if p]
    while len(parts) > 1 and parts[-1] in ("Resource", "Default"):
        parts.pop()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", "-".join(parts))


def alarm_name(prefix: str, label: str) -> str:
    """``<prefix>-<label>``, shortened to 255 characters with a stable hash when needed."""
    name = f"{prefix}-{label}"
    if len(name) <= MAX_ALARM_NAME_LENGTH:
        return name
    digest = hashlib.sha256(label.encode()).hexdigest()[:8]
    keep = MAX_ALARM_NAME_LENGTH - len(prefix) - len(digest) - 3
    return f"{prefix}-{label[:keep // 2]}-{digest}-{label[-(keep - keep // 2):]}"


def construct_id(label: str) -> str:
    """A construct id for an alarm labelled ``label``."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", label)


#: Region names of the partitions that have a documented console host, as the AWS SDKs match them (botocore's
#: ``partitions.json``, ``regionRegex``). A name none of them matches is looked up in aws-cdk-lib's RegionInfo,
#: whose first use loads its fact tables in Node.js (tens of milliseconds).
PARTITION_REGION_PATTERNS = {
    "aws": re.compile(r"(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+"),
    "aws-cn": re.compile(r"cn-\w+-\d+"),
    "aws-us-gov": re.compile(r"us-gov-\w+-\d+"),
}


@functools.cache
def console_home(region: str) -> str | None:
    """The CloudWatch console's home in ``region``, on its partition's documented host; None when the Region is a
    token or its partition has no documented console address."""
    if is_token(region):
        return None
    partition = next((p for p, pattern in PARTITION_REGION_PATTERNS.items() if pattern.fullmatch(region)), None)
    if partition is None:
        partition = RegionInfo.get(region).partition
    host = CONSOLE_HOSTS.get(partition or "")
    return f"https://{host}/cloudwatch/home?region={region}" if host else None


def service_filter(name: str, cfn_type: str | None) -> str:
    """An X-Ray filter expression selecting one service node (``name`` may be a token): by ``id(name:, type:)``
    where the node type is known, else by name."""
    node_type = XRAY_NODE_TYPES.get(cfn_type or "")
    if node_type is None:
        return f'service("{name}")'
    return f'service(id(name: "{name}", type: "{node_type}"))'


def describe(what: str, where: str, condition: str, trace_filter: str | None, console: str | None) -> str:
    """An alarm description: what fired, on what, when; the trace filter to paste, and the console's address."""
    if len(where) > 200:
        where = where[:97] + "..." + where[-100:]
    text = f"{what} of {where}: {condition}."
    if trace_filter:
        text += f" Its traces (X-Ray traces > Traces, filter): {trace_filter}"
    if console:
        text += f" Console: {console}"
    return text
