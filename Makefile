# The two commands: `make demo` and `make test`. Everything else is a helper for them.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app compliance
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: demo test install install-test migrate serve lint clean

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

lint: install-test
	$(BIN)/ruff check compliance tests
	$(BIN)/ruff format --check compliance tests

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
