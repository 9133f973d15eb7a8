"""Rectification items, their milestones and conversion-list follow-ups on the reminder ladder.

The same steps as the tasks' ladder (`ladder.py`), with the campaign's own thresholds:

- due soon: open and due today or within the campaign's yellow threshold (N working days)
  → the unit's staff and leaders, once per due date;
- overdue: open and past due → the unit's staff and leaders, again every K working days;
- 督办: overdue for at least `escalate_after_days` working days → the unit's leaders and every
  office whose subtree holds the unit, once per due date (pushed in quiet hours when the campaign
  lets 督办 through).

"Open" is a rectification item being fixed or returned (one waiting for close-out waits for its
verifier, not the unit), a milestone not reached of such an item, a conversion item not done
(its 跟踪问效、督查回访 are due by its deadline). Each reminder is one notification item per person,
row and step (`notify()`'s unique key), so a second sweep the same day adds nothing; mail is one
of the person's channels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import islice
from typing import Any

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Campaign, Ledger
from tracker.core.workdays import add_workdays, workdays_between
from tracker.ledgers.models import (
    RECTIFICATION_OPEN,
    ConversionItem,
    ProgressStatus,
    RectificationItem,
    RectificationMilestone,
)
from tracker.notify.models import Item
from tracker.notify.services import Note, notify_each
from tracker.reminders.ladder import People
from tracker.reminders.models import Kind

TITLE_CHARS = 60
ROW_CHUNK = 2000  # open ledger rows read per round trip
STEP_CHUNK = 2000  # steps whose earlier items are read in one query


@dataclass(frozen=True)
class Due:
    """One open ledger row with a date the unit must meet."""

    what: str  # rectification | milestone | conversion
    pk: int
    unit_id: int
    unit_path: str
    unit_name: str
    title: str
    due_on: date
    url: str


@dataclass(frozen=True)
class Step:
    kind: str
    key: str
    step: str
    recipients: tuple[int, ...]
    row: Due
    urgent: bool


SUBJECTS: dict[tuple[str, str], Any] = {  # lazy strings, rendered per recipient
    ("rectification", Kind.DUE_SOON): _("Rectification item due on {date}: {title}"),
    ("rectification", Kind.OVERDUE): _("Rectification item overdue since {date}: {title}"),
    ("rectification", Kind.ESCALATION): _("督办: {unit}'s rectification item overdue since {date}: {title}"),
    ("milestone", Kind.DUE_SOON): _("Rectification milestone due on {date}: {title}"),
    ("milestone", Kind.OVERDUE): _("Rectification milestone overdue since {date}: {title}"),
    ("milestone", Kind.ESCALATION): _("督办: {unit}'s rectification milestone overdue since {date}: {title}"),
    ("conversion", Kind.DUE_SOON): _("Conversion follow-up due on {date}: {title}"),
    ("conversion", Kind.OVERDUE): _("Conversion follow-up overdue since {date}: {title}"),
    ("conversion", Kind.ESCALATION): _("督办: {unit}'s conversion follow-up overdue since {date}: {title}"),
}

BODY = _("{unit}: {title} (deadline {date})")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


def open_rows(*, campaign: Campaign, until: date) -> Iterator[Due]:
    """Every open row of the campaign due by `until` (overdue ones included)."""
    rect_url = reverse("ledgers:row_detail", args=[Ledger.RECTIFICATION, 0]).replace("/0/", "/{}/")
    conv_url = reverse("ledgers:row_detail", args=[Ledger.CONVERSION, 0]).replace("/0/", "/{}/")
    unit = ("unit_id", "unit__path", "unit__name")
    items = RectificationItem.objects.filter(campaign=campaign, status__in=RECTIFICATION_OPEN, deadline__lte=until)
    # Streamed (a province holds over a million open rows): nothing here is kept beyond a chunk.
    rows = items.values_list("pk", *unit, "problem", "deadline").order_by("pk")
    for pk, unit_id, path, name, problem, due in rows.iterator(chunk_size=ROW_CHUNK):
        yield Due("rectification", pk, unit_id, path, name, _short(problem), due, rect_url.format(pk))
    milestones = RectificationMilestone.objects.filter(
        item__campaign=campaign,
        item__status__in=RECTIFICATION_OPEN,
        item__deleted_at__isnull=True,
        reached_on__isnull=True,
        due_on__lte=until,
    )
    for pk, item_id, unit_id, path, name, title, due in (
        milestones.values_list(
            "pk", "item_id", "item__unit_id", "item__unit__path", "item__unit__name", "title", "due_on"
        )
        .order_by("pk")
        .iterator(chunk_size=ROW_CHUNK)
    ):
        yield Due("milestone", pk, unit_id, path, name, _short(title), due, rect_url.format(item_id))
    conversions = ConversionItem.objects.filter(campaign=campaign, due_on__lte=until).exclude(
        status=ProgressStatus.DONE
    )
    conversion_rows = conversions.values_list("pk", *unit, "title", "due_on").order_by("pk")
    for pk, unit_id, path, name, title, due in conversion_rows.iterator(chunk_size=ROW_CHUNK):
        yield Due("conversion", pk, unit_id, path, name, _short(title), due, conv_url.format(pk))


def ledger_steps(*, campaign: Campaign, today: date, people: People) -> Iterator[Step]:
    """The ladder's steps due today for the campaign's open ledger rows, as a stream (pure reads)."""
    repeat = campaign.overdue_repeat_workdays

    @cache
    def overdue_step(due_on: date) -> date:
        late = max(1, workdays_between(due_on, today))
        return add_workdays(due_on, 1 + (late - 1) // repeat * repeat)

    def reachable(ids: list[int]) -> tuple[int, ...]:
        return tuple(sorted({uid for uid in ids if uid in people.reachable}))

    for row in open_rows(campaign=campaign, until=add_workdays(today, campaign.yellow_due_workdays)):
        key = f"{row.what}:{row.pk}"
        unit_people = reachable([*people.staff.get(row.unit_id, []), *people.leaders.get(row.unit_id, [])])
        if row.due_on >= today:
            steps = [Step(Kind.DUE_SOON, key, row.due_on.isoformat(), unit_people, row, False)]
        else:
            steps = [Step(Kind.OVERDUE, key, overdue_step(row.due_on).isoformat(), unit_people, row, False)]
            if workdays_between(row.due_on, today) >= campaign.escalate_after_days:
                above = reachable([*people.leaders.get(row.unit_id, []), *people.offices_over(row.unit_path)])
                urgent = campaign.escalation_ignores_quiet_hours
                steps.append(Step(Kind.ESCALATION, key, row.due_on.isoformat(), above, row, urgent))
        yield from (step for step in steps if step.recipients)


def ledger_reminders_notify(*, campaign: Campaign, today: date, people: People) -> int:
    """Notify today's new ledger reminders of one campaign; returns how many items were new.

    Call inside the sweep's transaction. The steps are read as a stream, STEP_CHUNK at a time; what
    earlier sweeps notified for a chunk is read in one query and skipped, so a daily re-run costs a
    query per chunk, not one per row, and memory does not grow with the number of open rows.
    """
    steps = ledger_steps(campaign=campaign, today=today, people=people)

    def notes() -> Iterator[Note]:
        while chunk := list(islice(steps, STEP_CHUNK)):
            done = set(
                Item.objects.filter(key__in={s.key for s in chunk}, kind__in={s.kind for s in chunk})
                .order_by()
                .values_list("recipient_id", "kind", "key", "step")
            )
            for step in chunk:
                row = step.row
                subject = format_lazy(
                    SUBJECTS[(row.what, step.kind)], date=row.due_on.isoformat(), title=row.title, unit=row.unit_name
                )
                body = format_lazy(BODY, unit=row.unit_name, title=row.title, date=row.due_on.isoformat())
                for uid in step.recipients:
                    if (uid, step.kind, step.key, step.step) not in done:
                        yield Note(uid, step.kind, step.key, step.step, subject, body, row.url, step.urgent)

    return len(notify_each(notes()).created)
