# Two entry points for a fresh machine (see README): `make serve` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8040
HOST ?= 127.0.0.1
# The instance `make serve` loads and serves (a directory with an owl40.toml).
INSTANCE ?= instances/owl40

.PHONY: install install-test serve test lint bench bench-writes clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

UI_DEPS := tools/ui/node_modules/.installed
SHACL_JS_DEPS := tools/shacl-js/node_modules/.installed

# npm packages are installed from the lock files, again only when a lock file changes.
$(UI_DEPS): tools/ui/package-lock.json
	command -v npm >/dev/null || (apt-get update -q && apt-get install -y -q nodejs npm)
	npm ci --silent --no-audit --no-fund --prefix tools/ui
	touch $@

$(SHACL_JS_DEPS): tools/shacl-js/package-lock.json
	command -v npm >/dev/null || (apt-get update -q && apt-get install -y -q nodejs npm)
	npm ci --silent --no-audit --no-fund --prefix tools/shacl-js
	touch $@

# jemalloc: `owl40 serve` preloads it into its workers (queries need about half the CPU).
JEMALLOC := ldconfig -p | grep -q libjemalloc.so.2 || (apt-get update -q && apt-get install -y -q libjemalloc2) || \
	echo "warning: libjemalloc2 not installed; the server will use the system allocator"

install: $(BIN)/python $(UI_DEPS)
	$(BIN)/pip install -q -e .
	@$(JEMALLOC)

# Test-only tools: Java for HermiT and the HTML validator, the second SHACL engine (npm
# rdf-validate-shacl), Chromium and its driver for the browser tests.
install-test: $(BIN)/python $(UI_DEPS) $(SHACL_JS_DEPS)
	$(BIN)/pip install -q -e '.[test]'
	@$(JEMALLOC)
	command -v java >/dev/null || (apt-get update -q && apt-get install -y -q default-jre-headless)
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		(apt-get update -q && apt-get install -y -q chromium chromium-driver)
	# Virtuoso 7, the second remote SPARQL engine of the store tests (tests/virtuoso.py starts it)
	command -v virtuoso-t >/dev/null || (apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q virtuoso-opensource)

serve: install
	OWL40_INSTANCE_DIR=$(INSTANCE) $(BIN)/owl40 load
	OWL40_INSTANCE_DIR=$(INSTANCE) $(BIN)/owl40 serve --host $(HOST) --port $(PORT)

# CI installs the live servers (Oxigraph, Virtuoso): their tests fail rather than skip.
test: install-test
	$(BIN)/ruff check .
	OWL40_TEST_REQUIRE_LIVE=1 $(BIN)/python -m pytest

bench: install-test
	$(BIN)/python bench/run.py

# Loads and small updates against `oxigraph load` (bench/writes.py, bench/README.md).
bench-writes: install-test
	$(BIN)/python bench/writes.py

clean:
	rm -rf $(VENV) var tools/shacl-js/node_modules tools/ui/node_modules
