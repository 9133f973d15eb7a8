"""Every "tell these people" of the directives goes through `tell`.

For now it only records what it would send (kept in `SENT`, and logged), so tests can assert who
is told; the notification centre takes it over by replacing the body of this one function.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from tracker.core.types import User

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
    return told
