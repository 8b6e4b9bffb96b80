# The two commands in README.md (`make reproduce`, `make test`), and two more for people working on the notebooks.
# Each makes its own virtual environment in .venv on first use.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: reproduce test docs lab install clean-env

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# onnxruntime-web for the docs site's playground page: exactly the versions in docs/package-lock.json (needs Node and npm)
NODE_MODULES := docs/node_modules/.package-lock.json
$(NODE_MODULES): docs/package.json docs/package-lock.json
	cd docs && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# The main job: materialise MNIST_SAMPLE and run the whole lesson.
reproduce: $(BIN)/.installed
	$(BIN)/mnist37 reproduce --out results

# Every test, on two workers: each notebook in a fresh Jupyter kernel, the suite in tests/, and the docs site in a browser.
test: $(BIN)/.installed $(NODE_MODULES)
	$(BIN)/pytest -n 2 --dist loadgroup --durations=15 tests

# The website: every notebook rendered with its saved outputs (never re-run) into _docs/, offline, and the playground.
docs: $(BIN)/.installed $(NODE_MODULES)
	$(BIN)/python tools/build_docs.py

# The chapters in JupyterLab.
lab: $(BIN)/.installed
	$(BIN)/jupyter lab nbs

clean-env:
	rm -rf $(VENV)
