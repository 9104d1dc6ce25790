# mynalib — the two commands a new machine needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup test fuzz lint format demo clean help

help:
	@echo "make setup   create $(VENV) and install everything (apt packages too when root)"
	@echo "./myna ...   the myna command of this checkout (or $(BIN)/myna, or: source $(BIN)/activate)"
	@echo "make test    setup if needed, then run the whole test suite"
	@echo "make demo    setup if needed, then run the demo on the built-in sample data"
	@echo "make fuzz    fuzz every file parser for FUZZ_SECONDS (120) s (atheris, coverage-guided)"
	@echo "make lint    ruff + mypy"
	@echo "make format  ruff format + ruff check --fix"

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh
	PYTHON=$(PYTHON) VENV=$(VENV) bash scripts/setup.sh

# parallel (pytest-xdist): one worker per core, at most 4. The pcscd tests take turns through a
# lock file (tests/pcscd.py) and carry an xdist_group (tests/conftest.py; one worker for
# them where xdist honours it). PYTEST_XDIST= runs serially.
PYTEST_XDIST ?= -n auto --maxprocesses=4 --dist loadgroup

# after the tests: TEST_FUZZ_SECONDS of coverage-guided parser fuzzing (0: none)
TEST_FUZZ_SECONDS ?= 60

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)
	$(BIN)/python scripts/fuzz_parsers.py --seconds $(TEST_FUZZ_SECONDS)

# coverage-guided fuzzing of every parser (scripts/fuzz_parsers.py; CI: FUZZ_SECONDS=120)
FUZZ_SECONDS ?= 120

fuzz: $(STAMP)
	$(BIN)/python scripts/fuzz_parsers.py --seconds $(FUZZ_SECONDS)

lint: $(STAMP)
	$(BIN)/ruff check mynalib tests benchmarks
	$(BIN)/ruff format --check mynalib tests benchmarks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format mynalib tests benchmarks
	$(BIN)/ruff check --fix mynalib tests benchmarks

demo: $(STAMP)
	@echo "==> the myna command: ./myna --help  (or $(BIN)/myna, or: source $(BIN)/activate, then myna)"
	@echo "==> myna コマンド: ./myna --help（または $(BIN)/myna、source $(BIN)/activate の後は myna）"
	$(BIN)/myna demo

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
