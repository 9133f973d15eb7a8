"""Writes of the ledgers. Views, the demo builder and tests all come through here.

Each write checks the role against the one access rule, validates the row against the model's
invariants, writes inside one transaction (files included: a failure leaves no file behind),
and brings the unit's tasks counted from that ledger up to date (`progress.tasks_sync`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from functools import partial
from typing import Any, TypeVar, cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.campaigns.models import Campaign
from tracker.core.concurrency import check_version
from tracker.core.history import stamp_change
from tracker.core.types import Upload, User
from tracker.ledgers.models import (
    RECTIFICATION_OPEN,
    Institution,
    LedgerRow,
    RectificationEvent,
    RectificationEventKind,
    RectificationEvidence,
    RectificationItem,
    RectificationKind,
    RectificationMilestone,
    RectificationSource,
    RectificationStatus,
    ResearchVisit,
)
from tracker.ledgers.progress import tasks_sync
from tracker.ledgers.registry import LEDGERS
from tracker.ledgers.selectors import NearbyVisit, visit_crowding
from tracker.orgs.access import require
from tracker.orgs.models import Unit
from tracker.orgs.scope import scope_for
from tracker.work.uploads import evidence_problems

MAX_FILES = 10
Row = TypeVar("Row", bound=LedgerRow)


class CrowdingNotConfirmed(Exception):
    """Others visited the site within the window; the visit is saved only when the user confirms with a reason.

    `reason_missing` is set when the user confirmed but gave no reason.
    """

    def __init__(self, nearby: list[NearbyVisit], *, reason_missing: bool = False):
        super().__init__("crowded research site")
        self.nearby = nearby
        self.reason_missing = reason_missing


_require_edit = partial(require, need="edit")
_require_review = partial(require, need="review")


def _check_files(files: Sequence[Upload], field: str = "files") -> None:
    if errors := evidence_problems(files, limit=MAX_FILES, too_many=_("At most %(n)d files at a time.")):
        raise ValidationError({field: errors})


def _cleaning_up_files(write: Callable[[list[FieldFile]], Row]) -> Row:
    """Run a write that stores files; if it fails, the rows roll back and the stored files are removed."""
    stored: list[FieldFile] = []
    try:
        with transaction.atomic():
            return write(stored)
    except Exception:
        for file in stored:
            if file.name:
                file.storage.delete(file.name)
        raise


def _store_evidence(item: RectificationItem, files: Sequence[Upload], by: User, stored: list[FieldFile]) -> None:
    for upload in files:
        evidence = RectificationEvidence(
            item=item,
            original_name=(upload.name or "")[:255],
            size=upload.size or 0,
            content_type=(getattr(upload, "content_type", "") or "")[:100],
            uploaded_by=by,
        )
        evidence.file.save(upload.name or "evidence", upload, save=False)
        stored.append(evidence.file)
        evidence.save()


_NOT_DATA = {"id", "campaign", "unit", "created_by", "version", "deleted_at", "deleted_by", "created_at", "updated_at"}


def _apply(row: LedgerRow, data: Mapping[str, Any], stored: list[FieldFile]) -> dict[str, Any]:
    """Set the row's fields from `data`; returns the many-to-many values to set after saving."""
    many = {}
    for name, value in data.items():
        field = row._meta.get_field(name)
        if name in _NOT_DATA or name in row.WORKFLOW_FIELDS or not field.editable:
            # Who, where, when and the workflow state are set by the services, never by input.
            raise ValueError(f"{name} is not set from a ledger form")
        if field.many_to_many:
            many[name] = value
        elif isinstance(field, models.FileField):
            # A form showing the current document hands it back unchanged: only a new upload replaces it.
            if isinstance(value, UploadedFile):
                _check_files([value], field=name)
                getattr(row, name).save(value.name or name, value, save=False)
                stored.append(getattr(row, name))
                if isinstance(row, Institution):
                    row.document_name = (value.name or "")[:255]
        else:
            setattr(row, name, value)
    return many


def _check_crowding(row: LedgerRow, by: User, confirm: bool, reason: str) -> None:
    """A visit to a crowded site is saved only when confirmed with a reason, which is kept on the row."""
    if not isinstance(row, ResearchVisit):
        return
    nearby = visit_crowding(visit=row, user=by)
    reason = reason.strip()
    if nearby and not (confirm and reason):
        raise CrowdingNotConfirmed(nearby, reason_missing=confirm)
    row.crowding_confirmed = bool(nearby)
    row.crowding_reason = reason[:500] if nearby else ""


