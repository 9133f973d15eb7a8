from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tracker.people.models import RosterMember


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (.xlsx)"),
        help_text=_("Columns: unit code, name, post, on the leadership team (是/否). The first row holds the headers."),
    )


class MembershipForm(forms.Form):
    party_members = forms.IntegerField(label=_("Party members"), min_value=0, max_value=1_000_000)


class AttendanceForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    present = forms.ModelMultipleChoiceField(
        label=_("Attended"), queryset=RosterMember.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    speakers = forms.ModelMultipleChoiceField(
        label=_("Gave a talk (交流发言)"),
        queryset=RosterMember.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, roster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = roster
        self.fields["speakers"].queryset = roster


class TaskLeaderForm(forms.Form):
    leader = forms.ModelChoiceField(
        label=_("Responsible leader (一岗双责)"), queryset=RosterMember.objects.none(), required=False
    )

    def __init__(self, *args, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders


class PlanForm(forms.Form):
    site = forms.CharField(label=_("Site"), max_length=200)
    planned_on = forms.DateField(label=_("Planned date"), widget=forms.DateInput(attrs={"type": "date"}))
    leader_name = forms.CharField(label=_("Leading official"), max_length=100)
    purpose = forms.CharField(
        label=_("Purpose"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    crowding_reason = forms.CharField(
        label=_("Reason for going ahead despite the warning"), max_length=500, required=False
    )


class SuggestForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    suggested_on = forms.DateField(label=_("Suggested date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class RecordForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    visited_on = forms.DateField(label=_("Date of the visit"), widget=forms.DateInput(attrs={"type": "date"}))
    findings = forms.CharField(
        label=_("What was found"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
