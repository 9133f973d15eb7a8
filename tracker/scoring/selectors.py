"""Reads of the assessment score: one function computes every unit's score and its components.

Derived on read from the tasks (one grouped query for the whole scope), so there is no stored
number to drift and nothing to recount. Template tasks only (self-chosen ones are the unit's own
choice and weigh nothing); archived tasks are out, as in every count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Case, F, FloatField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Greatest, Least
from django.db.models.lookups import GreaterThan

from tracker.campaigns.models import Campaign
from tracker.core.types import AnyUser
from tracker.orgs.models import Unit
from tracker.orgs.scope import scope_for
from tracker.scoring.models import ScoreSettings
from tracker.work.models import OPEN_STATUSES, Task, TaskStatus

SORTS = ("score", "completion", "on_time", "late", "unit")


@dataclass(frozen=True)
class UnitScore:
    unit_id: int
    unit_name: str
    unit_path: str
    weight: int  # the sum of the template weights of the unit's tasks
    completion: float  # 0–1: weighted mean progress
    on_time: float  # 0–1: weighted share of the tasks due so far handed in by their due date
    late: float  # 0–1: weighted share of the tasks returned, or open past their due date
    score: float  # 0–100

    def component(self, name: str) -> Any:
        return self.unit_path if name == "unit" else getattr(self, name)


def score_settings(campaign: Campaign) -> ScoreSettings:
    """The campaign's parameters, or the defaults (unsaved) until the office sets them."""
    return ScoreSettings.objects.filter(campaign=campaign).first() or ScoreSettings(campaign=campaign)


def _sum(weight: Combinable, condition: Q | None = None) -> Coalesce:
    return Coalesce(Cast(Sum(weight, filter=condition), FloatField()), Value(0.0))


def score_fields(settings: ScoreSettings, today: date) -> dict[str, Any]:
    """The documented formula (README "Scoring") as aggregates over a unit's tasks, in SQL.

    One definition for the score page, its export and the matrix's sortable column.
    """
    weight = F("template__weight")
    due = Q(due_on__lt=today)
    handed_in = Q(status__in=[TaskStatus.SUBMITTED, TaskStatus.DONE], submitted_at__isnull=False) & Q(
        submitted_at__date__lte=F("due_on")
    )
    total = _sum(weight)
    completion = _sum(weight * F("progress")) / Greatest(total * 100, Value(1.0))
    due_weight = _sum(weight, due)
    on_time = Case(
        When(GreaterThan(due_weight, 0), then=_sum(weight, due & handed_in) / Greatest(due_weight, Value(1.0))),
        default=Value(1.0),
        output_field=FloatField(),
    )
    late = _sum(weight, Q(status=TaskStatus.RETURNED) | (due & Q(status__in=OPEN_STATUSES))) / Greatest(
        total, Value(1.0)
    )
    weights = max(1, settings.completion_weight + settings.on_time_weight)
    positive = (completion * settings.completion_weight + on_time * settings.on_time_weight) * 100.0 / weights
    score = Greatest(Value(0.0), Least(Value(100.0), positive - late * float(settings.late_penalty)))
    return {"weight": Sum(weight), "completion": completion, "on_time": on_time, "late": late, "score": score}


def scored_tasks(campaign: Campaign) -> QuerySet[Task]:
    """The tasks a score counts: the campaign's required-action tasks, archived ones out."""
    return Task.objects.filter(campaign=campaign, archived_at__isnull=True, template__isnull=False)


def score_subquery(*, campaign: Campaign, today: date, outer: str = "pk") -> Subquery:
    """A unit's score as a correlated subquery, to annotate and sort a Unit queryset by."""
    fields = score_fields(score_settings(campaign), today)
    rows = scored_tasks(campaign).filter(unit_id=OuterRef(outer)).values("unit_id").annotate(score=fields["score"])
    return Subquery(rows.values("score")[:1], output_field=FloatField())


def unit_scores(
    *, user: AnyUser, campaign: Campaign, today: date, sort: str = "-score", unit_ids: list[int] | None = None
) -> list[UnitScore]:
    """Every unit in the user's scope with required-action tasks, scored and sorted (`-`: descending)."""
    scope = scope_for(user)
    if unit_ids is None:
        tasks = scored_tasks(campaign).filter(scope.unit_q("unit__"))
    else:  # a page of units: the scope is checked on those units, not on every unit of a province
        tasks = scored_tasks(campaign).filter(unit_id__in=Unit.objects.filter(scope.unit_q(), pk__in=unit_ids))
    # The annotations are built from a dict, which the stubs cannot follow: rows are plain dicts.
    query: Any = tasks.values("unit_id", "unit__name", "unit__path")
    rows: Iterable[dict[str, Any]] = query.annotate(**score_fields(score_settings(campaign), today)).order_by()
    scores = [
        UnitScore(
            unit_id=row["unit_id"],
            unit_name=row["unit__name"],
            unit_path=row["unit__path"],
            weight=row["weight"] or 0,
            completion=row["completion"],
            on_time=row["on_time"],
            late=row["late"],
            score=round(row["score"], 1),
        )
        for row in rows
    ]
    key = sort.removeprefix("-")
    if key not in SORTS:
        key, sort = "score", "-score"
    scores.sort(key=lambda s: s.unit_path)  # ties keep the tree order
    scores.sort(key=lambda s: s.component(key), reverse=sort.startswith("-"))
    return scores


def scores_by_unit(*, user: AnyUser, campaign: Campaign, today: date, units: list[Unit]) -> dict[int, UnitScore]:
    """The scores of a page of units (the matrix's score column), in one query."""
    found = unit_scores(user=user, campaign=campaign, today=today, unit_ids=[u.pk for u in units])
    return {score.unit_id: score for score in found}
