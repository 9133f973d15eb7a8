"""Reads of model cases: the featured ones for everyone in scope, the proposals for reviewers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from tracker.campaigns.models import Campaign
from tracker.cases.models import CaseStatus, ModelCase
from tracker.core.types import AnyUser
from tracker.orgs.scope import scope_for

RELATED = ("unit", "task__template", "task__measure", "deed", "proposed_by", "decided_by")
PROPOSALS_SHOWN = 50


def featured_cases(*, user: AnyUser, campaign: Campaign) -> QuerySet[ModelCase]:
    """Featured cases of the user's units in the campaign, by unit."""
    return (
        ModelCase.objects.for_user(user)
        .filter(campaign=campaign, status=CaseStatus.FEATURED)
        .select_related(*RELATED)
        .order_by("unit__path", "id")
    )


@dataclass(frozen=True)
class Proposal:
    case: ModelCase
    may_decide: bool


def proposals(*, user: AnyUser, campaign: Campaign) -> list[Proposal]:
    """Open and declined proposals in the user's scope (guides and the office), open ones first."""
    scope = scope_for(user)
    if not scope.reviews_anything:
        return []
    rows = (
        ModelCase.objects.for_user(user)
        .filter(campaign=campaign, status__in=[CaseStatus.PROPOSED, CaseStatus.DECLINED])
        .select_related(*RELATED)
        .order_by("-status", "-updated_at", "-id")[:PROPOSALS_SHOWN]
    )
    return [Proposal(case=row, may_decide=scope.can_manage(row.unit)) for row in rows]
