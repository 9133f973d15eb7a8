"""Production settings pass Django's deployment check; every page carries a strict CSP."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import login

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "x8Jq2vNw5RzT1mB7cYhL0pDsGfA9eKuI4oQ6nVbX" * 2,
    "ALLOWED_HOSTS": "tracker.example.gov.cn",
    "HTTPS": "1",
    "SITE_URL": "https://tracker.example.gov.cn",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # The test process's own switches (settings module, the browser test's async flag) are not production config.
    dropped = {"DJANGO_SETTINGS_MODULE", "DEBUG", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "tracker.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_the_documented_production_env():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_without_https_so_the_check_is_not_empty():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION_ENV, "HTTPS": "0"})
    assert result.returncode != 0 and "security.W004" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env={**env, "SECRET_KEY": ""})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_has_no_dev_tools_unless_asked():
    # The demo city and the bench generator write fictional data: not offered where DEBUG is off.
    production = manage("help", "--commands", env=PRODUCTION_ENV)
    assert production.returncode == 0, production.stderr
    assert {"seed_demo", "bench", "bench_loadplan"}.isdisjoint(production.stdout.split())
    asked = manage("help", "--commands", env={**PRODUCTION_ENV, "DEV_TOOLS": "1"})
    assert {"seed_demo", "bench", "bench_loadplan"} <= set(asked.stdout.split())


PAGES = [
    ("staff_a", lambda c: reverse("work:unit_detail", args=[c.unit_a.pk])),
    ("staff_a", lambda c: reverse("work:task_detail", args=[c.task_a().pk])),
    ("staff_a", lambda c: reverse("work:unit_task_create", args=[c.unit_a.pk])),
    ("office_city", lambda c: reverse("home:unit_list")),
    ("office_city", lambda c: reverse("work:review_queue")),
    (None, lambda c: reverse("login")),
]


@pytest.mark.parametrize("who,url", PAGES)
def test_pages_carry_a_strict_csp_and_no_inline_code(client, city, who, url):
    if who:
        login(client, getattr(city, who))
    response = client.get(url(city))
    assert response.status_code == 200
    policy = dict(
        ([*part.strip().split(" ", 1), ""])[:2] for part in response["Content-Security-Policy"].split(";") if part
    )
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["script-src"].startswith("'self'")
    assert policy["style-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'self'"
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    html = response.content.decode()
    # Only our own files; a nonce (issued when a template asks for one) is never needed by them.
    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert scripts and all('src="/static/' in attrs for attrs in scripts)
    assert not re.search(r"\sstyle=", html) and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    assert not re.search(r"\shx-on", html)  # htmx's hx-on needs eval, which the config turns off


def test_htmx_is_configured_for_the_csp(client, city):
    login(client, city.staff_a)
    html = client.get(reverse("work:unit_detail", args=[city.unit_a.pk])).content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', html).group(1)
    import json

    config = json.loads(config)
    assert config["includeIndicatorStyles"] is False and config["allowEval"] is False
    assert config["allowScriptTags"] is False and config["selfRequestsOnly"] is True
