"""The progress rule through the services and the task page: stale entries, where the number comes from."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import login
from tests.factories import TemplateFactory, make_ledger_row
from tracker.core.concurrency import StaleVersion
from tracker.work import services
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Entry, Task
from tracker.work.progress import derive, progress_check, task_facts

HX = {"HTTP_HX_REQUEST": "true"}


def page_version(html: str) -> int:
    """The task version the entry form of a task page carries."""
    form = html[html.index(reverse("work:task_entry_add", args=[1]).replace("/1/", "/")) :]
    return int(re.search(r'name="version" value="(\d+)"', form).group(1))


def test_an_entry_from_a_stale_page_is_refused_and_changes_nothing(city):
    task = city.task_a()
    services.entry_add(task=task, by=city.staff_a, text="第一次", percent=80, expected_version=1)
    with pytest.raises(StaleVersion) as caught:
        services.entry_add(task=task, by=city.leader_a, text="旧页面", percent=50, expected_version=1)
    assert caught.value.current.progress == 80 and caught.value.seen_version == 1
    task.refresh_from_db()
    assert (task.progress, task.entry_count, task.version) == (80, 1, 2)
    assert not Entry.objects.filter(text="旧页面").exists()


def test_two_people_on_the_same_task_page_the_second_gets_409_and_keeps_the_text(client, city):
    task = city.task_a()
    url = reverse("work:task_detail", args=[task.pk])
    add = reverse("work:task_entry_add", args=[task.pk])
    login(client, city.leader_a)
    leader_seen = re.search(r'name="version" value="(\d+)"', client.get(url).content.decode()).group(1)
    login(client, city.staff_a)
    staff_seen = re.search(r'name="version" value="(\d+)"', client.get(url).content.decode()).group(1)
    assert leader_seen == staff_seen == "1"

    data = {"text": "完成八成", "occurred_on": task.campaign.starts_on.isoformat(), "percent": 80}
    response = client.post(add, {**data, "version": staff_seen}, **HX)
    assert response.status_code == 200

    login(client, city.leader_a)
    stale = {"text": "我这边看还只有一半", "occurred_on": task.campaign.starts_on.isoformat(), "percent": 50}
    response = client.post(add, {**stale, "version": leader_seen}, **HX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "您的修改未保存" in html
    assert "我这边看还只有一半" in html and 'value="50"' in html  # nothing typed is lost
    assert 'name="version" value="2"' in html  # a second send, after reading the changes, goes through
    assert "<del>0</del> → <ins>80</ins>" in html  # what changed meanwhile: progress
    assert "完成八成" in html  # and the entry that changed it
    task.refresh_from_db()
    assert (task.progress, task.entry_count) == (80, 1)

    response = client.post(add, {**stale, "version": leader_seen})  # without htmx: the full page, 409
    assert response.status_code == 409 and "<html" in response.content.decode()
    response = client.post(add, {**stale, "version": 2}, **HX)
    assert response.status_code == 200
    task.refresh_from_db()
    assert (task.progress, task.entry_count) == (50, 2)  # a person may lower what a person set


@pytest.fixture
def group_task(city):
    template = TemplateFactory(
        campaign=city.campaign,
        measure=city.study,
        code="group-4",
        ledger="study",
        ledger_filter={"kind": "central_group"},
        target_count=4,
        due_offset_days=100,
    )
    tasks_generate(campaign=city.campaign)
    return Task.objects.get(unit=city.unit_a, template=template)


def test_the_task_page_says_where_the_number_comes_from(client, city, group_task):
    for _ in range(3):
        make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    login(client, city.staff_a)
    url = reverse("work:task_detail", args=[group_task.pk])
    html = client.get(url).content.decode()
    assert "75%" in html and "台账“学习记录”已记录所需 4 条中的 3 条" in html
    entry = services.entry_add(task=group_task, by=city.staff_a, text="四次已全部开展", percent=90).task
    html = client.get(url).content.decode()
    assert "90%" in html and "由张三在" in html and "台账计数不会降低人工填写的进度" in html
    # A ledger entry follows its row: no delete button, and the service refuses it.
    ledger_entry = Entry.objects.filter(task=entry, ledger="study").first()
    assert reverse("work:entry_delete", args=[ledger_entry.pk]) not in html
    with pytest.raises(ValidationError):
        services.entry_delete(entry=ledger_entry, by=city.leader_a)


def test_the_rule_reads_done_first_then_the_higher_of_person_and_ledger(city, group_task):
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    facts = task_facts(task=group_task)
    assert (facts.ledger_entries, facts.person_percent, derive(facts).progress) == (1, None, 25)
    task = services.entry_add(task=group_task, by=city.staff_a, text="x", percent=10).task
    assert task.progress == 25  # the count is higher than what the person said
    task = services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    task = services.task_accept(task=task, by=city.guide, expected_version=task.version)
    assert (task.status, task.progress) == ("done", 100)
    assert list(progress_check(campaign=city.campaign)) == []


def test_a_stale_page_is_told_about_an_entry_that_left_the_percentage_as_it_was(client, city):
    """Only the entry list changed: the 409 still names what was added meanwhile."""
    task = city.task_a()
    url = reverse("work:task_detail", args=[task.pk])
    add = reverse("work:task_entry_add", args=[task.pk])
    login(client, city.staff_a)
    seen = re.search(r'name="version" value="(\d+)"', client.get(url).content.decode()).group(1)
    day = task.campaign.starts_on.isoformat()
    first = client.post(add, {"text": "只记一笔，不填进度", "occurred_on": day, "version": seen}, **HX)
    assert first.status_code == 200
    response = client.post(add, {"text": "旧页面上的记录", "occurred_on": day, "version": seen}, **HX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "只记一笔，不填进度" in html.split("task-head")[0]  # in the notice above the task
    assert "旧页面上的记录" in html
