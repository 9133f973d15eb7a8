"""The office's calendar form: a year and its arrangement, pasted from the notice or uploaded as CSV."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tracker.holidays.notice import MAX_INPUT, parse_csv, parse_notice

CSV_MAX_BYTES = 64 * 1024
PLACEHOLDER = "元旦：1月1日放假，共1天。\n春节：2月15日至23日放假调休，共9天。2月14日（周六）、2月28日（周六）上班。"


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    notice = forms.CharField(
        label=_("The notice's lines, pasted"),
        required=False,
        max_length=MAX_INPUT,
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "placeholder": PLACEHOLDER,
            }
        ),
    )
    upload = forms.FileField(
        label=_("Or a CSV file (date,kind)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    # The CSV's text, carried from the preview to the save so the file need not be sent twice.
    csv_text = forms.CharField(required=False, max_length=MAX_INPUT, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        year = data.get("year")
        if year is None:
            return data
        upload, notice, csv_text = data.get("upload"), data.get("notice", "").strip(), data.get("csv_text", "")
        if upload is not None:
            csv_text = self._read_upload(upload)
        try:
            if csv_text:
                data["days"], data["source"], data["csv_text"] = parse_csv(csv_text, year=year), csv_text, csv_text
            elif notice:
                data["days"], data["source"] = parse_notice(notice, year=year), notice
            else:
                raise ValidationError(_("Paste the notice's lines or choose a CSV file."))
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        return data

    def _read_upload(self, upload) -> str:
        if upload.size > CSV_MAX_BYTES:
            raise ValidationError(_("The file is too large for one year's calendar."))
        raw = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise ValidationError(_("The file is not a text CSV (UTF-8 or GB18030)."))
