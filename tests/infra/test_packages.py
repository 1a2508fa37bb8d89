"""The lean Lambda packages: each holds its entry point and what it imports, none of the web, the dev tooling or the
other services, and each handler runs from its package alone — here one scheduled odds run end to end: the fan-out
starts the NBA run, the fetcher pays and publishes, the ingest stores the games, the grader settles one, in production
mode with the database URL and the Odds API key read from Secrets Manager (the embedded moto server)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import boto3
import pytest

from contracts.events import parse_game_odds_event
from devstack.odds_simulator import OddsApiSimulator, Slate
from devstack.sqs import EmbeddedSqs
from infra.package import FUNCTIONS, FUNCTIONS_BY_NAME, PackagingError, check_platform
from infra.package import main as package_main
from pickvs.runner import queue_arn, to_lambda_event
from pickvs.sqs import queue_url
from tests.builders import final
from tests.fetcher.test_fan_out import SCHEDULED_EVENT, FakeLambda
from tests.infra.conftest import REPO, run_packaged

# Nothing a Lambda runs may drag these in: the web stack, the ORM mirror, the dev and test tooling.
NEVER_INSIDE = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlmodel",
    "sqlalchemy",
    "greenlet",
    "jose",
    "pwdlib",
    "argon2",
    "moto",
    "pgserver",
    "httpx",
    "pytest",
    "hypothesis",
    "devstack",
    "localstack",
    "infra",
    "bench",
    "tests",
    "services/web",
)
# What each package holds of our own code (a service never ships another's).
OWN_CODE = {
    "dispatch": {"pickvs", "services/fetcher"},
    "fetcher": {"contracts", "pickvs", "services/fetcher"},
    "ingest": {"contracts", "pickvs", "services/grader"},
    "grader": {"contracts", "pickvs", "services/grader"},
    "migrate": {"pickvs", "schema"},
}


def _own_code(package: Path) -> set[str]:
    found = set()
    for top in ("contracts", "pickvs", "schema"):
        if (package / top).is_dir():
            found.add(top)
    services = package / "services"
    if services.is_dir():
        found |= {f"services/{p.name}" for p in services.iterdir() if p.is_dir() and p.name != "__pycache__"}
    return found


def test_each_package_holds_its_entry_point_and_only_what_it_imports(packages: dict[str, Path]) -> None:
    assert set(packages) == {f.name for f in FUNCTIONS}
    for function in FUNCTIONS:
        root = packages[function.name]
        # its entry point, compiled so a cold start never compiles
        module_file = root / (function.module.replace(".", "/") + ".py")
        assert module_file.is_file(), function.handler
        assert list((module_file.parent / "__pycache__").glob(f"{module_file.stem}.cpython-311.pyc")), function.name
        # none of what production Lambdas must never carry
        present = [name for name in NEVER_INSIDE if (root / name).exists() or (root / f"{name}.py").exists()]
        assert present == [], f"{function.name} holds {present}"
        assert _own_code(root) == OWN_CODE[function.name], function.name
        # botocore keeps only the service models its function calls
        models = {p.name for p in (root / "botocore" / "data").iterdir() if p.is_dir()}
        assert models == set(function.botocore_services), function.name
    # the fan-out talks to Lambda only: no database driver, no HTTP client, no event contracts
    dispatch = packages["dispatch"]
    assert not any((dispatch / name).exists() for name in ("asyncpg", "aiohttp", "aioboto3", "contracts"))
    # the consumers never publish (Lambda's SQS trigger feeds them) nor call The Odds API
    for name in ("ingest", "grader", "migrate"):
        assert not any((packages[name] / lib).exists() for lib in ("aioboto3", "aiobotocore", "aiohttp")), name
    shipped = sorted(p.name for p in (packages["migrate"] / "schema" / "migrations").glob("*.sql"))
    assert shipped == sorted(p.name for p in (REPO / "schema" / "migrations").glob("*.sql"))


def test_the_build_refuses_a_platform_whose_compiled_parts_lambda_cannot_load(monkeypatch: pytest.MonkeyPatch) -> None:
    check_platform()  # this machine builds for Lambda
    monkeypatch.setattr("infra.package.platform.machine", lambda: "arm64")
    with pytest.raises(PackagingError, match=r"CPython 3\.11 on Linux x86_64"):
        check_platform()


def secrets_client(endpoint: EmbeddedSqs) -> Any:
    """A Secrets Manager client on the embedded moto server."""
    return boto3.client(
        "secretsmanager",
        region_name="us-east-1",
        endpoint_url=endpoint.endpoint_url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture
def aws_secrets(sqs: Any, sqs_endpoint: EmbeddedSqs, pg_url: str) -> dict[str, str]:
    """The database URL and the simulator's key as Secrets Manager secrets on the embedded moto server (after the
    `sqs` fixture's reset, which would forget them)."""
    client = secrets_client(sqs_endpoint)
    return {
        "PICKVS_DATABASE_URL_SECRET_ARN": client.create_secret(Name="pickvs/db", SecretString=pg_url)["ARN"],
        "PICKVS_ODDS_API_KEY_SECRET_ARN": client.create_secret(Name="pickvs/odds", SecretString="sim-key")["ARN"],
    }


