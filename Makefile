# The two commands in README.md (`make reproduce`, `make test`), and more for people working on the notebooks
# (CONTRIBUTING.md). Each makes its own virtual environment in .venv on first use.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
# Where pip takes PyTorch from first, if set: `make test TORCH_INDEX=https://download.pytorch.org/whl/cpu` on Linux
# installs the CPU-only build: 2.2 GB in all, against 7 GB with the CUDA build PyPI gives Linux. Used when .venv is made.
TORCH_INDEX ?=

.PHONY: reproduce test docs lab prepare install clean-env

# $(call need,TOOL,WHAT FOR): stop with one line naming the missing tool, before a recipe that needs it would fail
need = $(if $(shell command -v $(1) 2>/dev/null),,$(error $(1) not found: $(2)))
PY_OLD = $(shell $(PYTHON) -c 'import sys, platform; print("%s is Python %s: mnist37 needs 3.10 or newer (make PYTHON=python3.12 ...)" % (sys.executable, platform.python_version()) if sys.version_info < (3, 10) else "")')
NEED_NPM = $(call need,npm,the docs site's playground and its tests need Node.js and npm (e.g. apt-get install npm))

$(BIN)/.installed: pyproject.toml
	$(call need,$(PYTHON),mnist37 needs Python 3.10 or newer (or say which: make PYTHON=python3.12 ...))
	$(if $(PY_OLD),$(error $(PY_OLD)))
	$(if $(shell $(PYTHON) -c 'import ensurepip, venv' 2>&1),$(error $(PYTHON) cannot make a virtual environment: install its venv module (on Debian and Ubuntu: apt-get install python3-venv)))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(if $(TORCH_INDEX),$(BIN)/pip install torch torchvision --index-url $(TORCH_INDEX))
	$(BIN)/pip install -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# onnxruntime-web for the docs site's playground page: exactly the versions in docs/package-lock.json
NODE_MODULES := docs/node_modules/.package-lock.json
$(NODE_MODULES): docs/package.json docs/package-lock.json
	$(NEED_NPM)
	cd docs && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# The main job: materialise MNIST_SAMPLE and run the whole lesson.
reproduce: $(BIN)/.installed
	$(BIN)/mnist37 reproduce --out results

# Every test, on two workers: each notebook in a fresh Jupyter kernel, the suite in tests/, and the docs site in a
# browser (Chromium; without it the browser tests skip, -rs says why, except in CI where they fail).
test: $(BIN)/.installed $(NODE_MODULES)
	$(BIN)/pytest -n 2 --dist loadgroup --no-loadscope-reorder --durations=15 -rs tests

# The website: every notebook rendered with its saved outputs (never re-run) into _docs/, offline, and the playground.
docs: $(BIN)/.installed $(NODE_MODULES)
	$(BIN)/python tools/build_docs.py

# The chapters in JupyterLab; each save is cleaned as nbdev-clean would (jupyter_hooks in pyproject.toml), so saving
# leaves no diff beyond the edit; it runs from nbs/, where the paths Jupyter gives it are. Root (Docker, cloud
# machines) needs Jupyter's --allow-root.
lab: $(BIN)/.installed
	cd nbs && $(abspath $(BIN))/jupyter lab --ContentsManager.pre_save_hook=nbdev.clean.clean_jupyter $(if $(filter 0,$(shell id -u)),--allow-root)

# What nbdev-prepare does in a default nbdev project, without Quarto: export the notebooks into mnist37/, run them as
# tests, clean them, and write README.md from nbs/index.ipynb.
prepare: $(BIN)/.installed
	$(BIN)/nbdev-export
	$(BIN)/nbdev-test
	$(BIN)/nbdev-clean
	$(BIN)/python tools/make_readme.py

clean-env:
	rm -rf $(VENV)
