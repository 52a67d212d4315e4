# perfeval: two commands on a fresh machine. `make report` sets up and runs every notebook;
# `make test` sets up and runs the whole test suite (unit tests, chart tests, notebooks).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements

.PHONY: setup report test test-long bench lab clean

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
	MPLBACKEND=Agg $(PY) -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider -n auto --dist loadfile

# The same with the slow property-test profile (5,000 examples each where a test does not fix its own count).
test-long: setup
	$(PY) -m ruff check .
	MPLBACKEND=Agg $(PY) -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider -n auto --dist loadfile \
		-p tests.hypothesis_profiles --hypothesis-profile=long

# Benchmarks at district scale (1,000 generated workbooks under build/bench); figures in benchmarks/README.md.
bench: setup
	$(PY) -m benchmarks

lab: setup
	$(PY) -m jupyter lab notebooks/

clean:
	rm -rf build .pytest_cache
