# Two entry points for a fresh machine (see README): `make serve` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8040
HOST ?= 127.0.0.1

.PHONY: install install-test serve test lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

# Test-only tools: the second SHACL engine (npm rdf-validate-shacl), Java for HermiT.
install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	command -v java >/dev/null || (apt-get update -q && apt-get install -y -q default-jre-headless)
	command -v npm >/dev/null || (apt-get update -q && apt-get install -y -q nodejs npm)
	if [ -f tools/shacl-js/package-lock.json ]; then npm ci --silent --no-audit --no-fund --prefix tools/shacl-js; fi

serve: install
	$(BIN)/owl40 load
	$(BIN)/owl40 serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: install-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var node_modules tools/shacl-js/node_modules
