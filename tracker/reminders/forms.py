from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tracker.core.validators import validate_plain_text
from tracker.reminders.services import NOTE_MAX_CHARS


class UrgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the unit"),
        required=False,
        max_length=NOTE_MAX_CHARS,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: what you expect, by when."),
    )


class PreferenceForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of reminder mail"), choices=settings.LANGUAGES)
    receive_digests = forms.BooleanField(
        label=_("Send me the weekly digest"),
        required=False,
        help_text=_("Reminders about due, overdue and escalated tasks are always sent."),
    )
