"""Summarize what a synthesized CDK app traces, stack by stack, from its cloud assembly (``cdk.out``).

Example::

    $ python -m constructs_lib.report cdk.out
    Orders  (48 resources)
      Lambda function      2/2 traced (Active)
      REST API stage       1/1 traced
      ...

It reads the templates only, so it works on any CDK app, whether or not it uses this library.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .discovery import ServiceKind


@dataclass(frozen=True)
class KindSummary:
    """How many resources of one kind a template has, and how many of them are traced."""

    kind: ServiceKind
    total: int
    traced: int
    modes: tuple[str, ...] = ()

    @property
    def untraced(self) -> int:
        return self.total - self.traced


@dataclass(frozen=True)
class StackSummary:
    """What one stack's template traces, its X-Ray and CloudWatch resources (policies, sampling rules, groups,
    alarms, dashboards), and its tracing cost estimate if it has one."""

    name: str
    resource_count: int
    kinds: tuple[KindSummary, ...]
    xray_resources: dict[str, int] = field(default_factory=dict)
    cost_estimate: str | None = None


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


def summarize_template(name: str, template: dict[str, Any]) -> StackSummary:
    """Summarize one CloudFormation template (as a dict)."""
    resources: dict[str, Any] = template.get("Resources", {})
    counts: dict[ServiceKind, list[Any]] = {}
    xray: dict[str, int] = {}
    for resource in resources.values():
        rtype = resource.get("Type", "")
        if rtype.startswith(("AWS::XRay::", "AWS::CloudWatch::")):
            xray[rtype] = xray.get(rtype, 0) + 1
        try:
            kind = ServiceKind(rtype)
        except ValueError:
            continue
        if not kind.traceable and kind is not ServiceKind.HTTP_API:
            continue
        counts.setdefault(kind, []).append(is_traced(kind, resource.get("Properties", {})))
    kinds = tuple(
        KindSummary(
            kind=kind,
            total=len(results),
            traced=sum(1 for traced, _ in results if traced),
            modes=tuple(sorted({mode for traced, mode in results if traced and mode})),
        )
        for kind, results in sorted(counts.items(), key=lambda item: list(ServiceKind).index(item[0]))
    )
    costs = [o.get("Value") for k, o in template.get("Outputs", {}).items() if k.startswith("TracingCost")]
    cost = costs[0] if costs and isinstance(costs[0], str) else None
    return StackSummary(name=name, resource_count=len(resources), kinds=kinds, xray_resources=xray,
                        cost_estimate=cost)


def summarize_assembly(outdir: str | Path) -> list[StackSummary]:
    """Summarize every stack of a cloud assembly directory, in manifest order (nested assemblies included)."""
    outdir = Path(outdir)
    manifest = json.loads((outdir / "manifest.json").read_text())
    summaries: list[StackSummary] = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") == "aws:cloudformation:stack":
            template_file = artifact["properties"]["templateFile"]
            template = json.loads((outdir / template_file).read_text())
            summaries.append(summarize_template(artifact.get("displayName", artifact_id), template))
        elif artifact.get("type") == "cdk:cloud-assembly":
            summaries.extend(summarize_assembly(outdir / artifact["properties"]["directoryName"]))
    return summaries


def format_summaries(summaries: Iterable[StackSummary]) -> str:
    """Render summaries as the short text report ``python -m constructs_lib.report`` prints."""
    lines: list[str] = []
    for summary in summaries:
        lines.append(f"{summary.name}  ({summary.resource_count} resources)")
        if not summary.kinds:
            lines.append("  nothing traceable")
        for kind in summary.kinds:
            if kind.kind is ServiceKind.HTTP_API:
                lines.append(f"  {kind.kind.label:<20} {kind.total} (X-Ray cannot trace these)")
                continue
            status = "traced" if kind.untraced == 0 else f"traced, {kind.untraced} NOT traced"
            modes = f" ({', '.join(kind.modes)})" if kind.modes else ""
            lines.append(f"  {kind.kind.label:<20} {kind.traced}/{kind.total} {status}{modes}")
        for rtype, count in sorted(summary.xray_resources.items()):
            lines.append(f"  {rtype:<32} {count}")
        if summary.cost_estimate:
            lines.append(f"  tracing cost: {summary.cost_estimate}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Show what a synthesized CDK app traces with AWS X-Ray.")
    parser.add_argument("outdir", nargs="?", default="cdk.out", help="cloud assembly directory (default cdk.out)")
    parser.add_argument(
        "--require-all-traced", action="store_true", help="exit 1 if any traceable resource is not traced"
    )
    args = parser.parse_args(argv)
    summaries = summarize_assembly(args.outdir)
    print(format_summaries(summaries))
    report = Path(args.outdir) / "validation-report.json"
    if report.exists():  # written when policy-validation plugins such as cdk-nag ran
        plugins = json.loads(report.read_text()).get("pluginReports", [])
        findings = sum(len(p.get("violations", [])) for p in plugins)
        print(f"policy validation (cdk-nag): {findings} unacknowledged finding(s)")
    if args.require_all_traced and any(
        k.untraced for s in summaries for k in s.kinds if k.kind is not ServiceKind.HTTP_API
    ):
        print("error: some traceable resources are not traced", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
