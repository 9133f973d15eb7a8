"""One job through the user's rights: only its owner sees it; anyone else gets 404 (logged as a probe)."""

from __future__ import annotations

import logging

from django.http import Http404

from tracker.core.types import AnyUser
from tracker.jobs.models import Job

log = logging.getLogger("tracker.access")


def access_job(user: AnyUser, pk: int) -> Job:
    try:
        return Job.objects.for_user(user).get(pk=pk)
    except Job.DoesNotExist:
        log.warning(
            "out-of-scope or missing %s %s requested by user %s", Job._meta.label, pk, getattr(user, "pk", None)
        )
        raise Http404 from None
