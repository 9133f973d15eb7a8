"""API tokens: a key an upper-level system or BI tool reads with, acting with one person's scope."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """One token. Only a SHA-256 digest of the secret is stored; the token is shown once, when made.

    A token reads exactly what its person may read (their roles' scope, at the time of each request);
    revoking it, disabling the person or removing their roles ends what it can do.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("person")
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. the upper-level system")
    )
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"ct_{self.prefix}… ({self.name})"
