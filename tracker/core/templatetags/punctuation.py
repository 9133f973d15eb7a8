"""Punctuation around translated labels and notes, in the reader's language.

Chinese text takes full-width punctuation (负责人：某某, （备注）), English half-width; a colon or
a bracket typed into a template between two translated pieces would be wrong in one of them.
"""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext

register = template.Library()


@register.simple_tag
def colon() -> str:
    """`{% translate "Owner" %}{% colon %}{{ name }}`: "Owner: name" / "负责人：name"."""
    return pgettext("punctuation after a label", ": ")


@register.simple_tag
def paren(text: object) -> SafeString:
    """`{% paren note %}`: the note in brackets, "(note)" / "（note）", escaped."""
    return mark_safe(pgettext("punctuation around a note", "(%(text)s)") % {"text": conditional_escape(str(text))})
