"""Error pages speak the user's language and look like the site, also where `make run` serves them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

from tests.conftest import login

ROOT = Path(settings.BASE_DIR)


def _page(response) -> str:
    text = response.content.decode()
    assert 'rel="stylesheet"' in text and 'class="topbar"' in text  # the site's frame, not Django's bare page
    return text


def test_404_in_chinese_by_default(client, city):
    login(client, city.staff_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in _page(response)


def test_404_of_a_unit_outside_scope_looks_the_same(client, city):
    login(client, city.staff_a)
    response = client.get(reverse("work:unit_detail", args=[city.unit_b.pk]))
    assert response.status_code == 404 and "页面不存在" in _page(response)


def test_404_in_english_when_chosen(client, city):
    login(client, city.staff_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Page not found" in _page(response)


def test_403_in_chinese(client, city):
    login(client, city.guide)
    response = client.get(reverse("work:unit_task_create", args=[city.unit_a.pk]))
    assert response.status_code == 403
    assert "无权" in _page(response)


def test_400_in_chinese(client, city):
    login(client, city.staff_a)
    response = client.get("/units/?q=%00")
    assert response.status_code == 400
    assert "请求" in _page(response)


def test_500_in_chinese_without_a_request_context(city):
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = server_error(request)
    assert response.status_code == 500
    text = response.content.decode()
    assert "系统出错" in text and 'rel="stylesheet"' in text


@pytest.mark.parametrize("port", ["8001", "8765"])
def test_make_run_serves_without_debug_and_mails_links_to_its_own_port(port):
    """`make run` turns DEBUG off (so these pages show, not Django's debug page) and sets SITE_URL to its port."""
    recipe = subprocess.run(
        ["make", "-n", "run", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    honcho = next(line for line in recipe.splitlines() if "honcho start" in line)
    assert "DEBUG=0" in honcho
    assert f"SITE_URL=http://127.0.0.1:{port} " in honcho
    assert f"-p {port}" in honcho


def test_a_form_without_its_csrf_token_gets_the_expired_page_in_chinese(city):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    login(client, city.staff_a)
    response = client.post(reverse("work:task_entry_add", args=[city.task_a().pk]), {"text": "x"})
    assert response.status_code == 403
    assert "页面已过期" in _page(response)
