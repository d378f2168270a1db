# Examhall: `make run` serves the demo, `make test` runs the checks.  Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PYTEST := $(BIN)/python -m pytest
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test test-sqlite test-postgres lint bench translations lock clean cluster cluster-stop

install: $(VENV)/.installed node_modules/.installed server/translations/zh_Hans_CN/LC_MESSAGES/messages.mo

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

server/translations/zh_Hans_CN/LC_MESSAGES/messages.mo: server/translations/zh_Hans_CN/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d server/translations

run: install
	$(FLASK) db upgrade
	$(FLASK) demo seed
	@echo "Open http://$(HOST):$(PORT)/ and sign in with a demo account above."
	EXAMHALL_HOST=$(HOST) EXAMHALL_PORT=$(PORT) $(BIN)/python wsgi.py

# The cluster's topology on this machine (docs/deploy.md): N server processes and a document worker
# behind nginx (installed when missing) on PostgreSQL and Redis; https://127.0.0.1:8443/.
N ?= 3
cluster: install
	deploy/local/cluster.sh start $(N)

cluster-stop:
	deploy/local/cluster.sh stop

lint: install
	$(BIN)/ruff check .

test: lint test-sqlite test-postgres

test-sqlite: install
	EXAMHALL_TEST_DATABASE=sqlite $(PYTEST)

# Skipped with a message when PostgreSQL is not reachable, except under CI=true, where it fails.
test-postgres: install
	EXAMHALL_TEST_DATABASE=postgresql $(PYTEST)

# What the benchmarks need on top of the app (matplotlib for the timeline), in the same venv;
# the app's own requirements.txt stays as it is.
$(VENV)/.bench-installed: requirements-bench.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

# Benchmarks print JSON with our figures and the baseline measured in the same run.
bench: install $(VENV)/.bench-installed
	$(BIN)/python bench/bank_import.py 10000
	$(BIN)/python bench/grading_bench.py 1000000 10000
	$(BIN)/python bench/pdf_bench.py 1000 300
	$(BIN)/python bench/live_bench.py 1000 5000 10000
	$(BIN)/python bench/exam_day.py 10000 --png docs/exam_day.png

# After changing user-facing strings: extract them and merge into the catalog, then translate.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		-o server/translations/messages.pot .
	$(BIN)/pybabel update -i server/translations/messages.pot -d server/translations \
		--no-fuzzy-matching --ignore-obsolete

# After changing requirements.in or requirements-bench.in: resolve and pin everything again.  The
# bench pins are what the benchmarks add on top of the app's, resolved together with them.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -r requirements.in
	.lock-venv/bin/python -m pip freeze --exclude-editable > requirements.txt
	.lock-venv/bin/python -m pip install --quiet -r requirements-bench.in
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -vxFf requirements.txt > requirements-bench.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