def ledger_row_create(
    *,
    ledger: str,
    campaign: Campaign,
    unit: Unit,
    by: User,
    data: Mapping[str, Any],
    files: Sequence[Upload] = (),
    confirm_crowding: bool = False,
    crowding_reason: str = "",
) -> LedgerRow:
    """Record a row in one of the unit's ledgers; tasks counted from that ledger advance with it."""
    _require_edit(by, unit)
    spec = LEDGERS[ledger]
    if files:
        _check_files(files)

    def write(stored: list[FieldFile]) -> LedgerRow:
        row = spec.model(campaign=campaign, unit=unit, created_by=by)
        many = _apply(row, data, stored)
        row.full_clean()
        _check_crowding(row, by, confirm_crowding, crowding_reason)
        stamp_change(row, by=by, reason="created")
        row.save()
        for name, values in many.items():
            getattr(row, name).set(_own_rows(unit, values))
        if isinstance(row, RectificationItem):
            _store_evidence(row, files, by, stored)
            RectificationEvent.objects.create(item=row, kind=RectificationEventKind.CREATED, actor=by)
        tasks_sync(row=row, by=by)
        return row

    return _cleaning_up_files(write)


def _own_rows(unit: Unit, values: Iterable[LedgerRow] | None) -> list[LedgerRow]:
    """Linked rows (an institution's problems) must be the unit's own; anything else is refused."""
    values = list(values or [])
    if any(value.unit_id != unit.pk for value in values):
        raise ValidationError(_("Only the unit's own rows can be linked."))
    return values


def _lock(row: Row, expected_version: int | None) -> Row:
    """Re-read the row under a row lock and refuse a save from an outdated page."""
    # select_for_update needs the surrounding transaction.atomic of the caller.
    locked = type(row).all_objects.select_for_update().select_related("campaign", "unit").get(pk=row.pk)
    if locked.deleted_at is not None:
        raise ValidationError(_("This row was deleted."))
    check_version(locked, expected_version)
    return cast("Row", locked)  # the same model as `row`, re-read


def ledger_row_update(
    *,
    row: Row,
    by: User,
    data: Mapping[str, Any],
    expected_version: int,
    files: Sequence[Upload] = (),
    confirm_crowding: bool = False,
    crowding_reason: str = "",
) -> Row:
    """Change a row the unit recorded; a row closed out or awaiting verification cannot change."""
    _require_edit(by, row.unit)
    if files:
        _check_files(files)

    def write(stored: list[FieldFile]) -> Row:
        locked = _lock(row, expected_version)
        if not locked.is_editable:
            raise ValidationError(_("This row is closed and can no longer be changed."))
        before = _visit_place(locked)
        many = _apply(locked, data, stored)
        locked.full_clean()
        if _visit_place(locked) != before:
            _check_crowding(locked, by, confirm_crowding, crowding_reason)
        locked.version += 1
        stamp_change(locked, by=by, reason="edited")
        locked.save()
        for name, values in many.items():
            getattr(locked, name).set(_own_rows(locked.unit, values))
        if isinstance(locked, RectificationItem):
            _store_evidence(locked, files, by, stored)
        tasks_sync(row=locked, by=by)
        return locked

    return _cleaning_up_files(write)


def _visit_place(row: LedgerRow) -> tuple[Any, ...]:
    """Where and when a visit went, and who led it: a change to any of them is checked for crowding again."""
    return tuple(getattr(row, name, None) for name in ("site_key", "visited_on", "leader_key"))


@transaction.atomic
def ledger_row_delete(*, row: Row, by: User, expected_version: int) -> Row:
    """Delete a row from the ledger: it disappears from lists, counts and tasks, and stays in history."""
    _require_edit(by, row.unit)
    locked = _lock(row, expected_version)
    if not locked.is_editable:
        raise ValidationError(_("This row is closed and can no longer be changed."))
    locked.deleted_at = timezone.now()
    locked.deleted_by = by
    locked.version += 1
    stamp_change(locked, by=by, reason="deleted")
    locked.save()
    tasks_sync(row=locked, by=by)
    return locked


@transaction.atomic
def ledger_row_restore(*, row: Row, by: User, expected_version: int | None) -> Row:
    """Bring a deleted row back into the ledger: it counts again towards its tasks."""
    _require_edit(by, row.unit)
    locked = cast("Row", type(row).all_objects.select_for_update().select_related("campaign", "unit").get(pk=row.pk))
    if locked.deleted_at is None:
        return locked  # a double click or a second tab: already back
    check_version(locked, expected_version)
    locked.deleted_at = None
    locked.deleted_by = None
    locked.version += 1
    stamp_change(locked, by=by, reason="restored")
    locked.save()
    tasks_sync(row=locked, by=by)
    return locked


# ------------------------------------------------------------------------------ rectification workflow


@transaction.atomic
def rectification_raise(*, campaign: Campaign, unit: Unit, by: User, data: Mapping[str, Any]) -> RectificationItem:
    """A guide (for a unit of their group) or the office raises a problem: it enters the unit's ledger."""
    _require_review(by, unit)
    item = RectificationItem(campaign=campaign, unit=unit, created_by=by, raised_by=by)
    _apply(item, data, [])
    item.source = RectificationSource.GUIDANCE if scope_for(by).guides(unit) else RectificationSource.SUPERIOR
    item.status = RectificationStatus.OPEN
    item.full_clean()
    stamp_change(item, by=by, reason="raised")
    item.save()
    RectificationEvent.objects.create(item=item, kind=RectificationEventKind.RAISED, actor=by)
    tasks_sync(row=item, by=by)
    return item


