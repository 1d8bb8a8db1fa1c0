# Two commands: `make run` serves the app at http://127.0.0.1:5000, `make test` runs every test.
# Both set everything up first (virtualenv, Python and npm packages, compiled CSS, database).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := .make
GOVUK := node_modules/govuk-frontend/dist/govuk
export FLASK_APP := wsgi

.PHONY: run test setup lint format bench bench-pages bench-peers clean system lock

# Exact versions with hashes (pip-tools): requirements/main.txt is what a deployment installs,
# requirements/dev.txt adds the test tools at the same versions. `make lock` rewrites both
# from setup.cfg; `make lock LOCK_ARGS=--upgrade` moves every pin to the newest release.
PIP_VERSION := 26.3
PIP_TOOLS_VERSION := 7.6.2
LOCK_TOOLS := $(STAMP)/lock-tools
LOCK_ARGS ?=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# PYTEST_ARGS narrows the run, e.g. make test PYTEST_ARGS='-m "not e2e"'.
PYTEST_ARGS ?=
test: setup system
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(STAMP)/python $(STAMP)/assets

# Only what the lock names, each file checked against its hash; then the app itself without
# dependencies. `pip check` fails when setup.cfg asks for a package the lock lacks (run `make lock`).
$(STAMP)/python: setup.cfg requirements/main.txt requirements/dev.txt
	@mkdir -p $(STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'pip==$(PIP_VERSION)'
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check || { echo "setup.cfg and the lock disagree: run make lock"; exit 1; }
	@touch $@

lock:
	test -x $(LOCK_TOOLS)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_TOOLS) && \
	  $(LOCK_TOOLS)/bin/python -m pip install --quiet 'pip==$(PIP_VERSION)' 'pip-tools==$(PIP_TOOLS_VERSION)'; }
	$(PIP_COMPILE) --extra redis --output-file requirements/main.txt setup.cfg
	$(PIP_COMPILE) --extra redis --extra dev --constraint requirements/main.txt --output-file requirements/dev.txt setup.cfg

$(STAMP)/assets: package.json package-lock.json shared_lives/static/scss/app.scss
	@mkdir -p $(STAMP) shared_lives/static/css shared_lives/static/vendor
	npm ci --no-audit --no-fund
	npm run --silent build:css
	cp $(GOVUK)/govuk-frontend.min.js shared_lives/static/js/govuk-frontend.min.js
	cp node_modules/axe-core/axe.min.js shared_lives/static/vendor/axe.min.js
	@touch $@

# Debian packages the suite needs: Chromium for the browser tests (Playwright never downloads
# a browser here) and HarfBuzz's subsetter, without which WeasyPrint warns on every PDF and the
# suite (warnings are errors) fails. Installed with apt when missing, through sudo unless root.
SYSTEM_PACKAGES := chromium libharfbuzz-subset0
system:
	@missing=""; for pkg in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; fi; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m matching bench

# Pages under gunicorn -w 4 at 500, 2,000 and 5,000 households (bench/RESULTS.md); DB=postgresql for PostgreSQL.
DB ?= sqlite
bench-pages: setup
	$(BIN)/python bench/bench_pages.py --db $(DB) --markdown

# The engine against OR-Tools and its own numpy paths; writes bench/RESULTS.md.
bench-peers: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/compare_peers.py

clean:
	rm -rf $(STAMP) $(VENV) node_modules shared_lives/static/css shared_lives/static/vendor shared_lives/static/js/govuk-frontend.min.js
