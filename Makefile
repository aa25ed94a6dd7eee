# DesignGAN: `make demo` shows it working, `make test` checks it. Both need only Python >= 3.11.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: test demo lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check src tests

test: install lint
	$(BIN)/python -m pytest -q

demo: install
	$(BIN)/designgan data build ccp --root tests/fixtures/ccp_mini --a jeans --b skirt --out outputs/demo/jeans_skirt --overwrite
	$(BIN)/designgan data preview outputs/demo/jeans_skirt --out outputs/demo/dataset_preview.png
	$(BIN)/designgan showcase --out outputs/demo

clean:
	rm -rf outputs .pytest_cache .ruff_cache
