"""Summarize what a synthesized CDK app traces, stack by stack, from its cloud assembly (``cdk.out``).

.. code-block:: console

    $ python -m constructs_lib.report cdk.out --require-all-traced
    Orders  (74 resources)
      Lambda function      2/2 traced (Active)
      REST API stage       1/1 traced
      ...
    policy validation (validation-report.json):
      cdk-nag AwsSolutions, Serverless: ran, 0 unacknowledged findings

It reads the cloud assembly only (templates, stack metadata, ``validation-report.json``), so it works on any CDK
app, whether or not it uses this library. Per stack it counts each traceable kind of resource and how many are
traced, and lists apart those left untraced on purpose: under ``XRayTracing.exclude(...)`` (the library records
them in the stack metadata) and the functions CDK creates for itself. ``--require-all-traced`` exits 1 only for the
others. It shows each ``TracingCostEstimate`` (found by its stack metadata, whatever its id) and what the policy
validation plugins (cdk-nag) reported. Without ``validation-report.json`` no plugin ran: "cdk-nag did not run". A
clean cdk-nag run writes no finding, so the report counts a run as clean only when its rule packs were registered
with :func:`~constructs_lib.policy_checks.add_policy_checks`, which records them in the stack metadata; otherwise
it says that no run is recorded (packs added with ``Validations.of(app).add_plugins`` leave no trace when clean).
A folder that is not a cloud assembly is a one-line error (exit 2).

Example::

    from constructs_lib.report import summarize_template

    template = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function",
                                     "Properties": {"TracingConfig": {"Mode": "Active"}}}}}
    summarize_template("Orders", template).kinds[0].traced   # 1
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from .cost import METADATA_TYPE as COST_METADATA_TYPE
from .discovery import ServiceKind
from .policy_checks import POLICY_CHECKS_METADATA_TYPE
from .tracing import EXCLUDED_METADATA_TYPE

__all__ = [
    "CDK_NAG_PACKS",
    "CloudAssemblyError",
    "CostSummary",
    "Finding",
    "KindSummary",
    "PluginReport",
    "PolicyValidation",
    "StackSummary",
    "UntracedReason",
    "UntracedResource",
    "format_policy_validation",
    "format_summaries",
    "is_traced",
    "main",
    "read_policy_validation",
    "summarize_assembly",
    "summarize_template",
]

#: The ``pluginName`` of cdk-nag's rule packs in ``validation-report.json`` (cdk-nag 3).
CDK_NAG_PACKS = frozenset({"AwsSolutions", "HIPAA.Security", "NIST.800.53.R4", "NIST.800.53.R5", "PCI.DSS.321",
                           "Serverless"})
VALIDATION_REPORT = "validation-report.json"
_LOGICAL_ID = "aws:cdk:logicalId"


class CloudAssemblyError(Exception):
    """The folder is not a readable cloud assembly (missing, empty, no ``manifest.json``, unreadable file)."""


class UntracedReason(Enum):
    """Why a traceable resource is not traced."""

    #: Nothing says it should stay untraced: ``--require-all-traced`` fails on it.
    NOT_TRACED = "not traced"
    #: Under a scope passed to ``XRayTracing.exclude``.
    EXCLUDED = "excluded"
    #: A function CDK creates for itself (custom-resource provider, log retention, bucket notifications...).
    CDK_INTERNAL = "CDK's own function"


@dataclass(frozen=True)
class UntracedResource:
    """One traceable resource that is not traced, and why."""

    kind: ServiceKind
    logical_id: str
    path: str | None
    reason: UntracedReason
    #: The path of the scope passed to ``XRayTracing.exclude``, for ``EXCLUDED``.
    excluded_by: str | None = None

    @property
    def label(self) -> str:
        """The construct path (or the logical id when the assembly does not record it)."""
        return self.path or self.logical_id


@dataclass(frozen=True)
class KindSummary:
    """How many resources of one kind a template has, how many are traced, and how many are left out on purpose."""

    kind: ServiceKind
    total: int
    traced: int
    modes: tuple[str, ...] = ()
    excluded: int = 0
    cdk_internal: int = 0

    @property
    def untraced(self) -> int:
        """Resources neither traced nor left out on purpose (what ``--require-all-traced`` fails on)."""
        return self.total - self.traced - self.excluded - self.cdk_internal


@dataclass(frozen=True)
class CostSummary:
    """One ``TracingCostEstimate``, as its stack metadata records it."""

    path: str
    total_usd: float
    text: str


@dataclass(frozen=True)
class StackSummary:
    """What one stack's template traces, its X-Ray and CloudWatch resources (policies, sampling rules, groups,
    alarms, dashboards), the traceable resources it leaves untraced, and its tracing cost estimates."""

    name: str
    resource_count: int
    kinds: tuple[KindSummary, ...]
    xray_resources: dict[str, int] = field(default_factory=dict)
    costs: tuple[CostSummary, ...] = ()
    untraced_resources: tuple[UntracedResource, ...] = ()
    #: The rule packs registered with :func:`~constructs_lib.policy_checks.add_policy_checks` for this stack.
    policy_checks: tuple[str, ...] = ()

    @property
    def cost_estimate(self) -> str | None:
        """The first cost estimate's summary line, or None."""
        return self.costs[0].text if self.costs else None


