"""Planned research: the crowding guard warns while planning, naming the other unit; the calendar;
another date suggested; the plan becomes the visit record without retyping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login
from tests.factories import make_ledger_row
from tracker.ledgers.models import ResearchVisit
from tracker.people import services
from tracker.people.models import PlannedVisit, PlanStatus


def plan(city, unit, user, *, days=3, site="城关街道第一社区", leader="王局长", **kwargs):
    return services.planned_visit_create(
        unit=unit,
        campaign=city.campaign,
        by=user,
        site=site,
        planned_on=timezone.localdate() + timedelta(days=days),
        leader_name=leader,
        **kwargs,
    )


def test_planning_where_another_unit_plans_that_week_warns_with_its_name(client, city):
    plan(city, city.unit_b, city.staff_b, days=2, leader="李处长")
    login(client, city.staff_a)
    url = reverse("people:plans", args=[city.unit_a.pk])
    data = {
        "site": "城关街道 第一社区",
        "planned_on": (timezone.localdate() + timedelta(days=4)).isoformat(),
        "leader_name": "王局长",
    }
    warned = client.post(url, data)
    assert warned.status_code == 409
    html = warned.content.decode()
    assert "UnitB" in html and "李处长" not in html  # the unit is named; its people only to those who see it
    assert not PlannedVisit.objects.filter(unit=city.unit_a).exists()
    # "Plan anyway" without a reason is refused beside the reason; with one it is kept.
    assert client.post(url, {**data, "confirm_crowding": "on"}).status_code == 409
    kept = client.post(url, {**data, "confirm_crowding": "on", "crowding_reason": "上级交办，时间不能改"})
    assert kept.status_code == 302
    assert PlannedVisit.objects.get(unit=city.unit_a).crowding_reason == "上级交办，时间不能改"


def test_a_visit_already_made_there_warns_too(city):
    make_ledger_row("visits", unit=city.unit_b, by=city.staff_b, site="城关街道第一社区", leader_name="李处长")
    with pytest.raises(services.PlanCrowded) as caught:
        plan(city, city.unit_a, city.staff_a)
    (nearby,) = caught.value.nearby
    assert nearby.unit_name == "UnitB" and not nearby.planned


def test_no_warning_for_another_site_or_the_same_leaders_second_plan(city):
    plan(city, city.unit_b, city.staff_b, site="别处")
    plan(city, city.unit_a, city.staff_a)
    plan(city, city.unit_a, city.staff_a, days=5)  # the same leader of the same unit


def test_a_plan_becomes_the_visit_record(client, city):
    planned = plan(city, city.unit_a, city.staff_a, days=0, purpose="了解加装电梯进展")
    login(client, city.staff_a)
    response = client.post(
        reverse("people:plan_record", args=[planned.pk]),
        {"version": planned.version, "visited_on": timezone.localdate().isoformat(), "findings": "群众反映良好"},
    )
    visit = ResearchVisit.objects.get(unit=city.unit_a)
    assert response.url == visit.get_absolute_url()
    assert (visit.site, visit.leader_name, visit.findings) == ("城关街道第一社区", "王局长", "群众反映良好")
    planned.refresh_from_db()
    assert planned.status == PlanStatus.DONE and planned.visit == visit
    # Recorded once: a second try is refused and makes no second visit.
    client.post(
        reverse("people:plan_record", args=[planned.pk]),
        {"version": planned.version, "visited_on": timezone.localdate().isoformat()},
    )
    assert ResearchVisit.objects.filter(unit=city.unit_a).count() == 1


def test_office_suggests_another_date_from_the_calendar(client, city):
    planned = plan(city, city.unit_a, city.staff_a)
    login(client, city.office_east)
    page = client.get(reverse("people:calendar"), {"day": planned.planned_on.isoformat()})
    assert "城关街道第一社区" in page.content.decode()
    later = planned.planned_on + timedelta(days=7)
    client.post(
        reverse("people:plan_suggest", args=[planned.pk]),
        {
            "version": planned.version,
            "suggested_on": later.isoformat(),
            "note": "避开检查周",
            "next": "/research/calendar/",
        },
    )
    planned.refresh_from_db()
    assert (planned.suggested_on, planned.suggestion_note) == (later, "避开检查周")
    month = client.get(reverse("people:calendar"), {"view": "month", "day": planned.planned_on.isoformat()})
    assert month.context["view"] == "month"


def test_calendar_and_burden_queries_do_not_grow(client, city, django_assert_num_queries):
    login(client, city.office_city)
    for n in range(3):
        plan(city, city.unit_a, city.staff_a, site=f"社区{n}")
        make_ledger_row("visits", unit=city.unit_a, by=city.staff_a, site=f"社区{n}")
        # session, user, roles, campaign, plans, visits, burden counts, site names
        with django_assert_num_queries(8):
            response = client.get(reverse("people:calendar"))
    assert len(response.context["burden"]) == 3


def test_unit_plans_and_roster_queries_do_not_grow(client, city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tracker.people.models import RosterMember

    login(client, city.staff_a)
    counts = set()
    for n in range(3):
        plan(city, city.unit_a, city.staff_a, site=f"社区{n}")
        RosterMember.objects.create(unit=city.unit_a, name=f"成员{n}", is_leader=True)
        with CaptureQueriesContext(connection) as plans_page:
            assert client.get(reverse("people:plans", args=[city.unit_a.pk])).status_code == 200
        with CaptureQueriesContext(connection) as roster_page:
            assert client.get(reverse("people:roster", args=[city.unit_a.pk])).status_code == 200
        counts.add((len(plans_page), len(roster_page)))
    assert len(counts) == 1, counts
