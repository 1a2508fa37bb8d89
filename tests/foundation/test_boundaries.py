"""Production code stands on its own: the Lambda entry modules and the `pickvs` command load no dev tooling, no web
framework, and (the consumers and the fetcher) no ORM; without devstack installed the command still works."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LAMBDA_ENTRY_MODULES = ("services.fetcher.handler", "services.grader.handler", "services.grader.ingest_handler")


def _top_level_modules_after(code: str) -> set[str]:
    """Run `code` in a fresh interpreter; return the top-level names of every module it loaded."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


@pytest.mark.parametrize("module", LAMBDA_ENTRY_MODULES)
def test_a_lambda_entry_module_loads_no_devstack_fastapi_or_sqlalchemy(module: str) -> None:
    # GIVEN a fresh interpreter WHEN the entry module is imported THEN none of the three is loaded
    assert _top_level_modules_after(f"import {module}") & {"devstack", "fastapi", "sqlalchemy", "sqlmodel"} == set()


def test_the_pickvs_command_loads_no_devstack_or_fastapi_when_it_builds_its_parser_without_devstack() -> None:
    # GIVEN an install without devstack (hidden from imports) WHEN the whole command line is built
    code = "import sys; sys.modules['devstack'] = None; import pickvs.cli; pickvs.cli.build_parser()"
    loaded = _top_level_modules_after(code)
    # THEN it loaded no web framework (and devstack was never needed)
    assert loaded & {"fastapi", "sqlalchemy"} == set()


def test_importing_the_pickvs_command_loads_no_devstack() -> None:
    assert "devstack" not in _top_level_modules_after("import pickvs.cli")


def test_without_devstack_the_command_has_no_dev_commands_and_still_answers() -> None:
    # GIVEN devstack hidden WHEN `pickvs --help` runs THEN it lists the production commands only
    code = "import sys; sys.modules['devstack'] = None; from pickvs.cli import main; sys.exit(main(['--help']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "fetch-odds" in result.stdout and "dlq" in result.stdout
    assert "run the whole system locally" not in result.stdout and "demo data" not in result.stdout
