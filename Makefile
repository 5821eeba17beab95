# Boucle — local stack and checks. `make up` runs everything; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export BOUCLE_DEMO_WRITE_KEY ?= demo-write-key
export BOUCLE_DEMO_TOKEN ?= demo-admin-token
COLLECTOR_URL = http://$${COLLECTOR__HOST:-127.0.0.1}:$${COLLECTOR__PORT:-8000}
ATTRIBUTION_URL = http://$${ATTRIBUTION__HOST:-127.0.0.1}:$${ATTRIBUTION__PORT:-8002}
FEEDBACK_URL = http://$${FEEDBACK__HOST:-127.0.0.1}:$${FEEDBACK__PORT:-8003}

.PHONY: help up down status venv infra migrate seed test test-unit test-integration test-e2e \
        test-rules lint bench bench-pipeline logs browser-deps lock demo

help:
	@echo "make up      start Kafka, PostgreSQL, the four services and Prometheus (idempotent)"
	@echo "make down    stop what make up started"
	@echo "make status  what is running"
	@echo "make demo    send a short mixed stream of events through the running collector"
	@echo "make test    lint, alert rule tests, then unit, integration and end-to-end tests"
	@echo "make bench   collector, pipeline and attribution benchmarks, against ceilings and a peer"
	@echo "make bench-pipeline  the pipeline benchmark alone (BENCH_ARGS='--quick' to try it)"

# Every dependency, runtime and dev, is installed exactly as uv.lock says (versions and hashes);
# pyproject.toml keeps the ranges. uv itself is pinned by hash in deploy/uv-requirements.txt and
# lives outside the repo, beside the Kafka jars, shared by every checkout.
UV_VERSION := $(shell sed -n 's/^uv==\([^ ]*\).*/\1/p' deploy/uv-requirements.txt)
UV_HOME := $${BOUCLE_CACHE_DIR:-$$HOME/.cache/boucle}/uv-$(UV_VERSION)
UV := $(UV_HOME)/bin/uv
export UV_PYTHON_DOWNLOADS := never

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock deploy/uv-requirements.txt
	@test -x $(UV) || { $(PYTHON) -m venv $(UV_HOME) && \
	    $(UV_HOME)/bin/pip install --quiet --require-hashes -r deploy/uv-requirements.txt; }
	$(UV) sync --locked --extra dev --python $(PYTHON) --quiet
	@touch $@

# After changing a range in pyproject.toml, or to take newer releases: `make lock`, then
# `make test`, and commit uv.lock with the change.
lock:
	@test -x $(UV) || $(MAKE) --no-print-directory venv
	$(UV) lock --upgrade --python $(PYTHON)

infra: venv
	deploy/postgres.sh ensure
	deploy/kafka.sh start
	$(MAKE) --no-print-directory migrate

migrate: venv
	$(BIN)/alembic -c deploy/alembic.ini upgrade head

# The demo write key sends events; the demo token (every scope) reads them. Both are for a local
# stack only: the token CLI refuses a chosen value for a database that is not on this machine.
seed: venv
	$(BIN)/python -m services.collector sources seed-demo
	$(BIN)/python -m shared.tokens seed-demo

PROMETHEUS_URL = http://$${PROMETHEUS_HOST:-127.0.0.1}:$${PROMETHEUS_PORT:-9090}

up: infra seed
	deploy/services.sh start
	deploy/prometheus.sh start
	@echo
	@echo "Boucle is up:"
	@echo "  collector    $(COLLECTOR_URL)  (Segment API: /v1/track, /v1/page, /v1/batch…)"
	@echo "  sessionizer  http://$${SESSIONIZER__HOST:-127.0.0.1}:$${SESSIONIZER__PORT:-8001}/v1/journeys/{id}"
	@echo "  attribution  $(ATTRIBUTION_URL)/v1/attribution"
	@echo "  feedback     $(FEEDBACK_URL)/v1/cases"
	@echo "  pages (sign in with the demo token below):"
	@echo "    attribution  $(ATTRIBUTION_URL)/ui/"
	@echo "    feedback     $(FEEDBACK_URL)/ui/"
	@echo "    pipeline     $(COLLECTOR_URL)/ui/"
	@echo "  metrics      /metrics on every port; health /healthz, /readyz"
	@echo "  prometheus   $(PROMETHEUS_URL)/classic/alerts  (alerts; graphs at /classic/graph)"
	@echo "  some traffic: make demo"
	@echo "  demo write key: $(BOUCLE_DEMO_WRITE_KEY)   logs: .run/logs/"
	@echo "  demo token (every scope: the read APIs and the pages): $(BOUCLE_DEMO_TOKEN)"
	@echo "    curl -H 'Authorization: Bearer $(BOUCLE_DEMO_TOKEN)' $(FEEDBACK_URL)/v1/cases"

down:
	-deploy/prometheus.sh stop
	-deploy/services.sh stop
	-deploy/kafka.sh stop
	-deploy/postgres.sh stop

status:
	-deploy/services.sh status
	-deploy/prometheus.sh status
	-deploy/kafka.sh status
	-deploy/postgres.sh status

lint: venv
	$(BIN)/ruff check shared services tests bench deploy/migrations deploy/grafana
	$(BIN)/python -m deploy.grafana.dashboard --check
	$(BIN)/mypy

# The browser tests (the collector's, and the pages' in tests/e2e/test_pages.py) drive Debian's
# Chromium with playwright-core; npm cannot download browsers.
browser-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@test -d tests/browser/node_modules/playwright-core || \
	    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

# promtool (installed with Debian's prometheus package when missing): both configs, the rules,
# and the rules' unit tests in deploy/prometheus/tests.
test-rules:
	deploy/prometheus.sh check

test: infra lint test-rules browser-deps
	$(BIN)/pytest -q tests

test-unit: venv
	$(BIN)/pytest -q tests/unit

test-integration: infra browser-deps
	$(BIN)/pytest -q tests/integration

test-e2e: infra browser-deps
	$(BIN)/pytest -q tests/e2e

# About 750 events of a shop and a buggy sender (bench/demo) over 20 s, to the collector of `make up`.
# It also imports a demo EUR→USD rate, so the attribution page shows the EUR orders in USD.
demo: venv
	$(BIN)/python -m bench.demo --url $(COLLECTOR_URL) --write-key "$(BOUCLE_DEMO_WRITE_KEY)" \
	    --attribution-url $(ATTRIBUTION_URL) --token "$(BOUCLE_DEMO_TOKEN)"

bench: infra
	$(BIN)/python -m bench.collector
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.attribution_consumer
	$(BIN)/python -m bench.attribution_models

# The consumers' drain rates and the pipeline's latency; BENCH_ARGS passes flags through
# (`make bench-pipeline BENCH_ARGS='--quick'`, `--help` lists them).
bench-pipeline: infra
	$(BIN)/python -m bench.pipeline $(BENCH_ARGS)

logs:
	tail -n 50 -F .run/logs/*.log
