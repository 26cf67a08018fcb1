# newsprism — every target creates .venv and installs pinned dependencies on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The CPU build of torch ships on local disk on these machines; an index torch would be a multi-GB CUDA build.
FIND_LINKS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)
PIP := $(BIN)/python -m pip --disable-pip-version-check
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install demo test smoke eval bench stress fuzz lint format lock clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel
	$(PIP) install -q $(FIND_LINKS) -c constraints.txt torch==2.13.0
	$(PIP) install -q $(FIND_LINKS) -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out
	rm -f out/demo.db
	$(BIN)/newsprism analyze examples --db out/demo.db --json out/demo.json --html out/demo.html
	@echo "HTML report: $(CURDIR)/out/demo.html"

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Real-data check: analyze over 300 articles of ../shared/data + tests/data/clean (skipped when the data is absent).
smoke: $(STAMP)
	$(BIN)/python benchmarks/smoke.py

eval: $(STAMP)
	$(BIN)/python -m newsprism.evaluation

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py
	$(BIN)/python benchmarks/bench_entities.py
	$(BIN)/python benchmarks/bench_stories.py
	$(BIN)/python benchmarks/bench_store.py $(BENCH_STORE_ARGS)

# Pathological inputs (time, peak memory) and SIGKILLs during a 2,000-article analyze; STRESS_ARGS="--articles 200".
stress: $(STAMP)
	$(BIN)/python benchmarks/stress.py $(STRESS_ARGS)

# The HTML, feed and WARC readers under atheris (hypothesis if atheris is missing), FUZZ_SECONDS each (default 60).
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	@status=0; for target in html feed warc; do \
		echo "== fuzz $$target ($(FUZZ_SECONDS) s)"; \
		FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/python fuzz/fuzz_readers.py $$target || status=1; \
	done; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check newsprism tests benchmarks
	$(BIN)/ruff format --check newsprism tests benchmarks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format newsprism tests benchmarks
	$(BIN)/ruff check --fix newsprism tests benchmarks

lock: $(STAMP)
	$(PIP) freeze --exclude-editable | sed 's/+cpu//' | sort -f > constraints.txt.new
	(echo '# Pinned versions for every dependency (pip constraints). Regenerate with `make lock`.'; cat constraints.txt.new) > constraints.txt
	rm constraints.txt.new

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
