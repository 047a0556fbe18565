# The two commands: `make demo` and `make test`. Everything else is a helper for them.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app compliance
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: demo test install install-test migrate serve bench lint clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

migrate: install
	$(FLASK) db upgrade

demo: migrate
	COMPLIANCE_ENV=development $(FLASK) demo load --if-empty
	@echo "Serving the demo lab on http://127.0.0.1:$(PORT) (logins: see README.md)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# PostgreSQL joins the run when 127.0.0.1:5432 answers; REQUIRE_POSTGRES=1 makes its absence a failure.
test: install-test
	@if [ -z "$$TEST_DATABASE_URL" ] && $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
		export TEST_DATABASE_URL="$(PG_URL)"; fi; \
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Production serving: gunicorn, workers from the CPU count (gunicorn.conf.py), on DATABASE_URL.
serve: install
	$(BIN)/pip install --quiet -e '.[serve]'
	$(FLASK) db upgrade
	$(BIN)/gunicorn

# Issue 9's benchmark: scale 1 and 40, SQLite and PostgreSQL (when it answers); prints a table
# and writes bench.json. BENCH_ARGS="--scales 1 --no-load" for a quick look.
bench: install-test
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m tests.benchmarks $(BENCH_ARGS)

lint: install-test
	$(BIN)/ruff check compliance tests
	$(BIN)/ruff format --check compliance tests

# The software validation record (ISO/IEC 17025 clause 7.11.2): every requirement the app
# claims, the tests that prove it and their result. It reads the results of the last recorded
# run (`make test-recorded`, or CI's `make test` with RECORD_RESULTS in PYTEST_ADDOPTS) and
# records a run itself when there is none.
VALIDATION_RESULTS ?= test-artifacts/test-results.json
VALIDATION_REPORT  ?= test-artifacts/validation-report.docx
RECORD_RESULTS     := -p compliance.validation.plugin --validation-results=$(VALIDATION_RESULTS)

.PHONY: test-recorded validation-report security-lint

test-recorded:
	PYTEST_ADDOPTS="$(RECORD_RESULTS)" $(MAKE) test

validation-report: install-test
	@test -f $(VALIDATION_RESULTS) || PYTEST_ADDOPTS="$(RECORD_RESULTS)" $(MAKE) test || true
	$(BIN)/python -m compliance.validation --results $(VALIDATION_RESULTS) \
		--out $(VALIDATION_REPORT) --lab-name "$${LAB_NAME:-}" --strict

# Also run by the suite (tests/security/test_static_analysis.py); here for a quick look.
security-lint: install-test
	$(BIN)/python -m bandit -r compliance -lll -q

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
