"""Forgotten passwords: the office issues one-time set-password links for people in its subtree;
anyone may ask for one by e-mail when mail is configured. Nobody sees another person's password."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, login
from tests.factories import make_user
from tracker.orgs.models import Role
from tracker.personnel.models import AccountEvent, AccountEventKind
from tracker.personnel.tasks import reset_mail_send

NEW_PASSWORD = "a-new-long-password-42"


def password_is(user, password: str) -> bool:
    user.refresh_from_db()
    return user.check_password(password)


def listed(client) -> set[str]:
    response = client.get(reverse("personnel:account_list"))
    assert response.status_code == 200
    return set(re.findall(r'<small class="muted">([\w-]+)', response.content.decode()))


def test_an_office_manages_the_people_whose_roles_all_lie_in_its_subtree(client, city):
    login(client, city.office_east)
    east = listed(client)
    assert {"staff_a", "leader_a", "guide", "office_east"} <= east
    assert not east & {"staff_b", "office_city", "leadership"}
    login(client, city.office_city)
    assert {"staff_a", "staff_b", "office_east", "leadership", "office_city"} <= listed(client)


def test_someone_with_a_role_outside_the_subtree_belongs_to_the_office_above(client, city):
    # staff_a also holds a role in West: East's office may no longer reset them.
    from tracker.orgs.models import RoleAssignment

    RoleAssignment.objects.create(user=city.staff_a, role=Role.STAFF, unit=city.unit_b)
    login(client, city.office_east)
    assert "staff_a" not in listed(client)
    assert client.get(reverse("personnel:account_detail", args=[city.staff_a.pk])).status_code == 404


def test_the_link_is_shown_once_recorded_and_sets_a_password_nobody_else_knows(client, city):
    login(client, city.office_east)
    response = client.post(reverse("personnel:account_link", args=[city.staff_a.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    link = re.search(r'value="(http://[^"]+/accounts/set-password/[^"]+)"', response.content.decode()).group(1)
    event = AccountEvent.objects.get(user=city.staff_a)
    assert event.kind == AccountEventKind.LINK_ISSUED and event.by == city.office_east
    # The current password keeps working until the link is used.
    assert password_is(city.staff_a, PASSWORD)

    person = Client()
    form = person.get(link, follow=True)
    assert "新密码" in form.content.decode() or "password" in form.content.decode().lower()
    done = person.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert password_is(city.staff_a, NEW_PASSWORD) and not password_is(city.staff_a, PASSWORD)
    assert AccountEvent.objects.filter(user=city.staff_a, kind=AccountEventKind.PASSWORD_SET).count() == 1
    # One use only.
    again = Client().get(link, follow=True)
    assert "已被使用或已过期" in again.content.decode()
    # The office's page shows what happened, in order, with who did it.
    page = client.get(reverse("personnel:account_detail", args=[city.staff_a.pk])).content.decode()
    assert page.index("通过链接设置了新密码") < page.index("由办公室发放设置密码链接")


def test_another_subtree_is_not_found_and_writes_nothing(client, city):
    login(client, city.office_east)
    assert client.get(reverse("personnel:account_detail", args=[city.staff_b.pk])).status_code == 404
    assert client.post(reverse("personnel:account_link", args=[city.staff_b.pk])).status_code == 404
    assert not AccountEvent.objects.exists()


def test_only_offices_reach_the_accounts_page(client, city):
    for user in (city.staff_a, city.leader_a, city.guide, city.leadership):
        login(client, user)
        assert client.get(reverse("personnel:account_list")).status_code == 403
        # Nobody's account page exists for them, their own included.
        assert client.get(reverse("personnel:account_detail", args=[city.staff_a.pk])).status_code == 404


def test_a_disabled_account_gets_no_link(client, city):
    city.staff_a.is_active = False
    city.staff_a.save(update_fields=["is_active"])
    login(client, city.office_east)
    response = client.post(reverse("personnel:account_link", args=[city.staff_a.pk]))
    assert response.status_code == 403 and "已停用" in response.content.decode()
    assert not AccountEvent.objects.exists()


def test_the_list_costs_the_same_for_five_people_or_fifty(client, city, django_assert_num_queries):
    login(client, city.office_city)
    client.get(reverse("personnel:account_list"))  # warm the session and scope
    with django_assert_num_queries(6) as few:
        client.get(reverse("personnel:account_list"))
    for n in range(45):
        make_user(Role.STAFF, unit=city.unit_a, username=f"more{n}")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("personnel:account_list"))


# --- self-service by e-mail -------------------------------------------------------------------------


@pytest.fixture
def mail_on(settings, smtp_sink):
    from django.core.cache import cache

    cache.clear()  # the per-address counters of earlier tests
    settings.PASSWORD_RESET_BY_MAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    settings.SITE_URL = "https://tracker.example.gov.cn"
    return smtp_sink


def ask(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("password_reset"), {"email": email})
    return response, callbacks


def test_a_known_address_gets_a_link_at_the_site_address_and_an_unknown_one_the_same_page(
    client, city, mail_on, django_capture_on_commit_callbacks
):
    city.staff_a.email = "zhang@example.gov.cn"
    city.staff_a.save(update_fields=["email"])
    unknown, none = ask(client, "nobody@example.gov.cn", django_capture_on_commit_callbacks)
    known, one = ask(client, "ZHANG@example.gov.cn", django_capture_on_commit_callbacks)
    assert unknown.status_code == known.status_code == 302 and unknown["Location"] == known["Location"]
    assert len(none) == 0 and len(one) == 1

    assert reset_mail_send(city.staff_a.pk) is True  # what the worker runs
    (message,) = mail_on.messages
    assert message["To"] == "zhang@example.gov.cn"
    body = message.get_content()
    assert "https://tracker.example.gov.cn/accounts/set-password/" in body
    assert PASSWORD not in body
    assert AccountEvent.objects.get(user=city.staff_a).kind == AccountEventKind.RESET_MAILED


def test_the_mail_is_rate_limited_per_address(client, city, mail_on, django_capture_on_commit_callbacks):
    city.staff_a.email = "zhang@example.gov.cn"
    city.staff_a.save(update_fields=["email"])
    sent = [len(ask(client, "zhang@example.gov.cn", django_capture_on_commit_callbacks)[1]) for _ in range(5)]
    assert sent == [1, 1, 1, 0, 0]


def test_without_mail_the_page_points_to_the_office_and_sends_nothing(
    client, city, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_BY_MAIL = False
    page = client.get(reverse("password_reset")).content.decode()
    assert "发送链接" not in page and "办公室" in page
    city.staff_a.email = "zhang@example.gov.cn"
    city.staff_a.save(update_fields=["email"])
    response, callbacks = ask(client, "zhang@example.gov.cn", django_capture_on_commit_callbacks)
    assert response.status_code == 200 and not callbacks and not AccountEvent.objects.exists()
