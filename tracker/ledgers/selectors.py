"""Reads of the ledgers: a unit's book, a row's history, and the crowded-research watch (扎堆调研)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Field, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from tracker.campaigns.models import Campaign
from tracker.core.history import display_name
from tracker.core.types import User
from tracker.ledgers.models import LedgerRow, ResearchTopic, ResearchVisit
from tracker.ledgers.registry import LEDGERS, LedgerSpec
from tracker.ledgers.text import normalise_key
from tracker.orgs.models import Unit
from tracker.orgs.scope import scope_for


def ledger_rows(*, user: User, unit: Unit, spec: LedgerSpec) -> QuerySet[LedgerRow]:
    """The unit's live rows of one ledger, as the user may see them, ready for a list or a sheet."""
    rows = spec.model.objects.for_user(user).filter(unit=unit)
    if spec.select_related:
        rows = rows.select_related(*spec.select_related)
    if spec.prefetch_related:
        rows = rows.prefetch_related(*spec.prefetch_related)
    return rows.order_by(*spec.ordering)


def book_counts(*, unit: Unit, campaign: Campaign) -> dict[str, int]:
    """How many live rows each ledger of the unit holds, in one query."""
    annotations = {}
    for spec in LEDGERS.values():
        counted = (
            spec.model.objects.filter(unit=OuterRef("pk"), campaign=campaign)
            .order_by()
            .values("unit")
            .annotate(n=Count("pk"))
            .values("n")
        )
        annotations[f"n_{spec.slug}"] = Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
    row = Unit.objects.filter(pk=unit.pk).annotate(**annotations).values(*annotations).get()
    return {name.removeprefix("n_"): count for name, count in row.items()}


# ------------------------------------------------------------------------------ history


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryStep:
    when: datetime
    who: str
    kind: str  # "+", "~" or "-"
    changes: list[FieldChange]


# Bookkeeping columns a reader does not need to see change.
_HIDDEN = {"id", "version", "created_at", "updated_at", "created_by", "campaign", "unit", "document"}


def _shown(record: Any, field: Field[Any, Any], names: Mapping[tuple[Any, Any], str]) -> str:
    value = getattr(record, field.attname)
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if field.is_relation:
        return names.get((field.related_model, value), "—")
    return Truncator(str(value)).chars(120)


def _related_names(records: list[Any], relations: list[Field[Any, Any]]) -> dict[tuple[Any, Any], str]:
    """(model, id) → the name a person reads (a user's full name), one query per related model."""
    wanted: dict[Any, set[Any]] = {}  # related model → ids
    for record in records:
        for f in relations:
            value = getattr(record, f.attname)
            if value is not None:
                wanted.setdefault(f.related_model, set()).add(value)
    return {
        (model, pk): display_name(obj)
        for model, ids in wanted.items()
        for pk, obj in model._base_manager.in_bulk(ids).items()
    }


def row_history(*, row: LedgerRow) -> list[HistoryStep]:
    """Who changed what and when, newest first, diffed in memory from one query of the history."""
    records = list(row.history.select_related("history_user").order_by("history_date", "history_id"))
    fields = [
        f
        for f in type(row)._meta.concrete_fields
        if (f.editable and f.name not in _HIDDEN) or f.name in {"deleted_at", "status", "closed_on"}
    ]
    names = _related_names(records, [f for f in fields if f.is_relation])
    steps = []
    previous = None
    for record in records:
        changes = []
        for f in fields:
            new = _shown(record, f, names)
            old = _shown(previous, f, names) if previous is not None else "—"
            if previous is None and new == "—":
                continue
            if new != old:
                changes.append(FieldChange(label=str(f.verbose_name), old=old, new=new))
        user = record.history_user
        who = (user.get_full_name() or user.get_username()) if user else _("system")
        if changes or record.history_type != "~":
            steps.append(HistoryStep(when=record.history_date, who=who, kind=record.history_type, changes=changes))
        previous = record
    steps.reverse()
    return steps


# ------------------------------------------------------------------------------ crowding (扎堆调研)


@dataclass(frozen=True)
class NearbyVisit:
    """Another visit to the same site within the window, as the warning shows it."""

    visited_on: date
    unit_name: str  # blank when the unit is outside the user's scope
    leader_name: str
    same_unit: bool


