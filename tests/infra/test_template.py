"""infra/template.yaml: cfn-lint finds nothing; every reference resolves (cfn-lint checks SAM resources against a schema
only); and what the template repeats from the code agrees with the code: the schedules, the queues and their
attributes, each function's handler (present in its built package), timeout and event source, the metric names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.package import FUNCTIONS, FUNCTIONS_BY_NAME
from localstack import bootstrap
from services.fetcher.metrics import emf_record
from services.fetcher.schedules import SCHEDULES
from services.fetcher.settings import FetcherSettings
from tests.infra import cfn

# What !GetAtt may ask of each resource type this template uses (CloudFormation's documented return values).
ATTRIBUTES = {
    "AWS::SQS::Queue": {"Arn", "QueueName", "QueueUrl"},
    "AWS::Serverless::Function": {"Arn"},
    "AWS::EC2::SecurityGroup": {"GroupId", "VpcId"},
    "AWS::RDS::DBInstance": {"Endpoint.Address", "Endpoint.Port", "DBInstanceArn"},
    "AWS::IAM::AccessKey": {"SecretAccessKey"},
    "AWS::IAM::User": {"Arn"},
    "AWS::IAM::Role": {"Arn", "RoleId"},
    "AWS::SNS::Topic": {"TopicArn", "TopicName"},
    "AWS::SecretsManager::Secret": {"Id"},
    "AWS::Logs::LogGroup": {"Arn"},
}
# What `!Ref Function.X` may name: SAM's generated version and alias, only where AutoPublishAlias is set.
SAM_REF_SUFFIXES = {"Version", "Alias"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return cfn.load()


def test_cfn_lint_finds_nothing() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(cfn.TEMPLATE)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _all_references(template: dict[str, Any]) -> list[tuple[cfn.Reference, str | None]]:
    """Every reference with the condition of the resource or output it sits in."""
    found: list[tuple[cfn.Reference, str | None]] = []
    for section in ("Resources", "Outputs"):
        for name, body in template.get(section, {}).items():
            own = body.get("Condition")
            found += [(ref, own) for ref in cfn.references(body, f"{section}.{name}")]
            depends = body.get("DependsOn", [])
            for target in [depends] if isinstance(depends, str) else depends:
                found.append((cfn.Reference(f"{section}.{name}", "DependsOn", target, None, frozenset()), own))
    found += [(ref, None) for ref in cfn.references(template.get("Globals", {}), "Globals")]
    found += [(ref, None) for ref in cfn.references(template.get("Conditions", {}), "Conditions")]
    return found


def test_every_ref_getatt_sub_and_condition_resolves(template: dict[str, Any]) -> None:
    resources: dict[str, Any] = template["Resources"]
    parameters = set(template.get("Parameters", {}))
    conditions = set(template.get("Conditions", {}))
    problems = []
    for ref, owner_condition in _all_references(template):
        resource = resources.get(ref.target)
        if ref.kind == "Condition":
            if ref.target not in conditions:
                problems.append(f"{ref.where}: no condition {ref.target}")
            continue
        if ref.kind in ("Ref", "Sub") and ref.attribute is None:
            if ref.target not in parameters | set(resources) | cfn.PSEUDO_PARAMETERS:
                problems.append(f"{ref.where}: {ref.kind} to nothing called {ref.target}")
        elif ref.kind == "Ref":
            ok = resource and ref.attribute in SAM_REF_SUFFIXES and "AutoPublishAlias" in resource["Properties"]
            if not ok:
                problems.append(f"{ref.where}: Ref {ref.target}.{ref.attribute} names nothing SAM generates")
        elif ref.kind in ("GetAtt", "Sub") or ref.kind == "DependsOn":
            if resource is None:
                problems.append(f"{ref.where}: {ref.kind} to no resource {ref.target}")
            elif ref.attribute is not None and ref.attribute not in ATTRIBUTES.get(resource["Type"], set()):
                problems.append(f"{ref.where}: {resource['Type']} has no attribute {ref.attribute}")
        # A resource that exists only under a condition may be named only where that condition holds.
        needed = resource.get("Condition") if resource else None
        if needed and needed != owner_condition and needed not in ref.conditions:
            problems.append(f"{ref.where}: {ref.target} exists only if {needed}, which does not hold here")
    assert problems == []


def test_the_reference_check_catches_a_reference_to_a_missing_resource(tmp_path: Path) -> None:
    # GIVEN the template with one resource renamed, so the references to it dangle (cfn-lint accepts SAM's side of it)
    text = cfn.TEMPLATE.read_text().replace("  GameEventsDeadLetterQueue:\n", "  GameEventsDlq:\n", 1)
    broken = tmp_path / "template.yaml"
    broken.write_text(text)
    # WHEN the check runs THEN it names the dangling references
    with pytest.raises(AssertionError, match="GetAtt to no resource GameEventsDeadLetterQueue"):
        test_every_ref_getatt_sub_and_condition_resolves(cfn.load(broken))


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def _sam_build_targets() -> set[str]:
    """The functions the Makefile's build-<Function> rule covers (what sam build calls)."""
    makefile = (cfn.TEMPLATE.parents[1] / "Makefile").read_text()
    [line] = [x for x in makefile.splitlines() if x.startswith("SAM_FUNCTIONS :=")]
    assert "$(addprefix build-,$(SAM_FUNCTIONS)):" in makefile
    return set(line.split(":=")[1].split())


