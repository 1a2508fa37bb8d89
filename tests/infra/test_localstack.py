"""LocalStack's init hook and the SAM template against a real LocalStack started on this host (tests/infra/
localstack_host.py): the hook creates the queues, DLQs, rules and targets; a scheduled rule really fires and its
event, fanned out per sport, runs the real fetcher in-process, whose events the real ingest handler takes from
LocalStack's queue; the grader settles through LocalStack's queue and a poison record is dead-lettered by LocalStack
itself; and the real template, stripped of its functions and of what only they need (LocalStack's Lambda needs
Docker), deploys through LocalStack's CloudFormation with every other resource CREATE_COMPLETE.

Where LocalStack cannot be installed or started, the same tests run against the embedded moto server and say so in a
warning: moto's schedules never fire, so the scheduled delivery is then not proven (PICKVS_TEST_LOCALSTACK=0 forces
this fallback).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import boto3
import pytest

from devstack.odds_simulator import OddsApiSimulator, Slate
from devstack.sqs import EmbeddedSqs
from localstack import bootstrap
from pickvs.queues import dlq_name
from pickvs.runner import EventSourceRunner, LambdaContext
from pickvs.settings import BaseAppSettings
from pickvs.sqs import close_sqs_clients, open_sqs_client
from services.fetcher import dispatch
from services.fetcher import handler as fetch_handler
from services.fetcher.schedules import SCHEDULES
from services.fetcher.settings import get_settings as fetcher_settings
from services.grader import handler as grader_handler
from services.grader import ingest_handler
from tests.builders import final, game_info, insert_game
from tests.infra import cfn
from tests.infra.localstack_host import LocalStackUnavailable, running_localstack

pytestmark = pytest.mark.timeout(1200)  # the first run on a machine installs LocalStack

REPO = Path(__file__).resolve().parents[2]
HOOK = REPO / "localstack" / "hook.py"
STAND_IN_QUEUE = "fan-out-stand-in"
# The stack goes to another region than the hook's queues: the queue names are fixed, as on AWS.
STACK_REGION = "us-west-2"
DELIVERY_TIMEOUT_SECONDS = 150


@dataclass
class Cloud:
    kind: str  # "localstack" or "moto"
    endpoint_url: str
    python: str  # the interpreter that runs the hook (LocalStack's own, or ours with moto)
    why_not_localstack: str | None = None
    rules_created_at: float = 0.0

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def say_if_moto(self, what: str) -> None:
        if self.kind == "moto":
            warnings.warn(f"LocalStack unavailable ({self.why_not_localstack}); moto stood in: {what}", stacklevel=2)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory, sqs_endpoint: EmbeddedSqs) -> Iterator[Cloud]:
    """A real LocalStack on a free port, or the embedded moto server when LocalStack cannot run here."""
    if os.environ.get("PICKVS_TEST_LOCALSTACK", "1") == "0":
        why = "PICKVS_TEST_LOCALSTACK=0"
    else:
        try:
            with running_localstack(tmp_path_factory.mktemp("localstack")) as stack:
                yield Cloud("localstack", stack.endpoint_url, stack.python)
                return
        except LocalStackUnavailable as exc:
            why = str(exc)
    print(f"\nLocalStack unavailable: {why}; running the LocalStack tests against moto", file=sys.stderr)
    sqs_endpoint.reset()
    yield Cloud("moto", sqs_endpoint.endpoint_url, sys.executable, why_not_localstack=why)


@pytest.fixture
def on_cloud(cloud: Cloud, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Cloud:
    """Point the in-process handlers' settings at the cloud's SQS (and the test database)."""
    monkeypatch.setenv("PICKVS_SQS_ENDPOINT_URL", cloud.endpoint_url)
    for cached in (fetcher_settings, grader_handler.get_settings, ingest_handler.get_settings):
        cached.cache_clear()
    return cloud


@pytest.fixture
async def cloud_sqs(on_cloud: Cloud) -> AsyncIterator[Any]:
    async with open_sqs_client(BaseAppSettings()) as client:
        yield client
    await close_sqs_clients()


def _run_hook(cloud: Cloud, *args: str) -> str:
    env = {"PATH": os.environ["PATH"], "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run(
        [cloud.python, str(HOOK), "--endpoint-url", cloud.endpoint_url, *args],
        cwd=HOOK.parent.parent.parent,  # not the repository: nothing of ours is importable but by path
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_init_hook_creates_the_queues_dead_letter_queues_rules_and_targets(cloud: Cloud) -> None:
    # GIVEN a queue standing in for the fan-out function (LocalStack runs no Lambda without Docker)
    sqs = cloud.client("sqs")
    stand_in = sqs.create_queue(QueueName=STAND_IN_QUEUE)["QueueUrl"]
    stand_in_arn = sqs.get_queue_attributes(QueueUrl=stand_in, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    # WHEN LocalStack's interpreter runs the hook as a file, with every rule firing each minute
    output = _run_hook(cloud, "--target-arn", stand_in_arn, "--schedule-expression", "rate(1 minute)")
    cloud.rules_created_at = time.monotonic()
    # THEN the queues exist with the bootstrap's attributes and dead-letter queues
    for name in bootstrap.QUEUE_NAMES:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["VisibilityTimeout"] == str(bootstrap.VISIBILITY_TIMEOUT_SECONDS)
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["maxReceiveCount"] == bootstrap.MAX_RECEIVE_COUNT
        assert redrive["deadLetterTargetArn"].endswith(f":{dlq_name(name)}")
    # AND one rule per schedule, the optional one off, each targeting the stand-in
    events = cloud.client("events")
    for schedule in SCHEDULES:
        rule = events.describe_rule(Name=schedule.rule_name)
        assert (rule["ScheduleExpression"], rule["State"]) == (
            "rate(1 minute)",
            "DISABLED" if schedule.optional else "ENABLED",
        )
        targets = events.list_targets_by_rule(Rule=schedule.rule_name)["Targets"]
        assert [t["Arn"] for t in targets] == [stand_in_arn]
    assert "created  game-events" in output
    # AND running it again changes nothing
    again = _run_hook(cloud, "--target-arn", stand_in_arn, "--schedule-expression", "rate(1 minute)")
    assert again.count("unchanged") == 4 and "created" not in again


def _strip_functions(template: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Drop the functions and, transitively, every resource and output that refers to a dropped one."""
    resources = template["Resources"]
    dropped = {name for name, body in resources.items() if body["Type"] == "AWS::Serverless::Function"}
    while True:
        more = set()
        for name, body in resources.items():
            if name in dropped:
                continue
            depends = body.get("DependsOn", [])
            targets = {r.target for r in cfn.references(body, name)} | (
                {depends} if isinstance(depends, str) else set(depends)
            )
            if targets & dropped:
                more.add(name)
        if not more:
            break
        dropped |= more
    stripped = dict(template)
    stripped["Resources"] = {k: v for k, v in resources.items() if k not in dropped}
    stripped["Outputs"] = {
        k: v for k, v in template.get("Outputs", {}).items() if not {r.target for r in cfn.references(v, k)} & dropped
    }
    return stripped, dropped


