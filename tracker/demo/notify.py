"""Demo data for the notification centre: channel addresses for the demo accounts and a few items.

staff gets a WeCom id (so `notify_test --user staff --channel wecom` works against a configured
WeCom-compatible server), staff2 a DingTalk id, unitlead a mobile for SMS; each demo account
finds a couple of notifications under the bell. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from tracker.notify.models import Profile
from tracker.notify.services import notify

ADDRESSES = {
    "staff": {"wecom_id": "staff", "via_wecom": True},
    "staff2": {"dingtalk_id": "staff2", "via_dingtalk": True},
    "unitlead": {"mobile": "13800138000", "via_sms": True},
}


def demo_notify() -> None:
    users = get_user_model().objects.in_bulk(
        ["office", "staff", "staff2", "unitlead", "guide", "leader"], field_name="username"
    )
    for username, fields in ADDRESSES.items():
        if username in users:
            Profile.objects.get_or_create(user=users[username], defaults=fields)
    office = users.get("office")
    clerks = [users[name] for name in ("staff", "staff2", "unitlead") if name in users]
    notify(
        recipients=clerks,
        kind="notice",
        key="demo:notice:1",
        step="1",
        subject="关于做好主题教育专题学习的通知",
        body="请各单位于本周五前完成专题学习，并在系统中上传学习记录。",
        url=reverse("home"),
        by=office,
    )
    notify(
        recipients=[u for name, u in users.items() if name in ("guide", "leader")],
        kind="digest",
        key="demo:digest:1",
        step="1",
        subject="每周通报：本周进展与红灯单位",
        body="本周新增进展记录若干条，请关注红灯单位。",
        url=reverse("home:unit_list"),
    )
