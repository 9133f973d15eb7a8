"""The security officer's record: logins, failed logins and refused requests, one row each."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditKind(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    FORBIDDEN = "forbidden", _("Refused (403)")
    NOT_IN_SCOPE = "not_in_scope", _("Outside scope (404)")


class AuditEvent(models.Model):
    """ "张三 asked for /tasks/812/ at 10:02 from 10.1.2.3 and was refused: not in scope".

    Written once, never changed; the office reads its subtree's people's rows (tracker.ops.audit).
    """

    kind = models.CharField(_("event"), max_length=14, choices=AuditKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)  # as typed, for failed logins
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(_("address"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["user", "at"], name="audit_user_at")]

    def __str__(self) -> str:
        return f"{self.kind} · {self.username} · {self.at:%Y-%m-%d %H:%M}"
