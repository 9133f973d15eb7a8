"""Bad input on every form and write path of the unit workflow (hypothesis; helpers in tests/badinput.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import strategies as st

from tests.badinput import (
    assert_form_refuses,
    assert_post_refuses,
    assert_rendered_inert,
    assert_service_refuses,
    out_of_range,
    oversized,
    with_control_characters,
)
from tests.conftest import login
from tracker.work import selectors, services
from tracker.work.forms import EntryForm, OwnerForm, ReviewForm, SelfChosenTaskForm, SubmitForm

TODAY = timezone.localdate


def test_entry_form(db):
    checked = assert_form_refuses(
        EntryForm, valid={"text": "学习", "occurred_on": TODAY().isoformat(), "percent": "50", "version": "1"}
    )
    assert checked == ["text", "occurred_on", "percent", "version"]


def test_owner_form(city):
    people = selectors.unit_people(unit=city.unit_a)
    checked = assert_form_refuses(
        OwnerForm, valid={"version": "1", "owner": city.staff_a.pk}, form_kwargs={"people": people}
    )
    assert checked == ["version", "owner"]


def test_submit_form(db):
    assert assert_form_refuses(SubmitForm, valid={"version": "3", "note": "请审核"}) == ["version", "note"]


def test_review_form(db):
    checked = assert_form_refuses(ReviewForm, valid={"version": "2", "decision": "return", "reason": "缺纪要"})
    assert checked == ["version", "decision", "reason"]


def test_self_chosen_task_form(city):
    valid = {"measure": city.study.pk, "title": "志愿服务", "description": "", "due_on": TODAY().isoformat()}
    assert assert_form_refuses(SelfChosenTaskForm, valid=valid) == ["measure", "title", "description", "due_on"]


# --- services: the same rules hold for callers that skip the forms (imports, jobs, admin) ----------------


def outside_campaign(campaign, *, future_ok: bool = False):
    before = st.dates(max_value=campaign.starts_on - timedelta(days=1))
    after = st.dates(min_value=(TODAY() if not future_ok else campaign.ends_on) + timedelta(days=1))
    return st.one_of(before, after)


def test_entry_add_service(city):
    task = city.task_a()

    def add(build):
        return lambda value: services.entry_add(task=task, by=city.staff_a, **{"text": "x", **build(value)})

    assert_service_refuses(add(lambda v: {"text": v}), st.one_of(oversized(4000), with_control_characters()))
    assert_service_refuses(add(lambda v: {"percent": v}), out_of_range(0, 100))
    assert_service_refuses(add(lambda v: {"occurred_on": v}), outside_campaign(city.campaign))


def test_task_services(city):
    def create(build):
        base = {"title": "自选", "due_on": city.campaign.ends_on, "description": ""}
        return lambda value: services.task_create_self_chosen(
            campaign=city.campaign, unit=city.unit_a, by=city.staff_a, measure=city.study, **{**base, **build(value)}
        )

    assert_service_refuses(create(lambda v: {"title": v}), st.one_of(oversized(200), with_control_characters()))
    assert_service_refuses(create(lambda v: {"description": v}), st.one_of(oversized(4000), with_control_characters()))
    assert_service_refuses(create(lambda v: {"due_on": v}), outside_campaign(city.campaign, future_ok=True))
    task = city.task_a()
    services.entry_add(task=task, by=city.staff_a, text="x")
    assert_service_refuses(
        lambda v: services.task_submit(task=task, by=city.staff_a, expected_version=task.version, note=v),
        st.one_of(oversized(2000), with_control_characters()),
    )


# --- through the pages: 422, the error in Chinese, nothing written -----------------------------------------


@pytest.mark.parametrize(
    "field,values",
    [
        ("text", st.one_of(oversized(4000), with_control_characters())),
        ("percent", out_of_range(0, 100).map(str)),
        ("occurred_on", st.dates(min_value=TODAY() + timedelta(days=1)).map(lambda d: d.isoformat())),
    ],
)
def test_entry_post(client, city, field, values):
    login(client, city.staff_a)
    url = reverse("work:task_entry_add", args=[city.task_a().pk])
    valid = {"text": "学习", "occurred_on": TODAY().isoformat(), "percent": "10"}
    assert_post_refuses(client, url, valid=valid, field=field, values=values)


def test_entry_before_the_campaign_is_refused_on_the_page(client, city):
    login(client, city.staff_a)
    url = reverse("work:task_entry_add", args=[city.task_a().pk])
    early = st.dates(
        max_value=city.campaign.starts_on - timedelta(days=1), min_value=city.campaign.starts_on.replace(year=2000)
    )
    valid = {"text": "学习", "occurred_on": TODAY().isoformat()}
    assert_post_refuses(client, url, valid=valid, field="occurred_on", values=early.map(lambda d: d.isoformat()))


@pytest.mark.parametrize(
    "field,values",
    [
        ("title", st.one_of(oversized(200), with_control_characters())),
        ("due_on", st.dates(min_value=TODAY() + timedelta(days=400)).map(lambda d: d.isoformat())),
    ],
)
def test_self_chosen_task_post(client, city, field, values):
    login(client, city.staff_a)
    url = reverse("work:unit_task_create", args=[city.unit_a.pk])
    valid = {"measure": city.study.pk, "title": "志愿服务", "due_on": TODAY().isoformat()}
    assert_post_refuses(client, url, valid=valid, field=field, values=values)


def test_markup_in_entries_and_titles_is_shown_as_text(client, city):
    login(client, city.staff_a)
    task = city.task_a()
    assert_rendered_inert(
        client,
        post=reverse("work:task_entry_add", args=[task.pk]),
        page=reverse("work:task_detail", args=[task.pk]),
        valid={"occurred_on": TODAY().isoformat()},
        field="text",
    )
    assert_rendered_inert(
        client,
        post=reverse("work:unit_task_create", args=[city.unit_a.pk]),
        page=reverse("work:unit_detail", args=[city.unit_a.pk]),
        valid={"measure": city.study.pk, "due_on": TODAY().isoformat()},
        field="title",
    )
