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
from django.db.models import Case, Count, Expression, F, IntegerField, Q, Value, When
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Campaign
from tracker.core.workdays import add_workdays

# Done, or handed in and waiting for the reviewer: never red or yellow for the unit.
CLOSED_STATUSES = ("done", "submitted")
# Not started: no entry yet (the entry service moves a task to in progress with its first entry).
UNTOUCHED_STATUS = "todo"


class Light(models.TextChoices):
    RED = "red", _("Red")
    YELLOW = "yellow", _("Yellow")
    NEUTRAL = "neutral", _("Not yet due")
    GREEN = "green", _("Green")


# A group (unit, measure, cell) is red, yellow or green; only a single task can be "not yet due".
GROUP_LIGHTS = (Light.RED, Light.YELLOW, Light.GREEN)


@dataclass(frozen=True)
class LegendLine:
    light: Light
    text: str | Promise  # a lazy translation, rendered in the language of the page


def light_legend(campaign: Campaign) -> list[LegendLine]:
    """What each light means under this campaign's thresholds, in the words of `LightRule` below.

    Every page that shows lights prints this (the `{% light_legend %}` tag), so the legend cannot
    drift from the rule or from what the office set.
    """
    days, stale = campaign.yellow_due_workdays, campaign.stale_days
    return [
        LegendLine(Light.RED, _("Red: overdue and not done.")),
        LegendLine(
            Light.YELLOW,
            _("Yellow: due within %(days)s working days, or started and then no entry for %(stale)s days.")
            % {"days": days, "stale": stale},
        ),
        LegendLine(
            Light.NEUTRAL,
            _("Not yet due: nothing recorded yet, and not due within %(days)s working days.") % {"days": days},
        ),
        LegendLine(Light.GREEN, _("Green: done, awaiting review, or in progress and on track.")),
    ]


def group_legend(campaign: Campaign) -> str:
    """How a unit's or a measure's light rolls up from its tasks (`LightRule.rollup_expression`)."""
    return _(
        "A unit or measure is red when at least %(percent)s%% of its tasks are red, yellow when any of its "
        "tasks is red or yellow, and green otherwise; tasks not yet due leave it green."
    ) % {"percent": campaign.group_red_percent}


def completion_percent(done: int, total: int) -> int:
    """Whole percent of tasks done, rounded down: 100 % only when every task is done.

    The same integer division as `percent_expression`, so Python and SQL never disagree.
    """
    return 100 * done // total if total else 0


def percent_expression(done: Expression | F, total: Expression | F) -> Case:
    # Integer division on both PostgreSQL and SQLite: floors like completion_percent().
    return Case(
        When(GreaterThan(total, 0), then=Value(100) * done / total),
        default=Value(0),
        output_field=IntegerField(),
    )


