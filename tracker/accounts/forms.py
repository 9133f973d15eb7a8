"""The login form: Django's, plus a clear word when the directory could not be reached."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

# Set on the request by tracker.accounts.directory when the directory server did not answer.
OUTAGE_FLAG = "directory_unavailable"


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "directory_unavailable": _(
            "The directory server cannot be reached just now, so directory passwords cannot be "
            "checked. Accounts with a password set in this system can still log in; otherwise "
            "try again later or ask your office."
        ),
    }

    def clean(self) -> dict:
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, OUTAGE_FLAG, False):
                raise forms.ValidationError(
                    self.error_messages["directory_unavailable"], code="directory_unavailable"
                ) from None
            raise