def _defines(module_file: Path, name: str) -> bool:
    tree = ast.parse(module_file.read_text())
    return any(isinstance(node, ast.FunctionDef) and node.name == name for node in tree.body)


def test_every_function_is_a_built_package_whose_handler_exists_with_the_settings_packaging_declares(
    template: dict[str, Any], packages: dict[str, Path]
) -> None:
    functions = _functions(template)
    assert set(functions) == {f.logical_id for f in FUNCTIONS}
    for function in FUNCTIONS:
        properties = functions[function.logical_id]["Properties"]
        # sam build runs `make build-<LogicalId>` at the repository's root, which builds this package
        assert functions[function.logical_id]["Metadata"] == {"BuildMethod": "makefile"}
        assert (cfn.TEMPLATE.parent / properties["CodeUri"]).resolve() == cfn.TEMPLATE.parents[1]
        assert function.logical_id in _sam_build_targets()
        # the handler exists in that package
        assert properties["Handler"] == function.handler
        module, _, attribute = function.handler.rpartition(".")
        module_file = packages[function.name] / (module.replace(".", "/") + ".py")
        assert module_file.is_file() and _defines(module_file, attribute), function.handler
        assert (properties["Timeout"], properties["MemorySize"]) == (function.timeout, function.memory)
        sqs_events = [e["Properties"] for e in properties.get("Events", {}).values() if e["Type"] == "SQS"]
        if function.event_source is None:
            assert sqs_events == []
            continue
        [source] = sqs_events
        queue = template["Resources"][source["Queue"]["Fn::GetAtt"][0]]["Properties"]["QueueName"]
        assert (
            queue,
            source["BatchSize"],
            source["MaximumBatchingWindowInSeconds"],
            source["ScalingConfig"]["MaximumConcurrency"],
        ) == (
            function.event_source.queue,
            function.event_source.batch_size,
            function.event_source.batching_window_seconds,
            function.event_source.maximum_concurrency,
        )
        assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_schedules_are_the_ones_schedules_py_defines(template: dict[str, Any]) -> None:
    dispatch = _functions(template)[FUNCTIONS_BY_NAME["dispatch"].logical_id]["Properties"]
    rules = {e["Properties"]["Name"]: e["Properties"] for e in dispatch["Events"].values() if e["Type"] == "Schedule"}
    assert set(rules) == {s.rule_name for s in SCHEDULES}
    parameters = template["Parameters"]
    for schedule in SCHEDULES:
        rule = rules[schedule.rule_name]
        assert parameters[rule["Schedule"]["Ref"]]["Default"] == schedule.expression, schedule.rule_name
        if schedule.optional:
            # off unless turned on, by the same switch the fetcher reads, off by default on both sides
            assert rule["State"] == {"Fn::If": ["ClosingLineOn", "ENABLED", "DISABLED"]}
            assert parameters["ClosingLineEnabled"]["Default"] == "false"
            assert FetcherSettings.model_fields["closing_line_enabled"].default is False
        else:
            assert rule["State"] == "ENABLED"
    fetcher = _functions(template)[FUNCTIONS_BY_NAME["fetcher"].logical_id]["Properties"]
    variables = fetcher["Environment"]["Variables"]
    assert variables["PICKVS_CLOSING_LINE_ENABLED"] == {"Ref": "ClosingLineEnabled"}
    assert variables["PICKVS_SPORTS"] == dispatch["Environment"]["Variables"]["PICKVS_SPORTS"] == {"Ref": "Sports"}
    # the fetcher's defaults are the template's defaults
    defaults = FetcherSettings.model_fields
    assert parameters["Sports"]["Default"] == ",".join(defaults["sports"].default)
    assert parameters["OddsMarkets"]["Default"] == ",".join(str(m) for m in defaults["odds_markets"].default)
    assert parameters["OddsRegions"]["Default"] == ",".join(defaults["odds_regions"].default)
    assert parameters["OddsMonthlyBudget"]["Default"] == defaults["odds_monthly_budget"].default
    assert parameters["OddsBudgetReserve"]["Default"] == defaults["odds_budget_reserve"].default


