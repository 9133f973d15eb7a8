"""Writes of model cases: a guide or the office proposes, the office features or declines.

`Task.is_featured` is derived from the case rows and written only here (`_sync_task_flag`), so
the unit's task page and the case list cannot disagree.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.campaigns.services import campaign_check_open
from tracker.cases.models import CaseStatus, ModelCase
from tracker.core.concurrency import check_version
from tracker.core.history import stamp_change
from tracker.core.types import User
from tracker.ledgers.models import PracticalDeed
from tracker.orgs.access import require
from tracker.orgs.scope import scope_for
from tracker.work.models import Task

CITATION_MAX = 200


def _citation(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ValidationError({"citation": _("Say in a sentence why this is a model case.")})
    if len(text) > CITATION_MAX:
        raise ValidationError({"citation": _("Keep the citation within %(max)s characters.") % {"max": CITATION_MAX}})
    return text


def _sync_task_flag(case: ModelCase) -> None:
    if case.task_id is not None:
        Task.objects.filter(pk=case.task_id).update(is_featured=case.status == CaseStatus.FEATURED)


@transaction.atomic
def case_propose(*, by: User, citation: str, task: Task | None = None, deed: PracticalDeed | None = None) -> ModelCase:
    """Propose the task or deed as a model case; the office responsible for its unit features it at once.

    A guide's proposal waits for the office. Proposing again a declined case reopens it.
    """
    subject = task if task is not None else deed
    if subject is None or (task is not None and deed is not None):
        raise ValueError("propose exactly one task or deed")
    unit, campaign = subject.unit, subject.campaign
    campaign_check_open(campaign)
    require(by, unit, "review")
    if task is not None and task.archived_at is not None:
        raise ValidationError(_("This task is archived; it cannot be proposed."))
    text = _citation(citation)
    lookup = {"task": task} if task is not None else {"deed": deed}
    case = ModelCase.objects.select_for_update().filter(**lookup).first()
    if case is not None and case.status == CaseStatus.FEATURED:
        raise ValidationError(_("This is already a featured model case."))
    if case is None:
        case = ModelCase(campaign=campaign, unit=unit, **lookup)
    else:
        case.version += 1
    case.citation, case.proposed_by, case.decision_note = text, by, ""
    if scope_for(by).can_manage(unit):
        case.status, case.decided_by, case.decided_at = CaseStatus.FEATURED, by, timezone.now()
    else:
        case.status, case.decided_by, case.decided_at = CaseStatus.PROPOSED, None, None
    stamp_change(case, by=by, reason=_("proposed"))
    case.save()
    _sync_task_flag(case)
    return case


@transaction.atomic
def case_decide(*, case: ModelCase, by: User, feature: bool, note: str = "", version: int | None = None) -> ModelCase:
    """The office features a proposed case or declines it (a featured one is withdrawn the same way)."""
    locked = ModelCase.objects.select_for_update(of=("self",)).select_related("unit", "campaign").get(pk=case.pk)
    check_version(locked, version)
    campaign_check_open(locked.campaign)
    if not scope_for(by).can_manage(locked.unit):
        raise PermissionDenied(_("Only the office responsible for the unit decides on model cases."))
    note = " ".join(note.split())
    if len(note) > CITATION_MAX:
        raise ValidationError({"note": _("Keep the note within %(max)s characters.") % {"max": CITATION_MAX}})
    wanted = CaseStatus.FEATURED if feature else CaseStatus.DECLINED
    if locked.status == wanted:
        return locked
    locked.status, locked.decided_by, locked.decided_at = wanted, by, timezone.now()
    locked.decision_note = note
    locked.version += 1
    stamp_change(locked, by=by, reason=_("featured") if feature else _("declined"))
    locked.save()
    _sync_task_flag(locked)
    return locked
