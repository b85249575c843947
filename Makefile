# yubi — the two Quick-start commands are `make brief` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
OUT    ?= out
# Extra options for `yubi brief` in `make brief`, e.g. BRIEF_FLAGS=--timings.
BRIEF_FLAGS ?=

.PHONY: brief run test lint bench system-deps clean

$(BIN)/yubi: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.dev: $(BIN)/yubi
	$(BIN)/pip install --quiet -e '.[dev,all]'
	@touch $@

# System packages (Debian): CJK fonts for Korean charts and PDFs, poppler for PDF checks,
# PostgreSQL for the store tests. Installed only where missing.
system-deps:
	@sh scripts/system-deps.sh

# The extras, installed once (not on every `make brief`: pip's resolver alone takes seconds).
$(VENV)/.all: $(BIN)/yubi
	$(BIN)/pip install --quiet -e '.[all]'
	@touch $@

# The main job: install, then write the brief of the bundled case (English and Korean) from
# one run of the analyses; the two PDFs are typeset in parallel.
brief: $(VENV)/.all
	@sh scripts/system-deps.sh fonts
	$(BIN)/yubi brief --out $(OUT) --pdf --lang en,ko $(BRIEF_FLAGS)

run: $(BIN)/yubi
	$(BIN)/yubi run

test: $(VENV)/.dev
	@sh scripts/system-deps.sh
	$(BIN)/pytest -n 2 --dist loadgroup

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: $(VENV)/.dev
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
