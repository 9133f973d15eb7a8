"""Reads of the ledgers: a unit's book, a row's history, and the crowded-research watch (扎堆调研)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any

from django.db import connection
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
    """Visits to one site by two or more units or leaders, each within the window of the previous one.

    `visits` holds the latest visits only (at most VISITS_SHOWN, oldest first); `visit_count`,
    `units`, `first` and `last` describe the whole cluster.
    """

    site: str
    first: date
    last: date
    visit_count: int
    visitors: int
    units: list[str]
    visits: list[ResearchVisit] = field(default_factory=list)


@dataclass
class DuplicatedTopic:
    """A title taken on by two or more units or leaders; `topics` holds the first TOPICS_SHOWN of them."""

    title: str
    topic_count: int
    units: list[str]
    topics: list[ResearchTopic] = field(default_factory=list)


# Rows listed under one crowded site or duplicated topic; the rest are counted.
VISITS_SHOWN = 5
TOPICS_SHOWN = 5


def _scoped_sql(queryset: QuerySet[Any], *fields: str) -> tuple[str, tuple[Any, ...]]:
    """The SQL of `queryset.values(*fields)`, to wrap in a statement the ORM cannot write (windows over groups)."""
    sql, params = queryset.order_by().values(*fields).query.sql_with_params()
    return sql, tuple(params)


def _fetch(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def crowded_sites_page(
    *, user: User, campaign: Campaign, limit: int | None = None, since: date | None = None
) -> tuple[list[CrowdedSite], int]:
    """Crowded sites among the visits in the user's scope, busiest and latest first, and how many there are
    (the rows of `crowded_site_rows`, with the latest visits of each site read)."""
    return crowded_sites_from_rows(crowded_site_rows(user=user, campaign=campaign, limit=limit, since=since))


def crowded_site_rows(
    *, user: User, campaign: Campaign, limit: int | None = None, since: date | None = None
) -> list[tuple[Any, ...]]:
    """The crowded sites in the user's scope as rows: (visitors, last, first, visits, site, unit
    names, latest visit ids, total), busiest and latest first.

    Clusters are found in one SQL statement (a visit more than the window after the previous visit
    to the same site starts a new cluster), so the work in Python is the `limit` sites shown, not
    every visit in scope; a second query reads the latest visits of those sites. `since` keeps the
    clusters whose last visit is on or after that day. The plan is a scan of the scope's visits
    and a sort, whatever the planner's statistics say.
    """
    in_scope = ResearchVisit.objects.for_user(user).filter(campaign=campaign)
    window = campaign.research_window_days
    if connection.vendor != "postgresql":  # the embedded default: the same clusters, found in Python
        return _crowded_rows_in_python(in_scope, window=window, since=since, limit=limit)
    inner, params = _scoped_sql(in_scope, "id", "site", "site_key", "visited_on", "unit_id", "leader_key", "unit__name")
    # Byte order ("C") for the site keys: only equality matters, and it sorts several times faster.
    return _fetch(
        f"""
        WITH v AS (
            SELECT s.*, CASE WHEN s.visited_on - lag(s.visited_on) OVER w > %s THEN 1 ELSE 0 END AS new_cluster
            FROM ({inner}) AS s (id, site, site_key, visited_on, unit_id, leader_key, unit_name)
            WINDOW w AS (PARTITION BY s.site_key COLLATE "C" ORDER BY s.visited_on, s.id)
        ), c AS (
            SELECT v.*, sum(v.new_cluster) OVER (
                PARTITION BY v.site_key COLLATE "C" ORDER BY v.visited_on, v.id
            ) AS cluster
            FROM v
        ), g AS (
            SELECT site_key COLLATE "C" AS site_key, cluster, count(DISTINCT (unit_id, leader_key)) AS visitors,
                   max(visited_on) AS last, min(visited_on) AS first, count(*) AS n
            FROM c GROUP BY site_key COLLATE "C", cluster
            HAVING count(DISTINCT (unit_id, leader_key)) >= 2 AND max(visited_on) >= %s
        ), t AS (
            SELECT g.*, count(*) OVER () AS total FROM g
            ORDER BY visitors DESC, last DESC, site_key {"LIMIT %s" if limit is not None else ""}
        )
        SELECT t.visitors, t.last, t.first, t.n, (array_agg(c.site ORDER BY c.visited_on DESC, c.id DESC))[1],
               array_agg(DISTINCT c.unit_name ORDER BY c.unit_name),
               (array_agg(c.id ORDER BY c.visited_on DESC, c.id DESC))[1:%s], t.total
        FROM t JOIN c ON c.site_key COLLATE "C" = t.site_key AND c.cluster = t.cluster
        GROUP BY t.site_key, t.cluster, t.visitors, t.last, t.first, t.n, t.total
        ORDER BY t.visitors DESC, t.last DESC, t.site_key
        """,
        (window, *params, since or date.min, *((limit,) if limit is not None else ()), VISITS_SHOWN),
    )


def crowded_sites_from_rows(rows: Sequence[Sequence[Any]]) -> tuple[list[CrowdedSite], int]:
    """CrowdedSite objects from `crowded_site_rows`, with their latest visits read in one query."""
    wanted = [pk for row in rows for pk in row[6]]
    visits = ResearchVisit.objects.select_related("unit").in_bulk(wanted)
    sites = [
        CrowdedSite(
            site=site,
            first=first,
            last=last,
            visit_count=n,
            visitors=visitors,
            units=list(units),
            visits=[visits[pk] for pk in reversed(latest) if pk in visits],
        )
        for visitors, last, first, n, site, units, latest, _total in rows
    ]
    return sites, (rows[0][7] if rows else 0)


def _crowded_rows_in_python(
    in_scope: QuerySet[ResearchVisit], *, window: int, since: date | None, limit: int | None
) -> list[tuple[Any, ...]]:
    """The rows of the PostgreSQL statement above, for SQLite: the same clusters, order and columns."""
    visits = sorted(
        in_scope.order_by().values_list("id", "site", "site_key", "visited_on", "unit_id", "leader_key", "unit__name"),
        key=lambda v: (v[2], v[3], v[0]),
    )
    clusters: list[list[tuple[Any, ...]]] = []
    for _key, group in groupby(visits, key=lambda v: v[2]):
        current: list[tuple[Any, ...]] = []
        for visit in group:
            if current and (visit[3] - current[-1][3]).days > window:
                clusters.append(current)
                current = []
            current.append(visit)
        clusters.append(current)
    rows = []
    for cluster in clusters:
        visitors = len({(v[4], v[5]) for v in cluster})
        last, first = max(v[3] for v in cluster), min(v[3] for v in cluster)
        if visitors < 2 or last < (since or date.min):
            continue
        latest = sorted(cluster, key=lambda v: (v[3], v[0]), reverse=True)
        units = sorted({v[6] for v in cluster})
        rows.append(
            (
                visitors,
                last,
                first,
                len(cluster),
                latest[0][1],
                units,
                [v[0] for v in latest][:VISITS_SHOWN],
                cluster[0][2],
            )
        )
    rows.sort(key=lambda r: (-r[0], -r[1].toordinal(), r[7]))
    total = len(rows)
    return [(*row[:7], total) for row in (rows if limit is None else rows[:limit])]


def crowded_sites(*, user: User, campaign: Campaign) -> list[CrowdedSite]:
    """Every crowded site in the user's scope, busiest and latest first (see crowded_sites_page)."""
    return crowded_sites_page(user=user, campaign=campaign)[0]


