# Campaign Tracker. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed
MO     := locale/zh_Hans/LC_MESSAGES/django.mo

.PHONY: run test lint format check messages migrate seed clean backup restore screenshots

$(STAMP): requirements.txt requirements-dev.txt requirements-ldap.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@$(BIN)/python -m pip install --quiet -r requirements-ldap.txt 2>/dev/null || echo "note: directory login (LDAP) not installed: it needs libldap2-dev and libsasl2-dev (apt-get); everything else works"
	touch $(STAMP)

# Compiled catalogs are committed; rebuild them when msgfmt is there and a .po is newer.
$(MO): locale/zh_Hans/LC_MESSAGES/django.po
	@if command -v msgfmt >/dev/null; then $(BIN)/python manage.py compilemessages -v0; else echo "msgfmt not found: using the committed .mo"; fi

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput -v0

seed: migrate
	$(BIN)/python manage.py seed_campaign
	$(BIN)/python manage.py seed_demo

# Web, Celery worker and one Celery beat (Procfile); without REDIS_URL they talk through var/celery.
# The demo runs as production does (DEBUG=0: error pages in the user's language, static files from
# WhiteNoise, a local secret key kept in var/), but over plain HTTP; `DEBUG=1 make run` shows
# Django's debug pages instead. Links in mail point at the port actually served.
DEBUG    ?= 0
SITE_URL ?= http://127.0.0.1:$(PORT)
RUN_ENV  := DEBUG=$(DEBUG) SITE_URL=$(SITE_URL) SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 LOG_FORMAT=plain
run: $(STAMP) $(MO) seed
	@mkdir -p var && test -s var/run-secret-key || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/run-secret-key
	$(BIN)/python manage.py collectstatic --noinput -v0
	@echo "Campaign Tracker on $(SITE_URL)/  (demo accounts: office, leader, guide, unitlead, staff, staff2; password campaign-demo)"
	$(RUN_ENV) SECRET_KEY="$$(cat var/run-secret-key)" $(BIN)/honcho start -f Procfile -p $(PORT)

# Two processes by default (pytest-xdist; each its own test database and Redis database, a test
# file's tests together); TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2
test: $(STAMP) $(MO)
	$(BIN)/python -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy tracker

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --no-obsolete
	$(BIN)/python manage.py compilemessages -v0

clean:
	rm -rf var db.sqlite3 .pytest_cache

# Performance: synthetic data + timings, and a 60 s load test (docs/PERFORMANCE.md).
.PHONY: bench loadtest
SCALE ?= city
bench: migrate
	$(BIN)/python manage.py bench --scale $(SCALE) $(BENCH_ARGS)

loadtest: migrate
	SCALE=$(SCALE) scripts/loadtest.sh
# Database and evidence files in one archive (var/backups/ unless FILE=...); restore asks before replacing.
backup: $(STAMP)
	$(BIN)/python manage.py backup $(if $(FILE),--output $(FILE))

restore: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/tracker-<time>.tar.gz"; exit 2; }
	$(BIN)/python manage.py restore $(FILE)

# README screenshots of the main pages on the demo city (a browser test; needs Chromium), into docs/screenshots/.
screenshots: $(STAMP) $(MO)
	SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/browser/test_screenshots.py -q
