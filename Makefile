# Access Monitor: `make run` serves the dashboard with demo data, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format typecheck bench demo clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m cli demo
	ACCESS_MONITOR_SINGLE_USER=$${ACCESS_MONITOR_SINGLE_USER:-editor} $(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port 8501

demo: $(STAMP)
	$(BIN)/python -m cli demo

# The whole suite on SQLite; again on PostgreSQL when ACCESS_MONITOR_TEST_PG names a server
# (.ci/run starts one; see README, "Store and team use").
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	env -u ACCESS_MONITOR_TEST_PG $(BIN)/python -m pytest
	@if [ -n "$$ACCESS_MONITOR_TEST_PG" ]; then \
		echo "== the same suite on PostgreSQL =="; \
		$(BIN)/python -m pytest; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache tests/artifacts

bench: $(STAMP)
	$(BIN)/python -m bench.run
