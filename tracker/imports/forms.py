"""The upload form: which template, which file. Reading and checking the file is the service's job."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tracker.imports.models import ImportKind


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file contains"),
        choices=ImportKind.choices,
        widget=forms.RadioSelect(attrs={"class": "radios"}),
    )
    file = forms.FileField(
        label=_("Filled-in template (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s; split it into several files."),
                params={"limit": filesizeformat(limit)},
            )
        return upload
