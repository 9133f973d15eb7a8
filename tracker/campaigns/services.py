"""Writes of campaigns, batches and who takes part: the office's own, never a developer's file edit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.campaigns.definition import CAMPAIGN_KEYS
from tracker.campaigns.models import Batch, Campaign, CampaignChoice, Participation, TaskTemplate
from tracker.core.history import stamp_change
from tracker.core.types import User
from tracker.orgs.models import Unit, UnitCategory

# What a clone copies from the campaign it starts from, besides the required actions: its names,
# citation and the settings a definition file carries (tracker.campaigns.definition).
CAMPAIGN_SETTINGS = ("name_zh", "name_en", "source_file", "source_line", "source_quote", *CAMPAIGN_KEYS)
TEMPLATE_FIELDS = (
    "code",
    "measure_id",
    "title_zh",
    "title_en",
    "description",
    "done_criteria",
    "evidence_expected",
    "due_anchor",
    "due_offset_days",
    "recurrence",
    "weight",
    "target_count",
    "order",
    "is_active",
    "ledger",
    "ledger_filter",
    "source_file",
    "source_line",
    "source_quote",
    "owner_unit_id",
)


class CampaignClosed(ValidationError):
    """A write to a closed campaign: it is a read-only archive."""


def campaign_check_open(campaign: Campaign) -> None:
    """Refuse any write to a closed campaign, with a message the person can act on."""
    if campaign.is_closed:
        raise CampaignClosed(
            _("%(name)s was closed on %(date)s and is kept as a read-only archive; switch to a running campaign.")
            % {"name": campaign.name, "date": campaign.closed_on}
        )


def campaign_choose(*, user: User, campaign: Campaign) -> CampaignChoice:
    """Remember the campaign the person works on; every page then shows that campaign."""
    choice, _created = CampaignChoice.objects.update_or_create(user=user, defaults={"campaign": campaign})
    return choice


@transaction.atomic
def campaign_close(*, campaign: Campaign, by: User | None, on: date | None = None) -> Campaign:
    """Close the campaign: it stops running (no tasks, no reminders) and stays as a read-only archive."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    campaign_check_open(campaign)
    campaign.closed_on = on or timezone.localdate()
    campaign.is_active = False
    stamp_change(campaign, by=by, reason=_("closed"))
    campaign.save()
    return campaign


@transaction.atomic
def campaign_clone(
    *, source: Campaign, code: str, name_zh: str, starts_on: date, ends_on: date, by: User | None, name_en: str = ""
) -> Campaign:
    """A new campaign with the settings and required actions of a past one, and its own dates.

    Batches and units are not copied: the office sets who takes part in the new run.
    """
    values = {field: getattr(source, field) for field in CAMPAIGN_SETTINGS}
    values.update(name_zh=name_zh, name_en=name_en)
    campaign = Campaign(code=code, starts_on=starts_on, ends_on=ends_on, is_active=True, **values)
    campaign.full_clean()
    stamp_change(campaign, by=by, reason=_("cloned from %(code)s") % {"code": source.code})
    campaign.save()
    for template in source.templates.prefetch_related("categories"):
        copy = TaskTemplate(campaign=campaign, **{field: getattr(template, field) for field in TEMPLATE_FIELDS})
        stamp_change(copy, by=by)
        copy.save()
        copy.categories.set(template.categories.all())
    return campaign


@transaction.atomic
def batch_create(
    *, campaign: Campaign, code: str, name_zh: str, starts_on: date, ends_on: date, name_en: str = "", order: int = 0
) -> Batch:
    campaign_check_open(campaign)
    batch = Batch(
        campaign=campaign,
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        starts_on=starts_on,
        ends_on=ends_on,
        order=order,
    )
    batch.full_clean()
    batch.save()
    return batch


def units_matching(
    *,
    categories: Iterable[UnitCategory] = (),
    area: Unit | None = None,
    unit_ids: Iterable[int] = (),
) -> list[int]:
    """Ids of the participating units chosen by category, by area (a subtree) or by list (any of)."""
    wanted = Q(pk__in=list(unit_ids))
    category_ids = [c.pk for c in categories]
    if category_ids:
        wanted |= Q(category_id__in=category_ids)
    if area is not None:
        wanted |= Q(path__startswith=area.path)
    return list(Unit.objects.filter(wanted, participates=True, category__isnull=False).values_list("pk", flat=True))


@transaction.atomic
def participation_set(*, campaign: Campaign, unit_ids: Iterable[int], batch: Batch | None = None) -> int:
    """Put the units in the campaign (and in `batch`); a unit already in another batch moves.

    A unit is in at most one batch of a campaign (unique constraint). Returns how many rows were
    written. Tasks follow with `tasks_generate` / `tasks_follow_windows` (tracker.work).
    """
    campaign_check_open(campaign)
    if batch is not None and batch.campaign_id != campaign.pk:
        raise ValidationError(_("The batch belongs to another campaign."))
    ids = set(unit_ids)
    existing = {
        p.unit_id: p for p in Participation.objects.select_for_update().filter(campaign=campaign, unit_id__in=ids)
    }
    batch_id = batch.pk if batch else None
    written = 0
    for unit_id in sorted(ids):
        row = existing.get(unit_id) or Participation(campaign=campaign, unit_id=unit_id)
        if row.pk and row.batch_id == batch_id:
            continue
        row.batch_id = batch_id
        row.save()
        written += 1
    return written


@transaction.atomic
def participation_window_set(
    *, participation: Participation, starts_on: date | None, ends_on: date | None, by: User | None
) -> Participation:
    """Override one unit's window inside the campaign (None: back to its batch's or the campaign's)."""
    row = (
        Participation.objects.select_for_update(of=("self",))
        .select_related("campaign", "batch")
        .get(pk=participation.pk)
    )
    campaign = row.campaign
    campaign_check_open(campaign)
    row.starts_on, row.ends_on = starts_on, ends_on
    window = row.window()
    if window.starts_on > window.ends_on:
        raise ValidationError(_("The unit's window ends before it starts."))
    if window.starts_on < campaign.starts_on or window.ends_on > campaign.ends_on:
        raise ValidationError(
            _("The unit's window must lie inside the campaign (%(start)s – %(end)s).")
            % {"start": campaign.starts_on, "end": campaign.ends_on}
        )
    stamp_change(row, by=by)
    row.save()
    return row


class SoftCapMoved(Exception):
    """The soft cap changed after the page showing it was loaded; the edit is refused (409)."""


@transaction.atomic
def campaign_soft_cap_set(*, campaign: Campaign, cap: int | None, seen: int | None, by: User | None) -> Campaign:
    """Set how many self-chosen tasks a unit adds before it sees a note (S2 l.28); None: no note.

    `seen` is the cap the office's page showed: if someone changed it meanwhile, nothing is saved.
    """
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    campaign_check_open(locked)
    if locked.self_chosen_soft_cap != seen:
        raise SoftCapMoved(locked.self_chosen_soft_cap)
    if cap == seen:
        return locked
    locked.self_chosen_soft_cap = cap
    locked.full_clean()
    stamp_change(locked, by=by, reason=_("self-chosen soft cap changed"))
    locked.save()
    return locked