_SAM_TRANSLATE = """
import json, sys
from samtranslator.translator.transform import transform

class ManagedPolicies:  # our roles name no managed policy; SAM asks for the map all the same
    def load(self):
        return {}

template = json.load(sys.stdin)
for body in template["Resources"].values():
    if body["Type"] == "AWS::Serverless::Function":
        body["Properties"]["CodeUri"] = "s3://pickvs-artifacts/package.zip"  # what sam deploy puts there
arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pickvs/odds-AbCdEf"
json.dump(transform(template, {"OddsApiKeySecretArn": arn}, ManagedPolicies()), sys.stdout)
"""


def test_the_whole_template_goes_through_the_sam_transform_into_a_template_cfn_lint_accepts(
    cloud: Cloud, tmp_path: Path
) -> None:
    if cloud.kind == "moto":
        cloud.say_if_moto("no SAM translator (it lives in LocalStack's environment), so the transform was not run")
        assert _strip_functions(cfn.load())[1], "the template has functions to transform"
        return
    # WHEN LocalStack's SAM translator (the one its CloudFormation applies) transforms the whole template
    done = subprocess.run(
        [cloud.python, "-c", _SAM_TRANSLATE],
        input=json.dumps(cfn.load()),
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": os.environ["PATH"], "AWS_DEFAULT_REGION": "us-east-1"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    translated = json.loads(done.stdout)
    resources = translated["Resources"]
    # THEN cfn-lint accepts the plain CloudFormation it became
    (tmp_path / "translated.json").write_text(done.stdout)
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(tmp_path / "translated.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout
    # AND each schedule is a rule targeting the fan-out, allowed to invoke it
    rules = {r["Properties"]["Name"]: r["Properties"] for r in resources.values() if r["Type"] == "AWS::Events::Rule"}
    assert set(rules) == {s.rule_name for s in SCHEDULES}
    for rule in rules.values():
        assert [t["Arn"] for t in rule["Targets"]] == [{"Fn::GetAtt": ["FetchDispatchFunction", "Arn"]}]
    permissions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
    assert {p["Properties"]["Principal"] for p in permissions} == {"events.amazonaws.com"} and len(permissions) == 3
    # AND the consumers' triggers report partial batch failures at the concurrency chosen
    mappings = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert sorted((m["FunctionName"]["Ref"], m["ScalingConfig"]["MaximumConcurrency"]) for m in mappings) == [
        ("GraderFunction", 2),
        ("IngestFunction", 2),
    ]
    assert all(m["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for m in mappings)
    # AND SAM added no role or managed policy of its own: each function runs as the role the template gives it
    roles = {k for k, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    assert roles == {"FetchDispatchRole", "FetchRole", "IngestRole", "GraderRole", "MigrateRole"}
    assert all("ManagedPolicyArns" not in resources[role]["Properties"] for role in roles)
    # AND the migrations run against a published version that changes with the code
    version = resources["SchemaMigrations"]["Properties"]["MigrateVersion"]
    assert resources[version["Ref"]]["Type"] == "AWS::Lambda::Version"


def test_the_real_template_without_its_functions_deploys_with_every_resource_complete(cloud: Cloud) -> None:
    # GIVEN the template without the functions (and what only they need), an Odds API key and an existing database
    template, dropped = _strip_functions(cfn.load())
    assert dropped == {
        "FetchDispatchFunction",
        "FetchFunction",
        "IngestFunction",
        "GraderFunction",
        "MigrateFunction",
        "SchemaMigrations",
        "FetchDispatchErrorsAlarm",
        "FetchErrorsAlarm",
        "IngestErrorsAlarm",
        "GraderErrorsAlarm",
    }
    if cloud.kind == "moto":
        # moto has no SAM transform; with the functions gone nothing of SAM's is left but the two keys.
        template = {k: v for k, v in template.items() if k not in ("Transform", "Globals")}
    secrets = cloud.client("secretsmanager", STACK_REGION)
    key_arn = secrets.create_secret(Name="pickvs/odds-api-key", SecretString="a-key")["ARN"]
    db_arn = secrets.create_secret(Name="pickvs/database-url", SecretString="postgresql://u:p@db:5432/pickvs")["ARN"]
    stacks = cloud.client("cloudformation", STACK_REGION)
    # WHEN it is deployed through CloudFormation (the SAM transform included, on LocalStack)
    stacks.create_stack(
        StackName="pickvs",
        TemplateBody=json.dumps(template),
        Parameters=[
            {"ParameterKey": "OddsApiKeySecretArn", "ParameterValue": key_arn},
            {"ParameterKey": "ExistingDatabaseUrlSecretArn", "ParameterValue": db_arn},
        ],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    deadline = time.monotonic() + 120
    while (status := stacks.describe_stacks(StackName="pickvs")["Stacks"][0])["StackStatus"].endswith("_IN_PROGRESS"):
        assert time.monotonic() < deadline, "the stack did not settle within 120 s"
        time.sleep(1)
    # THEN the stack and every resource it was asked to create are complete (the RDS ones are not asked for: an
    # existing database's secret was given, and LocalStack has no RDS)
    assert status["StackStatus"] == "CREATE_COMPLETE", status.get("StackStatusReason")
    created = {
        r["LogicalResourceId"]: r["ResourceStatus"]
        for r in stacks.list_stack_resources(StackName="pickvs")["StackResourceSummaries"]
    }
    conditional = {"Database", "DatabaseSecret", "DatabaseSecurityGroup", "DatabaseParameterGroup"}
    conditional |= {"DatabaseSecretAttachment", "AlarmEmailSubscription"}
    expected = set(template["Resources"]) - conditional
    if cloud.kind == "moto":
        # moto's CloudFormation skips the types it does not implement (and lists them under an empty name).
        unsupported = {"AWS::SecretsManager::Secret", "AWS::CloudWatch::Alarm"}
        expected = {name for name in expected if template["Resources"][name]["Type"] not in unsupported}
        created.pop("", None)
        cloud.say_if_moto(f"its CloudFormation does not create {', '.join(sorted(unsupported))}")
    assert created == dict.fromkeys(expected, "CREATE_COMPLETE")
    # AND the queues it made are the bootstrap's
    sqs = cloud.client("sqs", STACK_REGION)
    url = sqs.get_queue_url(QueueName="score-events")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == str(bootstrap.VISIBILITY_TIMEOUT_SECONDS)
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == bootstrap.MAX_RECEIVE_COUNT
    # AND the web's key pair is in its secret, not in an output
    if cloud.kind == "localstack":
        outputs = {o["OutputKey"]: o["OutputValue"] for o in status.get("Outputs", [])}
        secret = secrets.get_secret_value(SecretId=outputs["WebHealthCredentialsSecretArn"])
        credentials = json.loads(secret["SecretString"])
        assert set(credentials) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} and all(credentials.values())
    cloud.say_if_moto("the stripped template was deployed by moto's CloudFormation, without the SAM transform")


async def test_the_grader_settles_through_the_clouds_queue_and_its_poison_is_dead_lettered_there(
    on_cloud: Cloud, cloud_sqs: Any, db: asyncpg.Pool
) -> None:
    # GIVEN a game, its final score and a poison record on the cloud's score-events
    game = game_info("localstack-1")
    await insert_game(db, game)
    url = (await cloud_sqs.get_queue_url(QueueName="score-events"))["QueueUrl"]
    await cloud_sqs.send_message(QueueUrl=url, MessageBody=final(game, 101, 99).model_dump_json())
    await cloud_sqs.send_message(QueueUrl=url, MessageBody='{"event_type": "game_result"}')
    # WHEN the real grader handler consumes the queue the way Lambda's trigger would
    runner = EventSourceRunner(cloud_sqs, url, grader_handler.handle, wait_seconds=1, retry_delay_seconds=0)
    dlq_url = (await cloud_sqs.get_queue_url(QueueName=dlq_name("score-events")))["QueueUrl"]
    dead: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while not dead:
        assert time.monotonic() < deadline, "the poison record never reached the DLQ"
        await runner.poll_once()
        dead = (await cloud_sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=0)).get("Messages", [])
    # THEN the game is settled and the cloud moved the poison record to the DLQ after its receives
    assert await db.fetchval("SELECT status FROM game WHERE external_id = 'localstack-1'") == "final"
    assert [m["Body"] for m in dead] == ['{"event_type": "game_result"}']


async def test_a_scheduled_rule_fires_and_its_event_fans_out_into_a_fetch_whose_games_are_ingested(
    on_cloud: Cloud, cloud_sqs: Any, db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the rules the hook created a minute ago (rate(1 minute), targeting the stand-in queue)
    stand_in = (await cloud_sqs.get_queue_url(QueueName=STAND_IN_QUEUE))["QueueUrl"]
    scheduled: dict[str, Any] | None = None
    if on_cloud.kind == "localstack":
        # WHEN LocalStack's scheduler fires them (bounded wait)
        deadline = on_cloud.rules_created_at + DELIVERY_TIMEOUT_SECONDS
        while scheduled is None:
            assert time.monotonic() < deadline, f"no scheduled event within {DELIVERY_TIMEOUT_SECONDS} s"
            got = await cloud_sqs.receive_message(QueueUrl=stand_in, WaitTimeSeconds=5, MaxNumberOfMessages=10)
            for message in got.get("Messages", []):
                event = json.loads(message["Body"])
                if event["resources"][0].endswith("rule/pickvs-fetch-odds"):
                    scheduled = event
    else:
        # moto's rules never fire: the event EventBridge documents for a scheduled rule stands in
        scheduled = {
            "version": "0",
            "id": "moto",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:123456789012:rule/pickvs-fetch-odds"],
            "detail": {},
        }
        on_cloud.say_if_moto("its rules never fire, so no scheduled delivery was observed")
    # THEN the delivered event is EventBridge's scheduled event for the odds rule
    assert scheduled["detail-type"] == "Scheduled Event" and scheduled["source"] == "aws.events"
    # WHEN the fan-out splits it per sport and the fetcher runs the NBA's (in-process: Lambda needs Docker)
    [sport_event] = dispatch.per_sport_events(scheduled, ["basketball_nba"])
    sim = OddsApiSimulator(slate=Slate.demo(datetime.now(UTC)))
    monkeypatch.setenv("PICKVS_ODDS_API_KEY", "sim-key")
    monkeypatch.setenv("PICKVS_ODDS_API_BASE_URL", await sim.start())
    fetcher_settings.cache_clear()
    try:
        report = await fetch_handler.handle(sport_event, LambdaContext("fetch"))
    finally:
        await sim.stop()
        await fetch_handler.close()
    assert report["ok"] and report["credits"] == 3, report
    assert (
        report["scheduled_for"]
        == datetime.strptime(scheduled["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).isoformat()
    )
    # AND the real ingest handler takes the six games from the cloud's game-events
    url = (await cloud_sqs.get_queue_url(QueueName="game-events"))["QueueUrl"]
    runner = EventSourceRunner(cloud_sqs, url, ingest_handler.handle, wait_seconds=1, retry_delay_seconds=0)
    deadline = time.monotonic() + 60
    while await db.fetchval("SELECT count(*) FROM game") < 6:
        assert time.monotonic() < deadline, "the fetched games were not ingested"
        await runner.poll_once()
    # THEN they are stored with their odds
    assert await db.fetchval("SELECT count(DISTINCT game_id) FROM market_line") == 6
