"""LocalStack's init hook: the queues, rules and (where LocalStack can run Lambda) functions of infra/template.yaml.

Run as a script, with boto3 alone (LocalStack's own Python runs it from init/ready.d/10-pickvs.sh); it loads
`bootstrap.py` beside it and `services/fetcher/schedules.py` by their paths, never as packages: this directory is
called `localstack` like the package it runs beside. Idempotent: run it again and nothing changes.

1. Queues: `bootstrap.py` (game-events, score-events and their DLQs).
2. Rules: one EventBridge rule per schedule of schedules.py, with its expression (or `--schedule-expression` for
   all, e.g. `rate(5 minutes)` to watch the pipeline work on LocalStack), off when optional and not turned on.
3. Targets: `--target-arn` (anything that takes the scheduled event: the tests use an SQS queue standing in for the
   fan-out); otherwise, where Docker lets LocalStack run Lambda and `make package` has built `--build-dir`, the
   functions of its manifest.json are created or updated, the SQS event sources wired, the migrate function invoked
   once, and the rules target the fan-out, as on AWS. Functions get every `PICKVS_*` variable of this process but the
   database URL and the Odds API key, which go into Secrets Manager and reach them by ARN, as on AWS.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import sys
import time
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_SCHEDULES = HERE.parent / "services" / "fetcher" / "schedules.py"
DEFAULT_BUILD_DIR = HERE.parent / "build" / "lambda"
# LocalStack accepts any role; IAM is not enforced by default.
LAMBDA_ROLE = "arn:aws:iam::000000000000:role/pickvs-lambda"
FUNCTION_PREFIX = "pickvs-"
# Moved into Secrets Manager for the functions, as the template does on AWS.
SECRET_SETTINGS = {"PICKVS_DATABASE_URL": "pickvs/database-url", "PICKVS_ODDS_API_KEY": "pickvs/odds-api-key"}


def load_by_path(name: str, path: Path) -> ModuleType:
    """Import a file under a name of our own (dataclasses need the module registered while it runs)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def ensure_rules(
    events: Any, schedules: Any, *, target_arn: str | None, expression: str | None, closing_enabled: bool
) -> dict[str, dict[str, str]]:
    """Put one rule per schedule (and its target); return {rule: {expression, state, target}}."""
    report = {}
    for schedule in schedules.SCHEDULES:
        state = "DISABLED" if schedule.optional and not closing_enabled else "ENABLED"
        rule_expression = expression or schedule.expression
        events.put_rule(
            Name=schedule.rule_name,
            ScheduleExpression=rule_expression,
            State=state,
            Description=schedule.description,
        )
        if target_arn:
            events.put_targets(Rule=schedule.rule_name, Targets=[{"Id": "fan-out", "Arn": target_arn}])
        report[schedule.rule_name] = {"expression": rule_expression, "state": state, "target": target_arn or "-"}
    return report


