"""One import job through the user's rights (see tracker.orgs.access)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from tracker.core.types import AnyUser
from tracker.imports.models import ImportJob
from tracker.orgs.access import access
from tracker.orgs.scope import scope_for


def require_importer(user: AnyUser) -> None:
    """Imports add units and people: only those who manage units (the office) get past, others 403."""
    if not scope_for(user).manages_units:
        raise PermissionDenied


def access_import_job(user: AnyUser, pk: int) -> ImportJob:
    """The user's own job, without the parsed rows (megabytes the polled page never needs)."""
    require_importer(user)
    return access(ImportJob.objects.defer("rows").select_related("job"), user, pk=pk)
