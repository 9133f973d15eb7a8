"""Reads of the directives: a 交办's board, notices with receipts, pending extensions, threads, and
what arrived for a unit (its first page). Each is a fixed number of queries, whatever the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, CharField, Count, Exists, OuterRef, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.core.types import User
from tracker.directives.access import notices_for, oversight_q
from tracker.directives.models import (
    Addressee,
    Assignment,
    AssignmentTarget,
    ExtensionRequest,
    ExtensionStatus,
    Instruction,
    MessageKind,
    Notice,
    NoticeRead,
    Thread,
    ThreadMessage,
    ThreadState,
)
from tracker.ledgers.models.rectification import RECTIFICATION_OPEN, RectificationItem, RectificationSource
from tracker.orgs.models import Unit
from tracker.orgs.scope import scope_for
from tracker.work.models import TaskStatus

# The states of a unit's copy of a 交办, in the order the board shows them.
STATES = {
    "unacknowledged": _("Not acknowledged"),
    "acknowledged": _("Acknowledged"),
    "in_progress": _("In progress"),
    "replied": _("Replied"),
    "done": _("Done"),
    "overdue": _("Overdue"),
}


def state_expression(today: date) -> Case:
    return Case(
        When(task__status=TaskStatus.DONE, then=Value("done")),
        When(task__status=TaskStatus.SUBMITTED, then=Value("replied")),
        When(task__due_on__lt=today, then=Value("overdue")),
        When(acknowledged_at__isnull=True, then=Value("unacknowledged")),
        When(task__status__in=[TaskStatus.IN_PROGRESS, TaskStatus.RETURNED], then=Value("in_progress")),
        default=Value("acknowledged"),
        output_field=CharField(),
    )


@dataclass
class Board:
    rows: QuerySet[AssignmentTarget]
    counts: dict[str, int]
    total: int

    @property
    def tabs(self) -> list[tuple[str, str, int]]:
        return [(key, str(label), self.counts[key]) for key, label in STATES.items()]


def assignment_board(*, assignment: Assignment, user: User, today: date, state: str = "") -> Board:
    """Every unit's state on one 交办 the user oversees: two queries (rows, counts), plus paging."""
    targets = assignment.targets.filter(oversight_q(scope_for(user), "unit__")).annotate(state=state_expression(today))
    counts = {key: 0 for key in STATES}
    for row in targets.order_by().values("state").annotate(n=Count("id")):
        counts[row["state"]] = row["n"]
    rows = targets.select_related("unit", "task", "acknowledged_by").order_by("unit__path")
    if state in STATES:
        rows = rows.filter(state=state)
    return Board(rows=rows, counts=counts, total=sum(counts.values()))


def assignment_list(*, user: User) -> QuerySet[Assignment]:
    from tracker.directives.access import assignments_for

    return assignments_for(user).select_related("issued_by").annotate(units=Count("targets")).order_by("-created_at")


def notices_with_unread(*, user: User, own_paths: list[str] | None = None) -> QuerySet[Notice]:
    read = NoticeRead.objects.filter(notice=OuterRef("pk"), user=user)
    return (
        notices_for(user, own_paths=own_paths)
        .select_related("issued_by", "root")
        .annotate(is_read=Exists(read))
        .order_by("-created_at")
    )


@dataclass
class UnitReceipt:
    unit: Unit
    read: int
    total: int
    unread_names: list[str]


@dataclass
class Receipts:
    people_read: int
    units: list[UnitReceipt]  # units where someone has not read first


def notice_receipts(*, notice: Notice) -> Receipts:
    """Read receipts per unit (three queries): who has read, and every unit where someone has not."""
    from tracker.directives.services import UNIT_PEOPLE
    from tracker.orgs.models import RoleAssignment

    people = RoleAssignment.objects.filter(unit__path__startswith=notice.root.path, role__in=UNIT_PEOPLE)
    per_unit: dict[int, dict[int, str]] = {}
    rows = people.values_list("unit_id", "user_id", "user__first_name", "user__username")
    for unit_id, user_id, first_name, username in rows:
        per_unit.setdefault(unit_id, {})[user_id] = first_name or username
    read = set(notice.reads.values_list("user_id", flat=True))
    units = Unit.objects.in_bulk(list(per_unit))
    receipts = [
        UnitReceipt(
            unit=units[uid],
            read=len(users.keys() & read),
            total=len(users),
            unread_names=sorted(name for pk, name in users.items() if pk not in read),
        )
        for uid, users in per_unit.items()
    ]
    receipts.sort(key=lambda r: (r.read >= r.total, r.unit.path))
    return Receipts(people_read=len(read), units=receipts)


