# The two commands in README.md. Each makes its own virtual environment in .venv on first use.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: reproduce test docs install clean-env

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# The main job: materialise MNIST_SAMPLE and run the whole lesson.
reproduce: $(BIN)/.installed
	$(BIN)/mnist37 reproduce --out results

# Every test: each notebook through nbdev, then the pytest suite.
test: $(BIN)/.installed
	$(BIN)/nbdev-test --timing --n-workers 2
	$(BIN)/pytest -q tests

# The website: every notebook rendered with its saved outputs (never re-run) into _docs/, offline.
docs: $(BIN)/.installed
	$(BIN)/python tools/build_docs.py

clean-env:
	rm -rf $(VENV)
