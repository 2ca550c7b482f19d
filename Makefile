# Two commands a newcomer needs: `make run` and `make test`. Everything else is installed here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint audit format migrate demo bench clean assets

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

# The pages' styles and scripts: GOV.UK Frontend from the npm registry (pinned in package.json and
# package-lock.json), its Sass compiled with our settings (a system font, no GOV.UK brand) into
# build/static/, which Django serves. Nothing built is committed.
NPM := $(shell command -v npm)
ASSETS := build/static/govuk/app.css build/static/govuk/govuk-frontend.min.js
SASS_SOURCES := $(wildcard partnership/sass/*.scss)

node_modules/.installed: package.json package-lock.json
	@test -n "$(NPM)" || { echo "make: npm is missing. The pages' styles are built from the govuk-frontend package with Node.js's npm: install Node.js 20 or later (Debian: apt-get install nodejs npm), then run make again." >&2; exit 1; }
	$(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

build/static/govuk/app.css: node_modules/.installed $(SASS_SOURCES)
	@mkdir -p build/static/govuk
	node_modules/.bin/sass --no-source-map --style=compressed --quiet-deps --load-path=node_modules \
		partnership/sass/app.scss $@

build/static/govuk/govuk-frontend.min.js: node_modules/.installed
	@mkdir -p build/static/govuk
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $@

assets: $(ASSETS)

migrate: $(STAMP) assets
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

# Serves on http://$(HOST):$(PORT)/ with the scheduler inside the one process. Links in email and
# text messages point there unless SITE_URL says otherwise. Pages are the ones people see (our 404,
# not Django's debug page): DJANGO_DEBUG=true make run for those.
run: demo
	SCHEDULER_IN_PROCESS=true SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} \
		$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

test: $(STAMP) assets
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# Known vulnerabilities in every pinned dependency (and what they pull in), from PyPI's advisory
# data. --strict: a dependency that could not be checked fails the audit; it never passes unseen.
# Fails on any pin with a known vulnerability. Where the advisory service cannot be reached (it
# is not, from this project's build machines) nothing can be checked: that is said loudly, and it
# fails only when AUDIT_REQUIRED=true.
audit: $(STAMP)
	@out=$$($(BIN)/pip-audit --progress-spinner off -r requirements.txt -r requirements-dev.txt 2>&1); \
	status=$$?; echo "$$out" | tail -n 5; \
	if [ $$status -ne 0 ]; then echo "make audit: FAILED: a pinned dependency has a known vulnerability (above)." >&2; exit 1; fi; \
	if echo "$$out" | grep -q "could not be audited"; then \
		echo "make audit: WARNING: the advisory service could not be reached; $$(echo "$$out" | grep -c 'could not be audited') pinned packages were NOT audited." >&2; \
		if [ "$${AUDIT_REQUIRED:-false}" = "true" ]; then exit 1; fi; \
	else echo "make audit: no known vulnerabilities in the pinned dependencies."; fi

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles build node_modules .pytest_cache .mypy_cache .ruff_cache
