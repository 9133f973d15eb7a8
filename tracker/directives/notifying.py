"""Every "tell these people" of the directives goes through `tell`, which hands it to the
notification centre (tracker.notify: the bell, and each person's channels through the outbox).

Each key names one event ("assignment:12", "assignment:12:urge:2026-11-27"), so a person is told
of it once. What was told is also kept in `SENT` (bounded), which the tests read.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from tracker.core.types import User
from tracker.notify.services import notify

log = logging.getLogger("tracker.directives")


@dataclass(frozen=True)
class Told:
    recipients: tuple[int, ...]
    kind: str
    key: str
    subject: str
    body: str
    url: str
    by: int | None


# The last messages "sent", newest last (bounded: a long-running process must not grow).
SENT: deque[Told] = deque(maxlen=1000)


def tell(*, recipients: Iterable[int], kind: str, key: str, subject: str, body: str, url: str, by: User | None) -> Told:
    """Tell the users `recipients` (ids) about something; `key` identifies the thing told about."""
    told = Told(
        recipients=tuple(sorted(set(recipients))),
        kind=kind,
        key=key,
        subject=str(subject),
        body=str(body),
        url=url,
        by=by.pk if by else None,
    )
    SENT.append(told)
    log.info("tell %s %s to %s", kind, key, told.recipients)
    notify(recipients=told.recipients, kind=kind, key=key, step="told", subject=subject, body=body, url=url, by=by)
    return told