def visit_crowding(*, visit: ResearchVisit, user: User) -> list[NearbyVisit]:
    """Visits by other units or leaders to this visit's site within the campaign's window.

    Deliberately not limited to the user's scope: crowding is about the grassroots site, which
    other units' leaders may visit too. Only units the user may see are named.
    """
    if not visit.site_key or not visit.visited_on:
        return []
    window = timedelta(days=visit.campaign.research_window_days)
    others = (
        ResearchVisit.objects.filter(
            campaign_id=visit.campaign_id,
            site_key=visit.site_key,
            visited_on__range=(visit.visited_on - window, visit.visited_on + window),
        )
        .exclude(unit_id=visit.unit_id, leader_key=visit.leader_key)
        .select_related("unit")
        .order_by("-visited_on", "-id")
    )
    if visit.pk:
        others = others.exclude(pk=visit.pk)
    scope = scope_for(user)
    nearby = []
    for other in others:
        visible = scope.can_read(other.unit)
        nearby.append(
            NearbyVisit(
                visited_on=other.visited_on,
                unit_name=other.unit.name if visible else "",
                leader_name=other.leader_name if visible else "",
                same_unit=other.unit_id == visit.unit_id,
            )
        )
    return nearby


@dataclass
class CrowdedSite:
    """Visits to one site by two or more units or leaders, each within the window of the previous one."""

    site: str
    visits: list[ResearchVisit] = field(default_factory=list)

    @property
    def first(self) -> date:
        return self.visits[0].visited_on

    @property
    def last(self) -> date:
        return self.visits[-1].visited_on

    @property
    def units(self) -> list[str]:
        return sorted({visit.unit.name for visit in self.visits})


def _visitors(visits: list[ResearchVisit]) -> int:
    return len({(visit.unit_id, visit.leader_key) for visit in visits})


def crowded_sites(*, user: User, campaign: Campaign) -> list[CrowdedSite]:
    """Crowded sites among the visits in the user's scope, busiest and latest first (one query)."""
    in_scope = ResearchVisit.objects.for_user(user).filter(campaign=campaign)
    repeated = in_scope.order_by().values("site_key").annotate(n=Count("id")).filter(n__gte=2).values("site_key")
    visits = in_scope.filter(site_key__in=repeated).select_related("unit").order_by("site_key", "visited_on", "id")
    window = timedelta(days=campaign.research_window_days)
    sites: list[CrowdedSite] = []
    cluster: list[ResearchVisit] = []

    def close(cluster: list[ResearchVisit]) -> None:
        if _visitors(cluster) >= 2:
            sites.append(CrowdedSite(site=cluster[-1].site, visits=list(cluster)))

    for visit in visits:
        if cluster and (visit.site_key != cluster[-1].site_key or visit.visited_on - cluster[-1].visited_on > window):
            close(cluster)
            cluster = []
        cluster.append(visit)
    if cluster:
        close(cluster)
    sites.sort(key=lambda s: (-_visitors(s.visits), -s.last.toordinal(), s.site))
    return sites


@dataclass
class DuplicatedTopic:
    title: str
    topics: list[ResearchTopic] = field(default_factory=list)

    @property
    def units(self) -> list[str]:
        return sorted({topic.unit.name for topic in self.topics})


def duplicated_topics(*, user: User, campaign: Campaign) -> list[DuplicatedTopic]:
    """Topics with the same title taken on by two or more units or leaders in the user's scope."""
    in_scope = ResearchTopic.objects.for_user(user).filter(campaign=campaign)
    repeated = in_scope.order_by().values("title_key").annotate(n=Count("id")).filter(n__gte=2).values("title_key")
    topics = in_scope.filter(title_key__in=repeated).select_related("unit").order_by("title_key", "unit__path", "id")
    groups: dict[str, DuplicatedTopic] = {}
    for topic in topics:
        groups.setdefault(topic.title_key, DuplicatedTopic(title=topic.title)).topics.append(topic)
    return sorted(
        (
            group
            for group in groups.values()
            if len({(t.unit_id, normalise_key(t.leader_name)) for t in group.topics}) >= 2
        ),
        key=lambda g: (-len(g.topics), g.title),
    )
