# The two commands a new user needs: `make dev` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# npm ci writes this file; it is newer than the lock file exactly when node_modules matches the lock.
NODE_STAMP := frontend/node_modules/.package-lock.json

.PHONY: dev test lint bench install migrate package clean frontend-install frontend-types frontend-check frontend-e2e

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit("PickVs needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

$(NODE_STAMP): frontend/package-lock.json frontend/package.json
	cd frontend && npm ci --no-audit --no-fund

install: $(STAMP)

frontend-install: $(NODE_STAMP)

## Run the whole system locally (embedded Postgres, SQS and Odds API simulator); builds the web app; prints the URL.
dev: $(STAMP)
	$(BIN)/pickvs dev

## Run the whole test suite: lint and types, the web app's checks, its end-to-end run in Chromium, then pytest.
test: lint frontend-check frontend-e2e
	@# pytest's exit code 5 means it collected no tests: an empty or filtered-out suite is a failure here.
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is empty or was filtered out" >&2; exit 1; fi; \
	exit $$rc

## The web app: lint, typecheck, component tests, and a build that fails over the board route's JS budget.
frontend-check: $(NODE_STAMP)
	cd frontend && npm run lint && npm run typecheck && npm test && npm run build

## The web app in headless Chromium against a real stack (devstack/e2e_stack.py); writes docs/screenshots/.
frontend-e2e: $(STAMP) $(NODE_STAMP)
	cd frontend && npm run e2e

## Regenerate the web app's API types from the API's OpenAPI schema (after any change to the API).
frontend-types: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m devstack.webapp openapi frontend/openapi.json
	cd frontend && npx openapi-typescript openapi.json -o src/api/schema.d.ts

## Lint, format check and types: ruff, and mypy (--strict for production code; configured in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Every performance target (docs/performance.md) against its baseline in one run: table, JSON, charts; exit 1 on a miss.
bench: $(STAMP)
	$(BIN)/python -m bench

## Build each Lambda function's package (only what it imports) under build/lambda/ for infra/template.yaml.
package: $(STAMP)
	$(BIN)/python -m infra.package

## What `sam build` runs for each function (infra/template.yaml: BuildMethod makefile), into its ARTIFACTS_DIR.
SAM_FUNCTIONS := FetchDispatchFunction FetchFunction IngestFunction GraderFunction MigrateFunction
$(addprefix build-,$(SAM_FUNCTIONS)): $(STAMP)
	$(BIN)/python -m infra.package --logical-id $(@:build-%=%) --into "$(ARTIFACTS_DIR)"

migrate: $(STAMP)
	$(BIN)/pickvs db migrate

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build .aws-sam frontend/node_modules frontend/dist
