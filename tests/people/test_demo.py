"""The demo city has rosters, planned visits next week (one crowding), a surveyed deed and every signal."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from tracker.campaigns.models import Campaign
from tracker.insights import selectors as signals
from tracker.ledgers.models import StudySession
from tracker.people.models import PlannedVisit, RosterMember
from tracker.people.selectors import leader_records
from tracker.surveys.models import Survey


def test_demo_people(demo_city, db):
    office = get_user_model().objects.get(username="office")
    campaign = Campaign.objects.get(is_active=True)
    today = timezone.localdate()
    assert RosterMember.objects.filter(unit__code="dongcheng-edu-bureau", is_leader=True).count() == 9
    assert StudySession.objects.filter(expected=9, attendance=8).exists()
    plans = PlannedVisit.objects.filter(planned_on__gt=today)
    assert plans.count() >= 3 and plans.exclude(crowding_reason="").count() == 1
    survey = Survey.objects.get()
    assert survey.responses.count() >= 20
    assert signals.shared_evidence(user=office, campaign=campaign)
    assert signals.similar_entries(user=office, campaign=campaign)
    assert signals.deadline_rush(user=office, campaign=campaign)
    assert signals.stale_visits(user=office, campaign=campaign, today=today)


def test_demo_leader_page_shows_his_instructions(demo_city, db):
    chen = RosterMember.objects.get(unit__code="demo-city", name="陈国强")
    leader = get_user_model().objects.get(username="leader")
    campaign = Campaign.objects.get(is_active=True)
    (record,) = leader_records(members=[chen], campaign=campaign, viewer=leader)
    assert record.instructions and all(i.author == leader for i in record.instructions)
