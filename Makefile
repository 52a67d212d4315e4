# perfeval: two commands on a fresh machine. `make report` sets up and runs every notebook;
# `make test` sets up and runs the whole test suite (unit tests, chart tests, notebooks).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements

.PHONY: setup report test bench lab clean notebooks

setup: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pinned requirements or the package metadata change.
$(STAMP): requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# Every notebook for every workbook in data/ → build/<department>_<year>/ (HTML, figures, deck).
report: setup
	$(PY) -m perfeval_utils report --data data --out build

test: setup
	$(PY) -m ruff check .
	MPLBACKEND=Agg $(PY) -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider

# Benchmarks at district scale (1,000 generated workbooks under build/bench); figures in benchmarks/README.md.
bench: setup
	$(PY) -m benchmarks

# Re-run every notebook in a fresh kernel and strip run times and versions: a re-run with no change is no diff.
notebooks: setup
	$(PY) scripts/notebooks.py --execute notebooks/[0-9][0-9]_*.ipynb notebooks/examples/*.ipynb

lab: setup
	$(PY) -m jupyter lab notebooks/

clean:
	rm -rf build .pytest_cache
