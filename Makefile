# evalkit: `make report` runs the main job on the bundled data, `make test` runs the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup report test ingest clean bench

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,archives,ocr]'
	@if [ -x scripts/ensure_font.sh ]; then scripts/ensure_font.sh; fi
	@if [ -x scripts/ensure_libreoffice.sh ]; then scripts/ensure_libreoffice.sh; fi
	touch $(STAMP)

ingest: setup
	$(BIN)/evalkit ingest data/raw --out data/clean

report: ingest
	$(BIN)/evalkit report --clean data/clean --out reports

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/bench_scale.py --out bench/results.json

clean:
	rm -rf data/clean/*.parquet reports/*/ reports/latest reports/.report.lock
