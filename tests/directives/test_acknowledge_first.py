"""A 交办's task takes no entries before the unit acknowledges it (签收): service, task page, button."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import login, table_counts
from tests.directives.test_services import issue
from tracker.directives import services
from tracker.work import services as work_services
from tracker.work.models import Entry


def test_the_service_refuses_an_entry_before_acknowledgement(city):
    target = issue(city).targets.get(unit=city.unit_a)
    before = table_counts()
    with pytest.raises(ValidationError) as refused:
        work_services.entry_add(task=target.task, by=city.staff_a, text="已开始")
    assert "请先签收" in " ".join(refused.value.messages)
    assert table_counts() == before
    services.assignment_acknowledge(target=target, by=city.staff_a)
    entry = work_services.entry_add(task=target.task, by=city.staff_a, text="已开始", percent=20)
    assert entry.task_id == target.task_id
    # An ordinary task is not held.
    work_services.entry_add(task=city.task_a(), by=city.staff_a, text="召开会议")


def test_the_task_page_shows_the_acknowledge_button_instead_of_the_form(client, city):
    target = issue(city).targets.get(unit=city.unit_a)
    task_url = reverse("work:task_detail", args=[target.task_id])
    login(client, city.staff_a)
    page = client.get(task_url)
    html = page.content.decode()
    assert page.context["entry_form"] is None and page.context["entry_hold"] is not None
    assert "请先签收" in html and reverse("directives:target_acknowledge", args=[target.pk]) in html
    assert reverse("work:task_entry_add", args=[target.task_id]) not in html
    # A POST past the page is refused with the message, and writes nothing.
    refused = client.post(reverse("work:task_entry_add", args=[target.task_id]), {"text": "x", "version": 1})
    assert refused.status_code == 422 and "请先签收" in refused.content.decode()
    assert not Entry.objects.filter(task_id=target.task_id).exists()
    # The button acknowledges and comes back to the task, which now offers the entry form.
    back = client.post(reverse("directives:target_acknowledge", args=[target.pk]), {"next": task_url})
    assert back.status_code == 302 and back.url == task_url
    page = client.get(task_url)
    assert page.context["entry_hold"] is None and page.context["entry_form"] is not None
    # Any other "next" is ignored (no open redirect): the 交办 page.
    other = issue(city).targets.get(unit=city.unit_a)
    away = client.post(reverse("directives:target_acknowledge", args=[other.pk]), {"next": "https://evil.example/"})
    assert away.url == reverse("directives:target_detail", args=[other.pk])


def test_the_office_sees_no_hold_it_cannot_lift(client, city):
    target = issue(city).targets.get(unit=city.unit_a)
    login(client, city.guide)
    page = client.get(reverse("work:task_detail", args=[target.task_id]))
    assert page.status_code == 200 and page.context["entry_hold"] is None
