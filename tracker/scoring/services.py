"""Writes of the scoring: the city office sets the score's parameters (history kept, stale edits refused)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tracker.campaigns.models import Campaign
from tracker.core.concurrency import check_version
from tracker.core.history import stamp_change
from tracker.core.types import User
from tracker.orgs.access import is_city_office
from tracker.scoring.models import ScoreSettings


def score_settings_update(
    *,
    by: User,
    campaign: Campaign,
    completion_weight: int,
    on_time_weight: int,
    late_penalty: int,
    expected_version: int | None,
) -> ScoreSettings:
    """Set the parameters; only the city-level office does, since they rank every unit alike."""
    if not is_city_office(by):
        raise PermissionDenied(_("Only the city office sets how units are scored."))
    if completion_weight + on_time_weight == 0:
        raise ValidationError(_("Give completion or the on-time share a weight above zero."))
    with transaction.atomic():
        settings, _created = ScoreSettings.objects.select_for_update().get_or_create(campaign=campaign)
        if not _created:
            check_version(settings, expected_version)
            settings.version += 1
        settings.completion_weight = completion_weight
        settings.on_time_weight = on_time_weight
        settings.late_penalty = late_penalty
        stamp_change(settings, by=by)
        settings.save()
    return settings
