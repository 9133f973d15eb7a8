"""The reminder ladder: who is reminded of what on a given working day.

Pure reads: `ladder_plan()` turns a campaign's tasks and the role assignments into planned
reminders; the sweep service records them. Each planned reminder names its ladder *step*
(`on_date`), so the same step planned again on a later day is the same row:

- due soon: open, due today or within the campaign's yellow threshold (N working days)
  → owner and unit staff, once per due date;
- overdue: open and past due → owner and unit staff, again every K working days
  (step = the first working day of each K-day period after the due date);
- escalation (督办): overdue for at least `escalate_after_days` working days → the unit's leaders and
  every office whose subtree holds the unit, once per task and due date;
- weekly digest: on the campaign's digest weekday (or the next working day) → unit leaders
  for their unit, offices for their subtree; people who switched digests off are skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model

from tracker.campaigns.models import Campaign
from tracker.core.workdays import add_workdays, next_workday, workdays_between
from tracker.orgs.models import Role, RoleAssignment
from tracker.reminders.models import Kind, ReminderPreference
from tracker.work.lights import LightRule
from tracker.work.models import Task


@dataclass(frozen=True, slots=True)  # millions are planned: no __dict__ per reminder
class Planned:
    recipient_id: int
    kind: str
    key: str
    on_date: date
    campaign_id: int
    unit_id: int
    task_id: int | None = None

    @property
    def identity(self) -> tuple:
        """What the unique constraint sees: the same reminder, however often it is planned."""
        return (self.recipient_id, self.kind, self.key, self.on_date)


@dataclass
class People:
    """Who holds which role where, loaded once per sweep: every active person, with or without e-mail.

    How each one is reached (mail, WeCom, DingTalk, SMS, the bell) is decided when the batch is
    queued (`compose.mails_queue`, `push.batch_push`), not here.
    """

    staff: dict[int, list[int]] = field(default_factory=dict)
    leaders: dict[int, list[int]] = field(default_factory=dict)
    # (subtree path, user id, the office's own unit id)
    offices: list[tuple[str, int, int]] = field(default_factory=list)
    reachable: set[int] = field(default_factory=set)
    no_digest: set[int] = field(default_factory=set)

    @classmethod
    def load(cls) -> People:
        people = cls(staff=defaultdict(list), leaders=defaultdict(list))
        people.reachable = set(get_user_model().objects.filter(is_active=True).values_list("pk", flat=True))
        people.no_digest = set(
            ReminderPreference.objects.filter(receive_digests=False).values_list("user_id", flat=True)
        )
        # Joined, not `user_id IN (every active person)`, and streamed: a province's 112,000
        # people as one IN list and one fetched result took 86 MB of the sweep's memory.
        rows = RoleAssignment.objects.filter(
            role__in=[Role.STAFF, Role.UNIT_LEADER, Role.OFFICE], user__is_active=True
        ).values_list("role", "unit_id", "unit__path", "user_id")
        for role, unit_id, path, user_id in rows.order_by("user_id").iterator(chunk_size=5000):
            if role == Role.STAFF:
                people.staff[unit_id].append(user_id)
            elif role == Role.UNIT_LEADER:
                people.leaders[unit_id].append(user_id)
            else:
                people.offices.append((path, user_id, unit_id))
        return people

    def offices_over(self, unit_path: str) -> list[int]:
        return [user_id for path, user_id, _unit in self.offices if unit_path.startswith(path)]


def digest_week(campaign: Campaign, today: date) -> date | None:
    """The Monday of the week whose digest is due today, if any.

    A week's digest is due from its digest weekday, or the first working day after it when that
    day is a holiday (which may fall in the next week): the latest week already due is the one.
    """
    this_monday = today - timedelta(days=today.weekday())
    for monday in (this_monday, this_monday - timedelta(days=7)):
        if next_workday(monday + timedelta(days=campaign.digest_weekday)) <= today:
            return monday
    return None


# Planned reminders per slice of the sweep: a province plans millions, never held at once.
PLAN_SLICE = 20_000


def ladder_plan(*, campaign: Campaign, today: date, people: People) -> list[Planned]:
    """Every reminder the ladder asks for today in this campaign, one per recipient and step."""
    return [item for part in ladder_slices(campaign=campaign, today=today, people=people) for item in part]


def ladder_slices(
    *, campaign: Campaign, today: date, people: People, size: int = PLAN_SLICE
) -> Iterator[list[Planned]]:
    """`ladder_plan` in slices of about `size` reminders, tasks streamed in tree order.

    A slice ends after a whole task, and a reminder's identity names its task (or, for a digest,
    its unit), so no reminder is planned in two slices; the weekly digests come last.
    """
    rule = LightRule.for_campaign(campaign, today)
    repeat = campaign.overdue_repeat_workdays

    @cache
    def overdue_step(due_on: date) -> date:
        late = max(1, workdays_between(due_on, today))
        return add_workdays(due_on, 1 + (late - 1) // repeat * repeat)

    @cache
    def offices_over(path: str) -> list[int]:
        return people.offices_over(path)

    @cache
    def escalated_on(due_on: date) -> date | None:
        """The escalation step of a task due then, or None while it is not late enough (per due date, once)."""
        if workdays_between(due_on, today) < campaign.escalate_after_days:
            return None
        return add_workdays(due_on, campaign.escalate_after_days)

    planned: dict[tuple, Planned] = {}

    def add(item: Planned) -> None:
        if item.recipient_id in people.reachable:
            planned.setdefault(item.identity, item)

    tasks = (
        Task.objects.filter(campaign=campaign, unit__participates=True)
        .filter(rule.red_q() | rule.due_soon_q())
        .values_list("pk", "unit_id", "unit__path", "owner_id", "due_on")
        .order_by("unit__path", "due_on", "pk")
    )
    for task_id, unit_id, path, owner_id, due_on in tasks.iterator(chunk_size=5000):
        if len(planned) >= size:
            yield list(planned.values())
            planned.clear()
        key = f"task:{task_id}"
        doers = people.staff.get(unit_id, [])
        if owner_id is not None:
            doers = [owner_id, *doers]
        base: dict[str, Any] = {"key": key, "campaign_id": campaign.pk, "unit_id": unit_id, "task_id": task_id}
        if due_on >= today:
            for user_id in doers:
                add(Planned(recipient_id=user_id, kind=Kind.DUE_SOON, on_date=due_on, **base))
            continue
        step = overdue_step(due_on)
        for user_id in doers:
            add(Planned(recipient_id=user_id, kind=Kind.OVERDUE, on_date=step, **base))
        escalation = escalated_on(due_on)
        if escalation is not None:
            for user_id in [*people.leaders.get(unit_id, []), *offices_over(path)]:
                add(Planned(recipient_id=user_id, kind=Kind.ESCALATION, on_date=escalation, **base))

    if planned:
        yield list(planned.values())
        planned.clear()
    week = digest_week(campaign, today)
    if week is not None:
        # Sliced too: a province's leaders and offices have 50,000 digests a week.
        digests = [
            (user_id, f"c{campaign.pk}:digest:unit:{unit_id}", unit_id)
            for unit_id, leaders in people.leaders.items()
            for user_id in leaders
        ]
        digests += [
            (user_id, f"c{campaign.pk}:digest:office:{unit_id}", unit_id) for _p, user_id, unit_id in people.offices
        ]
        for user_id, key, unit_id in digests:
            if len(planned) >= size:
                yield list(planned.values())
                planned.clear()
            if user_id not in people.no_digest:
                add(
                    Planned(
                        recipient_id=user_id,
                        kind=Kind.DIGEST,
                        key=key,
                        on_date=week,
                        campaign_id=campaign.pk,
                        unit_id=unit_id,
                    )
                )
    if planned:
        yield list(planned.values())
