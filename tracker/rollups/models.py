"""Roll-up tables: the dashboards' counts kept per unit, so a city or a province is a few rows away.

Every count here can be recomputed from tasks, entries and events (`manage.py check_rollups` does
exactly that and reports any difference). Two spans per unit:

* own rows (`subtree=False`): the unit's own tasks. They exist only for units with tasks.
* subtree rows (`subtree=True`): the unit and everything below it, the sum of the own rows of
  its subtree. A city's overview reads the city's subtree row instead of summing 100,000 tasks.

Lights depend on the day and the campaign's thresholds, so the task counts belong to one
`LightRule` (`RollupState.rule_key`) and are rebuilt when it changes (every night); the daily
activity does not depend on it. Writers only note which units changed (`DirtyUnit`, in their own
transaction); `services.rollups_refresh` folds those units in before anything is read.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Campaign, Measure
from tracker.orgs.models import Unit
from tracker.work.lights import percent_expression


class Span(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    subtree = models.BooleanField(default=False)

    COUNTERS: tuple[str, ...] = ()  # summed from own rows into subtree rows
    KEYS: tuple[str, ...] = ()  # columns that, with (campaign, unit, subtree), identify a row
    OWN_ONLY: tuple[str, ...] = ()  # kept on own rows only, as it is no sum

    class Meta:
        abstract = True


class TaskTally(Span):
    """Tasks by status and by today's light."""

    total = models.IntegerField(default=0)
    done = models.IntegerField(default=0)
    submitted = models.IntegerField(default=0)
    red = models.IntegerField(default=0)
    yellow = models.IntegerField(default=0)
    neutral = models.IntegerField(default=0)  # not yet due (a task light; no group is neutral)

    COUNTERS: tuple[str, ...] = ("total", "done", "submitted", "red", "yellow", "neutral")

    class Meta:
        abstract = True


class UnitTally(TaskTally):
    """All of a unit's tasks (own) or its subtree's, with how many units are red, yellow, green."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="unit_tallies")
    open_tasks = models.IntegerField(default=0)
    # Units with tasks whose own light is red/yellow/green: 0 or 1 on an own row, summed above.
    units_red = models.IntegerField(default=0)
    units_yellow = models.IntegerField(default=0)
    units_green = models.IntegerField(default=0)
    # Units with open tasks and no entry for the campaign's stale days (0 or 1 on an own row).
    units_stale = models.IntegerField(default=0)
    # Submitted tasks waiting for review longer than the rule allows (LightRule.review_before).
    waiting = models.IntegerField(default=0)
    # Latest live entry of an own row's tasks (stale units); not kept on subtree rows.
    last_entry_on = models.DateField(null=True, blank=True)
    # Whole percent done (completion_percent), kept by the database: the matrix's ranking and its
    # first page walk an index on it instead of computing and sorting every unit of a province.
    percent = models.GeneratedField(
        expression=percent_expression(models.F("done"), models.F("total")),
        output_field=models.IntegerField(),
        db_persist=True,
    )

    COUNTERS = (
        *TaskTally.COUNTERS,
        "open_tasks",
        "units_red",
        "units_yellow",
        "units_green",
        "units_stale",
        "waiting",
    )
    OWN_ONLY = ("last_entry_on",)

    class Meta:
        verbose_name = _("unit tally")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit", "subtree"], name="unit_tally_one_per_span"),
        ]
        indexes = [models.Index(fields=["campaign", "subtree", "-percent"], name="unit_tally_by_percent")]

    def __str__(self) -> str:
        return f"{self.unit_id} {'subtree' if self.subtree else 'own'}: {self.total}"


class MeasureTally(TaskTally):
    """One measure's tasks of a unit (a cell of the units × measures matrix) or of its subtree."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="measure_tallies")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="tallies")

    KEYS = ("measure_id",)

    class Meta:
        verbose_name = _("measure tally")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "subtree", "measure"], name="measure_tally_one_per_span"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.measure_id} {'subtree' if self.subtree else 'own'}: {self.total}"


class DayTally(Span):
    """What happened on one day: entries dated that day, submissions, tasks accepted as done."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="day_tallies")
    day = models.DateField()
    entries = models.IntegerField(default=0)
    submitted = models.IntegerField(default=0)
    done = models.IntegerField(default=0)

    COUNTERS = ("entries", "submitted", "done")
    KEYS = ("day",)

    class Meta:
        verbose_name = _("day tally")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit", "subtree", "day"], name="day_tally_one_per_span"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {'subtree' if self.subtree else 'own'}: {self.entries}"


class RollupState(models.Model):
    """Which light rule the task tallies were counted with, and when they were last brought up to date."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="+")
    rule_key = models.CharField(max_length=80, blank=True)  # "" = rebuild the task tallies
    days_built = models.BooleanField(default=False)  # False = rebuild the day tallies
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("roll-up state")

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.rule_key or 'to rebuild'}"


class DirtyUnit(models.Model):
    """A unit whose tasks changed since the roll-ups were last refreshed.

    Written in the transaction that changed the task, so a committed change is never missed; plain
    ids, not foreign keys, so a unit deleted in the same transaction leaves no dangling reference.
    Not unique: the refresh deletes exactly the rows it read, and a row written meanwhile stays.
    """

    id = models.BigAutoField(primary_key=True)
    campaign_id = models.BigIntegerField(db_index=True)
    unit_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.unit_id}"


# The tallies whose counts depend on the light rule, and all of them.
TASK_TALLIES = (UnitTally, MeasureTally)
TALLIES = (*TASK_TALLIES, DayTally)
