"""The web service's deployment files, checked here (no Docker engine, no Render account): hadolint on the Dockerfile
and its key lines, docker-compose.yml and render.yaml parsed and checked for what they must hold, no default secret
on any production path, and the production server command itself, started for real: trusted proxies decide whose
X-Forwarded-For names the client."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import yaml

from devstack.sqs import EmbeddedSqs
from pickvs.settings import SettingsError, load_settings
from services.web.settings import DEV_JWT_SECRET, WebSettings
from tests.infra import cfn

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Names of settings that hold secrets, wherever they appear.
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|_KEY|TOKEN)(_ID)?$")


def _stages(dockerfile: str) -> dict[str, list[str]]:
    """The Dockerfile's instructions (continuation lines joined) per stage name."""
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in re.sub(r"\\\n\s*", " ", dockerfile).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            current = stages.setdefault(line.split()[-1], [])
        current.append(line)
    return stages


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    done = subprocess.run(
        [str(BIN / "hadolint"), str(REPO / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_web_image_is_slim_non_root_checked_by_healthz_and_runs_the_production_server() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    stages = _stages(dockerfile)
    web = stages["web"]
    # the default target (the last stage) is the web service, on a slim base
    assert list(stages)[-1] == "web" and web[0].startswith("FROM python:3.11-slim")
    # its own user, never root
    [user] = [line for line in web if line.startswith("USER ")]
    assert user.split()[1] not in ("root", "0")
    # /healthz is its health check, the production command its command
    [health] = [line for line in web if line.startswith("HEALTHCHECK ")]
    assert "/healthz" in health
    assert web[-1] == 'CMD ["serve-web"]' and "COPY infra/serve-web.sh /usr/local/bin/serve-web" in web
    # production dependencies only: no dev extra, no dev tooling copied into what the web image installs
    build = "\n".join(stages["web-build"])
    assert "[dev]" not in build and "devstack" not in build and "-c constraints.txt ." in build
    assert not any("devstack" in line for line in web)
    # the app: built by Vite with the API URL as a build argument, served by unprivileged nginx
    assert any(line.startswith("ARG VITE_API_BASE_URL") for line in stages["app-build"])
    assert "RUN npm run build" in stages["app-build"] and stages["app"][0].startswith(
        "FROM nginxinc/nginx-unprivileged"
    )


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return loaded


def test_compose_runs_postgres_localstack_the_web_service_and_the_built_app() -> None:
    services = _compose()["services"]
    assert {"postgres", "localstack", "web", "app", "migrate", "odds-api"} == set(services)
    # every long-running service says when it is healthy, and what needs it waits for that
    for name in ("postgres", "localstack", "web", "odds-api"):
        assert services[name]["healthcheck"]["test"], name
    assert services["web"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "localstack": {"condition": "service_healthy"},
    }
    assert services["app"]["depends_on"] == {"web": {"condition": "service_healthy"}}
    # the images come from the Dockerfile's targets; the web runs the image's production command
    assert services["web"]["build"]["target"] == "web" and "command" not in services["web"]
    assert services["app"]["build"]["target"] == "app" and services["app"]["build"]["args"]["VITE_API_BASE_URL"] == ""
    assert services["migrate"]["command"] == ["pickvs", "db", "migrate"]
    # LocalStack runs our hook with the repository (and its built packages) mounted, and Docker for its Lambda
    volumes = services["localstack"]["volumes"]
    assert "./:/opt/pickvs:ro" in volumes and "./localstack/init/ready.d:/etc/localstack/init/ready.d:ro" in volumes
    assert "/var/run/docker.sock:/var/run/docker.sock" in volumes
    hook = (REPO / "localstack" / "init" / "ready.d" / "10-pickvs.sh").read_text()
    assert "/opt/pickvs/localstack/hook.py" in hook and "/opt/pickvs/build/lambda" in hook
    assert os.access(REPO / "localstack" / "init" / "ready.d" / "10-pickvs.sh", os.X_OK)
    assert "pickvs-fetch-scores" in " ".join(services["localstack"]["healthcheck"]["test"])
    # ports only on the loopback
    ports = [p for s in services.values() for p in s.get("ports", [])]
    assert ports and all(p.startswith("127.0.0.1:") for p in ports)
    # the web's trusted proxies are the compose network's, where the app's nginx forwards from
    subnet = _compose()["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert services["web"]["environment"]["PICKVS_TRUSTED_PROXIES"] == subnet


def _render() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "render.yaml").read_text())
    return loaded


def test_the_render_blueprint_migrates_before_start_and_serves_the_app_from_the_static_host() -> None:
    api, app = _render()["services"]
    env = {v["key"]: v for v in api["envVars"]}
    assert (api["type"], api["runtime"], api["dockerfilePath"]) == ("web", "docker", "./Dockerfile")
    assert api["healthCheckPath"] == "/healthz"
    assert api["preDeployCommand"] == "pickvs db migrate" and api["dockerCommand"] == "serve-web"
    assert env["PICKVS_ENV"]["value"] == "prod" and env["WEB_CONCURRENCY"]["value"] == "2"
    assert env["PICKVS_TRUSTED_PROXIES"]["value"] == "10.0.0.0/8"
    assert env["PICKVS_JWT_SECRET"] == {"key": "PICKVS_JWT_SECRET", "generateValue": True}
    for prompted in ("PICKVS_DATABASE_URL", "PICKVS_CORS_ORIGINS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert env[prompted] == {"key": prompted, "sync": False}
    # the app: Vite's build in frontend/, its output published, the API URL a build-time variable, SPA routes
    assert (app["runtime"], app["rootDir"], app["buildCommand"], app["staticPublishPath"]) == (
        "static",
        "frontend",
        "npm ci && npm run build",
        "dist",
    )
    assert [v["key"] for v in app["envVars"]] == ["VITE_API_BASE_URL"] and app["envVars"][0]["sync"] is False
    assert {"type": "rewrite", "source": "/*", "destination": "/index.html"} in app["routes"]


def _template_secret_problems() -> list[str]:
    template = cfn.load()
    problems = []
    for name, parameter in template["Parameters"].items():
        if SECRET_NAME.search(name.upper()) and parameter.get("Default") not in (None, ""):
            problems.append(f"template parameter {name} has a default")
        if "secret" in name.lower() and parameter.get("NoEcho") is None and not name.endswith("Arn"):
            problems.append(f"template parameter {name} would take a secret in clear")
    environments = [template["Globals"]["Function"]["Environment"]["Variables"]] + [
        body["Properties"].get("Environment", {}).get("Variables", {})
        for body in template["Resources"].values()
        if body["Type"] == "AWS::Serverless::Function"
    ]
    for variables in environments:
        for key, value in variables.items():
            if SECRET_NAME.search(key) or key in ("PICKVS_DATABASE_URL", "PICKVS_ODDS_API_KEY"):
                problems.append(f"template function environment holds {key}")
            if isinstance(value, str) and "://" in value and "@" in value:
                problems.append(f"template function environment {key} holds credentials")
    return problems


# Values that are not secrets although their names say so: LocalStack takes any credentials, and the simulator's key
# opens nothing but the simulator.
COMPOSE_STAND_INS = {"AWS_ACCESS_KEY_ID": "localstack", "AWS_SECRET_ACCESS_KEY": "localstack"}
COMPOSE_SIMULATOR_KEY = ("PICKVS_ODDS_API_KEY", "sim-key")


def _compose_secret_problems() -> list[str]:
    problems = []
    for service, body in _compose()["services"].items():
        for key, value in (body.get("environment") or {}).items():
            text = str(value)
            if COMPOSE_STAND_INS.get(key) == text or (key, text) == COMPOSE_SIMULATOR_KEY:
                continue
            if SECRET_NAME.search(key) and not re.fullmatch(r"\$\{\w+:\?[^}]+\}", text):
                problems.append(f"compose {service}.{key} is not a required variable")
            if "://" in text and "@" in text and "${PICKVS_DB_PASSWORD:?" not in text:
                problems.append(f"compose {service}.{key} holds a password")
    return problems


def _render_secret_problems() -> list[str]:
    problems = []
    for service in _render()["services"]:
        for variable in service.get("envVars", []):
            if (
                SECRET_NAME.search(variable["key"]) or variable["key"] == "PICKVS_DATABASE_URL"
            ) and "value" in variable:
                problems.append(f"render {service['name']}.{variable['key']} has a value in the file")
    return problems


def test_no_production_path_carries_a_default_secret() -> None:
    assert _template_secret_problems() + _compose_secret_problems() + _render_secret_problems() == []


def test_the_secret_check_catches_a_default_secret_written_into_compose(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN compose with the web's JWT secret written in clear
    text = (
        (REPO / "docker-compose.yml")
        .read_text()
        .replace(
            "${PICKVS_JWT_SECRET:?set PICKVS_JWT_SECRET to 32+ random bytes (docs/local-cloud.md)}", DEV_JWT_SECRET
        )
    )
    monkeypatch.setattr(sys.modules[__name__], "_compose", lambda: yaml.safe_load(text))
    # THEN the check names it
    assert _compose_secret_problems() == ["compose web.PICKVS_JWT_SECRET is not a required variable"]


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR:?message} and ${VAR:-default}, enough for docker-compose.yml."""

    def replace(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise ValueError(f"{name}: {rest}")
        return rest or ""

    return re.sub(r"\$\{(\w+)(:[?-])?([^}]*)\}", replace, value)


def test_the_compose_web_service_starts_only_with_real_secrets_and_refuses_the_published_one(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = _compose()["services"]["web"]["environment"]
    # without the secrets set, compose itself refuses (the ${VAR:?} form), naming the variable
    with pytest.raises(ValueError, match="PICKVS_JWT_SECRET"):
        _interpolate(str(web["PICKVS_JWT_SECRET"]), {})
    # with real ones, the web's production settings load from the environment compose gives the container
    real = {"PICKVS_DB_PASSWORD": "x" * 32, "PICKVS_JWT_SECRET": "s" * 64}
    for key, value in web.items():
        monkeypatch.setenv(key, _interpolate(str(value), real))
    settings = load_settings(WebSettings)
    assert settings.production and settings.cors_origins == [] and settings.jwt_secret == "s" * 64
    # and with the published default in its place, production refuses to start, in one line naming the variable
    monkeypatch.setenv("PICKVS_JWT_SECRET", DEV_JWT_SECRET)
    with pytest.raises(SettingsError, match="PICKVS_JWT_SECRET must be set to a real secret"):
        load_settings(WebSettings)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def serve_web(
    db: asyncpg.Pool, sqs: Any, sqs_endpoint: EmbeddedSqs, pg_url: str
) -> AsyncIterator[Callable[[str], Any]]:
    """Start infra/serve-web.sh (uvicorn, two workers) in production mode; return its base URL."""
    started: list[asyncio.subprocess.Process] = []

    async def start(trusted_proxies: str) -> str:
        port = _free_port()
        env = {
            "PATH": f"{BIN}:{os.environ['PATH']}",
            "PICKVS_ENV": "prod",
            "PICKVS_DATABASE_URL": pg_url,
            "PICKVS_JWT_SECRET": "a-production-secret-of-at-least-32-bytes",
            "PICKVS_CORS_ORIGINS": '["https://app.example.com"]',
            "PICKVS_SQS_ENDPOINT_URL": sqs_endpoint.endpoint_url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "PICKVS_TRUSTED_PROXIES": trusted_proxies,
            "PORT": str(port),
        }
        process = await asyncio.create_subprocess_exec(
            str(REPO / "infra" / "serve-web.sh"),
            cwd=REPO.parent,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as client:
            for _ in range(150):
                try:
                    if (await client.get(f"{base}/healthz")).status_code == 200:
                        return base
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("serve-web was not healthy within 15 s")

    yield start
    for process in started:
        os.killpg(process.pid, 15)
        await asyncio.wait_for(process.wait(), timeout=20)


async def _client_of_a_failed_login(db: asyncpg.Pool, base: str, forwarded_for: str) -> str:
    await db.execute("TRUNCATE login_failure")
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{base}/auth/login",
            json={"username": "nobody", "password": "wrong-password"},
            headers={"X-Forwarded-For": forwarded_for},
        )
    assert answer.status_code == 401
    return str(await db.fetchval("SELECT client FROM login_failure"))


async def test_the_production_server_takes_the_client_from_forwarded_for_only_behind_a_trusted_proxy(
    serve_web: Callable[[str], Any], db: asyncpg.Pool
) -> None:
    # GIVEN the production command trusting the local peer as its proxy
    base = await serve_web("127.0.0.1")
    # WHEN the proxy forwards a login for 203.0.113.7 THEN the rate limit counts 203.0.113.7
    assert await _client_of_a_failed_login(db, base, "203.0.113.7") == "203.0.113.7"
    # AND a client that sends its own header cannot pick its address: the proxy appended the real one, which wins
    assert await _client_of_a_failed_login(db, base, "6.6.6.6, 203.0.113.8") == "203.0.113.8"


async def test_without_trusted_proxies_the_production_server_ignores_forwarded_for(
    serve_web: Callable[[str], Any], db: asyncpg.Pool
) -> None:
    base = await serve_web("")
    assert await _client_of_a_failed_login(db, base, "203.0.113.7") == "127.0.0.1"


def test_json_is_what_render_and_compose_pass_for_the_cors_list() -> None:
    assert json.loads(_compose()["services"]["web"]["environment"]["PICKVS_CORS_ORIGINS"]) == []
