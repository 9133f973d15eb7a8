"""Two campaigns or batches side by side: completion by measure, on-time share, lights.

A side is a campaign, or one batch of a campaign (the units in that batch). Each side is one
grouped query over its tasks in the user's scope (plus one for the sides offered), so the
page's query count does not grow with units, tasks or measures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from tracker.campaigns.models import Batch, Campaign, Measure
from tracker.core.types import User
from tracker.work.lights import LightRule, completion_percent
from tracker.work.models import EventKind, Task, TaskEvent, TaskStatus


@dataclass(frozen=True)
class Side:
    """What can be compared: "c<id>" is a whole campaign, "b<id>" one batch of it."""

    key: str
    campaign: Campaign
    batch: Batch | None = None

    @property
    def label(self) -> str:
        return f"{self.campaign.name} · {self.batch.name}" if self.batch else self.campaign.name


@dataclass
class Line:
    """One measure's (or the total's) numbers on one side."""

    total: int = 0
    done: int = 0
    due: int = 0
    on_time: int = 0
    red: int = 0
    yellow: int = 0
    green: int = 0
    neutral: int = 0

    @property
    def percent(self) -> int:
        return completion_percent(self.done, self.total)

    @property
    def on_time_percent(self) -> int | None:
        """Share of the tasks due by now (or by the campaign's end) that were done by their due date."""
        return completion_percent(self.on_time, self.due) if self.due else None

    def add(self, other: Line) -> None:
        for name in ("total", "done", "due", "on_time", "red", "yellow", "green", "neutral"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Comparison:
    sides: list[Side]
    measures: list[Measure]
    # measure id → one Line per side; `totals` one Line per side
    lines: dict[int, list[Line]] = field(default_factory=dict)
    totals: list[Line] = field(default_factory=list)

    def rows(self) -> list[tuple[Measure, list[Line]]]:
        return [(m, self.lines[m.pk]) for m in self.measures]


def side_options() -> list[Side]:
    """Every campaign and each of its batches, newest first (one query)."""
    options: list[Side] = []
    campaigns = Campaign.objects.prefetch_related("batches").order_by("-starts_on")
    for campaign in campaigns:
        options.append(Side(key=f"c{campaign.pk}", campaign=campaign))
        options.extend(Side(key=f"b{b.pk}", campaign=campaign, batch=b) for b in campaign.batches.all())
    return options


def side_for(key: str, options: list[Side]) -> Side | None:
    return next((side for side in options if side.key == key), None)


def _line(row: Mapping[str, Any]) -> Line:
    return Line(
        total=row["total"],
        done=row["done"],
        due=row["due"],
        on_time=row["on_time"],
        red=row["red"],
        yellow=row["yellow"],
        green=row["total"] - row["red"] - row["yellow"] - row["neutral"],
        neutral=row["neutral"],
    )


def _side_lines(*, user: User, side: Side, today: date) -> dict[int, Line]:
    campaign = side.campaign
    # A closed campaign's lights stay as they were on the day it closed: its final numbers.
    rule = LightRule.for_campaign(campaign, today=min(today, campaign.closed_on) if campaign.closed_on else today)
    until = min(rule.today, campaign.ends_on)
    tasks = Task.objects.for_user(user).filter(campaign=campaign)
    if side.batch is not None:
        tasks = tasks.filter(unit__participations__campaign=campaign, unit__participations__batch=side.batch)
    accepted_in_time = Exists(
        TaskEvent.objects.filter(task=OuterRef("pk"), kind=EventKind.ACCEPTED, created_at__date__lte=OuterRef("due_on"))
    )
    tally = rule.tally()
    rows = (
        tasks.order_by()
        .values("measure_id")
        .annotate(
            total=tally["task_total"],
            done=tally["task_done"],
            red=tally["task_red"],
            yellow=tally["task_yellow"],
            neutral=tally["task_neutral"],
            due=Count("id", filter=Q(due_on__lte=until)),
            on_time=Count("id", filter=Q(due_on__lte=until, status=TaskStatus.DONE) & Q(accepted_in_time)),
        )
    )
    return {row["measure_id"]: _line(row) for row in rows}


def comparison(*, user: User, sides: list[Side], today: date) -> Comparison:
    """The sides' numbers by measure in the user's scope; a measure missing on one side counts zero there."""
    per_side = [_side_lines(user=user, side=side, today=today) for side in sides]
    measure_ids = set().union(*per_side) if per_side else set()
    result = Comparison(
        sides=sides, measures=list(Measure.objects.filter(pk__in=measure_ids).order_by("order", "code"))
    )
    result.totals = [Line() for _ in sides]
    for measure in result.measures:
        result.lines[measure.pk] = [lines.get(measure.pk, Line()) for lines in per_side]
        for total, line in zip(result.totals, result.lines[measure.pk], strict=True):
            total.add(line)
    return result
