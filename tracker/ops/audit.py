"""The audit record: logins (signals), refused requests (middleware), and the office's reading of it.

What counts as refused: a PermissionDenied (403) and a row asked for outside the person's scope
(orgs.scope.NotInScope, the 404 that does not reveal whether the row exists). Other 404s (a typo
in an address) are not recorded. The office reads the rows of the people it manages (the same
rule as its accounts page: every role of the person lies in its subtree); the security officer
exports them with the logins per day.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from axes.helpers import get_client_ip_address
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from tracker.core.spreadsheets import row_cells, sheet_title
from tracker.core.types import AnyUser
from tracker.ops.models import AuditEvent, AuditKind
from tracker.orgs.scope import NotInScope, scope_for
from tracker.personnel.selectors import people

EXPORT_LIMIT = 100_000  # refused requests in one workbook; a longer period is exported in parts


def _record(kind: str, request: HttpRequest | None, *, user: Any = None, username: str = "") -> None:
    AuditEvent.objects.create(
        kind=kind,
        user=user if getattr(user, "pk", None) else None,
        username=(username or (user.get_username() if getattr(user, "pk", None) else ""))[:150],
        method=(request.method or "")[:8] if request else "",
        path=request.path[:300] if request else "",
        ip=get_client_ip_address(request) if request else None,
    )


@receiver(user_logged_in)
def _login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    _record(AuditKind.LOGIN, request, user=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is None:
        return  # a shell or a job checking a password, not someone at the door
    username = str(credentials.get("username", ""))
    known = get_user_model().objects.filter(username=username).first()
    _record(AuditKind.LOGIN_FAILED, request, user=known, username=username)


class AuditMiddleware:
    """Records refused requests of signed-in people (403, and 404 from the scope door)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if not getattr(request.user, "is_authenticated", False):
            return None
        if isinstance(exception, PermissionDenied):
            _record(AuditKind.FORBIDDEN, request, user=request.user)
        elif isinstance(exception, NotInScope):
            _record(AuditKind.NOT_IN_SCOPE, request, user=request.user)
        return None  # Django answers as usual (the 403 or 404 page)


# --- reading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(start=today - timedelta(days=days - 1), end=today)

    def q(self) -> Q:
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.combine(self.start, time.min), tz)
        end = timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), tz)
        return Q(at__gte=start, at__lt=end)


def audit_events(*, user: AnyUser, period: Period) -> QuerySet[AuditEvent]:
    """Events of the people the user's office manages, in the period (nothing for non-offices)."""
    scope = scope_for(user)
    events = AuditEvent.objects.filter(period.q())
    if not scope.is_superuser:
        events = events.filter(user__in=people().for_user(user).values("pk"))
    return events.select_related("user")


def refused(*, user: AnyUser, period: Period) -> QuerySet[AuditEvent]:
    return audit_events(user=user, period=period).filter(kind__in=[AuditKind.FORBIDDEN, AuditKind.NOT_IN_SCOPE])


@dataclass(frozen=True)
class Day:
    day: date
    logins: int
    failed: int
    people: int
    refused: int


def per_day(*, user: AnyUser, period: Period) -> list[Day]:
    rows = (
        audit_events(user=user, period=period)
        .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(
            logins=Count("pk", filter=Q(kind=AuditKind.LOGIN)),
            failed=Count("pk", filter=Q(kind=AuditKind.LOGIN_FAILED)),
            people=Count("user", filter=Q(kind=AuditKind.LOGIN), distinct=True),
            refused=Count("pk", filter=Q(kind__in=[AuditKind.FORBIDDEN, AuditKind.NOT_IN_SCOPE])),
        )
        .order_by("-day")
    )
    return [Day(r["day"], r["logins"], r["failed"], r["people"], r["refused"]) for r in rows]


def audit_workbook(*, user: AnyUser, period: Period) -> bytes:
    """Two sheets for the security officer: logins per day, and every refused request."""
    book = Workbook(write_only=True)
    days = book.create_sheet(sheet_title(_("Logins per day")))
    days.append(row_cells(days, [_("Date"), _("Logins"), _("People"), _("Failed logins"), _("Refused requests")]))
    for day in per_day(user=user, period=period):
        days.append([day.day, day.logins, day.people, day.failed, day.refused])
    sheet = book.create_sheet(sheet_title(_("Refused requests")))
    sheet.append(
        row_cells(
            sheet, [_("Time"), _("Person"), _("Username"), _("Kind"), _("Method"), _("Address"), _("Client address")]
        )
    )
    labels = dict(AuditKind.choices)
    rows = refused(user=user, period=period).values_list(
        "at", "user__first_name", "username", "kind", "method", "path", "ip"
    )
    for at, name, username, kind, method, path, ip in rows[:EXPORT_LIMIT].iterator(chunk_size=2000):
        local = timezone.localtime(at).replace(tzinfo=None)
        sheet.append(
            row_cells(sheet, [local, name or "", username, str(labels.get(kind, kind)), method, path, ip or ""])
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