@dataclass(frozen=True)
class Finding:
    """One unacknowledged rule violation on one construct, as a validation plugin reported it."""

    rule: str
    severity: str
    description: str
    path: str


@dataclass(frozen=True)
class PluginReport:
    """What one policy validation plugin reported (CDK writes a plugin only when it found something)."""

    name: str
    success: bool
    findings: tuple[Finding, ...]
    acknowledged: int = 0

    @property
    def is_cdk_nag(self) -> bool:
        return self.name in CDK_NAG_PACKS


@dataclass(frozen=True)
class PolicyValidation:
    """The policy validation report of a cloud assembly."""

    #: False when the assembly has no ``validation-report.json`` (no validation plugin ran at all).
    report_written: bool
    plugins: tuple[PluginReport, ...] = ()
    #: The cdk-nag rule packs the stacks' metadata says were registered (:func:`add_policy_checks`).
    registered: tuple[str, ...] = ()

    @property
    def cdk_nag(self) -> tuple[PluginReport, ...]:
        return tuple(p for p in self.plugins if p.is_cdk_nag)

    @property
    def cdk_nag_ran(self) -> bool:
        """True when cdk-nag reported findings, or its rule packs were registered with
        :func:`~constructs_lib.policy_checks.add_policy_checks` and a validation report was written. A clean
        cdk-nag run registered otherwise leaves no trace in the assembly, so it reads as not run."""
        return bool(self.cdk_nag) or (self.report_written and bool(self.registered))


# -- reading --------------------------------------------------------------------------------------------------
def is_traced(kind: ServiceKind, properties: dict[str, Any]) -> tuple[bool, str | None]:
    """Whether a resource of ``kind`` with these template ``properties`` is traced, and its mode."""
    if kind in (ServiceKind.LAMBDA_FUNCTION, ServiceKind.SNS_TOPIC):
        config = properties.get("TracingConfig")
        mode = config.get("Mode") if isinstance(config, dict) else config
        return mode in ("Active", "PassThrough"), mode if isinstance(mode, str) else None
    if kind is ServiceKind.REST_API_STAGE:
        return properties.get("TracingEnabled") is True, None
    if kind is ServiceKind.STATE_MACHINE:
        return (properties.get("TracingConfiguration") or {}).get("Enabled") is True, None
    if kind is ServiceKind.GRAPHQL_API:
        return properties.get("XrayEnabled") is True, None
    return False, None