async def test_every_packaged_handler_runs_from_its_package_alone_in_production_mode(
    packages: dict[str, Path], db: asyncpg.Pool, sqs: Any, sqs_endpoint: EmbeddedSqs, aws_secrets: dict[str, str]
) -> None:
    # GIVEN the simulator with tonight's slate, Lambda's API, and the production environment a function gets
    sim = OddsApiSimulator(slate=Slate.demo(datetime.now(UTC)))
    fake_lambda = FakeLambda()
    env = {
        "PICKVS_ENV": "prod",
        **aws_secrets,
        "PICKVS_ODDS_API_BASE_URL": await sim.start(),
        "PICKVS_SQS_ENDPOINT_URL": sqs_endpoint.endpoint_url,
        "PICKVS_SPORTS": "basketball_nba",
        "PICKVS_FETCH_FUNCTION": "pickvs-fetch",
        "PICKVS_DB_POOL_MAX_SIZE": "2",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": sqs_endpoint.endpoint_url,
        "AWS_ENDPOINT_URL_LAMBDA": await fake_lambda.start(),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }

    async def run(name: str, event: Any) -> Any:
        done = await run_packaged(packages[name], FUNCTIONS_BY_NAME[name].handler, event, env)
        assert done.outside == [], f"{name} loaded {done.outside} from outside its package"
        return done.result

    try:
        # WHEN the odds rule fires the fan-out, whose one invocation the fetcher then runs
        assert await run("dispatch", SCHEDULED_EVENT) == {"started": ["basketball_nba"]}
        [(function, kind, sport_event)] = fake_lambda.invocations
        assert (function, kind, sport_event["detail"]) == ("pickvs-fetch", "Event", {"sport": "basketball_nba"})
        fetched = await run("fetcher", sport_event)
    finally:
        await sim.stop()
        await fake_lambda.runner.cleanup()
    # THEN the fetcher paid 3 credits and published tonight's six games
    assert fetched["ok"] and fetched["credits"] == 3, fetched
    game_events = await queue_url(sqs, "game-events")
    messages = []
    while len(messages) < 6:
        got = await sqs.receive_message(QueueUrl=game_events, MaxNumberOfMessages=10, AttributeNames=["All"])
        assert got.get("Messages"), "the fetcher's events are not on game-events"
        messages += got["Messages"]
    # WHEN Lambda's SQS trigger hands them to the ingest function
    event = to_lambda_event(messages, arn=queue_arn(game_events, "us-east-1"), region="us-east-1")
    assert await run("ingest", event) == {"batchItemFailures": []}
    # THEN the games are stored
    assert await db.fetchval("SELECT count(*) FROM game") == 6
    # WHEN one of them ends and its result reaches the grader
    game = parse_game_odds_event(messages[0]["Body"]).game
    result = final(game, 111, 104)
    score_event = to_lambda_event(
        [{"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": result.model_dump_json(), "Attributes": {}}],
        arn=queue_arn(await queue_url(sqs, "score-events"), "us-east-1"),
        region="us-east-1",
    )
    assert await run("grader", score_event) == {"batchItemFailures": []}
    # THEN it is final with its score
    row = await db.fetchrow("SELECT status, home_score, away_score FROM game WHERE external_id = $1", game.external_id)
    assert tuple(row) == ("final", 111, 104)


async def test_the_packaged_migrate_function_migrates_an_empty_database(
    packages: dict[str, Path], pg_url: str, sqs_endpoint: EmbeddedSqs
) -> None:
    # GIVEN an empty database whose URL is in a secret
    admin = await asyncpg.connect(pg_url)
    await admin.execute("DROP DATABASE IF EXISTS pickvs_packaged_migrate")
    await admin.execute("CREATE DATABASE pickvs_packaged_migrate")
    url = urlunsplit(urlsplit(pg_url)._replace(path="/pickvs_packaged_migrate"))
    arn = secrets_client(sqs_endpoint).create_secret(Name="pickvs/migrate-db", SecretString=url)["ARN"]
    env = {
        "PICKVS_ENV": "prod",
        "PICKVS_DATABASE_URL_SECRET_ARN": arn,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": sqs_endpoint.endpoint_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }
    try:
        # WHEN the migrate function is invoked by hand, from its package alone
        done = await run_packaged(packages["migrate"], FUNCTIONS_BY_NAME["migrate"].handler, {}, env)
        # THEN every migration shipped in the package is applied
        assert done.outside == []
        shipped = sorted(p.stem for p in (packages["migrate"] / "schema" / "migrations").glob("*.sql"))
        assert done.result == {"applied": shipped}
    finally:
        await admin.execute("DROP DATABASE IF EXISTS pickvs_packaged_migrate WITH (FORCE)")
        await admin.close()


def test_sam_builds_a_function_into_its_artifacts_directory_with_the_same_contents(
    packages: dict[str, Path], tmp_path: Path
) -> None:
    # WHEN sam build runs `make build-GraderFunction` (python -m infra.package --logical-id … --into ARTIFACTS_DIR)
    artifacts = tmp_path / "GraderFunction"
    assert package_main(["--logical-id", "GraderFunction", "--into", str(artifacts)]) == 0
    # THEN the directory holds exactly what make package builds for the grader

    def files(root: Path) -> list[str]:
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    assert files(artifacts) == files(packages["grader"])
