"""Build each Lambda function's package with only what its entry point imports: `make package` (`python -m
infra.package`) writes `build/lambda/<name>/` for every function in FUNCTIONS, which infra/template.yaml's CodeUri
points at, plus `build/lambda/manifest.json` for LocalStack's init hook.

How a package is assembled:
1. A fresh interpreter imports the entry module (settings included, with throwaway values) and reports every module
   it loaded. Our own modules among them are copied file by file, so a package holds the services it runs and nothing
   else of the repository (no web, no devstack, no CLI of another service).
   The modules a function imports on first use rather than at import (`lazy`: `pickvs.secrets` and botocore to read a
   secret, aioboto3 to publish) are imported in the same interpreter after it.
2. Every third-party module maps to its distribution, which is copied whole from this environment's pinned tree
   (constraints.txt), together with the distributions it requires (markers and extras evaluated). Only distributions
   production installs count (pyproject's dependencies and what they require): a library that imports another when
   it happens to be installed (aiobotocore takes httpx, and httpx rich and pygments, from the dev tools) gets
   nothing more than it would get on a production install.
3. botocore keeps the service models its function calls (`botocore_services`) and drops the other ~400 (25 MB).
4. Everything is compiled to bytecode that is checked by hash, not by timestamp, since Lambda's code directory is
   read-only: without it every cold start would compile every module again.

The compiled parts (asyncpg, pydantic-core, aiohttp …) are this environment's, so the build must run where Lambda does:
CPython 3.11 on Linux x86_64 (the template's Runtime and Architectures); anywhere else it stops and says so.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.metadata as metadata
import json
import os
import platform
import py_compile
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO / "build" / "lambda"
RUNTIME = "python3.11"
ARCHITECTURE = "x86_64"
# botocore reads these at client creation whatever the service.
_BOTOCORE_DATA_FILES = ("endpoints.json", "partitions.json", "sdk-default-configuration.json", "_retry.json")
_FIRST_PARTY = ("contracts", "schema", "services", "pickvs")


@dataclass(frozen=True)
class EventSource:
    """An SQS event source mapping: the queue and how Lambda feeds it to the function (explained in the template)."""

    queue: str
    batch_size: int
    batching_window_seconds: int
    maximum_concurrency: int


@dataclass(frozen=True)
class LambdaFunction:
    """One function: its package, its template resource, its entry point and what it needs beyond its imports."""

    name: str
    logical_id: str
    handler: str
    timeout: int
    memory: int
    botocore_services: tuple[str, ...]
    lazy: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    event_source: EventSource | None = None
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def module(self) -> str:
        return self.handler.rpartition(".")[0]


FUNCTIONS: tuple[LambdaFunction, ...] = (
    LambdaFunction(
        "dispatch",
        "FetchDispatchFunction",
        "services.fetcher.dispatch.lambda_handler",
        timeout=30,
        memory=256,
        botocore_services=("lambda",),
        lazy=("botocore.session",),
    ),
    LambdaFunction(
        "fetcher",
        "FetchFunction",
        "services.fetcher.handler.lambda_handler",
        timeout=120,
        memory=512,
        botocore_services=("sqs", "secretsmanager"),
        lazy=("pickvs.secrets", "botocore.session", "aioboto3"),
    ),
    LambdaFunction(
        "ingest",
        "IngestFunction",
        "services.grader.ingest_handler.lambda_handler",
        timeout=50,
        memory=512,
        botocore_services=("secretsmanager",),
        lazy=("pickvs.secrets", "botocore.session"),
        event_source=EventSource("game-events", batch_size=10, batching_window_seconds=5, maximum_concurrency=2),
    ),
    LambdaFunction(
        "grader",
        "GraderFunction",
        "services.grader.handler.lambda_handler",
        timeout=50,
        memory=512,
        botocore_services=("secretsmanager",),
        lazy=("pickvs.secrets", "botocore.session"),
        event_source=EventSource("score-events", batch_size=5, batching_window_seconds=5, maximum_concurrency=2),
    ),
    LambdaFunction(
        "migrate",
        "MigrateFunction",
        "schema.handler.lambda_handler",
        timeout=300,
        memory=256,
        botocore_services=("secretsmanager",),
        lazy=("pickvs.secrets", "botocore.session"),
        data=("schema/migrations/*.sql",),
    ),
)
FUNCTIONS_BY_NAME = {function.name: function for function in FUNCTIONS}

# Values that let an entry module read its settings at import while it is traced; nothing is contacted.
_TRACE_ENV = {
    "PICKVS_ENV": "test",
    "PICKVS_DATABASE_URL": "postgresql://trace@127.0.0.1:9/trace",
    "PICKVS_SQS_ENDPOINT_URL": "http://127.0.0.1:9",
    "PICKVS_ODDS_API_KEY": "trace",
    "PICKVS_SPORTS": "basketball_nba",
    "PICKVS_FETCH_FUNCTION": "trace",
}
# Modules loaded before the import (the interpreter's start-up, a .pth hook of this environment) are not the entry's.
_TRACE = """
import importlib, json, sys
before = set(sys.modules)
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps({n: getattr(m, "__file__", None) for n, m in list(sys.modules.items()) if n not in before}))
"""


class PackagingError(RuntimeError):
    """A package cannot be built here."""


def check_platform() -> None:
    """Refuse to build where the compiled dependencies would not run on Lambda."""
    here = (sys.implementation.name, sys.version_info[:2], sys.platform, platform.machine())
    if here != ("cpython", (3, 11), "linux", ARCHITECTURE):
        raise PackagingError(
            f"Lambda packages must be built with CPython 3.11 on Linux {ARCHITECTURE} (the template's {RUNTIME}); "
            f"this is {here[0]} {here[1][0]}.{here[1][1]} on {here[2]} {here[3]}"
        )


def traced_modules(*modules: str, package: Path | None = None) -> dict[str, str | None]:
    """Import `modules` in a fresh interpreter, of this environment or (`package`) of a package's contents alone;
    return every module they loaded and its file."""
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, **_TRACE_ENV, "PICKVS_DATA_DIR": data_dir}
        env = {k: v for k, v in env.items() if not k.endswith("_SECRET_ARN")}
        command = [sys.executable, "-c", _TRACE, *modules]
        if package is not None:
            # -S: no site-packages, so only the package (and the standard library) can be imported.
            env["PYTHONPATH"] = str(package)
            command.insert(1, "-S")
        done = subprocess.run(command, cwd=package or REPO, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PackagingError(f"importing {', '.join(modules)} failed:\n{done.stderr.strip()}")
    traced: dict[str, str | None] = json.loads(done.stdout.strip().splitlines()[-1])
    return traced


def _site_dirs() -> list[Path]:
    return sorted({Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")})


def split_modules(traced: dict[str, str | None], package: Path | None = None) -> tuple[set[Path], set[str]]:
    """Split traced modules into our own files and the top-level names of third-party ones (stdlib dropped); traced
    in a package, everything the package held counts as third-party."""
    own: set[Path] = set()
    third_party: set[str] = set()
    sites = [package.resolve()] if package is not None else _site_dirs()
    for name, file in traced.items():
        if not file:
            continue
        path, top = Path(file).resolve(), name.partition(".")[0]
        if top in _FIRST_PARTY:
            if path.is_relative_to(REPO):
                own.add(path)
        elif any(path.is_relative_to(site) for site in sites):
            third_party.add(top)
    return own, third_party


def _normalize(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def distribution_closure(roots: Iterable[str]) -> dict[str, metadata.Distribution]:
    """Return the distributions `roots` name and every one they require, with markers and extras evaluated."""
    found: dict[str, metadata.Distribution] = {}
    pending = [(Requirement(root).name, frozenset(Requirement(root).extras)) for root in roots]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras = pending.pop()
        key = (_normalize(name), extras)
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError as exc:
            raise PackagingError(f"{name} is required but not installed here ({exc})") from None
        found[_normalize(dist.metadata["Name"])] = dist
        for text in dist.requires or []:
            requirement = Requirement(text)
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({"extra": extra}) for extra in (extras or frozenset({""}))
            )
            if wanted:
                pending.append((requirement.name, frozenset(requirement.extras)))
    return found


def production_distributions() -> set[str]:
    """Return the (normalized) names of the distributions a production install of this project brings."""
    project = metadata.distribution("pickvs")
    direct = [Requirement(text) for text in project.requires or []]
    roots = [f"{r.name}[{','.join(sorted(r.extras))}]" if r.extras else r.name for r in direct if r.marker is None]
    return set(distribution_closure(roots))


def _copy_distribution(dist: metadata.Distribution, target: Path, botocore_services: tuple[str, ...]) -> None:
    root = Path(str(dist.locate_file(""))).resolve()
    for item in dist.files or []:
        source = Path(str(dist.locate_file(item))).resolve()
        if not source.is_relative_to(root) or "__pycache__" in item.parts or not source.is_file():
            continue  # scripts outside site-packages, and bytecode compiled for the source's own timestamps
        relative = source.relative_to(root)
        if (
            relative.parts[:2] == ("botocore", "data")
            and len(relative.parts) > 3
            and relative.parts[2] not in botocore_services
        ):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)


def build_function(function: LambdaFunction, out_dir: Path, *, into: Path | None = None) -> Path:
    """Build one function's package directory under `out_dir` (or exactly at `into`); return it."""
    target = into or out_dir / function.name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    own, third_party = split_modules(traced_modules(function.module, *function.lazy))
    for path in sorted(own):
        destination = target / path.relative_to(REPO)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    for pattern in function.data:
        for path in sorted(REPO.glob(pattern)):
            destination = target / path.relative_to(REPO)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    tops = metadata.packages_distributions()
    production = production_distributions()
    roots = {dist for name in third_party for dist in tops.get(name, []) if _normalize(dist) in production}
    copied = distribution_closure(sorted(roots))
    for dist in copied.values():
        _copy_distribution(dist, target, function.botocore_services)
    # Traced again on the package alone: what was imported only because a dev tool happened to be installed (httpx
    # pulls in click, which uvicorn also brings to production) is not imported there, and goes.
    _, in_package = split_modules(traced_modules(function.module, *function.lazy, package=target), target)
    needed = distribution_closure(sorted({dist for name in in_package for dist in tops.get(name, [])}))
    for name in set(copied) - set(needed):
        _remove_distribution(copied[name], target)
    compileall.compile_dir(target, quiet=1, workers=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    return target


def _remove_distribution(dist: metadata.Distribution, target: Path) -> None:
    for item in dist.files or []:
        path = target / item
        if path.is_file():
            path.unlink()
    for directory in sorted((p for p in target.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()


def directory_size(path: Path) -> int:
    """Return the bytes of every file under `path`."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def write_manifest(out_dir: Path, functions: Iterable[LambdaFunction]) -> Path:
    """Describe the built functions for LocalStack's init hook (which cannot import this module)."""
    manifest = out_dir / "manifest.json"
    entries = [{**asdict(f), "runtime": RUNTIME} for f in functions]
    manifest.write_text(json.dumps({"functions": entries}, indent=2) + "\n")
    return manifest


def build(out_dir: Path = BUILD_DIR, names: Iterable[str] | None = None) -> dict[str, Path]:
    """Build the named functions (all by default) and the manifest; return {name: package directory}."""
    check_platform()
    chosen = [FUNCTIONS_BY_NAME[name] for name in names] if names else list(FUNCTIONS)
    out_dir.mkdir(parents=True, exist_ok=True)
    built = {function.name: build_function(function, out_dir) for function in chosen}
    write_manifest(out_dir, FUNCTIONS)
    return built


def main(argv: list[str] | None = None) -> int:
    """Build the packages and print each one's size."""
    parser = argparse.ArgumentParser(prog="python -m infra.package", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"functions (default: all of {', '.join(FUNCTIONS_BY_NAME)})")
    parser.add_argument("--out", type=Path, default=BUILD_DIR)
    parser.add_argument("--logical-id", help="build the function with this template resource name (sam build)")
    parser.add_argument("--into", type=Path, help="with --logical-id: the directory to fill (sam's ARTIFACTS_DIR)")
    args = parser.parse_args(argv)
    if args.logical_id:
        by_id = {f.logical_id: f for f in FUNCTIONS}
        if args.logical_id not in by_id or args.into is None:
            parser.error(f"--logical-id takes one of {', '.join(by_id)} and needs --into")
        try:
            check_platform()
            built = {args.logical_id: build_function(by_id[args.logical_id], args.out, into=args.into)}
        except PackagingError as exc:
            print(f"sam build: {exc}", file=sys.stderr)
            return 1
        print(f"{args.logical_id}: {directory_size(args.into) / 1e6:.1f} MB in {args.into}")
        return 0
    if unknown := sorted(set(args.names) - set(FUNCTIONS_BY_NAME)):
        parser.error(f"unknown function(s) {', '.join(unknown)}; known: {', '.join(FUNCTIONS_BY_NAME)}")
    try:
        built = build(args.out, args.names or None)
    except PackagingError as exc:
        print(f"make package: {exc}", file=sys.stderr)
        return 1
    for name, path in built.items():
        print(f"{name:<9} {directory_size(path) / 1e6:6.1f} MB  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
