from __future__ import annotations

from django import forms

from tracker.scoring.models import ScoreSettings


class ScoreSettingsForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ScoreSettings
        fields = ["completion_weight", "on_time_weight", "late_penalty"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
