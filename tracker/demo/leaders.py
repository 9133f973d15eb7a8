"""Demo data for the leaders' pages: the leadership group on the city's roster, so the 批示 the
`leader` account writes (tracker/demo/directives.py) show on 陈国强's page and in the
participation table. Once only, through the roster import as real input."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from tracker.orgs.models import Unit
from tracker.people import services as people
from tracker.people.models import RosterMember

CITY = "demo-city"
TEAM = [("陈国强", "领导小组组长"), ("周立平", "领导小组副组长")]


def demo_leadership_roster() -> bool:
    city = Unit.objects.filter(code=CITY).first()
    if city is None or RosterMember.objects.filter(unit=city).exists():
        return False
    office = get_user_model().objects.get(username="office")
    lines = [people.RosterLine(i, CITY, name, post, True) for i, (name, post) in enumerate(TEAM, start=2)]
    people.roster_import(by=office, lines=lines)
    return True
