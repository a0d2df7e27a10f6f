# The README's commands. Each target installs what it needs first (a .venv and node_modules).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# checkov pins a boto3 that cannot share $(VENV) with requirements.txt's pins: it gets a venv of its own.
CHECKOV_VENV ?= $(VENV)/checkov
PORT ?= 3000
ENV ?= dev
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2
export SAM_CLI_TELEMETRY := 0

.PHONY: run demo test lint unit build deploy bench bench-quick capacity clean install screenshots

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt layers/blinkit/requirements.txt layers/firebase/requirements.txt \
		layers/notifications/requirements.txt
	test -x $(PY) || "$$(scripts/python312.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || "$$(scripts/python312.sh)" -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The web app (web/): esbuild bundles it into web/dist/ (git-ignored) whenever a source file or a pinned
# package changes; `run`, `test` and `demo` depend on it, so no one builds it by hand.
WEB_SOURCES := $(shell find web -path web/dist -prune -o -type f -print)
web/dist/.built: $(WEB_SOURCES) package-lock.json node_modules/.installed
	node web/build.mjs
	touch $@

## run: the whole system on http://127.0.0.1:$(PORT) (docs at /docs), with demo users
run: install web/dist/.built
	$(PY) -m local run --port $(PORT)

## demo: the whole customer journey over HTTP against a running `make run` (another terminal), as a timeline
demo: install web/dist/.built
	$(PY) -m local demo

## test: lint, then every test, on PYTEST_WORKERS xdist workers (a test file stays on one worker; see
##       tests/plugins/parallel.py). PYTEST_WORKERS=0 runs them in this process.
test: lint web/dist/.built
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## lint: ruff, import-linter, cfn-lint, sam validate, and checkov on the transformed template (.checkov.yaml
##       skips design choices, each with its reason; any other failed check fails the lint)
lint: install $(CHECKOV_VENV)/.installed
	$(VENV)/bin/ruff check .
	PYTHONPATH=functions:layers/blinkit $(VENV)/bin/lint-imports
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/sam validate --lint --region ap-south-1
	$(PY) scripts/checkov_scan.py --checkov $(CHECKOV_VENV)/bin/checkov

## build: the deployable artifacts (.aws-sam/), every module with hash-checked Python 3.12 bytecode (SAM
##        ships none and Lambda cannot write it: each cold start would compile every module); the check
##        runs last and fails the build, listing them, if any .py lacks valid bytecode. It first asks pip's package
##        index (sam build installs every requirement from it) and stops with one line if it cannot reach it
build: install
	$(PY) scripts/check_package_index.py
	PATH="$$(dirname "$$(scripts/python312.sh)"):$$PATH" $(VENV)/bin/sam build
	scripts/compile_bytecode.sh .aws-sam/build
	$(PY) scripts/check_bytecode.py .aws-sam/build

## deploy: build and deploy with the samconfig.toml profile ENV (dev or prod)
deploy: build web/dist/.built
	$(VENV)/bin/sam deploy --config-env $(ENV)
	$(PY) scripts/publish_web.py --config-env $(ENV)

## bench: search index build/size/load and warm p50/p95 with calls per request, 10k and 100k products;
##        cart GET (hit/miss, 10 lines) and add-item latency with calls per request;
##        checkout (POST /orders to PLACED) p50/p95 and state transitions per order;
##        notifications: 1,000 messages x 3 channels through the consumer (messages/s, time per batch);
##        cold start of every template function (init median of 5 in a fresh python, deployed MB, heavy imports);
##        warm p50/p95 and DynamoDB/Redis calls of the main routes; a Locust load run against `make run`'s
##        server (BENCH_LOAD_SECONDS, default 60); last, issue 17's goals beside today's figures (every bench
##        writes .bench/<bench>.json; the summary reads them all). Results: docs/benchmarks.md.
## bench-quick: the same with fewer rounds, 10k products only and a 20 s load run
bench bench-quick: export POWERTOOLS_METRICS_DISABLED = true
bench-quick: export BENCH_SEARCH_SIZES ?= 10000
bench-quick: export BENCH_SEARCH_ROUNDS ?= 5
bench-quick: export BENCH_ROUNDS ?= 50
bench-quick: export BENCH_ORDERS ?= 10
bench-quick: export BENCH_NOTIFICATIONS ?= 200
bench-quick: export BENCH_COLDSTART_RUNS ?= 3
bench-quick: export BENCH_ROUTE_ROUNDS ?= 30
bench-quick: export BENCH_LOAD_SECONDS ?= 20
bench-quick: bench
bench: install
	PYTHONPATH=.:functions:layers/blinkit $(PY) -m tests.load.bench_search
	PYTHONPATH=.:functions:layers/blinkit $(PY) -m tests.load.bench_cart
	PYTHONPATH=.:functions:layers/blinkit $(PY) -m tests.load.bench_checkout
	PYTHONPATH=.:functions:layers/blinkit $(PY) -m tests.load.bench_delivery
	PYTHONPATH=.:functions:layers/blinkit $(PY) -m tests.load.bench_notifications
	PYTHONPATH=. $(PY) -m tests.load.bench_coldstart
	PYTHONPATH=.:functions:layers/blinkit $(PY) -m tests.load.bench_routes
	PYTHONPATH=.:functions:layers/blinkit $(PY) -m tests.load.bench_load
	PYTHONPATH=. $(PY) -m tests.load.bench_summary

## capacity: the capacity and cost model for 1k, 10k and 100k orders an hour (Lambda concurrency, DynamoDB,
##           Redis, Step Functions, SQS, cost per 1,000 orders, what binds first) from the measured calls in
##           .bench/*.json, else docs/capacity-inputs.json, and AWS quotas and prices (docs/capacity.md)
capacity: install
	$(PY) scripts/capacity.py

## screenshots: a PNG of each screen of the web app in docs/screenshots/ (a real browser against a fresh stack)
screenshots: install web/dist/.built
	$(PY) -m tests.browser.screenshots docs/screenshots

clean:
	rm -rf .aws-sam .local .pytest_cache .ruff_cache web/dist