def duplicated_topics_page(
    *, user: User, campaign: Campaign, limit: int | None = None
) -> tuple[list[DuplicatedTopic], int]:
    """Topics with the same title taken on by two or more units or leaders in the user's scope, most
    repeated first, and how many such titles there are: grouped in SQL, the shown topics read after."""
    return duplicated_topics_from_rows(*duplicated_topic_rows(user=user, campaign=campaign, limit=limit))


def duplicated_topic_rows(
    *, user: User, campaign: Campaign, limit: int | None = None
) -> tuple[list[tuple[Any, ...]], int]:
    """The duplicated titles in the user's scope as rows (count, title, units' count, leaders, unit
    names, first topic ids), most repeated first, the first `limit` of them, and how many there are."""
    in_scope = ResearchTopic.objects.for_user(user).filter(campaign=campaign)
    if connection.vendor != "postgresql":  # the embedded default: the same groups, made in Python
        rows = _duplicated_rows_in_python(in_scope)
    else:
        rows = _duplicated_rows(in_scope)
    # Two leaders of one unit count as two only when their names differ once normalised.
    groups = sorted(
        (row for row in rows if row[2] >= 2 or len({normalise_key(name) for name in row[3]}) >= 2),
        key=lambda row: (-row[0], row[1]),
    )
    return (groups if limit is None else groups[:limit]), len(groups)


