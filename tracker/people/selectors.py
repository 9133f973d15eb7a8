"""Reads of people and planned research: crowding while planning, the calendar, site burden, leaders."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth

from tracker.campaigns.models import Campaign
from tracker.core.types import AnyUser, User
from tracker.directives.models import Instruction
from tracker.ledgers.models import ResearchTopic, ResearchVisit, StudySession
from tracker.ledgers.text import normalise_key, split_names
from tracker.orgs.models import Role, Unit
from tracker.orgs.scope import scope_for
from tracker.people.models import PlannedVisit, PlanStatus, RosterMember, TaskLeader


@dataclass(frozen=True)
class NearbyPlan:
    """Another unit's plan or visit at the same site within the window, as the planning warning shows it."""

    day: date
    unit_name: str  # always named: coordinating with the other unit is the point of the warning
    leader_name: str  # blank when that unit is outside the user's scope
    planned: bool  # a plan (True) or a visit already made (False)


def plan_crowding(*, plan: PlannedVisit, user: User) -> list[NearbyPlan]:
    """Plans and visits by other units or leaders to this plan's site within the campaign's window."""
    if not plan.site_key or not plan.planned_on:
        return []
    window = timedelta(days=plan.campaign.research_window_days)
    span = (plan.planned_on - window, plan.planned_on + window)
    leader_key = normalise_key(plan.leader_name)
    plans = (
        PlannedVisit.objects.filter(campaign_id=plan.campaign_id, site_key=plan.site_key, planned_on__range=span)
        .filter(status=PlanStatus.PLANNED)
        .select_related("unit")
    )
    if plan.pk:
        plans = plans.exclude(pk=plan.pk)
    visits = ResearchVisit.objects.filter(
        campaign_id=plan.campaign_id, site_key=plan.site_key, visited_on__range=span
    ).select_related("unit")
    scope = scope_for(user)
    found: list[NearbyPlan] = []
    for other in plans:
        if other.unit_id == plan.unit_id and normalise_key(other.leader_name) == leader_key:
            continue
        visible = scope.can_read(other.unit)
        found.append(NearbyPlan(other.planned_on, other.unit.name, other.leader_name if visible else "", True))
    for visit in visits:
        if visit.unit_id == plan.unit_id and visit.leader_key == leader_key:
            continue
        visible = scope.can_read(visit.unit)
        found.append(NearbyPlan(visit.visited_on, visit.unit.name, visit.leader_name if visible else "", False))
    return sorted(found, key=lambda n: (n.day, n.unit_name))


@dataclass
class CalendarDay:
    day: date
    plans: list[PlannedVisit] = field(default_factory=list)
    visits: list[ResearchVisit] = field(default_factory=list)


def research_calendar(*, user: User, campaign: Campaign, start: date, end: date) -> list[CalendarDay]:
    """Planned and recorded visits in the user's scope, day by day from `start` to `end` (two queries)."""
    days = {start + timedelta(days=i): CalendarDay(start + timedelta(days=i)) for i in range((end - start).days + 1)}
    plans: QuerySet[PlannedVisit] = PlannedVisit.objects.for_user(user)
    for plan in plans.filter(
        campaign=campaign, planned_on__range=(start, end), status=PlanStatus.PLANNED
    ).select_related("unit"):
        days[plan.planned_on].plans.append(plan)
    visits: QuerySet[ResearchVisit] = ResearchVisit.objects.for_user(user)
    for visit in visits.filter(campaign=campaign, visited_on__range=(start, end)).select_related("unit"):
        days[visit.visited_on].visits.append(visit)
    return list(days.values())


@dataclass(frozen=True)
class SiteBurden:
    site: str
    months: dict[date, int]
    busiest: int


def site_burden(*, user: User, campaign: Campaign, limit: int = 30) -> list[SiteBurden]:
    """Visits received per month by each grassroots site in scope, the busiest first (two queries)."""
    visits: QuerySet[ResearchVisit] = ResearchVisit.objects.for_user(user)
    counts = (
        visits.filter(campaign=campaign)
        .annotate(month=TruncMonth("visited_on"))
        .order_by()
        .values("site_key", "month")
        .annotate(n=Count("id"))
        .values_list("site_key", "month", "n")
    )
    names = dict(visits.filter(campaign=campaign).order_by().values_list("site_key", "site").distinct())
    per_site: dict[str, dict[date, int]] = defaultdict(dict)
    for key, month, n in counts:
        per_site[key][month] = n
    rows = [SiteBurden(names.get(key, key), months, max(months.values())) for key, months in per_site.items()]
    rows.sort(key=lambda r: (-r.busiest, r.site))
    return rows[:limit]


