"""Schemathesis over the whole OpenAPI schema: no 5xx, every status is declared, every body matches its schema.

Four ways in:
- every operation on its own, each case sent with a valid token, none, or an invalid one (garbage, expired, signed
  with another secret);
- every path parameter filled with control characters and other text no route expects (`/api/users/%00` was a 500);
- stateful sequences that follow the API's OpenAPI links (register → log in → place a slip → cancel → profile …)
  with the values real responses carry. Some slips and sign-ups are made valid from the live board, so the success
  paths are reached (and some profile requests name a real player, some cancels a pick just placed), and the test
  counts them and asserts a floor;
- the same over the league routes and sign-up/login in a run of their own (create → join → the league, its members,
  leaderboard and feed, a new code, a hand-over …), each scenario starting with a league of the fixture's player and
  steering some joins to real codes and some league requests to a scenario's league, asked by its owner.

Requests go through httpx's ASGITransport on one event loop kept in a background thread for the module, so the app's
database pool lives on one loop and is closed on it when the module ends (hypothesis drives the cases synchronously).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
import zlib
from collections import Counter
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyStrategyDefinition
from jose import jwt
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response as SchemathesisResponse
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from pickvs.db import get_pool
from services.web.auth.security import create_access_token
from services.web.main import create_app
from services.web.settings import WebSettings

# The schema is read from the app itself; it does not need a database (none is configured at import time).
_RAW_SCHEMA = create_app(WebSettings(env="dev")).openapi()
schema = schemathesis.openapi.from_dict(_RAW_SCHEMA)

CHECKS = [not_a_server_error, response_schema_conformance]
AUTH_MODES = ["valid", "none", "garbage", "expired", "foreign"]
STRONG_PASSWORD = "a long enough password"
GAMES = 30

# Success paths the stateful run must reach at least this often. Whether a step follows a link is decided with true
# randomness inside schemathesis, so counts vary from run to run (over a dozen runs: 8 to 44 profiles, 16 to 36
# slips); the floors leave room for an unlucky run. A cancel (204) is reached too, but too rarely to hold to a floor.
FLOORS = {
    ("POST", "/auth/register", 201): 3,
    ("POST", "/auth/login", 200): 3,
    ("POST", "/api/picks", 201): 3,
    ("GET", "/api/users/{username}", 200): 3,
}
# The league run's floors. Each read of a league alone is reached anywhere from none to about 20 times a run, so the
# five are held to a floor together.
LEAGUE_FLOORS = {
    ("POST", "/api/leagues", 201): 3,
    ("POST", "/api/leagues/join", 200): 3,
}
LEAGUE_READS = [
    ("GET", f"/api/leagues/{{league_id}}{tail}", 200)
    for tail in ("", "/members", "/leaderboard", "/leaderboard/me", "/feed")
]
LEAGUE_READS_FLOOR = 8


class _Loop:
    """An event loop running in a thread, so synchronous hypothesis tests can await the async app on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@dataclass
class Api:
    loop: _Loop
    client: httpx.AsyncClient
    settings: WebSettings
    token: str
    board: list[dict[str, Any]]

    def auth(self, mode: str) -> dict[str, str]:
        """Return the Authorization header of an auth mode (none: no header)."""
        if mode == "none":
            return {}
        token = {
            "valid": self.token,
            "garbage": "not-a-jwt",
            "expired": create_access_token(
                user_id=1, settings=self.settings, now=datetime.now(UTC) - timedelta(days=30)
            ).token,
            "foreign": jwt.encode(
                {"sub": "1", "iat": int(datetime.now(UTC).timestamp()), "exp": 2_000_000_000},
                "another-secret-entirely-another-secret",
                algorithm="HS256",
            ),
        }[mode]
        return {"Authorization": f"Bearer {token}"}

    def send(self, **request: Any) -> httpx.Response:
        response: httpx.Response = self.loop.run(self.client.request(**request))
        return response


