"""At login, carry the campaign the person last chose into the session (see campaigns.middleware)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from tracker.campaigns.middleware import remember
from tracker.campaigns.selectors import chosen_campaign
from tracker.core.types import User


@receiver(user_logged_in, dispatch_uid="campaigns_remember_choice")
def remember_chosen_campaign(sender, request, user: User, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    campaign = chosen_campaign(user=user)
    if campaign is not None:
        remember(request, campaign)
