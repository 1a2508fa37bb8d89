"""A real LocalStack on this host for tests/infra/test_localstack.py: installed once into a cached virtualenv, started
on a free port per test module, stopped after it.

LocalStack's core runs on Python 3.13 only (it does not import on 3.11/3.12), so it gets a virtualenv of its own
under ~/.cache/pickvs/, keyed on the pinned versions below and shared by every checkout on the machine: the first run
installs it (about 500 MB, a few minutes), later runs start it in about 2 s. Without Docker it offers SQS (with
dead-lettering), EventBridge (schedules that really fire), CloudFormation (with the SAM transform), Secrets Manager,
IAM, SNS and CloudWatch; its Lambda needs Docker. When it cannot be installed or started, `LocalStackUnavailable`
says why and the tests run against moto instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Seen working on this machine kind (the list, pinned to the versions it resolved to).
LOCALSTACK_SPECS = (
    "localstack-core[runtime]==2026.3.0",
    "cbor2==5.9.0",
    "pyOpenSSL==24.3.0",
    "cryptography==44.0.3",
    "service-identity==24.2.0",
)
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pickvs"
INSTALL_TIMEOUT_SECONDS = 900
START_TIMEOUT_SECONDS = 60


class LocalStackUnavailable(RuntimeError):
    """LocalStack cannot be installed or started here; the message says why in one line."""


def find_python313() -> str:
    """Return a Python 3.13 interpreter (PICKVS_LOCALSTACK_PYTHON, python3.13 on PATH, or pyenv's)."""
    candidates = [os.environ.get("PICKVS_LOCALSTACK_PYTHON")]
    candidates += sorted(glob.glob(str(Path.home() / ".pyenv" / "versions" / "3.13*" / "bin" / "python3.13")))
    candidates += sorted(glob.glob("/root/.pyenv/versions/3.13*/bin/python3.13"))
    candidates += [shutil.which("python3.13")]  # last: pyenv's shim answers to the name without being one
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and _is_python313(candidate):
            return candidate
    raise LocalStackUnavailable("no Python 3.13 found (set PICKVS_LOCALSTACK_PYTHON to one)")


def _is_python313(candidate: str) -> bool:
    try:
        done = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 13))"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return False
    return done.stdout.strip() == "True"


def venv_dir(python: str) -> Path:
    """Where the virtualenv for these pins and this interpreter lives."""
    key = hashlib.sha256("\n".join((python, *LOCALSTACK_SPECS)).encode()).hexdigest()[:12]
    return CACHE_DIR / f"localstack-venv-{key}"


def ensure_venv() -> Path:
    """Return a virtualenv with LocalStack installed, installing it (once per machine) if needed."""
    python = find_python313()
    target = venv_dir(python)
    ready = target / ".pickvs-ready"
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    # Another checkout's test run may be installing the same venv right now: wait for it instead of racing it.
    with open(CACHE_DIR / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.exists():
            return target
        shutil.rmtree(target, ignore_errors=True)
        try:
            subprocess.run([python, "-m", "venv", str(target)], check=True, capture_output=True, text=True, timeout=120)
            subprocess.run(
                [str(target / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", *LOCALSTACK_SPECS],
                check=True,
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT_SECONDS,
            )
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(target, ignore_errors=True)
            last = (exc.stderr or exc.stdout or "").strip().splitlines()[-1:] or ["no output"]
            raise LocalStackUnavailable(f"installing {LOCALSTACK_SPECS[0]} failed: {last[0]}") from None
        except subprocess.TimeoutExpired:
            shutil.rmtree(target, ignore_errors=True)
            raise LocalStackUnavailable(f"installing LocalStack took over {INSTALL_TIMEOUT_SECONDS} s") from None
        ready.write_text("\n".join(LOCALSTACK_SPECS) + "\n")
    return target


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LocalStack:
    endpoint_url: str
    python: str


@contextlib.contextmanager
def running_localstack(work_dir: Path) -> Iterator[LocalStack]:
    """Start LocalStack from the cached virtualenv on a free port; stop it (and whatever it started) afterwards."""
    venv = ensure_venv()
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PICKVS_", "AWS_"))},
        "DISABLE_EVENTS": "1",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "FILESYSTEM_ROOT": str(work_dir / "filesystem"),
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
    }
    log = open(work_dir / "localstack.log", "w")  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(
        [str(venv / "bin" / "python"), "-m", "localstack.runtime.main"],
        env=env,
        cwd=work_dir,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                raise LocalStackUnavailable(
                    f"LocalStack exited with {process.returncode}; see {work_dir}/localstack.log"
                )
            try:
                with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise LocalStackUnavailable(f"LocalStack was not healthy within {START_TIMEOUT_SECONDS} s")
            time.sleep(0.5)
        yield LocalStack(endpoint, str(venv / "bin" / "python"))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        log.close()
