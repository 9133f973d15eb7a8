"""Briefings: only the office and the leadership group ask for one, in the service as on the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from tests.conftest import assert_probe
from tracker.briefings import services
from tracker.briefings.access import access_briefing_job
from tracker.briefings.models import BriefingJob


def _ask(city, user) -> BriefingJob:
    today = timezone.localdate()
    return services.briefing_job_create(
        by=user, campaign=city.campaign, starts_on=today - timedelta(days=6), ends_on=today, language="zh-hans"
    )


@pytest.mark.parametrize("role", ["staff_a", "leader_a", "guide"])
def test_briefing_job_create_refuses_who_may_not_ask(city, role, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PermissionDenied):
        _ask(city, getattr(city, role))
    assert not BriefingJob.objects.exists() and not callbacks


@pytest.mark.parametrize("role", ["office_city", "office_east", "leadership"])
def test_briefing_job_create_for_the_office_and_leadership(city, role, monkeypatch):
    monkeypatch.setattr(services, "_dispatch", lambda job_id: None)
    assert _ask(city, getattr(city, role)).created_by == getattr(city, role)


def test_access_briefing_job(city, caplog, monkeypatch):
    monkeypatch.setattr(services, "_dispatch", lambda job_id: None)
    job = _ask(city, city.office_city)
    assert access_briefing_job(city.office_city, job.pk) == job
    with pytest.raises(Http404):
        access_briefing_job(city.staff_a, job.pk)  # no dashboards: as if the page did not exist
    for user in (city.guide, city.leader_a):
        with pytest.raises(PermissionDenied):
            access_briefing_job(user, job.pk)
    assert_probe(caplog, city.leadership, lambda: access_briefing_job(city.leadership, job.pk))
