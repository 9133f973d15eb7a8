"""The office sets a unit's own window on its page; the unit's due dates follow (issue 15 item 2)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from tests.conftest import login, table_counts
from tracker.work.models import Task


def test_the_office_moves_a_units_window_and_its_due_dates_follow(client, city):
    login(client, city.office_east)
    url = reverse("work:unit_window", args=[city.unit_a.pk])
    assert client.get(url).status_code == 200
    start = city.campaign.starts_on + timedelta(days=10)
    response = client.post(url, {"starts_on": start.isoformat(), "ends_on": ""})
    assert response.status_code == 302 and response.url == reverse("work:unit_detail", args=[city.unit_a.pk])
    assert Task.objects.get(unit=city.unit_a, template__code="reading").due_on == start + timedelta(days=90)
    page = client.get(url).content.decode()
    now = page.split('id="unit-window-now"')[1].split("</p>")[0]
    assert start.isoformat() in now and city.campaign.ends_on.isoformat() in now


def test_a_bad_window_is_explained_and_nothing_is_written(client, city):
    login(client, city.office_east)
    url = reverse("work:unit_window", args=[city.unit_a.pk])
    before = table_counts()
    late = city.campaign.ends_on + timedelta(days=5)
    response = client.post(url, {"starts_on": "", "ends_on": late.isoformat()})
    assert response.status_code == 422
    assert table_counts() == before
    response = client.post(url, {"starts_on": "not a date", "ends_on": ""})
    assert response.status_code == 422 and table_counts() == before
