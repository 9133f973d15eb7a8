"""Formalism signals (形式主义苗头): leads for a person to look at, never a verdict.

Each signal lists the rows it found, so the office or a guide can open them. Nothing here writes:
a signal never changes a light, a progress figure or a score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from tracker.campaigns.models import Campaign
from tracker.core.types import User
from tracker.ledgers.models import ConversionItem, ResearchReport, ResearchVisit
from tracker.work.models import Entry, Evidence, Task

# How many of each signal are listed; the rest are counted only by being there.
SHOWN = 50
# Near-identical texts: how alike (trigram similarity, 0–1), how long at least, among how many recent entries.
SIMILARITY = 0.8
MIN_TEXT = 15
RECENT_ENTRIES = 800
# Deadline rush (突击留痕): most of a task's entries recorded in its last days.
RUSH_DAYS = 2
RUSH_MIN_ENTRIES = 3
RUSH_SHARE = 0.8
# A visit with no report after this many weeks.
STALE_WEEKS = 4


@dataclass
class SharedFile:
    sha256: str
    files: list[Evidence] = field(default_factory=list)

    @property
    def units(self) -> list[str]:
        return sorted({evidence.entry.task.unit.name for evidence in self.files})


def shared_evidence(*, user: User, campaign: Campaign) -> list[SharedFile]:
    """The same file (by content hash) sent for several tasks or by several units (two queries)."""
    in_scope: QuerySet[Evidence] = (
        Evidence.objects.for_user(user)
        .filter(entry__task__campaign=campaign, entry__deleted_at__isnull=True)
        .exclude(sha256="")
    )
    repeated = (
        in_scope.order_by()
        .values("sha256")
        .annotate(tasks=Count("entry__task", distinct=True))
        .filter(tasks__gte=2)
        .order_by("-tasks", "sha256")
        .values_list("sha256", flat=True)[:SHOWN]
    )
    groups: dict[str, SharedFile] = {}
    for evidence in (
        in_scope.filter(sha256__in=list(repeated))
        .select_related("entry__task__unit", "entry__task__template")
        .order_by("id")
    ):
        groups.setdefault(evidence.sha256, SharedFile(evidence.sha256)).files.append(evidence)
    return sorted(groups.values(), key=lambda g: (-len(g.files), g.sha256))


@dataclass(frozen=True)
class SimilarPair:
    first: Entry
    second: Entry
    similarity: float


def _recent_entries(user: User, campaign: Campaign) -> QuerySet[Entry]:
    entries: QuerySet[Entry] = Entry.objects.for_user(user)
    return entries.filter(task__campaign=campaign, ledger="").order_by("-id")


def similar_entries(*, user: User, campaign: Campaign) -> list[SimilarPair]:
    """Near-identical entry texts from different units (PostgreSQL pg_trgm; shingles elsewhere)."""
    recent = list(_recent_entries(user, campaign).values_list("id", flat=True)[:RECENT_ENTRIES])
    if len(recent) < 2:
        return []
    pairs = _pairs_trgm(recent) if connection.vendor == "postgresql" else _pairs_shingles(recent)
    entries = Entry.objects.select_related("task__unit").in_bulk({i for pair in pairs for i in pair[:2]})
    return [SimilarPair(entries[a], entries[b], round(s, 2)) for a, b, s in pairs if a in entries and b in entries]


def _pairs_trgm(ids: list[int]) -> list[tuple[int, int, float]]:
    sql = """
        WITH e AS (
            SELECT en.id, en.text, t.unit_id FROM work_entry en JOIN work_task t ON t.id = en.task_id
            WHERE en.id = ANY(%s::bigint[]) AND char_length(en.text) >= %s
        )
        SELECT a.id, b.id, similarity(a.text, b.text) AS s
        FROM e a JOIN e b ON a.id < b.id AND a.unit_id <> b.unit_id
        WHERE similarity(a.text, b.text) >= %s
        ORDER BY s DESC, a.id, b.id
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, MIN_TEXT, SIMILARITY, SHOWN])
        return [(int(a), int(b), float(s)) for a, b, s in cursor.fetchall()]


def shingles(text: str) -> set[str]:
    compact = "".join(text.split())
    return {compact[i : i + 3] for i in range(max(len(compact) - 2, 1))}


def _pairs_shingles(ids: list[int]) -> list[tuple[int, int, float]]:
    rows = list(Entry.objects.filter(id__in=ids).values_list("id", "text", "task__unit_id"))
    sets = [(pk, unit, shingles(text)) for pk, text, unit in rows if len(text) >= MIN_TEXT]
    found = []
    for i, (a, unit_a, sa) in enumerate(sets):
        for b, unit_b, sb in sets[i + 1 :]:
            if unit_a != unit_b and sa and sb:
                score = len(sa & sb) / len(sa | sb)
                if score >= SIMILARITY:
                    found.append((min(a, b), max(a, b), score))
    found.sort(key=lambda p: (-p[2], p[0], p[1]))
    return found[:SHOWN]


def deadline_rush(*, user: User, campaign: Campaign) -> list[Task]:
    """Tasks most of whose entries were recorded in the last days before the due date (突击留痕)."""
    tasks: QuerySet[Task] = Task.objects.for_user(user)
    live = Q(entries__deleted_at__isnull=True)
    late = live & Q(
        entries__created_at__date__gte=F("due_on") - timedelta(days=RUSH_DAYS),
        entries__created_at__date__lte=F("due_on"),
    )
    found = (
        tasks.filter(campaign=campaign)
        .annotate(total=Count("entries", filter=live), rushed=Count("entries", filter=late))
        .filter(total__gte=RUSH_MIN_ENTRIES, rushed__gte=F("total") * RUSH_SHARE)
        .select_related("unit", "template")
        .order_by("-rushed", "due_on", "id")
    )
    return list(found[:SHOWN])


@dataclass(frozen=True)
class StaleVisit:
    visit: ResearchVisit
    has_report: bool


def stale_visits(*, user: User, campaign: Campaign, today: date) -> list[StaleVisit]:
    """Visits older than STALE_WEEKS with no report on their topic, or a report with no conversion item."""
    visits: QuerySet[ResearchVisit] = ResearchVisit.objects.for_user(user)
    report = ResearchReport.objects.filter(topic_id=OuterRef("topic_id"), deleted_at__isnull=True)
    conversion = ConversionItem.objects.filter(report__topic_id=OuterRef("topic_id"), deleted_at__isnull=True)
    found = (
        visits.filter(campaign=campaign, visited_on__lte=today - timedelta(weeks=STALE_WEEKS))
        .annotate(has_report=Exists(report), has_conversion=Exists(conversion))
        .filter(Q(has_report=False) | Q(has_conversion=False))
        .select_related("unit")
        .order_by("visited_on", "id")
    )
    return [StaleVisit(visit, visit.has_report) for visit in found[:SHOWN]]
