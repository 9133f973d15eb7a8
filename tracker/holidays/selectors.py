"""Reads for the office's calendar page: which years need entering, and what a new arrangement moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import QuerySet

from tracker.campaigns.models import Campaign
from tracker.core import workdays
from tracker.core.models import CalendarYear, WorkdayOverride
from tracker.core.types import AnyUser, User
from tracker.holidays.notice import Day
from tracker.orgs.models import Role, Unit
from tracker.orgs.scope import scope_for
from tracker.work.models import OPEN_STATUSES, Task

PREVIEW_TASK_LIMIT = 50


def calendar_editable(user: AnyUser) -> bool:
    """The calendar is the whole city's: only the city-level office (or a superuser) edits it."""
    scope = scope_for(user)
    if scope.is_superuser:
        return True
    if Role.OFFICE not in scope.roles or not scope.manage_paths:
        return False
    return Unit.objects.filter(parent__isnull=True, path__in=scope.manage_paths).exists()


def campaign_years() -> list[int]:
    """Every year an active campaign touches."""
    years: set[int] = set()
    for starts_on, ends_on in Campaign.objects.filter(is_active=True).values_list("starts_on", "ends_on"):
        years.update(range(starts_on.year, ends_on.year + 1))
    return sorted(years)


def missing_years() -> list[int]:
    """Years active campaigns touch that neither chinese-calendar nor the office knows (read fresh)."""
    entered = set(CalendarYear.objects.values_list("year", flat=True))
    return [year for year in campaign_years() if year not in workdays.OFFICIAL_YEARS and year not in entered]


@dataclass(frozen=True)
class YearStatus:
    year: int
    official: bool
    entered: CalendarYear | None

    @property
    def missing(self) -> bool:
        return not self.official and self.entered is None


def year_statuses() -> list[YearStatus]:
    """The campaign years with where their holidays come from: the package, the office, or nowhere."""
    years = campaign_years()
    entered = {row.year: row for row in CalendarYear.objects.filter(year__in=years).select_related("entered_by")}
    return [YearStatus(year, year in workdays.OFFICIAL_YEARS, entered.get(year)) for year in years]


@dataclass(frozen=True)
class Move:
    """One date whose working status changes."""

    day: date
    was_workday: bool
    is_workday: bool
    note: str


@dataclass
class Preview:
    """What saving a year's arrangement changes, shown before it is written."""

    year: int
    days: list[Day]
    moves: list[Move] = field(default_factory=list)
    removed: list[WorkdayOverride] = field(default_factory=list)
    tasks_on_holidays: list[Task] = field(default_factory=list)
    tasks_on_holidays_count: int = 0
    # New days off inside a campaign: no reminder or digest goes out on them; they wait for the next working day.
    quiet_days: list[tuple[date, date]] = field(default_factory=list)


def _next_workday(day: date, changes: dict[date, bool]) -> date:
    day += timedelta(days=1)
    while not changes.get(day, workdays.is_workday(day)):
        day += timedelta(days=1)
    return day


def calendar_preview(*, user: User, year: int, days: list[Day]) -> Preview:
    """Compare the arrangement with today's calendar; list open tasks (in scope) due on a new day off."""
    workdays.forget_overrides()  # compare with what is saved now, not with a minute-old copy
    changes = {d.day: d.is_workday for d in days}
    preview = Preview(year=year, days=days)
    # The office's other entries for the year go: the notice replaces the whole year.
    preview.removed = list(WorkdayOverride.objects.filter(date__year=year).exclude(date__in=list(changes)))
    for removed in preview.removed:
        changes[removed.date] = workdays.published_is_workday(removed.date)
    notes = {d.day: d.note for d in days}
    for day, working in sorted(changes.items()):
        before = workdays.is_workday(day)
        if before != working:
            preview.moves.append(Move(day, before, working, notes.get(day, "")))
    new_days_off = [move.day for move in preview.moves if not move.is_workday]
    if new_days_off:
        tasks = (
            Task.objects.for_user(user)
            .filter(campaign__is_active=True, status__in=OPEN_STATUSES, due_on__in=new_days_off)
            .select_related("unit", "template")
            .order_by("due_on", "unit__path", "pk")
        )
        preview.tasks_on_holidays_count = tasks.count()
        preview.tasks_on_holidays = list(tasks[:PREVIEW_TASK_LIMIT])
        spans = list(Campaign.objects.filter(is_active=True).values_list("starts_on", "ends_on"))
        preview.quiet_days = [
            (day, _next_workday(day, changes))
            for day in new_days_off
            if any(start <= day <= end for start, end in spans)
        ]
    return preview


def year_overrides(*, year: int) -> QuerySet[WorkdayOverride]:
    return WorkdayOverride.objects.filter(date__year=year).order_by("date")