def summarize_template(
    name: str, template: Mapping[str, Any], metadata: Mapping[str, Iterable[Mapping[str, Any]]] | None = None
) -> StackSummary:
    """Summarize one CloudFormation template (as a dict).

    :param metadata: the stack's construct metadata (construct path -> entries), as the cloud assembly records it;
        exclusions and cost estimates are read from it, and construct paths for the resources.
    """
    by_path = {path.lstrip("/"): list(entries) for path, entries in (metadata or {}).items()}
    paths: dict[str, str] = {}
    excluded: dict[str, str] = {}
    for path, entries in by_path.items():
        logical_id = next((e.get("data") for e in entries if e.get("type") == _LOGICAL_ID), None)
        if isinstance(logical_id, str):
            paths[logical_id] = path
            scope = next((e.get("data") for e in entries if e.get("type") == EXCLUDED_METADATA_TYPE), None)
            if scope is not None:
                excluded[logical_id] = str(scope)

    resources: dict[str, Any] = dict(template.get("Resources") or {})
    counts: dict[ServiceKind, list[tuple[bool, str | None, UntracedReason | None]]] = {}
    xray: dict[str, int] = {}
    untraced: list[UntracedResource] = []
    for logical_id, resource in resources.items():
        rtype = resource.get("Type", "")
        if rtype.startswith(("AWS::XRay::", "AWS::CloudWatch::")):
            xray[rtype] = xray.get(rtype, 0) + 1
        try:
            kind = ServiceKind(rtype)
        except ValueError:
            continue
        if not kind.traceable and kind is not ServiceKind.HTTP_API:
            continue
        traced, mode = is_traced(kind, resource.get("Properties") or {})
        reason: UntracedReason | None = None
        if kind.traceable and not traced:
            construct_path = paths.get(logical_id) or _template_path(resource)
            if logical_id in excluded:
                reason = UntracedReason.EXCLUDED
            elif kind is ServiceKind.LAMBDA_FUNCTION and _is_cdk_internal_function(logical_id, construct_path):
                reason = UntracedReason.CDK_INTERNAL
            else:
                reason = UntracedReason.NOT_TRACED
            untraced.append(UntracedResource(kind=kind, logical_id=logical_id, path=construct_path, reason=reason,
                                             excluded_by=excluded.get(logical_id)))
        counts.setdefault(kind, []).append((traced, mode, reason))
    kinds = tuple(
        KindSummary(
            kind=kind,
            total=len(results),
            traced=sum(1 for traced, _, _ in results if traced),
            modes=tuple(sorted({mode for traced, mode, _ in results if traced and mode})),
            excluded=sum(1 for _, _, reason in results if reason is UntracedReason.EXCLUDED),
            cdk_internal=sum(1 for _, _, reason in results if reason is UntracedReason.CDK_INTERNAL),
        )
        for kind, results in sorted(counts.items(), key=lambda item: list(ServiceKind).index(item[0]))
    )
    costs = tuple(
        _cost_summary(path, entry.get("data"))
        for path, entries in by_path.items() for entry in entries if entry.get("type") == COST_METADATA_TYPE
    )
    checks = sorted({
        str(pack) for entries in by_path.values() for entry in entries
        if entry.get("type") == POLICY_CHECKS_METADATA_TYPE and isinstance(entry.get("data"), list)
        for pack in entry["data"]
    })
    return StackSummary(name=name, resource_count=len(resources), kinds=kinds, xray_resources=xray,
                        costs=costs, untraced_resources=tuple(untraced), policy_checks=tuple(checks))


def summarize_assembly(outdir: str | Path) -> list[StackSummary]:
    """Summarize every stack of a cloud assembly directory, in manifest order (nested assemblies included).

    Raises :class:`CloudAssemblyError` when ``outdir`` is not a readable cloud assembly.
    """
    outdir = Path(outdir)
    manifest = _read_json(_manifest_path(outdir))
    summaries: list[StackSummary] = []
    for artifact_id, artifact in (manifest.get("artifacts") or {}).items():
        if artifact.get("type") == "aws:cloudformation:stack":
            template = _read_json(outdir / artifact["properties"]["templateFile"])
            metadata: dict[str, Any] = dict(artifact.get("metadata") or {})
            extra = artifact.get("additionalMetadataFile")  # where aws-cdk-lib writes it since ~2.220
            if extra:
                for path, entries in _read_json(outdir / extra).items():
                    metadata[path] = [*metadata.get(path, []), *entries]
            summaries.append(summarize_template(artifact.get("displayName", artifact_id), template, metadata))
        elif artifact.get("type") == "cdk:cloud-assembly":
            summaries.extend(summarize_assembly(outdir / artifact["properties"]["directoryName"]))
    return summaries


def read_policy_validation(outdir: str | Path, *, registered: Iterable[str] = ()) -> PolicyValidation:
    """What the policy validation plugins (cdk-nag...) reported, from ``validation-report.json``.

    aws-cdk-lib writes that file whenever a plugin ran (its own "CloudFormation Validate" runs by default), but
    lists only plugins that found something: a clean cdk-nag run and no cdk-nag at all leave the same file.
    """
    registered = tuple(sorted(name for name in set(registered) if name in CDK_NAG_PACKS))
    path = Path(outdir) / VALIDATION_REPORT
    if not path.is_file():
        return PolicyValidation(report_written=False, registered=registered)
    plugins: list[PluginReport] = []
    for plugin in _read_json(path).get("pluginReports") or []:
        findings = tuple(
            Finding(
                rule=str(violation.get("ruleName", "?")),
                severity=str(violation.get("customSeverity") or violation.get("severity") or "?"),
                description=str(violation.get("description", "")),
                path=str(construct.get("constructPath") or "?"),
            )
            for violation in plugin.get("violations") or []
            for construct in violation.get("violatingConstructs") or [{}]
        )
        plugins.append(PluginReport(
            name=str(plugin.get("pluginName", "?")),
            success=plugin.get("conclusion") == "success",
            findings=findings,
            acknowledged=sum(len(v.get("violatingConstructs") or [{}])
                             for v in plugin.get("suppressedViolations") or []),
        ))
    return PolicyValidation(report_written=True, plugins=tuple(plugins), registered=registered)