def test_the_queues_have_the_names_and_attributes_of_the_bootstrap(template: dict[str, Any]) -> None:
    queues = {
        r["Properties"]["QueueName"]: (name, r["Properties"])
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::SQS::Queue"
    }
    expected = set(bootstrap.QUEUE_NAMES) | {bootstrap.dlq_name(q) for q in bootstrap.QUEUE_NAMES}
    assert set(queues) == expected
    consumers = [f for f in FUNCTIONS if f.event_source]
    for queue_name in bootstrap.QUEUE_NAMES:
        _, queue = queues[queue_name]
        dlq_logical, dlq = queues[bootstrap.dlq_name(queue_name)]
        assert queue["VisibilityTimeout"] == bootstrap.VISIBILITY_TIMEOUT_SECONDS
        assert queue["MessageRetentionPeriod"] == bootstrap.RETENTION_SECONDS
        assert queue["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": [dlq_logical, "Arn"]},
            "maxReceiveCount": bootstrap.MAX_RECEIVE_COUNT,
        }
        assert dlq["MessageRetentionPeriod"] == bootstrap.DLQ_RETENTION_SECONDS
        assert set(dlq) == {"QueueName", "MessageRetentionPeriod"}
        # AWS's advice for SQS triggers: the visibility timeout is at least six times the consumer's timeout
        [consumer] = [f for f in consumers if f.event_source and f.event_source.queue == queue_name]
        assert queue["VisibilityTimeout"] >= 6 * consumer.timeout
        assert consumer.timeout == bootstrap.CONSUMER_TIMEOUT_SECONDS


def _role_statements(template: dict[str, Any], function: dict[str, Any]) -> list[dict[str, Any]]:
    role = template["Resources"][function["Properties"]["Role"]["Fn::GetAtt"][0]]
    assert role["Type"] == "AWS::IAM::Role"
    return [s for policy in role["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def test_each_function_has_a_role_of_its_own_allowed_only_what_its_code_calls(template: dict[str, Any]) -> None:
    functions = _functions(template)
    # no SAM-made role (for an SQS trigger it would attach a managed policy covering every queue in the account)
    assert all("Policies" not in body["Properties"] for body in functions.values())
    roles = {body["Properties"]["Role"]["Fn::GetAtt"][0] for body in functions.values()}
    assert len(roles) == len(functions)
    allowed = {}
    for logical, body in functions.items():
        statements = _role_statements(template, body)
        for statement in statements:
            assert statement["Effect"] == "Allow"
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            # every permission names its resources: never "*", never a managed policy
            assert all(isinstance(r, dict) for r in resources), (logical, statement)
        allowed[logical] = sorted(
            {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
        )
    logs = ["logs:CreateLogStream", "logs:PutLogEvents"]
    consume = ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]
    assert allowed == {
        "FetchDispatchFunction": sorted(["lambda:InvokeFunction", *logs]),
        "FetchFunction": sorted([*logs, "secretsmanager:GetSecretValue", "sqs:GetQueueUrl", "sqs:SendMessage"]),
        "IngestFunction": sorted([*logs, "secretsmanager:GetSecretValue", *consume]),
        "GraderFunction": sorted([*logs, "secretsmanager:GetSecretValue", *consume]),
        "MigrateFunction": sorted([*logs, "secretsmanager:GetSecretValue"]),
    }
    # a consumer may read and delete only the queue its trigger reads
    for function in FUNCTIONS:
        if function.event_source is None:
            continue
        statements = _role_statements(template, functions[function.logical_id])
        [consuming] = [s for s in statements if "sqs:ReceiveMessage" in s["Action"]]
        queue = template["Resources"][consuming["Resource"]["Fn::GetAtt"][0]]["Properties"]["QueueName"]
        assert queue == function.event_source.queue


def test_every_dead_letter_queue_and_function_has_an_alarm_and_the_credit_alarm_reads_the_emitted_metric(
    template: dict[str, Any],
) -> None:
    alarms = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    watched_queues = {a["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for a in alarms if a["Namespace"] == "AWS/SQS"}
    assert watched_queues == {"GameEventsDeadLetterQueue", "ScoreEventsDeadLetterQueue"}
    watched_functions = {a["Dimensions"][0]["Value"]["Ref"] for a in alarms if a["Namespace"] == "AWS/Lambda"}
    assert watched_functions == {f.logical_id for f in FUNCTIONS} - {"MigrateFunction"}
    ours = {a["MetricName"]: a for a in alarms if a["Namespace"] == {"Ref": "MetricsNamespace"}}
    assert set(ours) == {"CreditsLeft", "RunFailed"}
    assert (
        template["Parameters"]["MetricsNamespace"]["Default"]
        == FetcherSettings.model_fields["metrics_namespace"].default
    )
    emitted = emf_record("PickVs", {"CreditsLeft": 1, "RunFailed": 0}, {}, at_ms=0)["_aws"]["CloudWatchMetrics"][0]
    assert emitted["Dimensions"] == [[]]  # the alarms name no dimension, so the metric must carry none
    for alarm in alarms:
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
