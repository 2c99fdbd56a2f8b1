# Set-up and everyday commands. Each target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench install

demo: $(VENV)/.installed  ## A real audit: fine-tune MiniLM on leaky profiles (once, cached), scan, audit, report
	$(BIN)/lrp-audit demo

test: $(VENV)/.installed  ## Run the test suite (tiny random models, no network, no GPU)
	$(BIN)/pytest

bench: $(VENV)/.installed  ## Cost of each method relative to plain inference (all-MiniLM-L6-v2)
	$(BIN)/python benchmarks/overhead.py

install: $(VENV)/.installed

# torch==2.13.0 first: on CPU machines it is a local CPU wheel, where an unpinned torch pulls CUDA.
# pip shows what it installs: the first run takes a few minutes, and should say so as it goes.
$(VENV)/.installed: pyproject.toml
	@echo "Installing lrp-audit and its dependencies into $(VENV) (first run only; a few minutes)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install torch==2.13.0 || $(BIN)/pip install torch
	$(BIN)/pip install -e '.[test]'
	touch $@
	@echo "Installed into $(VENV)."
