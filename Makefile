# evalkit: `make report` runs the main job on the bundled data, `make test` runs the tests.
# `make test-min` runs them again on the lowest versions pyproject.toml allows (.venv-min);
# `make lock` rewrites requirements.lock from .venv (exact versions for deployments).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the extras `make setup` installs (and environment.yml lists); test-min and the lock use the same set
EXTRAS := test,archives,ocr,lab,sql,dask
MIN_VENV := .venv-min
MIN_BIN := $(MIN_VENV)/bin
MIN_STAMP := $(MIN_VENV)/.installed
MIN_CONSTRAINTS := $(MIN_VENV)/constraints.txt

.PHONY: setup setup-min report test test-min lock ingest clean bench lab

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	@PYTHON=$(BIN)/python scripts/ensure_system.sh
	touch $(STAMP)

# every direct dependency pinned to its floor (scripts/min_constraints.py), the rest resolved by pip
setup-min: $(MIN_STAMP)

$(MIN_STAMP): pyproject.toml scripts/min_constraints.py
	test -x $(MIN_BIN)/python || $(PY) -m venv $(MIN_VENV)
	$(MIN_BIN)/python -m pip install --quiet --upgrade pip
	$(MIN_BIN)/python scripts/min_constraints.py --extras '$(EXTRAS)' --out $(MIN_CONSTRAINTS)
	$(MIN_BIN)/python -m pip install --quiet -c $(MIN_CONSTRAINTS) -e '.[$(EXTRAS)]'
	@PYTHON=$(MIN_BIN)/python scripts/ensure_system.sh
	touch $(MIN_STAMP)

ingest: setup
	$(BIN)/evalkit ingest data/raw --out data/clean

report: ingest
	$(BIN)/evalkit report --clean data/clean --out reports

# bytecode is written even where the environment turns it off (PYTHONDONTWRITEBYTECODE): every test process
# and CLI subprocess would otherwise compile evalkit and rewrite the tests' asserts again
test: setup
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest

test-min: setup-min
	$(MIN_BIN)/python -m pip list --format=freeze | grep -iE '^(pandas|numpy|pyarrow|matplotlib)==' | tr '\n' ' '; echo
	env -u PYTHONDONTWRITEBYTECODE $(MIN_BIN)/python -m pytest

# exact versions of everything `pip install .[lab,sql,archives,ocr,dask]` needs, taken from .venv
lock: setup
	$(BIN)/python scripts/make_lock.py --extras lab,sql,archives,ocr,dask --out requirements.lock

# JupyterLab on the project's kernel ("evalkit", installed into the venv), opened on notebooks/: the
# user's copies of the packaged notebooks (made once, never overwritten), reading data/clean (ingested
# first when empty). LAB_ARGS adds options,
# e.g. `make lab LAB_ARGS="--no-browser --port 8890"`; as root --allow-root is added.
LAB_DIR ?= notebooks
LAB_ARGS ?=
lab: setup
	@test -e data/clean/reports.parquet || $(BIN)/evalkit ingest data/raw --out data/clean
	$(BIN)/python -m ipykernel install --sys-prefix --name evalkit --display-name "evalkit" >/dev/null
	$(BIN)/python -m evalkit.lab --dest $(LAB_DIR) --clean data/clean --raw data/raw
	$(BIN)/jupyter lab --notebook-dir=$(LAB_DIR) --MappingKernelManager.default_kernel_name=evalkit \
		$$(if [ "$$(id -u)" = 0 ]; then echo --allow-root; fi) $(LAB_ARGS)

bench: setup
	$(BIN)/python benchmarks/bench_scale.py --out bench/results.json

clean:
	rm -rf data/clean/*.parquet reports/*/ reports/latest reports/index.html reports/.report.lock
