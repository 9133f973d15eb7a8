"""Reads of the public surveys: one survey's tally, and the office's table per unit, area and measure."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from tracker.campaigns.models import Campaign
from tracker.core.types import User
from tracker.ledgers.models import DeedArea
from tracker.surveys.models import SATISFIED_FROM, Survey


@dataclass
class Tally:
    """Answers and how satisfied they were: 满意率 is the share answering "fairly satisfied" or better."""

    responses: int = 0
    satisfied: int = 0
    score_sum: float = 0.0

    @property
    def satisfaction(self) -> int | None:
        return round(self.satisfied * 100 / self.responses) if self.responses else None

    @property
    def mean_score(self) -> float | None:
        return round(self.score_sum / self.responses, 2) if self.responses else None

    def add(self, other: Tally) -> None:
        self.responses += other.responses
        self.satisfied += other.satisfied
        self.score_sum += other.score_sum


@dataclass
class SurveyRow:
    survey: Survey
    tally: Tally
    measure: str
    area: str
    self_reported: int | None


@dataclass
class Results:
    rows: list[SurveyRow] = field(default_factory=list)
    by_unit: dict[str, Tally] = field(default_factory=dict)
    by_area: dict[str, Tally] = field(default_factory=dict)
    by_measure: dict[str, Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)


def _tallied(surveys: QuerySet[Survey]) -> QuerySet[Survey]:
    return surveys.annotate(
        n=Count("responses"),
        n_satisfied=Count("responses", filter=Q(responses__score__gte=SATISFIED_FROM)),
        mean=Avg("responses__score"),
    )


def _tally(survey: Survey) -> Tally:
    n = survey.n  # type: ignore[attr-defined]
    return Tally(responses=n, satisfied=survey.n_satisfied, score_sum=float(survey.mean or 0) * n)  # type: ignore[attr-defined]


def survey_tally(*, survey: Survey) -> Tally:
    """The answers to one survey so far (one query)."""
    return _tally(_tallied(Survey.objects.filter(pk=survey.pk)).get())


def survey_results(*, user: User, campaign: Campaign) -> Results:
    """Every survey in the user's scope with its tally, summed per unit, area and measure (one query)."""
    surveys = _tallied(
        Survey.objects.for_user(user).filter(campaign=campaign).select_related("unit", "deed", "item")
    ).order_by("unit__path", "id")
    results = Results()
    areas = dict(DeedArea.choices)
    for survey in surveys:
        tally = _tally(survey)
        if survey.deed is not None:
            measure, area, own = _("Practical deeds"), str(areas.get(survey.deed.area, "")), survey.deed.satisfaction
        else:
            measure, area = _("Rectification"), _("Public-facing rectification")
            own = survey.subject.satisfaction
        results.rows.append(SurveyRow(survey=survey, tally=tally, measure=measure, area=area, self_reported=own))
        for bucket, key in (
            (results.by_unit, survey.unit.name),
            (results.by_area, area),
            (results.by_measure, measure),
        ):
            bucket.setdefault(key, Tally()).add(tally)
        results.total.add(tally)
    return results
