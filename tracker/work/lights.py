"""Traffic lights (红黄绿灯): the one rule, evaluated in the database.

Every page that shows a light annotates its queryset with `LightRule.expression()`, so a task's
light is the same wherever it appears and roll-ups can aggregate it in SQL. Groups of tasks (a
unit, a measure, a subtree, one cell of the units × measures matrix) get their counts, completion
and light from `LightRule.tally()`, so the unit list, the unit page, the dashboards and the
exports all show the same numbers for the same unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import Case, Count, Expression, IntegerField, Q, Value, When
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Campaign
from tracker.core.workdays import add_workdays, is_workday

# Done, or handed in and waiting for the reviewer: never red or yellow for the unit.
CLOSED_STATUSES = ("done", "submitted")


class Light(models.TextChoices):
    RED = "red", _("Red")
    YELLOW = "yellow", _("Yellow")
    GREEN = "green", _("Green")


def _workdays_back(today: date, workdays: int) -> datetime:
    """Midnight (local time) of the working day `workdays` working days before `today`."""
    day, remaining = today, workdays
    while remaining > 0:
        day -= timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return timezone.make_aware(datetime.combine(day, time.min))


def completion_percent(done: int, total: int) -> int:
    """Whole percent of tasks done, rounded down: 100 % only when every task is done.

    The same integer division as `percent_expression`, so Python and SQL never disagree.
    """
    return 100 * done // total if total else 0


def percent_expression(done: Expression, total: Expression) -> Case:
    # Integer division on both PostgreSQL and SQLite: floors like completion_percent().
    return Case(
        When(GreaterThan(total, 0), then=Value(100) * done / total),
        default=Value(0),
        output_field=IntegerField(),
    )


def light_rank(field: str) -> Case:
    """Sort key for a light column: red first, then yellow, then green."""
    return Case(
        When(**{field: Light.RED}, then=Value(0)),
        When(**{field: Light.YELLOW}, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class LightRule:
    """The traffic-light rule of one campaign on one day.

    red: overdue and not done; yellow: due within N working days, or no entry for M days;
    green: done, or on track. A task awaiting review counts as green: the unit has done its
    part, and a late review must not turn the unit red.
    """

    today: date
    yellow_due_by: date
    stale_before: date
    group_red_percent: int = 10
    # Submissions older than this have waited more than the campaign's due-soon working days.
    review_before: datetime | None = None

    @classmethod
    def for_campaign(cls, campaign: Campaign, today: date | None = None) -> LightRule:
        today = today or timezone.localdate()
        return cls(
            today=today,
            yellow_due_by=add_workdays(today, campaign.yellow_due_workdays),
            stale_before=today - timedelta(days=campaign.stale_days),
            group_red_percent=campaign.group_red_percent,
            review_before=_workdays_back(today, campaign.yellow_due_workdays),
        )

    def closed_q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}status__in": CLOSED_STATUSES})

    def red_q(self, prefix: str = "") -> Q:
        return ~self.closed_q(prefix) & Q(**{f"{prefix}due_on__lt": self.today})

    def yellow_q(self, prefix: str = "") -> Q:
        due_soon = Q(**{f"{prefix}due_on__lte": self.yellow_due_by})
        stale = Q(**{f"{prefix}last_activity_on__lt": self.stale_before})
        return ~self.closed_q(prefix) & ~self.red_q(prefix) & (due_soon | stale)

    def due_soon_q(self, prefix: str = "") -> Q:
        """Open and due today or within N working days: the due-date half of yellow (the "due soon" reminder)."""
        window = Q(**{f"{prefix}due_on__gte": self.today, f"{prefix}due_on__lte": self.yellow_due_by})
        return ~self.closed_q(prefix) & window

    def expression(self, prefix: str = "") -> Case:
        """The light of each row as a SQL CASE; the Q methods above are its branches."""
        return Case(
            When(self.closed_q(prefix), then=Value(Light.GREEN)),
            When(self.red_q(prefix), then=Value(Light.RED)),
            When(self.yellow_q(prefix), then=Value(Light.YELLOW)),
            default=Value(Light.GREEN),
            output_field=models.CharField(max_length=6),
        )

    def rollup_expression(self, red: Expression, yellow: Expression, total: Expression) -> Case:
        """A group's light from its tasks' lights.

        Red when at least `group_red_percent` % of its tasks are red; else yellow when any task is
        red or yellow (something is late or close to it); else green. A group without tasks is
        green, as nothing in it is late. With one overdue task among fifty a unit is yellow, so
        red still singles out the units that are really behind.
        """
        return Case(
            When(
                GreaterThan(red, 0) & GreaterThanOrEqual(red * Value(100), total * Value(self.group_red_percent)),
                then=Value(Light.RED),
            ),
            When(GreaterThan(red, 0), then=Value(Light.YELLOW)),
            When(GreaterThan(yellow, 0), then=Value(Light.YELLOW)),
            default=Value(Light.GREEN),
            output_field=models.CharField(max_length=6),
        )

    def tally(self, prefix: str = "", within: Q | None = None, name: str = "task") -> dict[str, Expression]:
        """Conditional aggregates that roll a group's tasks up, for `annotate()` or `aggregate()`.

        `prefix` leads from the grouped model to Task ("tasks__" from Unit or Measure, "" on a
        Task queryset); `within` narrows the tasks counted (a campaign, one measure of a matrix
        cell). Keys: `<name>_total`, `_done`, `_submitted`, `_red`, `_yellow`, `_percent`
        (completion_percent) and `_light` (rollup_expression).
        """
        within = within or Q()
        pk = f"{prefix}id"

        def count(q: Q | None = None) -> Count:
            return Count(pk, filter=within & q if q is not None else within or None)

        total = count()
        done = count(Q(**{f"{prefix}status": "done"}))
        red = count(self.red_q(prefix))
        yellow = count(self.yellow_q(prefix))
        return {
            f"{name}_total": total,
            f"{name}_done": done,
            f"{name}_submitted": count(Q(**{f"{prefix}status": "submitted"})),
            f"{name}_red": red,
            f"{name}_yellow": yellow,
            f"{name}_percent": percent_expression(done, total),
            f"{name}_light": self.rollup_expression(red, yellow, total),
        }
