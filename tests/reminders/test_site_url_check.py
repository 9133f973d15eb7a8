"""SITE_URL is checked at start-up: mail links must point at an address the app answers to."""

from __future__ import annotations

from django.test import override_settings

from tracker.reminders.checks import check_site_url


@override_settings(SITE_URL="http://127.0.0.1:8001", ALLOWED_HOSTS=["127.0.0.1", "localhost"])
def test_site_url_on_an_allowed_host_passes():
    assert check_site_url() == []


@override_settings(SITE_URL="https://tracker.example.gov.cn", ALLOWED_HOSTS=["127.0.0.1"])
def test_site_url_on_another_host_warns():
    assert [message.id for message in check_site_url()] == ["reminders.W002"]


@override_settings(SITE_URL="127.0.0.1:8000")
def test_site_url_without_scheme_warns():
    assert [message.id for message in check_site_url()] == ["reminders.W001"]


def test_deploy_check_names_a_site_url_the_app_does_not_serve():
    from tests.ops.test_production import PRODUCTION_ENV, manage

    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SITE_URL"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0 and "reminders.W002" in result.stderr + result.stdout
