"""Read a synthesized cloud assembly (``cdk.out``): every stack's template, its nested stacks' templates, and the
construct path of each resource.

Paths come from each resource's ``aws:cdk:path`` metadata (``cdk synth`` writes it), or else from the stack's
metadata in the assembly (the ``aws:cdk:logicalId`` entries that every synthesis writes), so an app synthesized
in a test, without path metadata, gets the same ids. Stages (nested cloud assemblies) are read too.

Example::

    assembly = read_cloud_assembly("cdk.out")
    for template in assembly.templates:
        print(template.stack, template.key, len(template.resources))
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_NESTED_RESOURCE_PATH = re.compile(r"^(?P<scope>.*)/(?P<id>[^/]+)\.NestedStack/(?P=id)\.NestedStackResource$")
_ASSET_HASH = re.compile(r"([0-9a-f]{64})\.json")


class CloudAssemblyError(ValueError):
    """The directory is not a cloud assembly this reader understands; the message says what is missing."""


@dataclass(frozen=True, eq=False)
class StackTemplate:
    """One CloudFormation template: a deployable stack's, or a nested stack's (``parent`` set).

    ``stack`` is the deployable stack it belongs to (its display name, ``Stage/Stack`` inside a Stage);
    ``key`` is unique in the assembly: the stack artifact id, plus ``/<nested construct path>`` for nested ones.
    """

    key: str
    stack: str
    stack_name: str
    template: Mapping[str, Any]
    paths: Mapping[str, str]
    parent: StackTemplate | None = None
    #: The logical id, in ``parent``, of the ``AWS::CloudFormation::Stack`` resource that deploys this template.
    parent_resource: str | None = None
    nested: dict[str, StackTemplate] = field(default_factory=dict, compare=False, repr=False)

    @property
    def resources(self) -> Mapping[str, Any]:
        resources: Mapping[str, Any] = self.template.get("Resources") or {}
        return resources

    def resource(self, logical_id: str) -> Mapping[str, Any]:
        resource: Mapping[str, Any] = self.resources[logical_id]
        return resource

    def properties(self, logical_id: str) -> Mapping[str, Any]:
        props = self.resources[logical_id].get("Properties")
        return props if isinstance(props, Mapping) else {}

    def type_of(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        return resource.get("Type") if isinstance(resource, Mapping) else None

    def path_of(self, logical_id: str) -> str:
        """The resource's construct path, or ``<stack>/<logical id>`` when the assembly does not say."""
        return self.paths.get(logical_id) or f"{self.stack}/{logical_id}"


@dataclass(frozen=True)
class CloudAssembly:
    """Every template of the assembly, deployable stacks first, each followed by its nested stacks."""

    directory: Path
    templates: tuple[StackTemplate, ...]

    @property
    def stacks(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.stack for t in self.templates))

    def by_stack_name(self, name: str) -> StackTemplate | None:
        """The deployable stack whose CloudFormation stack name (or display name) is ``name``."""
        for template in self.templates:
            if template.parent is None and name in (template.stack_name, template.stack):
                return template
        return None

    def resources(self) -> Iterator[tuple[StackTemplate, str, Mapping[str, Any]]]:
        """``(template, logical id, resource)`` for every resource of every template."""
        for template in self.templates:
            for logical_id, resource in template.resources.items():
                if isinstance(resource, Mapping):
                    yield template, logical_id, resource


def read_cloud_assembly(directory: str | Path) -> CloudAssembly:
    """Read the cloud assembly in ``directory`` (``cdk.out``), Stages and nested stacks included."""
    directory = Path(directory)
    if not (directory / "manifest.json").is_file():
        raise CloudAssemblyError(
            f"{directory}: no manifest.json; pass the cloud assembly directory that `cdk synth` writes (cdk.out)"
        )
    return CloudAssembly(directory=directory, templates=tuple(_read_manifest(directory)))


def _read_manifest(directory: Path) -> Iterator[StackTemplate]:
    manifest = _load_json(directory / "manifest.json")
    artifacts: Mapping[str, Any] = manifest.get("artifacts") or {}
    assets = _asset_sources(directory, artifacts)
    for artifact_id, artifact in artifacts.items():
        kind = artifact.get("type")
        properties = artifact.get("properties") or {}
        if kind == "aws:cloudformation:stack":
            template = _load_json(directory / properties["templateFile"])
            stack = artifact.get("displayName") or artifact_id
            logical_paths = _logical_paths(directory, artifact)
            yield from _stack_templates(
                directory, assets, artifact_id, stack, properties.get("stackName") or artifact_id, template,
                logical_paths,
            )
        elif kind == "cdk:cloud-assembly":
            yield from _read_manifest(directory / properties["directoryName"])