def duplicated_topics_from_rows(rows: Sequence[Sequence[Any]], total: int) -> tuple[list[DuplicatedTopic], int]:
    """DuplicatedTopic objects from `duplicated_topic_rows`, with their first topics read in one query."""
    topics = ResearchTopic.objects.select_related("unit").in_bulk([pk for row in rows for pk in row[5]])
    return [
        DuplicatedTopic(
            title=title, topic_count=n, units=list(units), topics=[topics[pk] for pk in first_ids if pk in topics]
        )
        for n, title, _count, _leaders, units, first_ids in rows
    ], total


def _duplicated_rows(in_scope: QuerySet[ResearchTopic]) -> list[tuple[Any, ...]]:
    inner, params = _scoped_sql(
        in_scope, "id", "title", "title_key", "unit_id", "leader_name", "unit__name", "unit__path"
    )
    return _fetch(
        f"""
        SELECT count(*) AS n, (array_agg(title ORDER BY unit_path, id))[1] AS title,
               count(DISTINCT unit_id) AS unit_count,
               CASE WHEN count(DISTINCT unit_id) = 1 THEN array_agg(DISTINCT leader_name) END AS leaders,
               array_agg(DISTINCT unit_name ORDER BY unit_name) AS units,
               (array_agg(id ORDER BY unit_path, id))[1:%s] AS first_ids
        FROM ({inner}) AS s (id, title, title_key, unit_id, leader_name, unit_name, unit_path)
        GROUP BY title_key HAVING count(*) >= 2
        """,
        (TOPICS_SHOWN, *params),
    )


def _duplicated_rows_in_python(in_scope: QuerySet[ResearchTopic]) -> list[tuple[Any, ...]]:
    """The rows of `_duplicated_rows` for SQLite: same groups and columns."""
    topics = sorted(
        in_scope.order_by().values_list(
            "id", "title", "title_key", "unit_id", "leader_name", "unit__name", "unit__path"
        ),
        key=lambda t: (t[2], t[6], t[0]),
    )
    rows = []
    for _key, group in groupby(topics, key=lambda t: t[2]):
        members = list(group)
        if len(members) < 2:
            continue
        unit_count = len({t[3] for t in members})
        leaders = sorted({t[4] for t in members}) if unit_count == 1 else None
        units = sorted({t[5] for t in members})
        rows.append((len(members), members[0][1], unit_count, leaders, units, [t[0] for t in members][:TOPICS_SHOWN]))
    return rows


def duplicated_topics(*, user: User, campaign: Campaign) -> list[DuplicatedTopic]:
    """Every duplicated topic in the user's scope (see duplicated_topics_page)."""
    return duplicated_topics_page(user=user, campaign=campaign)[0]
