"""Find the calls a function's code can make to the app's resources, from its execution role's IAM policies.

A hop goes from a Lambda function to a resource on the map when a policy attached to the function's role allows
one of the calls that move a request on (below) on that resource: ``dynamodb:PutItem`` (or another item call) on
a table, ``sns:Publish`` on a topic, ``sqs:SendMessage`` on a queue, ``events:PutEvents`` on a bus,
``states:StartExecution`` on a state machine, ``lambda:InvokeFunction`` on a function, ``s3:PutObject`` on a
bucket, ``kinesis:PutRecord(s)`` on a stream. Policies are read from ``AWS::IAM::Policy`` and
``AWS::IAM::ManagedPolicy`` resources attached to the role, and from the role's inline policies. ``Resource: "*"``
names no resource and gives no hop (nor do AWS managed policies, which are not in the templates); the function's
own dead-letter queue is Lambda's to write, not the code's.

Example::

    hops = function_call_hops(assembly, HopContext(resolver, index))
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from ._assembly import CloudAssembly, StackTemplate
from ._hops import HopContext, HopDraft
from ._references import ResourceRef
from .rules import HopKind

_TABLE_CALLS = (
    "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
    "dynamodb:TransactWriteItems", "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
    "dynamodb:TransactGetItems", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete",
    "dynamodb:PartiQLSelect",
)
#: Resource type → the calls that make a hop to it, the one to name first first.
CALL_ACTIONS: dict[str, tuple[str, ...]] = {
    "AWS::SNS::Topic": ("sns:Publish",),
    "AWS::SQS::Queue": ("sqs:SendMessage",),
    "AWS::Events::EventBus": ("events:PutEvents",),
    "AWS::StepFunctions::StateMachine": ("states:StartExecution", "states:StartSyncExecution"),
    "AWS::Lambda::Function": ("lambda:InvokeFunction",),
    "AWS::DynamoDB::Table": _TABLE_CALLS,
    "AWS::DynamoDB::GlobalTable": _TABLE_CALLS,
    "AWS::S3::Bucket": ("s3:PutObject", "s3:GetObject", "s3:DeleteObject"),
    "AWS::Kinesis::Stream": ("kinesis:PutRecord", "kinesis:PutRecords"),
}

_Statement = tuple[StackTemplate, Mapping[str, Any]]


def function_call_hops(assembly: CloudAssembly, context: HopContext) -> Iterator[HopDraft]:
    """One hop per (function, resource) its role allows a call on, naming the first call allowed."""
    statements = _statements_by_role(assembly, context)
    for template, logical_id, resource in assembly.resources():
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        functions = context.index.ids_for(ResourceRef(template, logical_id))
        if not functions:
            continue  # a function CDK made for itself
        props = template.properties(logical_id)
        dead_letter = set(context.node_ids(template, (props.get("DeadLetterConfig") or {}).get("TargetArn")))
        allowed: dict[str, tuple[int, str]] = {}
        for role in context.resources(template, props.get("Role"), ("AWS::IAM::Role",)):
            for owner, statement in statements.get(role.key, ()):
                _allowed_calls(context, owner, statement, allowed)
        for function in functions:
            node = context.index.nodes[function]
            code = "instrumented" if node.instrumentation else "not instrumented"
            for target, (_, action) in sorted(allowed.items()):
                if target != function and target not in dead_letter:
                    yield HopDraft(function, target, f"{action} ({code})", HopKind.FUNCTION_CALL)


def _allowed_calls(context: HopContext, template: StackTemplate, statement: Mapping[str, Any],
                   allowed: dict[str, tuple[int, str]]) -> None:
    if statement.get("Effect") != "Allow" or "NotAction" in statement or "NotResource" in statement:
        return
    patterns = [context.resolver.render(template, a).lower() for a in _as_list(statement.get("Action"))]
    for target in context.node_ids(template, statement.get("Resource"), CALL_ACTIONS.keys()):
        calls = CALL_ACTIONS[context.index.nodes[target].type]
        for rank, call in enumerate(calls):
            if any(fnmatchcase(call.lower(), pattern) for pattern in patterns):
                if target not in allowed or rank < allowed[target][0]:
                    allowed[target] = (rank, call)
                break


def _statements_by_role(assembly: CloudAssembly, context: HopContext) -> dict[tuple[str, str], list[_Statement]]:
    """Every policy statement that applies to each role, from every template, in one pass."""
    by_role: dict[tuple[str, str], list[_Statement]] = defaultdict(list)
    for template, logical_id, resource in assembly.resources():
        rtype = resource.get("Type")
        props = template.properties(logical_id)
        if rtype in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for role in context.resources(template, props.get("Roles"), ("AWS::IAM::Role",)):
                by_role[role.key].extend((template, s) for s in _document_statements(props.get("PolicyDocument")))
        elif rtype == "AWS::IAM::Role":
            key = ResourceRef(template, logical_id).key
            for policy in props.get("Policies") or ():
                by_role[key].extend((template, s) for s in _document_statements(policy.get("PolicyDocument")))
            for managed in context.resources(template, props.get("ManagedPolicyArns"), ("AWS::IAM::ManagedPolicy",)):
                by_role[key].extend((managed.template, s)
                                    for s in _document_statements(managed.properties.get("PolicyDocument")))
    return by_role


def _document_statements(document: Any) -> list[Mapping[str, Any]]:
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    return [s for s in _as_list(statements) if isinstance(s, Mapping)]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
