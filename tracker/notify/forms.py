from django import forms
from django.utils.translation import gettext_lazy as _

from tracker.notify.models import Channel


class ProfileForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=_("Send my notifications by"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Notifications always appear under the bell in the app."),
    )
    wecom_id = forms.CharField(label=_("WeCom (政务微信) user id"), required=False, max_length=64)
    dingtalk_id = forms.CharField(label=_("DingTalk (钉钉) user id"), required=False, max_length=64)
    mobile = forms.CharField(label=_("Mobile number (for SMS)"), required=False, max_length=20)
