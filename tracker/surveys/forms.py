from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.surveys.models import Helped, Score

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class AnswerForm(forms.Form):
    """The public questionnaire: a few questions and a satisfaction score, phone-first."""

    aware = forms.TypedChoiceField(
        label=_("Did you know about this work before today?"),
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    helped = forms.ChoiceField(
        label=_("Has it helped you or your family?"), choices=Helped.choices, widget=forms.RadioSelect
    )
    score = forms.TypedChoiceField(
        label=_("Overall, how satisfied are you?"), choices=Score.choices, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comments and suggestions (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    code = forms.CharField(label=_("Code printed on your slip"), required=False, max_length=16)

    def __init__(self, *args, uses_codes: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if uses_codes:
            self.fields["code"].required = True
        else:
            del self.fields["code"]


class SurveyOpenForm(forms.Form):
    public_title = forms.CharField(
        label=_("Title shown to the public"),
        max_length=200,
        help_text=_("The public sees only this title and your unit's name, nothing else from the ledger."),
    )
    ends_on = forms.DateField(label=_("Last day for answers"), widget=forms.DateInput(attrs={"type": "date"}))
    uses_codes = forms.BooleanField(label=_("Answers need a one-time code printed on a slip"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ends_on"].initial = timezone.localdate() + timedelta(days=30)


class CodesForm(forms.Form):
    count = forms.IntegerField(label=_("How many codes"), min_value=1, max_value=500, initial=50)
