"""Form helpers shared by the apps' views."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def attach_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
