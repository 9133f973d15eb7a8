"""What happened to a person's access, beside the account's own history (tracker.accounts).

Password hashes never enter any history; what is kept is that a set-password link was issued,
by whom, or that the person asked for one by e-mail, or set a new password through one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountEventKind(models.TextChoices):
    LINK_ISSUED = "link_issued", _("Set-password link issued by the office")
    RESET_MAILED = "reset_mailed", _("Password reset link sent by e-mail")
    PASSWORD_SET = "password_set", _("New password set through a link")


class AccountEvent(models.Model):
    """One event of a person's access: "office 王五 issued a set-password link for 张三 at 10:02"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_events", verbose_name=_("person")
    )
    kind = models.CharField(_("event"), max_length=16, choices=AccountEventKind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        indexes = [models.Index(fields=["user", "-at"], name="account_event_user")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.kind} · {self.at:%Y-%m-%d %H:%M}"
