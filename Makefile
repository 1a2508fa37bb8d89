# The two commands a new user needs: `make dev` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: dev test lint bench install migrate package clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit("PickVs needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(STAMP)

## Run the whole system locally (embedded Postgres, SQS and Odds API simulator); prints the URL.
dev: $(STAMP)
	$(BIN)/pickvs dev

## Run the whole test suite against a throwaway PostgreSQL cluster and the embedded SQS.
test: $(STAMP)
	$(BIN)/python -m pytest

## Lint and format check (ruff).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Run the benchmarks under bench/ and print their ratios.
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
	rm -rf $(VENV) .pytest_cache .hypothesis build .aws-sam
