from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tracker.cases.services import CITATION_MAX


class ProposeForm(forms.Form):
    citation = forms.CharField(
        label=_("Why it is a model"),
        max_length=CITATION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences: what the unit did and why others should learn from it."),
    )


class DecideForm(forms.Form):
    feature = forms.TypedChoiceField(
        choices=[("1", _("Feature")), ("0", _("Decline"))], coerce=lambda value: value == "1"
    )
    note = forms.CharField(label=_("Note"), max_length=CITATION_MAX, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
