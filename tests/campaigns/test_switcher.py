"""The campaign switcher, pages following the chosen campaign, and a closed campaign as a read-only archive."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.conftest import login, table_counts
from tests.factories import CampaignFactory, TemplateFactory
from tracker.campaigns.middleware import SESSION_KEY
from tracker.campaigns.models import CampaignChoice
from tracker.campaigns.selectors import activated, current_campaign
from tracker.campaigns.services import campaign_close
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Task

SWITCH = reverse("campaigns:switch")


def _archive(city):
    """A past campaign, run and closed, with its own required action for unit A."""
    past = CampaignFactory(
        code="past",
        name_zh="第一批主题教育",
        starts_on=city.campaign.starts_on - timedelta(days=200),
        ends_on=city.campaign.starts_on - timedelta(days=20),
    )
    TemplateFactory(campaign=past, measure=city.study, code="past-only", title_zh="往期读书班")
    tasks_generate(campaign=past)
    return campaign_close(campaign=past, by=city.office_city, on=past.ends_on)


def test_switching_is_remembered_and_every_page_follows(client, city):
    past = _archive(city)
    login(client, city.office_city)
    unit_page = reverse("work:unit_detail", args=[city.unit_a.pk])
    assert "往期读书班" not in client.get(unit_page).content.decode()
    page = client.get(SWITCH)
    assert page.status_code == 200 and "第一批主题教育" in page.content.decode()
    response = client.post(SWITCH, {"campaign": past.pk, "next": unit_page})
    assert response.status_code == 302 and response.url == unit_page
    assert CampaignChoice.objects.get(user=city.office_city).campaign == past
    body = client.get(unit_page).content.decode()
    assert "往期读书班" in body and "读书班" in body
    assert 'class="archive"' in body and "campaign-switcher" in body
    # The dashboards and the task ledger follow too.
    assert client.get(reverse("dashboards:overview")).context["o"].campaign == past
    # A new login brings the choice back from the preference row.
    client.logout()
    client.force_login(city.office_city)
    session = client.session
    session.pop(SESSION_KEY, None)
    session.save()
    assert "往期读书班" not in client.get(unit_page).content.decode()  # force_login sends no signal
    client.logout()
    city.office_city.set_password("pw-for-test")
    city.office_city.save()
    assert client.login(username="office_city", password="pw-for-test")
    assert "往期读书班" in client.get(unit_page).content.decode()


def test_a_closed_campaign_refuses_every_write_with_a_message(client, city):
    past = _archive(city)
    login(client, city.staff_a)
    client.post(SWITCH, {"campaign": past.pk})
    task = Task.objects.get(campaign=past, unit=city.unit_a)
    before = table_counts()
    response = client.post(
        reverse("work:task_entry_add", args=[task.pk]),
        {"text": "补录", "occurred_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 403
    assert "read-only archive" in response.content.decode() or "只读" in response.content.decode()
    assert table_counts() == before
    # Reading works, and switching back is a write that stays open.
    assert client.get(reverse("work:task_detail", args=[task.pk])).status_code == 200
    assert client.post(SWITCH, {"campaign": city.campaign.pk}).status_code == 302
    running = Task.objects.filter(campaign=city.campaign, unit=city.unit_a).first()
    response = client.post(
        reverse("work:task_entry_add", args=[running.pk]),
        {"text": "新进展", "occurred_on": timezone.localdate().isoformat()},
    )
    assert response.status_code in (200, 302)


def test_bad_switch_input_is_a_clear_answer_not_a_500(client, city):
    login(client, city.staff_a)
    assert client.post(SWITCH, {"campaign": "abc"}).status_code == 302
    assert client.post(SWITCH, {"campaign": "999999"}).status_code == 404
    assert client.post(SWITCH, {"campaign": city.campaign.pk, "next": "https://evil.example/"}).url == reverse("home")


def test_jobs_name_their_campaign_explicitly(city):
    past = _archive(city)
    assert current_campaign() == city.campaign  # the default: the running campaign
    with activated(past):
        assert current_campaign() == past
    assert current_campaign() == city.campaign


def test_a_job_runs_on_the_campaign_of_the_request_that_queued_it(city):
    """The id travels in the message headers and is active while the task runs in the worker."""
    from types import SimpleNamespace

    from tracker.campaigns import jobs

    past = _archive(city)
    headers: dict = {}
    with activated(past):
        jobs.stamp_campaign(headers=headers)
    assert headers == {jobs.HEADER: past.pk}
    task = SimpleNamespace(request=SimpleNamespace(get=headers.get, headers=None))
    jobs.activate_campaign(task_id="t1", task=task)
    try:
        assert current_campaign() == past
    finally:
        jobs.deactivate_campaign(task_id="t1")
    assert current_campaign() == city.campaign
    empty: dict = {}
    jobs.stamp_campaign(headers=empty)  # queued outside a request: the default campaign
    assert empty == {}
