"""Login and sessions: lockout without user enumeration, password rules, rotation, timeouts, disabling."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD, login
from tracker.demo.builder import DEMO_PASSWORD

HX = {"HTTP_HX_REQUEST": "true"}


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def is_signed_in(client) -> bool:
    response = client.get(reverse("home:unit_list"))
    return response.status_code == 200


# --- lockout (django-axes) ------------------------------------------------------------------------------


def test_five_failures_lock_the_username_on_that_address_for_15_minutes(client, city):
    for _ in range(4):
        response = attempt(client, "staff_a", "wrong-password-1")
        assert response.status_code == 200 and "请输入一个正确的用户名和密码" in response.content.decode()
    locked = attempt(client, "staff_a", "wrong-password-1")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "登录失败次数过多" in html and "15" in html
    # The right password does not help while locked; another address is not locked.
    assert attempt(client, "staff_a", PASSWORD).status_code == 429
    assert attempt(Client(), "staff_a", PASSWORD, ip="10.0.0.2").status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert attempt(client, "staff_a", PASSWORD).status_code == 302
        assert is_signed_in(client)


def test_lockout_page_speaks_the_users_language(client, city):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    for _ in range(5):
        response = attempt(client, "staff_a", "nope-nope-nope")
    assert response.status_code == 429 and "Too many failed logins" in response.content.decode()


def test_unknown_user_and_wrong_password_look_the_same(client, city):
    """No user enumeration: same page, same message, same lockout for a real and a made-up name."""

    def body(response):
        html = response.content.decode().replace("ghost-user", "NAME").replace("staff_a", "NAME")
        return re.sub(r"[A-Za-z0-9]{64}", "CSRF-TOKEN", html)  # the token differs per response

    for i in range(5):
        real = attempt(client, "staff_a", "wrong-password-1")
        ghost = attempt(client, "ghost-user", "wrong-password-1")
        assert real.status_code == ghost.status_code == (200 if i < 4 else 429)
        assert body(real) == body(ghost)


def test_disabled_account_gets_the_same_message_as_a_wrong_password(client, city):
    city.staff_b.is_active = False
    city.staff_b.save()
    response = attempt(client, "staff_b", PASSWORD)
    assert response.status_code == 200 and "请输入一个正确的用户名和密码" in response.content.decode()


def test_authenticate_without_a_request_still_works_for_scripts(city):
    assert authenticate(username="staff_a", password=PASSWORD) == city.staff_a


# --- passwords --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short-pw-1", "password1234", "123456789012345", "1qaz2wsx3edc"])
def test_weak_passwords_are_refused(password, db):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize("password", [PASSWORD, DEMO_PASSWORD, "长城-登高-2024-望远"])
def test_twelve_characters_that_are_not_common_pass(password, db):
    validate_password(password)


# --- sessions ---------------------------------------------------------------------------------------------


def test_login_rotates_the_session_key(client, city):
    session = client.session  # an anonymous session, as a fixation attacker would plant
    session["planted"] = True
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    old_key = session.session_key
    assert attempt(client, "staff_a", PASSWORD).status_code == 302
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    assert is_signed_in(client)


def test_idle_timeout_slides_with_activity(client, city):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        login(client, city.office_city)
        for _ in range(4):  # active every 25 minutes: still in after 100 minutes
            clock.shift(timedelta(minutes=25))
            assert is_signed_in(client)
        clock.shift(timedelta(minutes=31))
        response = client.get(reverse("home:unit_list"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_absolute_timeout_ends_even_an_active_session(client, city):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        login(client, city.office_city)
        for _ in range(11 * 60 // 20):  # a request every 20 minutes for 11 hours
            clock.shift(timedelta(minutes=20))
            assert is_signed_in(client)
        clock.shift(timedelta(hours=1, minutes=1))
        assert not is_signed_in(client)


@pytest.mark.parametrize("idle", [60])
def test_timeouts_are_configurable(client, city, settings, idle):
    settings.SESSION_IDLE_TIMEOUT = idle
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        login(client, city.staff_a)
        clock.shift(timedelta(seconds=idle + 1))
        assert not is_signed_in(client)


def test_expired_session_sends_htmx_to_the_login_page_not_into_a_fragment(client, city):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        login(client, city.staff_a)
        clock.shift(timedelta(minutes=31))
        response = client.get(reverse("work:unit_detail", args=[city.unit_a.pk]), **HX)
    assert response.status_code == 200 and response["HX-Redirect"].startswith(reverse("login"))


def test_disabling_an_account_logs_it_out_everywhere(city):
    phone, office_pc = Client(), Client()
    login(phone, city.staff_a)
    login(office_pc, city.staff_a)
    assert is_signed_in(phone) and is_signed_in(office_pc)
    sessions_before = Session.objects.count()
    city.staff_a.is_active = False
    city.staff_a.save()
    for device in (phone, office_pc):
        response = device.get(reverse("work:unit_detail", args=[city.unit_a.pk]))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Session.objects.count() == sessions_before - 2  # both session rows are gone, not just ignored
    # A write from a stale tab is refused too, and writes nothing.
    task = city.task_a()
    response = phone.post(reverse("work:task_entry_add", args=[task.pk]), {"text": "x"})
    assert response.status_code == 302 and not task.entries.exists()


def test_disabling_is_recorded_in_the_account_history(city):
    city.staff_a.is_active = False
    city.staff_a.save()
    latest = city.staff_a.history.first()
    assert latest.is_active is False and not hasattr(latest, "password")
