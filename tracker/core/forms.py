"""Form helpers shared by the apps' views."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def attach_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


DJANGO_EMPTY_LABEL = "---------"


def label_empty_choices(form: forms.BaseForm) -> None:
    """Put words in place of Django's "---------" first option: "Choose…", or "(none)" where it may stay empty."""
    for field in form.fields.values():
        empty = _("Choose…") if field.required else _("(none)")
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label == DJANGO_EMPTY_LABEL:
                field.empty_label = empty
        elif isinstance(field, forms.ChoiceField):
            choices = list(field.choices)  # type: ignore[arg-type]  # a choice field's choices are a list here
            if choices and choices[0] == ("", DJANGO_EMPTY_LABEL):
                field.choices = [("", empty), *choices[1:]]
