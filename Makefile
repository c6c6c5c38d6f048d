# Two entry points do all set-up on a fresh machine (Python 3.11 or 3.12 with venv, gcc):
#   make example   evaluate a bundled case and print its memo (Markdown)
#   make test      lint, type-check and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: example test clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else "rongcuo needs Python 3.11 or 3.12 (durable_rules does not build on 3.13); set PYTHON=python3.12")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,pdf,dask]'
	touch $@

example: $(BIN)/.installed
	$(BIN)/rongcuo memo examples/wz-01-pilot-tolerate.yaml --ruleset wanzhou --as-of 2024-03-25

test: $(BIN)/.installed
	$(BIN)/ruff check src tests features tools bench
	$(BIN)/ruff format --check src tests features tools bench
	$(BIN)/mypy
	$(BIN)/rongcuo check national wanzhou mianyang
	RONGCUO_REQUIRE_DASK=1 $(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
