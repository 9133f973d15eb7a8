from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 366


class BriefingForm(forms.Form):
    # A native date picker reads and writes ISO dates only, whatever the page's language.
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    @classmethod
    def last_week(cls) -> dict:
        today = timezone.localdate()
        return {"starts_on": today - timedelta(days=6), "ends_on": today}

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on:
            if ends_on < starts_on:
                self.add_error("ends_on", _("The end date must not be before the start date."))
            elif (ends_on - starts_on).days > MAX_DAYS:
                self.add_error("ends_on", _("A briefing covers at most one year."))
        return data
