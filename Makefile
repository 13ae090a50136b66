# kci-backend: `make run` serves on 127.0.0.1:8888 with an embedded SQLite database;
# `make test` runs the whole suite (SQLite and PostgreSQL).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8888

.PHONY: run test venv migrate token clean

$(BIN)/kci-backend: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

venv: $(BIN)/kci-backend

migrate: venv
	$(BIN)/kci-backend migrate

run: venv migrate
	@echo ""
	@echo "  kci-backend on http://$(HOST):$(PORT)"
	@echo "  Make an admin token (printed once) in another shell:"
	@echo "      TOKEN=\$$($(BIN)/kci-backend token create --admin)"
	@echo "      curl -H \"Authorization: \$$TOKEN\" http://$(HOST):$(PORT)/version"
	@echo ""
	$(BIN)/kci-backend serve --host $(HOST) --port $(PORT)

test: venv
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) kci-data .pytest_cache
