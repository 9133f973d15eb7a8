"""The template editor's form: the fields of a required action, cleaned into a change's wanted values."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import TaskTemplate
from tracker.orgs.models import Unit

MAX_OFFSET_DAYS = 366
CITATION_FIELDS = ("source_file", "source_line", "source_quote")


class TemplateForm(forms.ModelForm):
    """Create or edit a template; `save` is never called: `wanted()` feeds `change_propose`."""

    owner_unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        label=_("Applies to"),
        empty_label=_("The whole campaign"),
        help_text=_("A district office's own required actions apply only to the units of its subtree."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=200,
        required=False,
        help_text=_("Kept in the history, e.g. the notice that asked for it."),
    )

    class Meta:
        model = TaskTemplate
        fields = [
            "title_zh",
            "title_en",
            "measure",
            "description",
            "done_criteria",
            "evidence_expected",
            "due_anchor",
            "due_offset_days",
            "recurrence",
            "categories",
            "weight",
            "target_count",
            "ledger",
            "ledger_filter",
            *CITATION_FIELDS,
        ]
        widgets = {
            "categories": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
            "done_criteria": forms.Textarea(attrs={"rows": 2}),
            "evidence_expected": forms.Textarea(attrs={"rows": 2}),
            "ledger_filter": forms.Textarea(attrs={"rows": 1}),
        }

    def __init__(self, *args: Any, owners: Any = None, city: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due_offset_days"].validators += [
            MinValueValidator(-MAX_OFFSET_DAYS),
            MaxValueValidator(MAX_OFFSET_DAYS),
        ]
        self.fields["target_count"].validators.append(MinValueValidator(1))
        if self.instance.pk is not None:
            del self.fields["owner_unit"]
            self.fields["version"].initial = self.instance.version
            if self.instance.source_file:
                # A seeded requirement keeps the citation of the speech it comes from.
                for name in CITATION_FIELDS:
                    self.fields[name].disabled = True
        else:
            del self.fields["version"]
            owner_field = self.fields["owner_unit"]
            assert isinstance(owner_field, forms.ModelChoiceField)
            owner_field.queryset = owners if owners is not None else Unit.objects.none()
            self.fields["owner_unit"].required = not city

    def wanted(self) -> dict[str, Any]:
        """The cleaned values as JSON for the change (foreign keys and categories as ids)."""
        data = self.cleaned_data
        wanted: dict[str, Any] = {
            name: data[name] for name in self.Meta.fields if name not in ("measure", "categories")
        }
        wanted["measure"] = data["measure"].pk
        wanted["categories"] = sorted(c.pk for c in data["categories"])
        if "owner_unit" in self.fields:
            wanted["owner_unit"] = data["owner_unit"].pk if data["owner_unit"] else None
        return wanted


class SoftCapForm(forms.Form):
    """The campaign's soft cap on self-chosen tasks; `seen` is the cap the page showed (stale check)."""

    cap = forms.IntegerField(
        label=_("Self-chosen tasks per unit before a note"),
        required=False,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Empty: no note. Units may still add more; past the cap they are reminded not to add at will."),
    )
    seen = forms.IntegerField(widget=forms.HiddenInput, required=False)