# -- rendering ------------------------------------------------------------------------------------------------
def format_summaries(summaries: Iterable[StackSummary]) -> str:
    """Render summaries as the per-stack part of what ``python -m constructs_lib.report`` prints."""
    lines: list[str] = []
    for summary in summaries:
        lines.append(f"{summary.name}  ({summary.resource_count} resources)")
        if not summary.kinds:
            lines.append("  nothing traceable")
        for kind in summary.kinds:
            if kind.kind is ServiceKind.HTTP_API:
                lines.append(f"  {kind.kind.label:<20} {kind.total} (X-Ray cannot trace these)")
                continue
            modes = f" ({', '.join(kind.modes)})" if kind.modes else ""
            notes = [f"{kind.excluded} excluded"] if kind.excluded else []
            notes += [f"{kind.cdk_internal} CDK's own"] if kind.cdk_internal else []
            notes += [f"{kind.untraced} NOT traced"] if kind.untraced else []
            lines.append(f"  {kind.kind.label:<20} {kind.traced}/{kind.total} traced{modes}"
                         + "".join(f", {note}" for note in notes))
        for rtype, count in sorted(summary.xray_resources.items()):
            lines.append(f"  {rtype:<32} {count}")
        for cost in summary.costs:
            lines.append(f"  tracing cost ({cost.path}): {cost.text}")
        for reason, heading in ((UntracedReason.EXCLUDED, "left untraced by XRayTracing.exclude"),
                                (UntracedReason.CDK_INTERNAL, "CDK's own functions, not traced"),
                                (UntracedReason.NOT_TRACED, "NOT traced")):
            listed = [r for r in summary.untraced_resources if r.reason is reason]
            if listed:
                lines.append(f"  {heading}:")
            for resource in listed:
                where = f" (excluded at {resource.excluded_by})" if resource.excluded_by is not None else ""
                lines.append(f"    {resource.kind.label:<18} {resource.label}{where}")
    return "\n".join(lines)


def format_policy_validation(validation: PolicyValidation) -> str:
    """Render what the policy validation plugins reported, cdk-nag first."""
    if not validation.report_written:
        return f"policy validation: no {VALIDATION_REPORT}, so no validation plugin ran: cdk-nag did not run"
    lines = [f"policy validation ({VALIDATION_REPORT}):"]
    for plugin in sorted(validation.plugins, key=lambda p: not p.is_cdk_nag):
        severities: dict[str, int] = {}
        for finding in plugin.findings:
            severities[finding.severity] = severities.get(finding.severity, 0) + 1
        counted = ", ".join(f"{severity}: {n}" for severity, n in sorted(severities.items()))
        acknowledged = f"; {plugin.acknowledged} acknowledged" if plugin.acknowledged else ""
        name = f"cdk-nag {plugin.name}" if plugin.is_cdk_nag else plugin.name
        lines.append(f"  {name}: {len(plugin.findings)} unacknowledged finding(s)"
                     + (f" ({counted})" if counted else "") + acknowledged)
        for finding in plugin.findings:
            lines.append(f"    {finding.severity:<8} {finding.rule} on {finding.path}: {finding.description}")
    reported = {plugin.name for plugin in validation.cdk_nag}
    clean = [name for name in validation.registered if name not in reported]
    if clean:
        lines.append(f"  cdk-nag {', '.join(clean)}: ran, 0 unacknowledged findings")
    elif not validation.cdk_nag_ran:
        lines.append("  cdk-nag: no run recorded (no findings, and no rule pack registered with add_policy_checks, "
                     "which records a clean run)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m constructs_lib.report", description="Show what a synthesized CDK app traces with AWS X-Ray.")
    parser.add_argument("outdir", nargs="?", default="cdk.out", help="cloud assembly directory (default cdk.out)")
    parser.add_argument(
        "--require-all-traced", action="store_true",
        help="exit 1 if a traceable resource is not traced, except those under XRayTracing.exclude and CDK's own "
             "functions (listed apart)",
    )
    args = parser.parse_args(argv)
    try:
        summaries = summarize_assembly(args.outdir)
        if not summaries:
            raise CloudAssemblyError(f"{args.outdir}: the cloud assembly has no stacks")
        validation = read_policy_validation(
            args.outdir, registered=(pack for summary in summaries for pack in summary.policy_checks))
    except CloudAssemblyError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(format_summaries(summaries))
    print(format_policy_validation(validation))
    if args.require_all_traced:
        missing = [r for s in summaries for r in s.untraced_resources if r.reason is UntracedReason.NOT_TRACED]
        if missing:
            listed = ", ".join(f"{r.label} ({r.kind.label})" for r in missing)
            print(f"error: {len(missing)} traceable resource(s) not traced: {listed}", file=sys.stderr)
            return 1
    return 0


