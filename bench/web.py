"""Hot reads and pick submission against a real server on 127.0.0.1, loaded by wrk, in the same run as their baselines.

A server is the bench app (`bench.webapp`: the production app plus static endpoints answering fixed bytes) under
uvicorn or granian with 1 or 2 workers. wrk runs for a fixed time with a fixed number of connections, on this machine's
loopback only. Reads compare each API endpoint with the static endpoint serving the same bytes on the same server;
pick submission posts slips prepared in advance (each a different player's first picks on an open game), and the
database is then asked how many picks the acknowledged slips stored.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from services.web.auth.security import create_access_token
from services.web.settings import WebSettings

JWT_SECRET = "bench-secret-" + "s" * 40
SERVERS: dict[str, list[str]] = {
    "uvicorn": [
        sys.executable, "-m", "uvicorn", "bench.webapp:create_bench_app", "--factory", "--host", "127.0.0.1",
        "--no-access-log", "--no-server-header", "--no-proxy-headers",
    ],
    "granian": [
        sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
        "--no-ws", "--loop", "uvloop", "bench.webapp:create_bench_app",
    ],
}  # fmt: skip


def find_wrk() -> str | None:
    """Return wrk's path, installing Debian's package when missing and we are root; None when it cannot be had."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("bench: wrk is missing; installing it (apt-get install -y wrk)", flush=True)
    for argv in (["apt-get", "install", "-y", "wrk"], ["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
        done = subprocess.run(argv, capture_output=True, check=False)
        if done.returncode == 0 and argv[1] == "install":
            break
    return shutil.which("wrk")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(kind: str, workers: int, *, url: str, env: dict[str, str]) -> Iterator[str]:
    """Start a server of the bench app; yield its base URL once /healthz answers; stop it (and its workers) after."""
    port = _free_port()
    argv = [*SERVERS[kind], "--port", str(port), "--workers", str(workers)]
    full_env = {**os.environ, **env, "PICKVS_DATABASE_URL": url}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(argv, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield _wait_until_up(process, f"http://127.0.0.1:{port}", kind, log)
        finally:
            # The server's own process group: its workers stop with it.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], base: str, kind: str, log: Any) -> str:
    """Wait for the server to answer (its workers have started); raise with its output if it died or took a minute."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/rules", timeout=2) as response:
                if response.status == 200:
                    return base
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            raise RuntimeError(f"{kind} did not start: {log.read().decode(errors='replace')[-2000:]}")
        time.sleep(0.2)


@dataclass(frozen=True)
class WrkResult:
    """What wrk reported for one run."""

    path: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int

    def as_dict(self) -> dict[str, Any]:
        """Return the result as plain JSON-ready values."""
        return asdict(self)


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNIT_MS[unit]


def parse_wrk(path: str, output: str) -> WrkResult:
    """Read wrk's --latency report."""
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.M))
    requests = int(re.search(r"^\s+(\d+) requests in", output, re.M).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(
        path=path,
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(latency["50"]),
        p99_ms=_ms(latency["99"]),
        requests=requests,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def median_of(runs: list[WrkResult]) -> WrkResult:
    """One endpoint's rounds as one result: the median rate and latencies, every request and error counted."""
    return WrkResult(
        path=runs[0].path,
        requests_per_s=statistics.median(r.requests_per_s for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        requests=sum(r.requests for r in runs),
        non_2xx=sum(r.non_2xx for r in runs),
        socket_errors=sum(r.socket_errors for r in runs),
    )


def wrk(
    wrk_path: str,
    base: str,
    path: str,
    *,
    seconds: int,
    connections: int = 50,
    threads: int = 2,
    script: Path | None = None,
) -> WrkResult:
    """Load one path for `seconds` with wrk and return what it measured."""
    argv = [wrk_path, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script is not None:
        argv += ["-s", str(script)]
    done = subprocess.run([*argv, f"{base}{path}"], capture_output=True, text=True, check=True)
    return parse_wrk(path, done.stdout)


# Each thread walks its own share of the prepared lines (a path, or a token and a JSON body), so no two requests repeat.
_LINES_LUA = """
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  lines = {}
  local n = 0
  for line in io.lines("%(file)s") do
    if n %% %(threads)d == id then table.insert(lines, line) end
    n = n + 1
  end
  i = 0
end
function request()
  i = i + 1
  local line = lines[(i - 1) %% #lines + 1]
  %(request)s
end
"""
_GET_LINE = 'return wrk.format("GET", line)'
_POST_LINE = """local tab = line:find("\\t")
  local headers = {["Authorization"] = "Bearer " .. line:sub(1, tab - 1), ["Content-Type"] = "application/json"}
  return wrk.format("POST", "/api/picks", headers, line:sub(tab + 1))"""


def lines_script(directory: Path, name: str, lines: list[str], *, post: bool, threads: int = 2) -> Path:
    """Write the lines and a wrk script that sends them, each once per pass."""
    data = directory / f"{name}.lines"
    data.write_text("\n".join(lines) + "\n")
    script = directory / f"{name}.lua"
    script.write_text(_LINES_LUA % {"file": data, "threads": threads, "request": _POST_LINE if post else _GET_LINE})
    return script


# --- pick submission ------------------------------------------------------------------------------------------------

_OPEN_GAMES_SQL = """
INSERT INTO game (external_id, sport_key, sport_title, home_team, away_team, commence_time)
SELECT 'bench-open-' || n, 'basketball_nba', 'NBA', 'Open Home ' || n, 'Open Away ' || n, $2
FROM generate_series(1, $1) AS n
RETURNING id
"""
_OPEN_LINES_SQL = """
INSERT INTO market_line (game_id, snapshot_kind, market, selection, price, point, bookmaker, bookmaker_count,
                         fetched_at)
SELECT g, 'current', l.market, l.selection, l.price, l.point, 'draftkings', 5, now()
FROM unnest($1::bigint[]) AS g,
     (VALUES ('h2h', 'home', -150, NULL::numeric), ('h2h', 'away', 130, NULL),
             ('spreads', 'home', -110, -3.5), ('spreads', 'away', -110, 3.5),
             ('totals', 'over', -105, 220.5), ('totals', 'under', -115, 220.5)) AS l(market, selection, price, point)
"""
_SLIP = {
    1: '{"picks":[{"game_id":%d,"market":"h2h","selection":"home","price":-150,"stake":"1"}]}',
    3: '{"picks":[{"game_id":%d,"market":"h2h","selection":"home","price":-150,"stake":"1"},'
    '{"game_id":%d,"market":"spreads","selection":"home","point":"-3.5","price":-110,"stake":"1"},'
    '{"game_id":%d,"market":"totals","selection":"over","point":"220.5","price":-105,"stake":"1"}]}',
}


async def open_games(pool: asyncpg.Pool, count: int) -> list[int]:
    """Games tipping off tomorrow with a current line on every side: what slips are placed on."""
    rows = await pool.fetch(_OPEN_GAMES_SQL, count, datetime.now(UTC) + timedelta(days=1))
    ids = [r["id"] for r in rows]
    await pool.execute(_OPEN_LINES_SQL, ids)
    return ids


def slip_lines(user_ids: list[int], game_ids: list[int], *, picks_per_slip: int) -> list[str]:
    """One slip per (player, game), each a player's first picks on that game: `token<TAB>body` lines."""
    settings = WebSettings(jwt_secret=JWT_SECRET, env="test")
    tokens = {u: create_access_token(user_id=u, settings=settings).token for u in user_ids}
    template = _SLIP[picks_per_slip]
    return [f"{tokens[user]}\t{template % ((game,) * picks_per_slip)}" for game in game_ids for user in user_ids]
