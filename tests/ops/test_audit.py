"""The audit record: logins, failed logins and refused requests, read and exported by the office."""

from __future__ import annotations

import io

from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import PASSWORD, login
from tracker.ops.models import AuditEvent, AuditKind


def refuse_twice(client, city):
    """staff_a asks for a task of another unit (404) and tries to review one of its own (403)."""
    login(client, city.staff_a)
    assert client.get(reverse("work:task_detail", args=[city.task_b().pk])).status_code == 404
    task = city.task_a()
    assert (
        client.post(
            reverse("work:task_review", args=[task.pk]), {"version": task.version, "decision": "accept"}
        ).status_code
        == 403
    )


def test_refused_requests_are_recorded_with_who_what_and_where(client, city):
    refuse_twice(client, city)
    events = {e.kind: e for e in AuditEvent.objects.exclude(kind=AuditKind.LOGIN)}
    assert set(events) == {AuditKind.NOT_IN_SCOPE, AuditKind.FORBIDDEN}
    probe = events[AuditKind.NOT_IN_SCOPE]
    assert probe.user == city.staff_a and probe.path == reverse("work:task_detail", args=[city.task_b().pk])
    assert probe.method == "GET" and probe.ip == "127.0.0.1"
    assert events[AuditKind.FORBIDDEN].method == "POST"


def test_a_plain_missing_page_is_not_a_refusal(client, city):
    login(client, city.staff_a)
    assert client.get("/no-such-page/").status_code == 404
    assert not AuditEvent.objects.exclude(kind=AuditKind.LOGIN).exists()


def test_logins_and_failed_logins_are_recorded(city):
    client = Client()
    client.post(reverse("login"), {"username": "staff_a", "password": "wrong-password-1"})
    client.post(reverse("login"), {"username": "nobody", "password": "wrong-password-1"})
    client.post(reverse("login"), {"username": "staff_a", "password": PASSWORD})
    kinds = list(AuditEvent.objects.order_by("id").values_list("kind", "username", "user__username"))
    assert kinds == [
        (AuditKind.LOGIN_FAILED, "staff_a", "staff_a"),
        (AuditKind.LOGIN_FAILED, "nobody", None),
        (AuditKind.LOGIN, "staff_a", "staff_a"),
    ]


def test_each_office_reads_the_record_of_the_people_it_manages(client, city):
    from tests.factories import make_user
    from tracker.orgs.models import Role

    refuse_twice(client, city)
    west = make_user(Role.OFFICE, unit=city.west, username="office_west")
    for office, sees in ((city.office_east, True), (city.office_city, True), (west, False)):
        login(client, office)
        page = client.get(reverse("ops_audit")).content.decode()
        assert (reverse("work:task_detail", args=[city.task_b().pk]) in page) is sees, office


def test_the_export_has_logins_per_day_and_every_refused_request(client, city):
    refuse_twice(client, city)
    Client().post(reverse("login"), {"username": "staff_a", "password": PASSWORD})
    login(client, city.office_east)
    response = client.get(reverse("ops_audit_export"))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(response.content))
    days, refused = book.worksheets
    header, today = list(days.iter_rows(values_only=True))[:2]
    # staff_a logged in twice (the test's own sign-in and the form), office_east once; all of East's.
    assert header[0] == "日期" and today[1:] == (3, 2, 0, 2)  # logins, people, failed, refused
    rows = list(refused.iter_rows(values_only=True))[1:]
    assert len(rows) == 2 and {r[3] for r in rows} == {"拒绝访问（403）", "超出范围（404）"}


def test_only_offices_read_the_audit(client, city):
    for user in (city.staff_a, city.leader_a, city.guide, city.leadership):
        login(client, user)
        assert client.get(reverse("ops_audit")).status_code == 403
        assert client.get(reverse("ops_audit_export")).status_code == 403


def test_an_impossible_period_falls_back_to_the_last_30_days_and_says_so(client, city):
    login(client, city.office_city)
    for query in (
        {"from": "2026-13-01"},
        {"from": "2026-11-20", "to": "2026-11-01"},
        {"from": "2020-01-01", "to": "2026-01-01"},
    ):
        response = client.get(reverse("ops_audit"), query)
        assert response.status_code == 200 and "最近 30 天" in response.content.decode()