def _stack_templates(
    directory: Path,
    assets: Mapping[str, Path],
    artifact_id: str,
    stack: str,
    stack_name: str,
    template: Mapping[str, Any],
    logical_paths: list[tuple[str, str]],
) -> Iterator[StackTemplate]:
    """The stack's template and, depth first, its nested stacks' templates."""
    nested_scopes = sorted(
        {m.group("scope") + "/" + m.group("id") for path, _ in logical_paths
         if (m := _NESTED_RESOURCE_PATH.match(path))},
        key=len, reverse=True,
    )

    def owner(path: str) -> str | None:
        return next((scope for scope in nested_scopes if path.startswith(scope + "/")), None)

    def paths_for(scope: str | None, tpl: Mapping[str, Any]) -> dict[str, str]:
        paths = {logical: path for path, logical in logical_paths if owner(path) == scope}
        for logical, resource in (tpl.get("Resources") or {}).items():
            cdk_path = (resource.get("Metadata") or {}).get("aws:cdk:path") if isinstance(resource, Mapping) else None
            if isinstance(cdk_path, str):
                paths[logical] = cdk_path
        return {logical: _node_path(path) for logical, path in paths.items()}

    def build(key: str, scope: str | None, tpl: Mapping[str, Any], parent: StackTemplate | None,
              parent_resource: str | None) -> Iterator[StackTemplate]:
        current = StackTemplate(key=key, stack=stack, stack_name=stack_name, template=tpl,
                                paths=paths_for(scope, tpl), parent=parent, parent_resource=parent_resource)
        yield current
        for logical, resource in (tpl.get("Resources") or {}).items():
            if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::CloudFormation::Stack":
                continue
            file = _nested_template_file(directory, assets, resource)
            if file is None:
                continue  # a stack from a URL outside the assembly: its resources are not known here
            raw_path = (resource.get("Metadata") or {}).get("aws:cdk:path") or next(
                (path for path, lid in logical_paths if lid == logical and owner(path) == scope), None
            )
            match = _NESTED_RESOURCE_PATH.match(raw_path.lstrip("/")) if isinstance(raw_path, str) else None
            nested_scope = ("/" + match.group("scope").lstrip("/") + "/" + match.group("id")) if match else None
            nested_key = f"{artifact_id}/{nested_scope.lstrip('/') if nested_scope else logical}"
            children = list(build(nested_key, nested_scope, _load_json(file), current, logical))
            current.nested[logical] = children[0]
            yield from children

    yield from build(artifact_id, None, template, None, None)


def _node_path(path: str) -> str:
    """A construct path as a user knows it: no leading slash, and the L2's path rather than its ``Resource``."""
    path = path.lstrip("/")
    return path[: -len("/Resource")] if path.endswith("/Resource") else path


def _logical_paths(directory: Path, artifact: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(construct path, logical id)`` from the stack's metadata, inline or in its additional metadata file.

    Paths keep their leading slash here, as the assembly writes them.
    """
    metadata: dict[str, Any] = dict(artifact.get("metadata") or {})
    extra = artifact.get("additionalMetadataFile")
    if isinstance(extra, str) and (directory / extra).is_file():
        metadata.update(_load_json(directory / extra))
    pairs = []
    for path, entries in metadata.items():
        for entry in entries or ():
            if isinstance(entry, Mapping) and entry.get("type") == "aws:cdk:logicalId":
                pairs.append(("/" + path.lstrip("/"), str(entry.get("data"))))
    return pairs


def _asset_sources(directory: Path, artifacts: Mapping[str, Any]) -> dict[str, Path]:
    """Asset hash → file in the assembly, from the asset manifests (nested stack templates are file assets)."""
    sources: dict[str, Path] = {}
    for artifact in artifacts.values():
        if artifact.get("type") != "cdk:asset-manifest":
            continue
        file = (artifact.get("properties") or {}).get("file")
        if not isinstance(file, str) or not (directory / file).is_file():
            continue
        for asset_hash, asset in (_load_json(directory / file).get("files") or {}).items():
            source = (asset.get("source") or {}).get("path")
            if isinstance(source, str):
                sources[asset_hash] = directory / source
    return sources


def _nested_template_file(directory: Path, assets: Mapping[str, Path], resource: Mapping[str, Any]) -> Path | None:
    asset_path = (resource.get("Metadata") or {}).get("aws:asset:path")
    if isinstance(asset_path, str) and (directory / asset_path).is_file():
        return directory / asset_path
    url = json.dumps((resource.get("Properties") or {}).get("TemplateURL"))
    for asset_hash in _ASSET_HASH.findall(url):
        if asset_hash in assets and assets[asset_hash].is_file():
            return assets[asset_hash]
    return None


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise CloudAssemblyError(f"{path}: the cloud assembly names this file but it is missing") from None
    except json.JSONDecodeError as error:
        raise CloudAssemblyError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise CloudAssemblyError(f"{path}: expected a JSON object")
    return data