def light_rank(field: str) -> Case:
    """Sort key for a light column: red first, then yellow, then not yet due, then green."""
    return Case(
        When(**{field: Light.RED}, then=Value(0)),
        When(**{field: Light.YELLOW}, then=Value(1)),
        When(**{field: Light.NEUTRAL}, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class LightRule:
    """The traffic light of a task, for one campaign on one day.

    red: overdue and not done; yellow: due within N working days, or started and then no entry for
    M days (counted from the later of its last entry and its period's start); not yet due
    (neutral): nothing recorded yet and not due within N working days, so nothing is asked of the
    unit today; green: done, or in progress and on track. A task awaiting review
    counts as green: the unit has done its part, and a late review must not turn the unit red.
    """

    today: date
    yellow_due_by: date
    stale_before: date
    group_red_percent: int = 10
    # Submissions older than this have waited more than the campaign's due-soon working days.
    review_before: datetime | None = None
    # Nothing is stale before the campaign has run for M days (None: no campaign start known).
    starts_on: date | None = None
    # The thresholds as the office set them, for the legend.
    due_workdays: int = 3
    stale_days: int = 14

    @classmethod
    def for_campaign(cls, campaign: Campaign, today: date | None = None) -> LightRule:
        today = today or timezone.localdate()
        return cls(
            today=today,
            yellow_due_by=add_workdays(today, campaign.yellow_due_workdays),
            stale_before=today - timedelta(days=campaign.stale_days),
            group_red_percent=campaign.group_red_percent,
            review_before=timezone.make_aware(
                datetime.combine(add_workdays(today, -campaign.yellow_due_workdays), time.min)
            ),
            starts_on=campaign.starts_on,
            due_workdays=campaign.yellow_due_workdays,
            stale_days=campaign.stale_days,
        )

    def closed_q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}status__in": CLOSED_STATUSES})

    def red_q(self, prefix: str = "") -> Q:
        return ~self.closed_q(prefix) & Q(**{f"{prefix}due_on__lt": self.today})

    def stale_q(self, prefix: str = "") -> Q | None:
        """Started, then no entry for M days, counted from when the task became active (its period's
        start); None when no task can be stale yet. An untouched task is not stale: until it is
        due soon it is "not yet due"."""
        if self.starts_on is not None and self.starts_on >= self.stale_before:
            return None
        period_started = Q(**{f"{prefix}period_starts_on__isnull": True}) | Q(
            **{f"{prefix}period_starts_on__lt": self.stale_before}
        )
        started = ~Q(**{f"{prefix}status": UNTOUCHED_STATUS})
        return started & Q(**{f"{prefix}last_activity_on__lt": self.stale_before}) & period_started

    def yellow_q(self, prefix: str = "") -> Q:
        attention = Q(**{f"{prefix}due_on__lte": self.yellow_due_by})
        stale = self.stale_q(prefix)
        if stale is not None:
            attention |= stale
        return ~self.closed_q(prefix) & ~self.red_q(prefix) & attention

    def neutral_q(self, prefix: str = "") -> Q:
        """Not started and nothing asked of it yet: neither red nor yellow."""
        return Q(**{f"{prefix}status": UNTOUCHED_STATUS}) & ~self.red_q(prefix) & ~self.yellow_q(prefix)

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
            When(Q(**{f"{prefix}status": UNTOUCHED_STATUS}), then=Value(Light.NEUTRAL)),
            default=Value(Light.GREEN),
            output_field=models.CharField(max_length=7),
        )

    def rollup_expression(self, red: Expression, yellow: Expression, total: Expression) -> Case:
        """A group's light from its tasks' lights.

        Red when at least `group_red_percent` % of its tasks are red; else yellow when any task is
        red or yellow (something is late or close to it); else green. A group without tasks is
        green, as nothing in it is late. With one overdue task among fifty a unit is yellow, so
        red still singles out the units that are really behind. Tasks not yet due leave a group
        green: nothing is asked of them yet.
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

    def group_light(self, red: int, yellow: int, total: int) -> str:
        """`rollup_expression` for counts already read (a roll-up row summed in Python): the same rule."""
        if red > 0 and red * 100 >= total * self.group_red_percent:
            return Light.RED
        if red > 0 or yellow > 0:
            return Light.YELLOW
        return Light.GREEN

    def tally(self, prefix: str = "", within: Q | None = None, name: str = "task") -> dict[str, Expression]:
        """Conditional aggregates that roll a group's tasks up, for `annotate()` or `aggregate()`.

        `prefix` leads from the grouped model to Task ("tasks__" from Unit or Measure, "" on a
        Task queryset); `within` narrows the tasks counted (a campaign, one measure of a matrix
        cell). Keys: `<name>_total`, `_done`, `_submitted`, `_red`, `_yellow`, `_neutral`,
        `_percent` (completion_percent) and `_light` (rollup_expression).
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
            f"{name}_neutral": count(self.neutral_q(prefix)),
            f"{name}_percent": percent_expression(done, total),
            f"{name}_light": self.rollup_expression(red, yellow, total),
        }