# ------------------------------------------------------------------------------ leaders who lead


@dataclass
class LeaderRecord:
    """What one leader did: visits led, sessions attended and talks given, topics owned, tasks answered for."""

    member: RosterMember
    visits: list[ResearchVisit] = field(default_factory=list)
    sessions: list[StudySession] = field(default_factory=list)
    talks: int = 0
    topics: list[ResearchTopic] = field(default_factory=list)
    tasks: list[TaskLeader] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)  # 批示 the leader wrote


def leader_records(
    *, members: list[RosterMember], campaign: Campaign, viewer: AnyUser | None = None
) -> list[LeaderRecord]:
    """The record of each leader, in five queries whatever the number of leaders.

    A ledger names a leader as typed: "周明" or "周明（局长）" both count for 周明 of that unit.
    A 批示 counts for the leader whose account holds a leadership-group role at the leader's unit
    under the same name ("陈国强（领导小组）" is 陈国强); with a `viewer`, only the 批示 on units in
    the viewer's scope are listed, so a leader's page never shows another unit's instructions.
    """
    records = {(m.unit_id, m.name_key): LeaderRecord(m) for m in members}
    by_unit: dict[int, list[str]] = defaultdict(list)
    for m in members:
        by_unit[m.unit_id].append(m.name_key)

    def find(unit_id: int, key: str) -> LeaderRecord | None:
        if record := records.get((unit_id, key)):
            return record
        for name_key in by_unit.get(unit_id, ()):
            if len(name_key) >= 2 and key.startswith(name_key):
                return records[(unit_id, name_key)]
        return None

    unit_ids = list(by_unit)
    for visit in ResearchVisit.objects.filter(campaign=campaign, unit_id__in=unit_ids):
        if record := find(visit.unit_id, visit.leader_key):
            record.visits.append(visit)
    for topic in ResearchTopic.objects.filter(campaign=campaign, unit_id__in=unit_ids):
        if record := find(topic.unit_id, normalise_key(topic.leader_name)):
            record.topics.append(topic)
    for session in StudySession.objects.filter(campaign=campaign, unit_id__in=unit_ids):
        attended = {normalise_key(n) for n in split_names(session.attendees)}
        spoke = Counter(normalise_key(n) for n in split_names(session.speakers))
        for key in attended | set(spoke):
            if record := find(session.unit_id, key):
                record.sessions.append(session)
                record.talks += spoke[key]
    for link in TaskLeader.objects.filter(leader__in=members).select_related("task__template", "leader"):
        records[(link.leader.unit_id, link.leader.name_key)].tasks.append(link)
    instructions = Instruction.objects.filter(
        author__role_assignments__role=Role.LEADERSHIP, author__role_assignments__unit_id__in=unit_ids
    )
    if viewer is not None:
        instructions = instructions.for_user(viewer)
    for instruction in instructions.select_related("unit", "author").annotate(
        author_unit=F("author__role_assignments__unit_id")
    ):
        name = normalise_key(instruction.author.get_full_name() or instruction.author.get_username())
        if record := find(instruction.author_unit, name):
            record.instructions.append(instruction)
    return list(records.values())


def leaders_in_scope(*, user: User) -> QuerySet[RosterMember]:
    members: QuerySet[RosterMember] = RosterMember.objects.for_user(user)
    return members.filter(is_leader=True).select_related("unit").order_by("unit__path", "order", "id")


def unit_roster(*, unit: Unit) -> QuerySet[RosterMember]:
    return RosterMember.objects.filter(unit=unit).order_by("-is_leader", "order", "id")


def leaders_who_did_not_speak(*, unit: Unit, campaign: Campaign) -> list[RosterMember]:
    """The criterion "每名班子成员至少作1次交流发言": leadership-team members with no talk recorded yet."""
    members = list(unit_roster(unit=unit).filter(is_leader=True))
    records = leader_records(members=members, campaign=campaign)
    return [record.member for record in records if record.talks == 0]


def named_party_members(*, unit: Unit) -> int:
    return RosterMember.objects.filter(unit=unit).filter(~Q(is_leader=True)).count()


# The participation table lists at most this many leaders (a city has a few thousand units).
PARTICIPATION_SHOWN = 500
