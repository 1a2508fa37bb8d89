"""A new user's mistakes cost one line, not a traceback: SQS unreachable, `pickvs dev` on a busy port (also settable
by PICKVS_DEV_PORT), `pickvs quota` without an API key, and a dev stack started with a real key found from another
terminal."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from devstack.dev import DevStack, write_record
from devstack.pipeline import odds_api
from devstack.postgres import free_port
from pickvs.cli import main
from services.fetcher.resources import odds_api_target
from services.fetcher.settings import FetcherSettings
from tests.fetcher.fake_api import KEY, FakeOddsApi


@pytest.fixture
def sqs_down(monkeypatch: pytest.MonkeyPatch, sqs: Any) -> str:
    """Point the commands at an SQS endpoint where nothing listens."""
    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("PICKVS_SQS_ENDPOINT_URL", endpoint)
    return endpoint


@pytest.mark.parametrize("argv", [["dlq", "list", "score-events"], ["dlq", "redrive", "game-events"], ["ingest"]])
async def test_a_command_that_cannot_reach_sqs_says_so_in_one_line(
    db: asyncpg.Pool, sqs_down: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN SQS unreachable WHEN a command that needs it runs
    code = await asyncio.to_thread(main, argv)
    # THEN it exits non-zero with one line naming the cause
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"pickvs {argv[0]}: cannot reach SQS" in err and sqs_down in err


async def test_a_fetch_that_cannot_reach_sqs_pays_nothing_and_says_why_in_its_report(
    db: asyncpg.Pool, sqs_down: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    api = FakeOddsApi()
    monkeypatch.setenv("PICKVS_ODDS_API_BASE_URL", await api.start())
    monkeypatch.setenv("PICKVS_ODDS_API_KEY", KEY)
    try:
        code = await asyncio.to_thread(main, ["fetch-odds"])
    finally:
        await api.stop()
    out = capsys.readouterr()
    assert code == 1 and "Traceback" not in out.err + out.out
    assert f"basketball_nba: failed: not paying for anything: SQS at {sqs_down} cannot be reached" in out.out
    assert [path.rsplit("/", 1)[1] for path, _ in api.requests] == ["events"]


def _pickvs_dev(port_args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PICKVS_")}
    clean.update(PICKVS_ENV="dev", PICKVS_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-m", "pickvs.cli", "dev", "--no-demo", *port_args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("by_env", [False, True])
def test_pickvs_dev_on_a_busy_port_says_so_in_one_line_and_starts_nothing(tmp_path: Path, by_env: bool) -> None:
    # GIVEN a port someone else listens on, named by --port or by PICKVS_DEV_PORT
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # WHEN `pickvs dev` is asked to serve there
        if by_env:
            result = _pickvs_dev([], tmp_path, PICKVS_DEV_PORT=str(port))
        else:
            result = _pickvs_dev(["--port", str(port)], tmp_path)
    # THEN one line says which port and what to do, and no cluster was created
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"pickvs dev: cannot serve the API on 127.0.0.1:{port}" in result.stderr
    assert "PICKVS_DEV_PORT" in result.stderr
    assert not (tmp_path / "postgres").exists()


async def test_pickvs_quota_needs_no_api_key(db: asyncpg.Pool, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN no PICKVS_ODDS_API_KEY WHEN the quota is asked for THEN it reads the ledger of the configured API
    assert "PICKVS_ODDS_API_KEY" not in os.environ
    code = await asyncio.to_thread(main, ["quota"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "at https://api.the-odds-api.com" in out and "remaining    475" in out


async def test_pickvs_quota_needs_no_api_key_under_production_rules_either(
    db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an operator's shell with production rules and the database, but not the Odds API key
    monkeypatch.setenv("PICKVS_ENV", "prod")
    assert "PICKVS_ODDS_API_KEY" not in os.environ
    # WHEN the quota is asked for THEN it reads the ledger of the configured API all the same
    code = await asyncio.to_thread(main, ["quota"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "at https://api.the-odds-api.com" in captured.out


async def test_a_dev_stack_started_with_a_real_key_is_found_from_another_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN `make dev` started in a shell with a real key and base URL (so no simulator)
    monkeypatch.setenv("PICKVS_ODDS_API_KEY", "real-key")
    monkeypatch.setenv("PICKVS_ODDS_API_BASE_URL", "https://odds.example")
    stack = DevStack(host="127.0.0.1", port=0, data_dir=tmp_path)
    async with odds_api(stack):
        write_record(stack)
    # WHEN a command runs in another dev shell that sets neither
    monkeypatch.delenv("PICKVS_ODDS_API_KEY")
    monkeypatch.delenv("PICKVS_ODDS_API_BASE_URL")
    target = odds_api_target(FetcherSettings(env="dev", data_dir=tmp_path))
    # THEN it uses the stack's API and key
    assert (target.base_url, target.api_key) == ("https://odds.example", "real-key")
    assert (tmp_path / "dev-stack.json").stat().st_mode & 0o077 == 0  # the key is readable by its owner only
