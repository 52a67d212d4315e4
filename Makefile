# perfeval: two commands on a fresh machine. `make report` sets up and runs every notebook;
# `make test` sets up and runs the whole test suite (unit tests, chart tests, notebooks).
# Installs come from requirements.lock (every transitive dependency pinned with its hashes);
# `make lock` regenerates it from pyproject.toml + requirements*.txt after a dependency changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-lock
LAB_STAMP := $(VENV)/.installed-lab-lock
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
# One resolution for every platform (Windows, macOS, Linux) and Python from 3.11.
# --no-cache: the extras are read from requirements-*.txt, which uv would otherwise take from its cache
# of pyproject.toml (an edited requirements-test.txt would not reach the lock).
COMPILE := $(PY) -m uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 --quiet --no-cache \
	--custom-compile-command "make lock"

.PHONY: setup report test test-long bench lab lock clean notebooks

setup: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock or the package metadata change. --require-hashes: a file on the
# index that differs from the one locked fails the install. JupyterLab is not in this lock.
$(STAMP): requirements.lock pyproject.toml | $(PY)
	$(PIP) --require-hashes -r requirements.lock
	$(PIP) --no-deps -e .
	touch $(STAMP)

# requirements.lock plus JupyterLab (its lock is resolved with requirements.lock as constraints).
$(LAB_STAMP): requirements-lab.lock $(STAMP)
	$(PIP) --require-hashes -r requirements-lab.lock
	touch $(LAB_STAMP)

# Re-resolve after editing requirements*.txt (or merging branches that did): test + dev extras into
# requirements.lock, and those plus lab into requirements-lab.lock. Needs only the uv pin of requirements-dev.txt.
lock: | $(PY)
	$(PIP) "$$(grep '^uv==' requirements-dev.txt)"
	$(COMPILE) --extra test --extra dev -o requirements.lock
	$(COMPILE) --extra test --extra dev --extra lab -c requirements.lock -o requirements-lab.lock

# Every notebook for every workbook in data/ → build/<department>_<year>/ (HTML, figures, deck).
report: setup
	$(PY) -m perfeval_utils report --data data --out build

test: setup
	$(PY) -m ruff check .
	MPLBACKEND=Agg $(PY) -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider -n auto --dist loadfile

# The same with the slow property-test profile (5,000 examples each where a test does not fix its own count).
test-long: setup
	$(PY) -m ruff check .
	PERFEVAL_LONG=1 MPLBACKEND=Agg $(PY) -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider -n auto --dist loadfile \
		-p tests.hypothesis_profiles --hypothesis-profile=long

# Benchmarks at district scale (1,000 generated workbooks under build/bench); figures in benchmarks/README.md.
bench: setup
	$(PY) -m benchmarks

# Re-run every notebook in a fresh kernel and strip run times and versions: a re-run with no change is no diff.
notebooks: setup
	$(PY) scripts/notebooks.py --execute notebooks/[0-9][0-9]_*.ipynb notebooks/examples/*.ipynb

lab: $(LAB_STAMP)
	$(PY) -m jupyter lab notebooks/

clean:
	rm -rf build .pytest_cache