def pending_extensions(*, user: User) -> QuerySet[ExtensionRequest]:
    scope = scope_for(user)
    return (
        ExtensionRequest.objects.filter(scope.review_q("task__unit__"), status=ExtensionStatus.PENDING)
        .select_related("task__unit", "task__template", "requested_by")
        .order_by("created_at")
    )


def extension_counts(*, unit_ids: list[int]) -> dict[int, int]:
    """Approved extensions per unit (for the matrix): one query."""
    rows = (
        ExtensionRequest.objects.filter(task__unit_id__in=unit_ids, status=ExtensionStatus.APPROVED)
        .values("task__unit_id")
        .annotate(n=Count("id"))
    )
    return {row["task__unit_id"]: row["n"] for row in rows}


def threads_for(*, user: User, state: str = "", addressee: str = "") -> QuerySet[Thread]:
    threads = Thread.objects.for_user(user).select_related("unit", "raised_by")
    if state in ThreadState.values:
        threads = threads.filter(state=state)
    if addressee in Addressee.values:
        threads = threads.filter(addressee=addressee)
    result: QuerySet[Thread] = threads.order_by("-updated_at", "-id")
    return result


def threads_for_leadership(*, user: User) -> int:
    """Open threads passed up to the leadership group in the user's scope (its first page): one COUNT."""
    return Thread.objects.for_user(user).filter(addressee=Addressee.LEADERSHIP, state=ThreadState.OPEN).count()


def unit_instructions(*, unit: Unit) -> QuerySet[Instruction]:
    return Instruction.objects.filter(unit=unit).select_related("author", "task", "acknowledged_by")


@dataclass
class Arrived:
    """What arrived for one unit, for its first page."""

    unit: Unit
    assignments: list[AssignmentTarget] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)
    answers: list[Thread] = field(default_factory=list)
    decisions: list[ExtensionRequest] = field(default_factory=list)
    problems: list[RectificationItem] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.assignments or self.instructions or self.answers or self.decisions or self.problems)


RECENT = 5
# Extension decisions stay on the unit's first page for this many days.
DECISIONS_SHOWN_DAYS = 14


def recent_since() -> date:
    return timezone.localdate() - timedelta(days=DECISIONS_SHOWN_DAYS)


def arrived(*, user: User, recent_since: date) -> tuple[list[Arrived], list[Notice]]:
    """For staff and unit leaders: 交办 to acknowledge, 批示 not acknowledged, answered questions,
    recent extension decisions, open problems raised by guides per own unit, and the unread notices.
    Seven queries at most."""
    scope = scope_for(user)
    unit_ids = sorted(scope.edit_unit_ids)
    if not unit_ids:
        return [], []
    by_unit = {u.pk: Arrived(unit=u) for u in Unit.objects.filter(pk__in=unit_ids).order_by("path")}
    for target in (
        AssignmentTarget.objects.filter(unit_id__in=unit_ids, acknowledged_at__isnull=True)
        .select_related("assignment", "task")
        .order_by("task__due_on")
    ):
        by_unit[target.unit_id].assignments.append(target)
    for instruction in Instruction.objects.filter(unit_id__in=unit_ids, acknowledged_at__isnull=True).select_related(
        "author"
    ):
        by_unit[instruction.unit_id].instructions.append(instruction)
    answered = ThreadMessage.objects.filter(thread=OuterRef("pk"), kind=MessageKind.ANSWER)
    for thread in Thread.objects.filter(unit_id__in=unit_ids, state=ThreadState.ANSWERED).filter(Exists(answered)):
        by_unit[thread.unit_id].answers.append(thread)
    for decision in (
        ExtensionRequest.objects.filter(task__unit_id__in=unit_ids, decided_at__date__gte=recent_since)
        .exclude(status=ExtensionStatus.PENDING)
        .select_related("task__template")
    ):
        by_unit[decision.task.unit_id].decisions.append(decision)
    problems = RectificationItem.objects.filter(
        unit_id__in=unit_ids,
        source__in=[RectificationSource.GUIDANCE, RectificationSource.SUPERIOR],
        raised_by__isnull=False,
        status__in=RECTIFICATION_OPEN,
    ).order_by("deadline", "id")
    for problem in problems[: RECENT * len(unit_ids)]:
        by_unit[problem.unit_id].problems.append(problem)
    # Staff and unit leaders read only their own units: their paths are known already.
    paths = [a.unit.path for a in by_unit.values()] if scope.read_unit_ids == scope.edit_unit_ids else None
    unread = [n for n in notices_with_unread(user=user, own_paths=paths)[: RECENT * 4] if not n.is_read][:RECENT]  # type: ignore[attr-defined]
    return list(by_unit.values()), unread
