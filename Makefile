# Two entry points (see README): `make demo` and `make test`. Everything else is set-up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
DEMO_IMAGES ?= 2000
PORT ?= 8888
# Where JupyterLab's file browser starts: by default the folder above the project, so the
# project and data kept beside it (../shared/data, your own) are reachable.
DEMO_ROOT ?= $(abspath ..)

.PHONY: demo test install js lint typecheck docs unit browser chromium bench screenshots clean

$(INSTALLED): pyproject.toml package.json package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	npm ci --no-audit --no-fund
	$(PY) -m pip install --quiet -e ".[dev]"
	# panopticapi's pq_compute is the reference of the panoptic tests. Its package pins
	# numpy<2, which its code does not need, so it goes in without its dependencies.
	$(PY) -m pip install --quiet --no-deps "panopticapi-lite==0.2.0"
	# lvis' LVISEval is the reference of the LVIS-rules tests; its package requires
	# opencv-python (GUI libraries) and more, so it goes in alone (pyproject's lvis extra
	# has what it imports).
	$(PY) -m pip install --quiet --no-deps "lvis==0.5.3"
	touch $@

install: $(INSTALLED)

# The bundle is built by the package build too; rebuilding here keeps an editable install current.
js: install
	npm run --silent build

demo: js
	$(PY) -m cocowidget.datasets .demo-data/demo-$(DEMO_IMAGES)-0 --images $(DEMO_IMAGES)
	$(PY) scripts/demo.py --port $(PORT) --root $(DEMO_ROOT) notebooks/quickstart.ipynb

lint: install
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	$(VENV)/bin/mypy

typecheck: install
	npm run --silent typecheck
	npm run --silent test

chromium:
	bash scripts/ensure-chromium.sh

# The API reference from the docstrings; --strict (in mkdocs.yml) fails on a broken reference.
docs: install
	$(VENV)/bin/mkdocs build --quiet

test: js lint typecheck docs chromium
	$(VENV)/bin/pytest

# docs/screenshots/newcomer-*.png (light, dark, 800 px), label-review*.png, error-breakdown.png, model-insight.png compare-datasets.png, augmentation-preview.png, augmentation-sizes.png and threshold-view.png, from their browser tests.
screenshots: js chromium
	COCOWIDGET_SCREENSHOTS=docs/screenshots $(VENV)/bin/pytest tests/browser/test_newcomer.py tests/browser/test_label_review.py tests/browser/test_evaluation_view.py::test_errors_per_class_stack_by_kind_and_a_row_picks_its_class tests/browser/test_model_insight.py tests/browser/test_compare_datasets.py tests/browser/test_augmentation_preview.py tests/browser/test_threshold_view.py

bench: js
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules src/cocowidget/static .demo-data test-artifacts site
