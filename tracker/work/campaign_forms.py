"""Forms of the office's campaign page: a new campaign (from seeds/ or a clone) and a batch with its units."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Campaign
from tracker.campaigns.selectors import seed_definitions
from tracker.orgs.models import Unit, UnitCategory, UnitLevel

DATE = forms.DateInput(attrs={"type": "date"})


class CampaignCreateForm(forms.Form):
    source = forms.ChoiceField(label=_("Start from"))
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Letters, digits and hyphens, e.g. 2025-batch1.")
    )
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        seeds = [(f"seed:{name}", _("Definition %(file)s") % {"file": name}) for name in seed_definitions()]
        clones = [(f"clone:{c.pk}", _("Copy of %(name)s") % {"name": c.name}) for c in Campaign.objects.all()]
        self.fields["source"].choices = seeds + clones

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if Campaign.objects.filter(code=code).exists():
            raise forms.ValidationError(_("A campaign with this code exists already."))
        return code

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The end date must not be before the start date."))
        return data


class BatchForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200, initial="第一批")
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE)
    categories = forms.ModelMultipleChoiceField(
        label=_("Units of these categories"), queryset=UnitCategory.objects.all(), required=False
    )
    area = forms.ModelChoiceField(
        label=_("Units in this area"),
        queryset=Unit.objects.filter(level__in=[UnitLevel.CITY, UnitLevel.DISTRICT]),
        required=False,
    )
    unit_codes = forms.CharField(
        label=_("Units by code"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One unit code per line or separated by commas."),
    )

    def clean_unit_codes(self) -> list[int]:
        codes = {c.strip() for c in self.cleaned_data["unit_codes"].replace(",", "\n").splitlines() if c.strip()}
        found = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))
        missing = sorted(codes - found.keys())
        if missing:
            raise forms.ValidationError(_("Unknown unit codes: %(codes)s") % {"codes": "、".join(missing[:20])})
        return list(found.values())

    def clean(self):
        data = super().clean()
        if not (data.get("categories") or data.get("area") or data.get("unit_codes")):
            raise forms.ValidationError(_("Choose the batch's units: by category, by area or by code."))
        return data
