# Two entry points do all set-up on a fresh machine (Python 3.11 or later with venv; gcc for
# durable_rules, which builds on 3.11 and 3.12 only — on 3.13 and later the reference evaluator runs):
#   make example   evaluate a bundled case and print its memo (Markdown)
#   make test      lint, type-check and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: example test clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "rongcuo needs Python 3.11 or later; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,pdf,dask,service,postgres]'
	touch $@

example: $(BIN)/.installed
	$(BIN)/rongcuo memo examples/wz-01-pilot-tolerate.yaml --ruleset wanzhou --as-of 2024-03-25

test: $(BIN)/.installed
	$(BIN)/ruff check src tests features tools bench
	$(BIN)/ruff format --check src tests features tools bench
	$(BIN)/mypy
	$(BIN)/rongcuo check national wanzhou mianyang reuse warning
	RONGCUO_REQUIRE_DASK=1 $(BIN)/pytest

clean:
	rm -rf $(VENV) .venv-3.13 .pytest_cache .mypy_cache .ruff_cache .hypothesis
