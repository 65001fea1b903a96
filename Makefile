# cophub — the two commands on a fresh machine are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export COPHUB_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install assets migrate demo lint services bench bench-pages bench-demo bench-registration bench-events bench-search-quality bench-search bench-import bench-fanout bench-mail-crash bench-inbound bench-forum bench-surveys bench-first-start clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,semantic]'
	touch $(STAMP)

install: $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: $(STAMP) node_modules/.package-lock.json
	$(BIN)/python scripts/build_assets.py

migrate: install
	$(BIN)/cophub migrate --noinput

# Links in the mail the demo queues, and everything `cophub serve` starts, use the address
# served (`make run PORT=8001`) unless COPHUB_SITE_URL says otherwise.
demo run: export COPHUB_SITE_URL ?= http://$(HOST):$(PORT)

demo: migrate
	$(BIN)/cophub demo

run: assets demo
	$(BIN)/cophub serve --host $(HOST) --port $(PORT)

# ruff, then the architecture contracts in pyproject.toml (layers, domain apps, no cycles).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

services:
	bash scripts/ensure_services.sh

test: assets services lint
	bash scripts/run_tests.sh

bench: bench-pages bench-demo bench-registration bench-events bench-import bench-search-quality bench-search bench-fanout bench-mail-crash bench-inbound bench-forum bench-surveys

bench-pages: assets services
	$(BIN)/python bench/pages.py

bench-demo: install services
	$(BIN)/python bench/demo.py

bench-registration: assets services
	$(BIN)/python bench/registration.py

bench-events: assets services
	$(BIN)/python bench/events.py

bench-import: install services
	$(BIN)/python bench/import_usecases.py

bench-search-quality: install services
	$(BIN)/python bench/search_quality.py

bench-search: assets services
	$(BIN)/python bench/search.py

bench-fanout: install services
	$(BIN)/python bench/fanout.py

bench-mail-crash: install services
	$(BIN)/python bench/mail_crash.py

bench-inbound: install services
	$(BIN)/python bench/inbound.py

bench-forum: assets services
	$(BIN)/python bench/forum.py

bench-surveys: install services
	$(BIN)/python bench/surveys.py

bench-first-start: assets
	$(BIN)/python bench/first_start.py

clean:
	rm -rf $(VENV) node_modules var staticfiles src/cophub/static/vendor
