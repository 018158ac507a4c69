# The two commands of the README: `make run` and `make test`. Everything else is their setup.
VENV   ?= .venv
PYTHON ?= python3
PORT   ?= 5000
FLASK  := $(VENV)/bin/flask --app consult
STAMP  := $(VENV)/.installed-stamp

.PHONY: run dev test test-fast setup venv translations db clean demo-accounts

# Served as a city would run it on one host: gunicorn, a threaded worker per core, SQLite in WAL.
run: setup demo-accounts
	@echo "consult: serving on http://127.0.0.1:$(PORT)/ (gunicorn; Ctrl-C stops it)"
	PORT=$(PORT) $(VENV)/bin/gunicorn -c python:consult.gunicorn_config wsgi:app

# For developers: Flask's reloading development server with the debugger. Never for the public.
dev: setup demo-accounts
	$(FLASK) run --debug --host 127.0.0.1 --port $(PORT)

demo-accounts:
	@if [ -f instance/demo-staff.txt ]; then \
	  echo "consult: demo staff accounts (role, e-mail, password) — sign in at /login:"; \
	  cat instance/demo-staff.txt; fi

test: setup
	$(VENV)/bin/pytest

# The suite without the long load tests (a few minutes); `make test` and CI run everything.
test-fast: setup
	$(VENV)/bin/pytest -m "not load"

setup: venv translations db

# Reinstall when pyproject.toml changes.
venv: $(STAMP)
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[test]"
	touch $@

# Compiled catalogues (.mo) are build output, not kept in git.
translations: venv
	$(VENV)/bin/pybabel compile --use-fuzzy -d consult/translations

# Schema by migrations only; the seed is idempotent; demo data only into an empty database.
db: venv
	$(FLASK) db upgrade
	$(FLASK) seed
	$(FLASK) demo-data --if-empty

# Re-extract the strings to translate after changing templates or code.
messages: venv
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o consult/translations/messages.pot consult
	$(VENV)/bin/pybabel update -i consult/translations/messages.pot -d consult/translations

clean:
	rm -rf $(VENV) .pytest_cache

# The results on the ウェブアクセシビリティ方針 page (/accessibility): every browser test that runs axe
# or a keyboard/zoom check, with their findings written to consult/accessibility/results.json.
.PHONY: accessibility
accessibility: setup
	CONSULT_A11Y_RESULTS=consult/accessibility/results.json $(VENV)/bin/pytest -q \
	  $$(grep -rl --include='test_*.py' 'tests.browser.a11y import' tests)

# Screenshots of the main pages at phone and desktop sizes, shown in the README (docs/screenshots/).
.PHONY: screenshots
screenshots: venv translations
	$(VENV)/bin/python docs/screenshots/take.py

# The benchmark of issue 7 (bench/README.md): consult against the bare-Flask limit at 10k and 100k
# comments; about half an hour; writes bench/RESULTS.md. Not part of `make test`.
.PHONY: bench bench-quick bench-tools
bench: venv translations bench-tools
	$(VENV)/bin/python bench/run.py $(BENCH_ARGS)

# A smoke test of the same (small sizes, a few seconds per endpoint); writes bench/.data/RESULTS-quick.md.
bench-quick: venv translations bench-tools
	$(VENV)/bin/python bench/run.py --quick $(BENCH_ARGS)

# wrk, Debian's package: installed when running as root, else explained.
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "bench: installing wrk (apt-get install -y wrk)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 || \
	      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; \
	  else \
	    echo "bench: wrk is not installed and this is not root; install it with 'sudo apt-get install wrk'" >&2; \
	    exit 1; \
	  fi; }
