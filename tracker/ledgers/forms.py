"""Forms of the ledgers. They parse input and run the models' checks; the services decide and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tracker.core.forms import label_empty_choices
from tracker.ledgers.models import (
    ConversionItem,
    Institution,
    PracticalDeed,
    RectificationItem,
    ResearchReport,
    ResearchTopic,
    ResearchVisit,
    StudySession,
)
from tracker.ledgers.text import no_control_characters
from tracker.work.forms import DateInput, MultipleFileField


class LedgerForm(forms.ModelForm):
    """A ledger row's form: dates as native pickers, choices of the unit's own rows, the page's version."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
            elif isinstance(field, forms.ModelChoiceField):
                # Only the unit's own topics, reports or problems can be linked.
                field.queryset = field.queryset.model.objects.filter(unit=unit)
            if isinstance(field, forms.CharField) and name != "version":
                field.validators.append(no_control_characters)
        label_empty_choices(self)

    def model_data(self) -> dict:
        """The cleaned values the service writes: model fields and many-to-many links, not the page state."""
        return {name: value for name, value in self.cleaned_data.items() if name in (self._meta.fields or ())}


TEXTAREA = forms.Textarea(attrs={"rows": 3})


class StudySessionForm(LedgerForm):
    class Meta:
        model = StudySession
        fields = ["kind", "mode", "topic", "held_on", "hours", "expected", "attendance", "attendees", "speakers"]
        widgets = {
            "attendees": forms.Textarea(attrs={"rows": 2}),
            "speakers": forms.Textarea(attrs={"rows": 2}),
            "hours": forms.NumberInput(attrs={"step": "0.5"}),
        }
        help_texts = {
            "attendance": _("How many attended; leave empty to count the names below."),
            "attendees": _("Names separated by commas or line breaks (optional)."),
            "expected": _("How many should have attended (应到), e.g. the leadership team on the roster."),
            "speakers": _("Names of those who gave a talk (交流发言), separated by commas (optional)."),
        }


class RectificationItemForm(LedgerForm):
    # The metaclass moves declared fields into base_fields, so this does not hide BaseForm.files.
    files = MultipleFileField(label=_("Evidence files"), required=False)  # type: ignore[assignment]

    class Meta:
        model = RectificationItem
        fields = [
            "problem",
            "source",
            "category",
            "measures",
            "responsible_leader",
            "kind",
            "deadline",
            "affects_public",
            "satisfaction",
        ]
        widgets = {"problem": TEXTAREA, "measures": TEXTAREA}
        help_texts = {
            "kind": _("Fix at once: urgent and solvable now, within the campaign. Long-term: add staged targets."),
            "satisfaction": _("Where the public is affected: the share of people satisfied with the fix."),
        }


class RectificationRaiseForm(LedgerForm):
    """A guide's or the office's feedback on a unit: a problem for the unit's ledger."""

    class Meta:
        model = RectificationItem
        fields = ["problem", "category", "measures", "kind", "deadline", "affects_public"]
        widgets = {"problem": TEXTAREA, "measures": TEXTAREA}
        labels = {"measures": _("Suggested measures")}


class ResearchTopicForm(LedgerForm):
    class Meta:
        model = ResearchTopic
        fields = ["leader_name", "title", "description"]
        widgets = {"description": TEXTAREA}


class ResearchVisitForm(LedgerForm):
    # Sent by the "save anyway" button of the crowding warning, with the reason typed next to it.
    confirm_crowding = forms.BooleanField(required=False, widget=forms.HiddenInput)
    crowding_reason = forms.CharField(
        label=_("Why this visit is still needed"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: coordinated with the other unit, or a different matter at the same site."),
    )

    class Meta:
        model = ResearchVisit
        fields = ["topic", "site", "visited_on", "leader_name", "participants", "unannounced", "findings"]
        widgets = {"participants": forms.Textarea(attrs={"rows": 2}), "findings": TEXTAREA}
        help_texts = {"site": _("The village, community, school or company visited, as it is usually named.")}


class ResearchReportForm(LedgerForm):
    class Meta:
        model = ResearchReport
        fields = ["topic", "title", "author_name", "completed_on", "synopsis"]
        widgets = {"synopsis": TEXTAREA}


class ConversionItemForm(LedgerForm):
    class Meta:
        model = ConversionItem
        fields = ["report", "title", "responsible", "due_on", "status", "done_on", "follow_up"]
        widgets = {"follow_up": TEXTAREA}


class PracticalDeedForm(LedgerForm):
    class Meta:
        model = PracticalDeed
        fields = [
            "title",
            "area",
            "target",
            "responsible",
            "deadline",
            "status",
            "done_on",
            "people_served",
            "satisfaction",
        ]
        widgets = {"target": TEXTAREA}


class InstitutionForm(LedgerForm):
    class Meta:
        model = Institution
        fields = ["title", "action", "adopted_on", "doc_number", "document", "problems"]
        widgets = {"problems": forms.CheckboxSelectMultiple, "document": forms.FileInput}


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Staged target"), max_length=200, validators=[no_control_characters])
    due_on = forms.DateField(label=_("Due date"), widget=DateInput)


class CloseRequestForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[no_control_characters],
    )
    satisfaction = forms.IntegerField(label=_("Satisfaction (%)"), min_value=0, max_value=100, required=False)
    # The metaclass moves declared fields into base_fields, so this does not hide BaseForm.files.
    files = MultipleFileField(label=_("Evidence files"), required=False)  # type: ignore[assignment]


class CloseReviewForm(forms.Form):
    VERIFY = "verify"
    RETURN = "return"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(choices=[(VERIFY, _("Verify")), (RETURN, _("Return"))], widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason or comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[no_control_characters],
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.RETURN and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the item is returned, so the unit knows what to fix."))
        return data


class DeleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
