"""Checks on free text shared by forms and services: length, and no invisible control characters.

HTML needs no check here: templates escape everything, so `<script>` is stored as typed and
shown as text. Control characters are refused instead because they cannot be seen, break
Excel exports and XML (Word briefings), and bidi overrides can disguise a file name.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# C0 controls except tab/newline/carriage return, DEL, C1 controls, and the bidi overrides.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Whitespace (NBSP and the full-width space U+3000 included: `\s` is Unicode-aware) and the
# zero-width characters that paste in from Word and WeChat, at either end of a text.
INVISIBLE_EDGES = re.compile("^[\\s\u200b\u200c\u200d\u2060\ufeff]+|[\\s\u200b\u200c\u200d\u2060\ufeff]+$")


def visible_text(value: str | None) -> str:
    """The text without invisible characters at its ends: what a person sees is what counts as empty."""
    return INVISIBLE_EDGES.sub("", value or "")


def safe_filename(name: str) -> str:
    """A user's file name fit to show and to send back in Content-Disposition: no control characters at all."""
    return CONTROL_CHARACTERS.sub("_", re.sub(r"[\t\r\n]", "_", name))[:255]


def validate_plain_text(value: str) -> None:
    if value and not visible_text(value):
        raise ValidationError(
            _("Only invisible characters were entered here: type the text, or leave the field empty."),
            code="invisible",
        )
    if value and CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _("Remove the invisible control characters from this text (often pasted in by accident)."),
            code="control_characters",
        )


def check_text(
    errors: dict[str, list[str]],
    field: str,
    value: str | None,
    *,
    max_length: int,
    required: str | None = None,
    too_long: str | None = None,
) -> str:
    """The stripped text; whatever is wrong with it goes into `errors[field]`.

    `required` is the message for an empty value; without it empty text is fine. `too_long`
    replaces the generic length message and may use %(n)d.
    """
    text = visible_text(value)
    problems = errors.setdefault(field, [])
    if not text and required:
        problems.append(required)
    if len(text) > max_length:
        problems.append((too_long or _("Keep it under %(n)d characters.")) % {"n": max_length})
    try:
        validate_plain_text(text)
    except ValidationError as exc:
        problems.extend(exc.messages)
    if not problems:
        del errors[field]
    return text


class PlainTextFormMixin:
    """Every text field of the form refuses control characters, with the same message as the services."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django import forms

        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(validate_plain_text)