def _zip_directory(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


def _secret_arn(secrets: Any, name: str, value: str) -> str:
    try:
        arn = str(secrets.describe_secret(SecretId=name)["ARN"])
        secrets.put_secret_value(SecretId=arn, SecretString=value)
    except secrets.exceptions.ResourceNotFoundException:
        arn = str(secrets.create_secret(Name=name, SecretString=value)["ARN"])
    return arn


def _wait_active(lambdas: Any, name: str) -> None:
    for _ in range(120):
        configuration = lambdas.get_function_configuration(FunctionName=name)
        if configuration.get("State") == "Active" and configuration.get("LastUpdateStatus") != "InProgress":
            return
        time.sleep(1)
    raise SystemExit(f"{name} did not become active")


def deploy_functions(session: Any, endpoint: str, build_dir: Path, environ: dict[str, str]) -> str:
    """Create or update the functions of build_dir/manifest.json and their event sources; return the fan-out's ARN."""
    manifest = json.loads((build_dir / "manifest.json").read_text())["functions"]
    lambdas = session.client("lambda", endpoint_url=endpoint)
    sqs = session.client("sqs", endpoint_url=endpoint)
    secrets = session.client("secretsmanager", endpoint_url=endpoint)
    common = {k: v for k, v in environ.items() if k.startswith("PICKVS_") and k not in SECRET_SETTINGS}
    common["PICKVS_ENV"] = environ.get("PICKVS_ENV", "prod")
    if environ.get("PICKVS_LAMBDA_AWS_ENDPOINT_URL"):
        # How the functions' botocore reaches LocalStack's Secrets Manager from their own containers.
        common["AWS_ENDPOINT_URL"] = environ["PICKVS_LAMBDA_AWS_ENDPOINT_URL"]
    for setting, secret_name in SECRET_SETTINGS.items():
        if environ.get(setting):
            common[f"{setting}_SECRET_ARN"] = _secret_arn(secrets, secret_name, environ[setting])
    arns = {}
    for function in manifest:
        name = FUNCTION_PREFIX + function["name"]
        variables = {**common, **function["environment"]}
        if function["name"] == "dispatch":
            variables["PICKVS_FETCH_FUNCTION"] = FUNCTION_PREFIX + "fetcher"
        code = _zip_directory(build_dir / function["name"])
        settings = {
            "Runtime": function["runtime"],
            "Handler": function["handler"],
            "Timeout": function["timeout"],
            "MemorySize": function["memory"],
            "Environment": {"Variables": variables},
        }
        try:
            lambdas.get_function(FunctionName=name)
        except lambdas.exceptions.ResourceNotFoundException:
            arns[function["name"]] = lambdas.create_function(
                FunctionName=name, Role=LAMBDA_ROLE, Code={"ZipFile": code}, **settings
            )["FunctionArn"]
        else:
            lambdas.update_function_code(FunctionName=name, ZipFile=code)
            _wait_active(lambdas, name)
            arns[function["name"]] = lambdas.update_function_configuration(FunctionName=name, **settings)["FunctionArn"]
        _wait_active(lambdas, name)
        source = function.get("event_source")
        if source:
            url = sqs.get_queue_url(QueueName=source["queue"])["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            mapped = lambdas.list_event_source_mappings(FunctionName=name, EventSourceArn=queue_arn)
            if not mapped["EventSourceMappings"]:
                lambdas.create_event_source_mapping(
                    FunctionName=name,
                    EventSourceArn=queue_arn,
                    BatchSize=source["batch_size"],
                    MaximumBatchingWindowInSeconds=source["batching_window_seconds"],
                    FunctionResponseTypes=["ReportBatchItemFailures"],
                    ScalingConfig={"MaximumConcurrency": source["maximum_concurrency"]},
                )
    # Migrations before anything consumes, as the template's custom resource does on deploy.
    answer = lambdas.invoke(FunctionName=FUNCTION_PREFIX + "migrate", Payload=b"{}")
    print(f"  migrate: {answer['Payload'].read().decode()}")
    dispatch = FUNCTION_PREFIX + "dispatch"
    # An earlier run may have granted it already.
    with contextlib.suppress(lambdas.exceptions.ResourceConflictException):
        lambdas.add_permission(
            FunctionName=dispatch,
            StatementId="pickvs-rules",
            Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com",
        )
    return str(arns["dispatch"])


def lambda_available() -> bool:
    """Tell whether LocalStack can run Lambda here: it needs Docker."""
    return Path("/var/run/docker.sock").exists() or bool(os.environ.get("DOCKER_HOST"))


def main(argv: list[str] | None = None) -> int:
    """Create PickVs's queues, rules and (with Docker) functions on LocalStack and print what it did."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL", "http://localhost:4566"))
    parser.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    parser.add_argument("--schedules", type=Path, default=DEFAULT_SCHEDULES, help="services/fetcher/schedules.py")
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR, help="where make package wrote")
    parser.add_argument("--target-arn", help="the rules' target instead of the deployed fan-out function")
    parser.add_argument("--schedule-expression", help="one expression for every rule (default: schedules.py's)")
    args = parser.parse_args(argv)

    import boto3

    session = boto3.Session(
        region_name=args.region,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    )
    bootstrap = load_by_path("pickvs_queue_bootstrap", HERE / "bootstrap.py")
    schedules = load_by_path("pickvs_fetch_schedules", args.schedules)

    print("queues:")
    for name, result in bootstrap.bootstrap(session.client("sqs", endpoint_url=args.endpoint_url)).items():
        print(f"  {result['change']:>9}  {name}  {result['url']}")
    target = args.target_arn
    if target is None:
        manifest = args.build_dir / "manifest.json"
        if lambda_available() and manifest.is_file():
            print(f"functions (from {args.build_dir}):")
            target = deploy_functions(session, args.endpoint_url, args.build_dir, dict(os.environ))
        else:
            why = "no Docker for LocalStack's Lambda" if not lambda_available() else f"no {manifest} (make package)"
            print(f"functions: not deployed ({why}); the rules have no target")
    closing = os.environ.get("PICKVS_CLOSING_LINE_ENABLED", "false").lower() in ("1", "true", "yes")
    rules = ensure_rules(
        session.client("events", endpoint_url=args.endpoint_url),
        schedules,
        target_arn=target,
        expression=args.schedule_expression,
        closing_enabled=closing,
    )
    print("rules:")
    for name, rule in rules.items():
        print(f"  {name}  {rule['expression']}  {rule['state']}  -> {rule['target']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
