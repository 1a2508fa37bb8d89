"""`make dev` end to end: the stack comes up healthy within 60 s and Ctrl-C leaves nothing running."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from devstack.postgres import free_port


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in cmdline:
                found.append(f"{proc.name}: {cmdline}")
    return found


def test_dev_stack_answers_healthz_and_stops_cleanly() -> None:
    # GIVEN a fresh data dir (reachable by the unprivileged postgres user), no configured endpoints and, as on a fresh
    # machine, no PICKVS_ENV: `pickvs dev` says dev itself
    root = Path(tempfile.mkdtemp(prefix="pickvs-dev-"))
    root.chmod(0o755)
    data_dir = root / "stack"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PICKVS_")}
    env.update(PICKVS_DATA_DIR=str(data_dir))
    # WHEN `pickvs dev` starts
    proc = subprocess.Popen(
        [sys.executable, "-m", "pickvs.cli", "dev", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    status = response.status
                    break
            except OSError:
                time.sleep(0.5)
        # THEN it answers healthz with 200 within 60 s
        assert status == 200, f"no healthy /healthz within 60 s; exit code {proc.poll()}"
    finally:
        # AND Ctrl-C stops it, leaving no process behind
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{port}" in output
    assert _processes_mentioning(str(data_dir)) == []
    assert (data_dir / "postgres" / "data" / "PG_VERSION").exists()
    assert not (data_dir / "dev-stack.json").exists()
    shutil.rmtree(root, ignore_errors=True)
