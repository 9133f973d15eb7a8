"""Reads of the campaign definition, and which campaign a request or job works on.

`current_campaign()` is called all over the app. The campaign it returns is, in order: the one
activated for this request or job (`activated(...)`; the middleware activates the person's
choice from the switcher), else the default: the open active campaign that started last. It
works like `translation.activate`: a context variable, so threads and Celery jobs do not leak
one person's choice into another's work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from django.db.models import F
from django.http import Http404

from tracker.campaigns.models import Batch, Campaign, CampaignChoice, Participation, Window
from tracker.core.types import AnyUser, User
from tracker.orgs.models import Role, Unit
from tracker.orgs.scope import scope_for

# A Campaign (a job or command activated it), or the id a person chose (the middleware), or None.
_active: ContextVar[Campaign | int | None] = ContextVar("active_campaign", default=None)


def default_campaign() -> Campaign | None:
    """The campaign the app runs when nobody chose one: the active one that started last.

    Closing a campaign makes it inactive (campaign_close), so the default is never an archive.
    """
    return Campaign.objects.filter(is_active=True).order_by("-starts_on").first()


def current_campaign() -> Campaign | None:
    """The campaign this request or job works on (see the module docstring), or None before seeding."""
    active = _active.get()
    if isinstance(active, Campaign):
        return active
    if active is not None:
        chosen = Campaign.objects.filter(pk=active).first()
        if chosen is not None:
            return chosen
    return default_campaign()


def current_campaign_or_404() -> Campaign:
    """The current campaign, for pages that make no sense without one."""
    campaign = current_campaign()
    if campaign is None:
        raise Http404("no active campaign")
    return campaign


@contextmanager
def activated(campaign: Campaign | None) -> Iterator[Campaign | None]:
    """Run the block with `campaign` as the current campaign (None: the default)."""
    token = _active.set(campaign)
    try:
        yield campaign
    finally:
        _active.reset(token)


@contextmanager
def activated_id(campaign_id: int | None) -> Iterator[None]:
    """Run the block with the campaign of this id as the current one (read when first asked for)."""
    token = _active.set(campaign_id)
    try:
        yield
    finally:
        _active.reset(token)


def active_campaign_id() -> int | None:
    """The id of the campaign activated for this request or job (None: the default applies)."""
    active = _active.get()
    return active.pk if isinstance(active, Campaign) else active


def activate_id(campaign_id: int | None) -> Token[Campaign | int | None]:
    """Activate without a `with` block (Celery's prerun/postrun signals); undo with `deactivate`."""
    return _active.set(campaign_id)


def deactivate(token: Token[Campaign | int | None]) -> None:
    _active.reset(token)


def chosen_campaign(*, user: User) -> Campaign | None:
    """The campaign the person chose in the switcher, if they chose one that still exists."""
    choice = CampaignChoice.objects.filter(user=user).select_related("campaign").first()
    return choice.campaign if choice else None


def switchable_campaigns() -> list[Campaign]:
    """Every campaign the switcher offers: running ones first, then the archive, newest first."""
    order = (F("closed_on").asc(nulls_first=True), "-starts_on")
    return list(
        Campaign.objects.order_by(*order).only("id", "code", "name_zh", "name_en", "starts_on", "ends_on", "closed_on")
    )


def batches(*, campaign: Campaign) -> list[Batch]:
    return list(campaign.batches.all())


def unit_windows(*, campaign: Campaign, unit_ids: list[int] | None = None) -> dict[int, Window]:
    """Each participating unit's own window in the campaign (batch's, overridden per unit)."""
    rows = Participation.objects.filter(campaign=campaign).select_related("batch", "campaign")
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    return {row.unit_id: row.window() for row in rows}


def has_participation_list(*, campaign: Campaign) -> bool:
    """Whether the campaign runs in batches: then only the units in a batch take part.

    Without batches every participating unit takes part; a participation row without a batch
    then only carries that unit's own window.
    """
    return campaign.batches.exists()


def campaign_named(code: str | None) -> Campaign | None:
    """The campaign of this code, for commands and jobs (`--campaign CODE`); without one the current."""
    return Campaign.objects.filter(code=code).first() if code else current_campaign()


def campaigns_editable(user: AnyUser) -> bool:
    """Campaigns are the whole city's: only the city-level office (or a superuser) creates and closes them."""
    scope = scope_for(user)
    if scope.is_superuser:
        return True
    if Role.OFFICE not in scope.roles or not scope.manage_paths:
        return False
    return Unit.objects.filter(parent__isnull=True, path__in=scope.manage_paths).exists()


def seed_definitions() -> list[str]:
    """The campaign definitions shipped in seeds/ (file names), for "create from a definition"."""
    from tracker.campaigns.seeding import SEEDS_DIR

    return sorted(path.name for path in SEEDS_DIR.glob("*.yaml"))