@transaction.atomic
def milestone_add(*, item: RectificationItem, by: User, title: str, due_on: date) -> RectificationMilestone:
    """Add a staged target (阶段目标) to a long-term item."""
    _require_edit(by, item.unit)
    locked = _lock(item, None)
    errors: dict[str, list[str]] = {}
    if locked.kind != RectificationKind.LONG_TERM:
        raise ValidationError(_("Only a long-term item has staged targets."))
    if not locked.is_editable:
        raise ValidationError(_("This row is closed and can no longer be changed."))
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Say what the staged target is.")]
    campaign = locked.campaign
    if due_on is not None and not campaign.starts_on <= due_on <= locked.deadline:
        errors["due_on"] = [
            _("A staged target falls between the campaign start and the item's deadline (%(end)s).")
            % {"end": locked.deadline.isoformat()}
        ]
    if errors:
        raise ValidationError(errors)
    milestone = RectificationMilestone(item=locked, title=title, due_on=due_on)
    milestone.full_clean()
    stamp_change(milestone, by=by)
    milestone.save()
    return milestone


@transaction.atomic
def milestone_reach(*, milestone: RectificationMilestone, by: User) -> RectificationMilestone:
    """Mark a staged target reached today."""
    item = milestone.item
    _require_edit(by, item.unit)
    locked = _lock(item, None)
    if not locked.is_editable:
        raise ValidationError(_("This row is closed and can no longer be changed."))
    milestone = RectificationMilestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.reached_on is None:
        milestone.reached_on = timezone.localdate()
        stamp_change(milestone, by=by)
        milestone.save()
        RectificationEvent.objects.create(
            item=locked, kind=RectificationEventKind.MILESTONE, actor=by, note=milestone.title
        )
    return milestone


def rectification_request_close(
    *,
    item: RectificationItem,
    by: User,
    expected_version: int,
    note: str,
    files: Sequence[Upload] = (),
    satisfaction: int | None = None,
) -> RectificationItem:
    """The unit says the problem is fixed and asks for close-out (销号), with evidence."""
    _require_edit(by, item.unit)
    errors: dict[str, list[str]] = {}
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("Say what was done to fix the problem.")]
    if satisfaction is not None and not 0 <= satisfaction <= 100:
        errors["satisfaction"] = [_("Satisfaction must be between 0 and 100.")]
    if errors:
        raise ValidationError(errors)
    if files:
        _check_files(files)

    def write(stored: list[FieldFile]) -> RectificationItem:
        locked = _lock(item, expected_version)
        if locked.status not in RECTIFICATION_OPEN:
            raise ValidationError(_("Only an item being fixed can be put forward for close-out."))
        if locked.milestones.filter(reached_on__isnull=True).exists():
            raise ValidationError(_("Reach every staged target before asking for close-out."))
        if locked.kind == RectificationKind.LONG_TERM and not locked.milestones.exists():
            raise ValidationError(_("A long-term item needs its staged targets before close-out."))
        _store_evidence(locked, files, by, stored)
        if not locked.files.exists():
            raise ValidationError({"files": [_("Attach evidence that the problem is fixed.")]})
        if satisfaction is not None:
            locked.satisfaction = satisfaction
        locked.status = RectificationStatus.REQUESTED
        locked.version += 1
        stamp_change(locked, by=by, reason="close-out requested")
        locked.save()
        RectificationEvent.objects.create(item=locked, kind=RectificationEventKind.REQUESTED, actor=by, note=note)
        tasks_sync(row=locked, by=by)
        return locked

    return _cleaning_up_files(write)


@transaction.atomic
def rectification_verify(
    *, item: RectificationItem, by: User, expected_version: int, note: str = ""
) -> RectificationItem:
    """The office or the unit's guidance group verifies the fix: the item is closed out."""
    _require_review(by, item.unit)
    locked = _lock(item, expected_version)
    if locked.status != RectificationStatus.REQUESTED:
        raise ValidationError(_("Only an item whose close-out was requested can be verified."))
    locked.status = RectificationStatus.CLOSED
    locked.closed_on = timezone.localdate()
    locked.closed_by = by
    locked.version += 1
    stamp_change(locked, by=by, reason="verified")
    locked.save()
    RectificationEvent.objects.create(
        item=locked, kind=RectificationEventKind.VERIFIED, actor=by, note=(note or "").strip()
    )
    tasks_sync(row=locked, by=by)
    return locked


@transaction.atomic
def rectification_return(*, item: RectificationItem, by: User, expected_version: int, reason: str) -> RectificationItem:
    """Send a close-out request back: the unit sees the reason and keeps fixing."""
    _require_review(by, item.unit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the item is returned, so the unit knows what to fix.")]})
    locked = _lock(item, expected_version)
    if locked.status != RectificationStatus.REQUESTED:
        raise ValidationError(_("Only an item whose close-out was requested can be returned."))
    locked.status = RectificationStatus.RETURNED
    locked.version += 1
    stamp_change(locked, by=by, reason="returned")
    locked.save()
    RectificationEvent.objects.create(item=locked, kind=RectificationEventKind.RETURNED, actor=by, note=reason)
    tasks_sync(row=locked, by=by)
    return locked
