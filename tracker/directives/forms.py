"""Forms of the directives. They parse input; the services decide and write."""

from __future__ import annotations

import re

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Measure
from tracker.core.validators import PlainTextFormMixin
from tracker.directives.models import Addressee, ThreadKind
from tracker.orgs.models import Unit, UnitCategory, UnitLevel
from tracker.orgs.scope import Scope
from tracker.work.forms import DateInput, MultipleFileField

MODES = [
    ("category", _("All units of a category")),
    ("area", _("All units of an area")),
    ("list", _("A list of units (codes)")),
    ("all", _("All units in my scope")),
]


class AssignmentForm(PlainTextFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Requirement"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    due_on = forms.DateField(label=_("Deadline"), widget=DateInput)
    measure = forms.ModelChoiceField(label=_("Measure"), queryset=Measure.objects.all())
    needs_reply = forms.BooleanField(label=_("A written reply is needed"), required=False, initial=True)
    needs_evidence = forms.BooleanField(label=_("Evidence is needed"), required=False)
    mode = forms.ChoiceField(label=_("Send to"), choices=MODES, widget=forms.RadioSelect, initial="category")
    category = forms.ModelChoiceField(label=_("Category"), queryset=UnitCategory.objects.all(), required=False)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Unit.objects.none(), required=False)
    codes = forms.CharField(
        label=_("Unit codes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One code per line, or separated by commas or spaces."),
    )
    files = MultipleFileField(label=_("Attachments"), required=False)  # type: ignore[assignment]

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        areas = Unit.objects.filter(scope.review_q(), level__in=[UnitLevel.CITY, UnitLevel.DISTRICT])
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
        self.fields["measure"].initial = (
            Measure.objects.filter(code="organisation").values_list("pk", flat=True).first()
        )

    def units(self) -> list[Unit]:
        """The units chosen, within the units the user reviews (empty when none matches)."""
        data = self.cleaned_data
        units: QuerySet[Unit] = Unit.objects.filter(self.scope.review_q(), participates=True, category__isnull=False)
        mode = data.get("mode")
        if mode == "category":
            if not data.get("category"):
                self.add_error("category", _("Choose a category."))
                return []
            units = units.filter(category=data["category"])
        elif mode == "area":
            if not data.get("area"):
                self.add_error("area", _("Choose an area."))
                return []
            units = units.filter(path__startswith=data["area"].path)
        elif mode == "list":
            codes = [c for c in re.split(r"[\s,，、;；]+", data.get("codes") or "") if c]
            units = units.filter(code__in=codes)
            unknown = sorted(set(codes) - set(units.values_list("code", flat=True)))
            if unknown:
                self.add_error("codes", _("Not units in your scope: %(codes)s") % {"codes": ", ".join(unknown[:20])})
                return []
        return list(units.order_by("path"))


class NoticeForm(PlainTextFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=8000, widget=forms.Textarea(attrs={"rows": 8}))
    root = forms.ModelChoiceField(label=_("Published to"), queryset=Unit.objects.none())
    files = MultipleFileField(label=_("Attachments"), required=False)  # type: ignore[assignment]

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        roots = Unit.objects.filter(scope.review_q(), level__in=[UnitLevel.CITY, UnitLevel.DISTRICT])
        self.fields["root"].queryset = roots  # type: ignore[attr-defined]


class ExtensionForm(PlainTextFormMixin, forms.Form):
    new_due_on = forms.DateField(label=_("New due date"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(PlainTextFormMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    note = forms.CharField(label=_("Reason"), max_length=2000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ThreadForm(PlainTextFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ThreadKind.choices)
    addressee = forms.ChoiceField(
        label=_("To"), choices=[(Addressee.GUIDE, Addressee.GUIDE.label), (Addressee.OFFICE, Addressee.OFFICE.label)]
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(label=_("Question or difficulty"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label=_("Attachments"), required=False)  # type: ignore[assignment]


class MessageForm(PlainTextFormMixin, forms.Form):
    text = forms.CharField(label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("Attachments"), required=False)  # type: ignore[assignment]
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class ReplyForm(PlainTextFormMixin, forms.Form):
    text = forms.CharField(label=_("Reply"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("Evidence files"), required=False)  # type: ignore[assignment]
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class InstructionForm(PlainTextFormMixin, forms.Form):
    text = forms.CharField(label=_("Instruction (批示)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
