"""Forms of the unit workflow. They parse input; the services decide and write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Measure
from tracker.core.types import User
from tracker.core.validators import PlainTextFormMixin
from tracker.work.uploads import SIGNATURES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several evidence files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        # Any allowed file, from the phone's files or its camera; photos are downscaled before upload.
        accept = ",".join(["image/*", *sorted(SIGNATURES)])
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"multiple": True, "accept": accept, "data-downscale": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class DateInput(forms.DateInput):
    """A native date picker; it only accepts ISO dates, whatever the UI language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class EntryForm(PlainTextFormMixin, forms.Form):
    text = forms.CharField(
        label=_("What was done"),
        max_length=4000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("e.g. Held the central study group session; 14 attended.")}
        ),
    )
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)
    percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100, required=False)
    # The metaclass moves declared fields into base_fields, so this does not hide BaseForm.files.
    files = MultipleFileField(label=_("Evidence files"), required=False)  # type: ignore[assignment]
    # The task version the page showed; an entry from an older page is refused (409), not merged.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class VersionedForm(PlainTextFormMixin, forms.Form):
    """Carries the task version the page was showing, so stale saves are detected."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class OwnerForm(VersionedForm):
    owner: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Owner"), queryset=None, required=False, empty_label=_("(nobody)")
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name() or user.get_username()


class SubmitForm(VersionedForm):
    note = forms.CharField(
        label=_("Note to the reviewer"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(VersionedForm):
    ACCEPT = "accept"
    RETURN = "return"
    decision = forms.ChoiceField(choices=[(ACCEPT, _("Accept")), (RETURN, _("Return"))], widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason or comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.RETURN and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the task is returned, so the unit knows what to fix."))
        return data


class SelfChosenTaskForm(PlainTextFormMixin, forms.Form):
    measure = forms.ModelChoiceField(label=_("Measure"), queryset=Measure.objects.all(), empty_label=_("Choose…"))
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_on = forms.DateField(label=_("Due date"), widget=DateInput)


class BatchAcceptForm(PlainTextFormMixin, forms.Form):
    """The common note of a batch accept; the tasks and their versions travel as `task=<id>:<version>`."""

    note = forms.CharField(
        label=_("Common note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, versions: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = [f"{pk}:{version}" for pk, version in versions.items()]