@pytest.fixture(scope="module")
def api(pg_url: str) -> Iterator[Api]:
    """An app on its own loop with a fresh database, a board of games and one player, shared by every case."""
    from tests.conftest import truncate_all
    from tests.web.helpers import add_game

    loop = _Loop()
    # Limits high enough that thousands of fuzzed logins and sign-ups from one address are answered, not throttled.
    app_settings = WebSettings(
        login_max_failures_per_account_client=100_000,
        login_max_failures_per_client=100_000,
        login_account_free_failures=100_000,
        register_max_per_client=100_000,
        league_join_max_failures_per_client=100_000,
    )
    app = create_app(app_settings)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")

    async def setup() -> tuple[str, list[dict[str, Any]]]:
        pool = await get_pool(app_settings)
        await truncate_all(pool)
        # Game 1 matches the slip example in the schema; the rest give the stateful run games to pick.
        for n in range(GAMES):
            await add_game(pool, external_id=f"fuzz{n}", starts_in=f"{n + 3} hours")
        response = await client.post(
            "/auth/register", json={"username": "fuzzer", "email": "fuzzer@example.com", "password": STRONG_PASSWORD}
        )
        assert response.status_code == 201, response.text
        board = (await client.get("/api/games/upcoming")).json()["games"]
        assert len(board) == GAMES
        return response.json()["access_token"], board

    token, board = loop.run(setup())
    yield Api(loop=loop, client=client, settings=app_settings, token=token, board=board)

    async def teardown() -> None:
        await client.aclose()
        # Only this loop's pool: the other tests' pool belongs to the session loop.
        await (await get_pool(app_settings)).close()

    loop.run(teardown())
    loop.stop()


def _httpx_kwargs(case: schemathesis.Case, headers: dict[str, str]) -> dict[str, Any]:
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    request = {k: kwargs.pop(k) for k in ("method", "url", "headers", "params")}
    if "Authorization" not in headers:
        request["headers"].pop("Authorization", None)
    if cookies := kwargs.pop("cookies", None):
        request["headers"]["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if "json" in kwargs:
        request["json"] = kwargs.pop("json")
    if "data" in kwargs:
        data = kwargs.pop("data")
        request["data" if isinstance(data, dict) else "content"] = data
    if "files" in kwargs:
        request["files"] = kwargs.pop("files")
    kwargs.pop("auth", None)
    assert not kwargs, f"unmapped request arguments: {sorted(kwargs)}"
    return request


def _validate(case: schemathesis.Case, response: httpx.Response | SchemathesisResponse) -> None:
    if case.path == "/healthz" and response.status_code == 503:
        # No SQS runs for this module: the probe's documented "degraded" answer, not a server fault.
        case.validate_response(response, checks=[response_schema_conformance])
        return
    # 405 for a method a path does not have is the framework's, and no API lists it; every other status is declared.
    checks = CHECKS if response.status_code == 405 else [*CHECKS, status_code_conformance]
    case.validate_response(response, checks=checks)


# Each case takes the next auth mode in turn, so every operation is tried with each of them.
_NEXT_AUTH = itertools.cycle(AUTH_MODES)


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_every_response_matches_the_schema(case: schemathesis.Case, api: Api) -> None:
    response = api.send(**_httpx_kwargs(case, api.auth(next(_NEXT_AUTH))))
    _validate(case, response)


# Operations with path parameters, and the declared statuses of each.
_PATH_OPERATIONS = [
    (path, method, [p["name"] for p in spec.get("parameters", []) if p["in"] == "path"], set(spec["responses"]))
    for path, methods in _RAW_SCHEMA["paths"].items()
    for method, spec in methods.items()
    if "{" in path
]
_CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.characters(min_codepoint=0x7F, max_codepoint=0x9F)
_HOSTILE_TEXT = st.one_of(
    st.text(_CONTROL, min_size=1, max_size=8),
    st.text(_CONTROL | st.characters(codec="utf-8"), min_size=1, max_size=40),
    st.sampled_from(["\x00", "alice\x00", "%00", "..", "a" * 500, "-1", "9" * 30, " ", "\u202e", "\ud7ff"]),
)


@pytest.mark.parametrize(
    ("path", "method", "names", "declared"),
    _PATH_OPERATIONS,
    ids=[f"{m.upper()} {p}" for p, m, _, _ in _PATH_OPERATIONS],
)
@given(data=st.data())
@settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_path_parameters_with_control_characters_get_a_clear_4xx(
    path: str, method: str, names: list[str], declared: set[str], data: st.DataObject, api: Api
) -> None:
    # GIVEN a path whose parameters hold control characters or other text no route expects
    url = path
    for name in names:
        url = url.replace("{" + name + "}", quote(data.draw(_HOSTILE_TEXT, label=name), safe=""))
    # WHEN it is requested, with a valid token
    response = api.send(method=method.upper(), url=url, headers=api.auth("valid"))
    # THEN the answer is a declared status below 500 in the JSON error body (404 when no route matches at all)
    assert response.status_code < 500, (url, response.status_code, response.text)
    if response.status_code != 404:
        assert str(response.status_code) in declared, (url, response.status_code)
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "details"}


