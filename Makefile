# Two commands: `make run` serves the app at http://127.0.0.1:5000, `make test` runs every test.
# Both set everything up first (virtualenv, Python and npm packages, compiled CSS, database).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := .make
GOVUK := node_modules/govuk-frontend/dist/govuk
export FLASK_APP := wsgi

.PHONY: run test setup lint format bench bench-peers clean browser

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

setup: $(STAMP)/python $(STAMP)/assets

$(STAMP)/python: setup.cfg
	@mkdir -p $(STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(STAMP)/assets: package.json package-lock.json shared_lives/static/scss/app.scss
	@mkdir -p $(STAMP) shared_lives/static/css shared_lives/static/vendor
	npm ci --no-audit --no-fund
	npm run --silent build:css
	cp $(GOVUK)/govuk-frontend.min.js shared_lives/static/js/govuk-frontend.min.js
	cp node_modules/axe-core/axe.min.js shared_lives/static/vendor/axe.min.js
	@touch $@

# Browser tests drive Debian's Chromium; Playwright never downloads a browser here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m matching bench

# The engine against OR-Tools and its own numpy paths; writes bench/RESULTS.md.
bench-peers: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/compare_peers.py

clean:
	rm -rf $(STAMP) $(VENV) node_modules shared_lives/static/css shared_lives/static/vendor shared_lives/static/js/govuk-frontend.min.js