# -- helpers --------------------------------------------------------------------------------------------------
def _manifest_path(outdir: Path) -> Path:
    if not outdir.exists():
        raise CloudAssemblyError(f"{outdir}: no such directory (synthesize the app first: cdk synth)")
    if not outdir.is_dir():
        raise CloudAssemblyError(f"{outdir}: not a directory")
    manifest = outdir / "manifest.json"
    if not manifest.is_file():
        empty = not any(outdir.iterdir())
        raise CloudAssemblyError(
            f"{outdir}: {'empty directory' if empty else 'no manifest.json'}, not a cloud assembly "
            "(synthesize the app first: cdk synth)")
    return manifest


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CloudAssemblyError(f"{path}: cannot read it ({error})") from None
    if not isinstance(value, dict):
        raise CloudAssemblyError(f"{path}: not a JSON object")
    return value


def _template_path(resource: Mapping[str, Any]) -> str | None:
    path = (resource.get("Metadata") or {}).get("aws:cdk:path")
    return path if isinstance(path, str) else None


# The construct ids aws-cdk-lib gives the functions it creates for itself: singleton functions (log retention,
# bucket notifications, AwsCustomResource...) are ``<purpose><uuid without dashes>``, custom-resource providers
# ``Custom::<Name>CustomResourceProvider``, the ``custom_resources.Provider`` framework ``framework-on<Event>``.
_CDK_FUNCTION_SCOPE = re.compile(r"^(\w*[0-9a-f]{32}|Custom::\w+CustomResourceProvider|framework-on\w+)$")
_CDK_FUNCTION_ID = re.compile(
    r"^(\w*[0-9a-f]{32}|Custom\w+CustomResourceProviderHandler|\w*frameworkon\w+)[0-9A-F]{8}$")


def _is_cdk_internal_function(logical_id: str, path: str | None) -> bool:
    """Whether a function of the template is one CDK creates for itself: the template-level twin of
    :func:`constructs_lib.discovery.is_cdk_internal_function`, by construct path (else by logical id)."""
    if path is not None:
        return any(_CDK_FUNCTION_SCOPE.match(part) for part in path.split("/")[1:])
    return _CDK_FUNCTION_ID.match(logical_id) is not None


def _cost_summary(path: str, data: Any) -> CostSummary:
    """A cost estimate from its metadata (``CostEstimate.to_json``)."""
    data = data if isinstance(data, dict) else {}
    relative = path.split("/", 1)[1] if "/" in path else path
    total = float(data.get("totalUsd") or 0)
    parts = ", ".join(f"{label} ${float(data[key]):,.2f}" for key, label in
                      (("recordedUsd", "recording"), ("retrievalUsd", "retrieval"), ("insightsUsd", "insights"))
                      if key in data)
    days = data.get("days")
    text = (f"~{float(data.get('tracesRecorded') or 0):,.0f} traces recorded per "
            f"{f'{days:g}' if isinstance(days, (int, float)) else '?'} days, ~${total:,.2f}"
            + (f" ({parts})" if parts else ""))
    skipped = data.get("skippedRules") or []
    if skipped:
        text += "; not counted (values known only at deploy time): " + ", ".join(map(str, skipped))
    return CostSummary(path=relative, total_usd=total, text=text)


if __name__ == "__main__":
    sys.exit(main())
