"""One outbox mail through the user's rights and scope (see tracker.orgs.access)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from tracker.core.types import AnyUser
from tracker.orgs.access import access
from tracker.orgs.scope import scope_for
from tracker.reminders.models import OutboxMail


def require_outbox(user: AnyUser) -> None:
    """The outbox is the office's page: 403 for anyone else."""
    if not scope_for(user).manages_outbox:
        raise PermissionDenied


def access_outbox_mail(user: AnyUser, pk: int) -> OutboxMail:
    """A mail about at least one unit in the user's scope, for the office."""
    require_outbox(user)
    return access(OutboxMail.objects.all(), user, pk=pk)
