"""Tasks, entries and evidence files through `tracker.work.access`: 404 outside the scope, 403 without the right."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.conftest import assert_probe
from tracker.work import services
from tracker.work.access import access_entry, access_evidence, access_task
from tracker.work.lights import LightRule


def test_access_task(city, caplog):
    task = city.task_a()
    assert access_task(city.staff_a, task.pk, "edit") == task
    assert access_task(city.guide, task.pk, "review") == task
    with pytest.raises(PermissionDenied):
        access_task(city.guide, task.pk, "edit")
    with pytest.raises(PermissionDenied):
        access_task(city.staff_a, task.pk, "review")
    assert_probe(caplog, city.staff_b, lambda: access_task(city.staff_b, task.pk))


def test_access_task_with_a_rule_carries_the_light(city, django_assert_num_queries):
    task = city.task_a()
    rule = LightRule.for_campaign(city.campaign)
    city.staff_a._tracker_scope = None  # count the scope's query too
    with django_assert_num_queries(2):  # the user's scope, the task with all its page needs
        found = access_task(city.staff_a, task.pk, "edit", rule=rule)
        assert found.light and found.unit == city.unit_a and found.campaign == city.campaign


def test_access_entry_finds_deleted_entries_in_scope(city, caplog):
    entry = services.entry_add(task=city.task_a(), by=city.staff_a, text="会议")
    services.entry_delete(entry=entry, by=city.staff_a)
    assert access_entry(city.staff_a, entry.pk) == entry
    with pytest.raises(PermissionDenied):
        access_entry(city.leadership, entry.pk, "edit")
    assert_probe(caplog, city.staff_b, lambda: access_entry(city.staff_b, entry.pk))


def test_access_evidence_of_a_deleted_entry_only_for_the_unit_s_staff(city, caplog, pdf):
    entry = services.entry_add(task=city.task_a(), by=city.staff_a, text="会议", files=[pdf()])
    evidence = entry.evidence.get()
    assert access_evidence(city.guide, evidence.pk) == evidence
    assert_probe(caplog, city.staff_b, lambda: access_evidence(city.staff_b, evidence.pk))
    services.entry_delete(entry=entry, by=city.staff_a)
    assert access_evidence(city.staff_a, evidence.pk) == evidence
    with pytest.raises(Http404):
        access_evidence(city.guide, evidence.pk)
