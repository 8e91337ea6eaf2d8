"""Find the hops of Step Functions tasks: each ``Task`` state's resource, from the state machine's definition.

The definition is read from ``DefinitionString`` (a string, or the ``Fn::Join`` / ``Fn::Sub`` that CDK writes
with the resources' references in it) or from ``Definition`` with its ``DefinitionSubstitutions``. Every
reference is swapped for a placeholder, the JSON is parsed, and each task's ``Resource`` and ``Parameters`` (or
``Arguments``) give its target. Parallel branches and Map iterators are walked too. A definition kept in S3
(``DefinitionS3Location``) is not in the assembly and gives no hops.

Example::

    hops = state_machine_hops(assembly, HopContext(resolver, index))
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ._assembly import CloudAssembly, StackTemplate
from ._edges import BUCKET, EVENT_BUS, LAMBDA, QUEUE, STATE_MACHINE, STREAM, TABLE, TOPIC
from ._hops import HopContext, HopDraft, find_arns
from ._references import ResourceRef
from .rules import HopKind

_TOKEN = "@@cfn{}@@"
_TOKEN_PATTERN = re.compile(r"@@cfn(\d+)@@")
_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")
#: Optimized integrations with native X-Ray support ("Trace Step Functions request data in AWS X-Ray").
_NATIVE = re.compile(r":states:::(lambda:invoke|sns:publish|sqs:sendMessage|states:startExecution)(\.|$)")
_OPTIMIZED = re.compile(r":states:::(?P<service>[a-zA-Z0-9-]+):(?P<action>[^.]+)")
_LAMBDA_ARN = re.compile(r":lambda:[^:]*:[^:]*:function:")
_TARGET_TYPES = LAMBDA + TOPIC + QUEUE + STATE_MACHINE + TABLE + EVENT_BUS + STREAM + BUCKET


def state_machine_hops(assembly: CloudAssembly, context: HopContext) -> Iterator[HopDraft]:
    """A hop from each state machine on the map to each resource one of its tasks calls."""
    for template, logical_id, resource in assembly.resources():
        if resource.get("Type") != "AWS::StepFunctions::StateMachine":
            continue
        machines = context.index.ids_for(ResourceRef(template, logical_id))
        definition = parse_definition(template.properties(logical_id))
        if definition is None or not machines:
            continue
        document, references = definition
        for state_name, state in _task_states(document):
            yield from _task_hops(context, template, machines, state_name, state, references)


def parse_definition(props: Mapping[str, Any]) -> tuple[Any, list[Any]] | None:
    """The definition as JSON, with each CloudFormation reference replaced by ``@@cfn<i>@@``, and the references
    by index; None when the definition is not in the template."""
    references: list[Any] = []

    def token(value: Any) -> str:
        references.append(value)
        return _TOKEN.format(len(references) - 1)

    source = props.get("DefinitionString")
    if isinstance(source, str):
        text = source
    elif isinstance(source, Mapping) and "Fn::Join" in source:
        separator, parts = source["Fn::Join"]
        text = separator.join(part if isinstance(part, str) else token(part) for part in parts)
    elif isinstance(source, Mapping) and "Fn::Sub" in source:
        arg = source["Fn::Sub"]
        template_text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1] if len(arg) > 1 else {})
        text = _SUB_VARIABLE.sub(lambda m: token(variables.get(m.group(1)) or _sub_reference(m.group(1))),
                                 template_text)
    elif isinstance(props.get("Definition"), Mapping):
        substitutions = props.get("DefinitionSubstitutions") or {}
        text = _SUB_VARIABLE.sub(
            lambda m: token(substitutions[m.group(1)]) if m.group(1) in substitutions else m.group(0),
            json.dumps(props["Definition"]),
        )
    else:
        return None
    try:
        return json.loads(text), references
    except json.JSONDecodeError:
        return None  # a definition built some other way: no hops rather than a guess


def _sub_reference(variable: str) -> dict[str, Any]:
    name, _, attribute = variable.partition(".")
    return {"Fn::GetAtt": [name, attribute]} if attribute else {"Ref": name}


def _task_states(document: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    states = document.get("States") if isinstance(document, Mapping) else None
    for name, state in (states or {}).items():
        if not isinstance(state, Mapping):
            continue
        if state.get("Type") == "Task":
            yield name, state
        for branch in state.get("Branches") or ():
            yield from _task_states(branch)
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(state.get(key), Mapping):
                yield from _task_states(state[key])


def _task_hops(context: HopContext, template: StackTemplate, machines: list[str], state_name: str,
               state: Mapping[str, Any], references: list[Any]) -> Iterator[HopDraft]:
    resource = str(state.get("Resource", ""))
    resource_text = _TOKEN_PATTERN.sub(lambda m: context.resolver.render(template, references[int(m.group(1))]),
                                       resource)
    optimized = _OPTIMIZED.search(resource_text)
    if optimized:
        action = f"{optimized['service']}:{optimized['action']}"
        arguments: Any = [state.get("Parameters"), state.get("Arguments")]
    elif _LAMBDA_ARN.search(resource_text) or _TOKEN_PATTERN.search(resource):
        action, arguments = "lambda", resource  # a Lambda function's ARN as the task's resource
    else:
        return  # an activity or another kind of resource
    native = bool(_NATIVE.search(resource_text)) or action == "lambda"
    values = [references[int(i)] for i in _TOKEN_PATTERN.findall(json.dumps(arguments))]
    literal = _TOKEN_PATTERN.sub("", json.dumps(arguments))
    types = LAMBDA if action == "lambda" else _TARGET_TYPES
    targets = context.node_ids(template, values, types, externals=False) or [
        node for arn in find_arns(literal) for node in context.external_ids(arn, types)
    ]
    kind = HopKind.STATES_NATIVE_TASK if native else HopKind.STATES_CLIENT_SIDE_TASK
    for machine in machines:
        for target in targets:
            if target != machine:
                yield HopDraft(machine, target, f"task {state_name} ({action})", kind)
