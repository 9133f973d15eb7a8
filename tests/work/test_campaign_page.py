"""The city office's campaign page: create from seeds/ or a clone, add a batch with units, close (issue 15 item 1)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from tests.conftest import login, table_counts
from tracker.campaigns.models import Campaign, Participation
from tracker.work.models import Task


def test_the_city_office_clones_a_campaign_adds_a_batch_and_closes_it(client, city):
    login(client, city.office_city)
    assert client.get(reverse("work:campaigns")).status_code == 200
    start = city.campaign.ends_on + timedelta(days=1)
    response = client.post(
        reverse("work:campaign_create"),
        {
            "source": f"clone:{city.campaign.pk}",
            "code": "next-year",
            "name_zh": "下一年主题教育",
            "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=120)).isoformat(),
        },
    )
    assert response.status_code == 302
    new = Campaign.objects.get(code="next-year")
    assert new.templates.count() == city.campaign.templates.count() and not new.tasks.exists()
    response = client.post(
        reverse("work:batch_create", args=[new.pk]),
        {
            "code": "first",
            "name_zh": "第一批",
            "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=60)).isoformat(),
            "area": city.east.pk,
        },
    )
    assert response.status_code == 302
    assert list(Participation.objects.filter(campaign=new).values_list("unit_id", flat=True)) == [city.unit_a.pk]
    tasks = Task.objects.filter(campaign=new)
    assert set(tasks.values_list("unit_id", flat=True)) == {city.unit_a.pk}
    assert all(start <= t.due_on <= start + timedelta(days=60) for t in tasks)
    assert client.post(reverse("work:campaign_close", args=[new.pk])).status_code == 302
    new.refresh_from_db()
    assert new.is_closed


def test_a_definition_from_seeds_becomes_a_new_campaign(client, city):
    login(client, city.office_city)
    response = client.post(
        reverse("work:campaign_create"),
        {
            "source": "seed:campaign.yaml",
            "code": "from-seeds",
            "name_zh": "按定义新建",
            "starts_on": "2027-03-01",
            "ends_on": "2027-07-01",
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(code="from-seeds")
    assert campaign.name_zh == "按定义新建" and campaign.templates.count() > 40


def test_bad_input_is_explained_and_nothing_is_written(client, city):
    login(client, city.office_city)
    before = table_counts()
    response = client.post(
        reverse("work:campaign_create"),
        {"source": "clone:999999", "code": city.campaign.code, "name_zh": "", "starts_on": "2027-03-01"},
    )
    assert response.status_code == 422
    response = client.post(
        reverse("work:batch_create", args=[city.campaign.pk]),
        {"code": "x", "name_zh": "x", "starts_on": "2020-01-01", "ends_on": "2020-02-01", "unit_codes": "nope"},
    )
    assert response.status_code == 422 and "nope" in response.content.decode()
    response = client.post(
        reverse("work:batch_create", args=[city.campaign.pk]),
        {
            "code": "x",
            "name_zh": "x",
            "starts_on": "2020-01-01",
            "ends_on": "2020-02-01",
            "unit_codes": city.unit_a.code,
        },
    )
    assert response.status_code == 422  # outside the campaign's dates
    assert table_counts() == before