_REACHED: Counter[tuple[str, str, int]] = Counter()
_NAMES = itertools.count()


def _roll(case: schemathesis.Case, salt: str) -> random.Random:
    """A random source fixed by what hypothesis generated for the case, so a replayed scenario makes the same calls."""
    # An invite code a link carried from a response is random, unlike everything else a replay sends again (ids repeat:
    # each scenario restarts them), so it must not steer the roll.
    body = None if case.path == "/api/leagues/join" else case.body
    return random.Random(zlib.crc32(repr((salt, case.path, body, case.query, case.path_parameters)).encode()))


async def _reset(api: Api) -> tuple[int, str, str]:
    """Put the database back as the fixture left it, plus one league of the fixture's player; return that league.

    Each scenario's answers then depend only on its own steps, and its league steps have a league to act on.
    """
    pool = await get_pool(api.settings)
    await pool.execute(
        "TRUNCATE pick, pick_regrade, login_failure, login_known_client, client_attempt, league, league_member "
        "RESTART IDENTITY"
    )
    await pool.execute("DELETE FROM \"user\" WHERE username <> 'fuzzer'")
    response = await api.client.post(
        "/api/leagues", json={"name": "Fuzzers"}, headers={"Authorization": f"Bearer {api.token}"}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"], response.json()["invite_code"], api.token


def _valid_slip(board: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    game = rng.choice(board)
    market = rng.choice(game["markets"])
    side = rng.choice(market["outcomes"])
    pick = {
        "game_id": game["id"],
        "market": market["market"],
        "selection": side["selection"],
        "point": side["point"],
        "price": side["price"],
        "stake": "1",
    }
    return {"picks": [pick]}


def _is_replay_divergence(exc: BaseException) -> bool:
    """Whether hypothesis stopped because a replayed scenario drew differently from its first run (not a failed check).

    Schemathesis decides with true randomness whether a step follows a link, so the same draws can send other requests,
    get other answers and leave other steps to choose from. Hypothesis reports that as FlakyStrategyDefinition, or fails
    an assertion in its data tree; schemathesis's own runner counts neither as a failure.
    """
    if isinstance(exc, FlakyStrategyDefinition):
        return True
    traceback = exc.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    return (
        isinstance(exc, AssertionError)
        and traceback is not None
        and traceback.tb_frame.f_globals["__name__"] == "hypothesis.internal.conjecture.datatree"
    )


# How often a run cut short by a replay that drew differently is resumed; each resumption runs the scenarios left.
MAX_RESUMES = 5


def _run_workflow(api: Api, state_schema: Any, *, max_examples: int) -> int:
    """Run stateful sequences over `state_schema`'s operations, counting every (method, path, status) in _REACHED.

    Every exception a step raises is kept, so a failure hypothesis could not replay is still reported as it happened.
    Return how many times the run was resumed after a replay drew differently.
    """
    _REACHED.clear()
    failures: list[BaseException] = []
    scenarios = 0

    class Workflow(state_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            nonlocal scenarios
            scenarios += 1
            league = api.loop.run(_reset(api))
            self.token = api.token
            self.placed: list[int] = []
            self.leagues: list[tuple[int, str, str]] = [league]  # id, invite code, the creator's token

        def before_call(self, case: schemathesis.Case) -> None:
            rng = _roll(case, "before_call")
            mode = rng.choices(AUTH_MODES, weights=[12, 2, 1, 1, 1])[0]
            self.headers = {"Authorization": f"Bearer {self.token}"} if mode == "valid" else api.auth(mode)
            if case.method == "POST" and case.path == "/auth/register" and rng.random() < 0.5:
                n = next(_NAMES)  # only ever unique: the answer does not depend on which name it is
                case.body = {"username": f"player{n}", "email": f"player{n}@example.com", "password": STRONG_PASSWORD}
            elif case.method == "POST" and case.path == "/auth/login" and rng.random() < 0.5:
                case.body = {"username": "fuzzer", "password": STRONG_PASSWORD}
            elif case.method == "POST" and case.path == "/api/picks" and rng.random() < 0.6:
                case.body = _valid_slip(api.board, rng)
            elif case.path == "/api/users/{username}" and rng.random() < 0.5:
                case.path_parameters = {**(case.path_parameters or {}), "username": "fuzzer"}
            elif case.method == "DELETE" and case.path == "/api/picks/{pick_id}" and self.placed and rng.random() < 0.8:
                case.path_parameters = {**(case.path_parameters or {}), "pick_id": self.placed[-1]}
            elif case.method == "POST" and case.path == "/api/leagues" and rng.random() < 0.8:
                case.body = {"name": f"League {next(_NAMES)}", "sport": "basketball_nba"}
            elif case.path == "/api/leagues/join" and rng.random() < 0.6:
                case.body = {"code": rng.choice(self.leagues)[1]}
            elif "{league_id}" in case.path and rng.random() < 0.7:
                # A league of this scenario, asked about by its owner when the token is a valid one.
                league_id, _, owner_token = rng.choice(self.leagues)
                case.path_parameters = {**(case.path_parameters or {}), "league_id": league_id}
                if mode == "valid":
                    self.headers = {"Authorization": f"Bearer {owner_token}"}

        def call(self, case: schemathesis.Case, **kwargs: Any) -> SchemathesisResponse:
            return SchemathesisResponse.from_any(api.send(**_httpx_kwargs(case, self.headers)))

        def after_call(self, response: SchemathesisResponse, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            _REACHED[(case.method, case.path, response.status_code)] += 1
            if case.path in ("/auth/register", "/auth/login") and response.status_code in (200, 201):
                self.token = response.json()["access_token"]  # later steps act as the player just signed in
            if case.method == "POST" and case.path == "/api/picks" and response.status_code == 201:
                self.placed += [pick["id"] for pick in response.json()["picks"]]
            if case.method == "POST" and case.path == "/api/leagues" and response.status_code == 201:
                creator = self.headers["Authorization"].removeprefix("Bearer ")  # a 201 means this token was valid
                self.leagues.append((response.json()["id"], response.json()["invite_code"], creator))

        def validate_response(
            self, response: SchemathesisResponse, case: schemathesis.Case, *args: Any, **kwargs: Any
        ) -> None:
            _validate(case, response)

        def step(self, input: Any) -> Any:
            try:
                return super().step(input)
            except BaseException as exc:
                failures.append(exc)
                raise

    for resumes in range(MAX_RESUMES + 1):
        try:
            Workflow.run(
                settings=settings(
                    max_examples=max_examples - scenarios,
                    stateful_step_count=8,
                    # Links are followed at random, so a replay cannot repeat a run: report the first failure as it
                    # happened instead of shrinking it.
                    phases=[Phase.generate],
                    deadline=None,
                    derandomize=True,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
            )
            return resumes
        except BaseException as exc:
            if failures and failures[0] is not exc:
                raise failures[0] from exc
            if failures:
                raise
            if not _is_replay_divergence(exc):
                raise
            if scenarios >= max_examples:
                return resumes + 1
    raise AssertionError(f"{MAX_RESUMES + 1} runs in a row ended in a replay that drew differently ({scenarios} ran)")


def test_stateful_sequences_through_the_links_reach_the_success_paths(api: Api) -> None:
    # Leagues have a run of their own below: their dozen operations would leave the others too few steps here.
    resumes = _run_workflow(api, schema.exclude(path="/healthz").exclude(path_regex="^/api/leagues"), max_examples=40)
    reached = {key: _REACHED[key] for key in FLOORS}
    cancels = _REACHED[("DELETE", "/api/picks/{pick_id}", 204)]
    print(f"stateful fuzz reached: {reached}, cancels: {cancels}, resumed: {resumes}")
    assert all(reached[key] >= floor for key, floor in FLOORS.items()), (reached, dict(_REACHED))


def test_stateful_league_sequences_reach_the_league_success_paths(api: Api) -> None:
    # Players sign up and log in between league steps, so a scenario's leagues are acted on by several players. How many
    # steps call each operation varies between runs: 30 scenarios created 11 to 47 leagues in runs here and 2 in one CI
    # run; 60 scenarios created 19 to 53, far above the floors.
    resumes = _run_workflow(api, schema.include(path_regex="^/api/leagues|^/auth/"), max_examples=60)
    reached = {key: _REACHED[key] for key in LEAGUE_FLOORS}
    league_reads = {key[1]: _REACHED[key] for key in LEAGUE_READS}
    print(f"league fuzz reached: {reached}, reads: {league_reads}, resumed: {resumes}")
    assert all(reached[key] >= floor for key, floor in LEAGUE_FLOORS.items()), (reached, dict(_REACHED))
    assert sum(league_reads.values()) >= LEAGUE_READS_FLOOR, (league_reads, dict(_REACHED))
