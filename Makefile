# The README's commands. Each target installs what it needs first (a .venv and node_modules).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 3000
ENV ?= dev
PYTEST_ARGS ?=
export SAM_CLI_TELEMETRY := 0

.PHONY: run test lint unit build deploy bench clean install

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt layers/blinkit/requirements.txt layers/firebase/requirements.txt
	test -x $(PY) || "$$(scripts/python312.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## run: the whole system on http://127.0.0.1:$(PORT) (docs at /docs), with demo users
run: install
	$(PY) -m local run --port $(PORT)

## test: lint, then every test
test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/sam validate --lint --region ap-south-1

## build: the deployable artifacts (.aws-sam/)
build: install
	PATH="$$(dirname "$$(scripts/python312.sh)"):$$PATH" $(VENV)/bin/sam build

## deploy: build and deploy with the samconfig.toml profile ENV (dev or prod)
deploy: build
	$(VENV)/bin/sam deploy --config-env $(ENV)

## bench: search index build/size/load and warm p50/p95 with calls per request, 10k and 100k products;
##        cart GET (hit/miss, 10 lines) and add-item latency with calls per request;
##        checkout (POST /orders to PLACED) p50/p95 and state transitions per order
bench: export POWERTOOLS_METRICS_DISABLED = true
bench: install
	PYTHONPATH=.:functions:layers/blinkit $(PY) -m tests.load.bench_search
	PYTHONPATH=.:functions:layers/blinkit $(PY) -m tests.load.bench_cart
	PYTHONPATH=.:functions:layers/blinkit $(PY) -m tests.load.bench_checkout

clean:
	rm -rf .aws-sam .local .pytest_cache .ruff_cache
