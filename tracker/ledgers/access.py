"""One ledger row, staged target or file through the user's scope and rights (see tracker.orgs.access)."""

from __future__ import annotations

from tracker.core.types import AnyUser
from tracker.ledgers.models import Institution, LedgerRow, RectificationEvidence, RectificationMilestone
from tracker.ledgers.registry import LedgerSpec
from tracker.orgs.access import access
from tracker.orgs.scope import Need


def access_ledger_row(user: AnyUser, spec: LedgerSpec, pk: int, need: Need = "view") -> LedgerRow:
    """A live row of the ledger `spec` with its unit and campaign."""
    return access(spec.model.objects.select_related("unit", "campaign"), user, need, pk=pk)


def access_milestone(user: AnyUser, pk: int, need: Need = "view") -> RectificationMilestone:
    """A staged target of a live rectification item."""
    milestones = RectificationMilestone.objects.filter(item__deleted_at__isnull=True).select_related("item__unit")
    return access(milestones, user, need, pk=pk)


def access_rectification_evidence(user: AnyUser, pk: int) -> RectificationEvidence:
    """A file of a live rectification item."""
    return access(RectificationEvidence.objects.filter(item__deleted_at__isnull=True), user, pk=pk)


def access_institution_document(user: AnyUser, pk: int) -> Institution:
    """An institution row that has a document to download."""
    return access(Institution.objects.exclude(document=""), user, pk=pk)
