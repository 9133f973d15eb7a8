"""A Celery job runs on the campaign of the request that queued it.

`current_campaign()` reads a context variable that the middleware sets per request; a job runs
in a worker, far from that request. So the id travels with the message: stamped into its
headers when it is published, and activated around the task in the worker. Jobs that take a
campaign id explicitly (the briefing, the roll-ups) are unaffected; a job queued outside any
request (beat) runs on the default campaign, as before.
"""

from __future__ import annotations

from contextvars import Token
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

from tracker.campaigns import selectors

HEADER = "tracker_campaign_id"
_tokens: dict[str, Token] = {}


@before_task_publish.connect(dispatch_uid="campaigns_stamp_job")
def stamp_campaign(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    campaign_id = selectors.active_campaign_id()
    if headers is not None and campaign_id is not None:
        headers[HEADER] = campaign_id


def _header(task: Any) -> int | None:
    request = getattr(task, "request", None)
    value = request.get(HEADER) if request is not None else None
    if value is None and request is not None:
        value = (getattr(request, "headers", None) or {}).get(HEADER)
    return int(value) if value is not None else None


@task_prerun.connect(dispatch_uid="campaigns_activate_job")
def activate_campaign(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    campaign_id = _header(task)
    if task_id and campaign_id is not None:
        _tokens[task_id] = selectors.activate_id(campaign_id)


@task_postrun.connect(dispatch_uid="campaigns_deactivate_job")
def deactivate_campaign(task_id: str | None = None, **kwargs: Any) -> None:
    token = _tokens.pop(task_id or "", None)
    if token is not None:
        selectors.deactivate(token)
