"""Demo data for the reminders that reach everyone: ledger rows on the ladder, a clerk without e-mail.

In 南山区教育局 (staff2's unit, recorded through the ledger services as staff2): a rectification
item overdue past the 督办 threshold, one due in two working days, and a conversion-list item
whose follow-up (跟踪问效) is a day late; a liaison clerk there has no e-mail address, only a
WeCom id, so `send_reminders --dry-run` shows her reminders going to the bell and WeCom instead
of mail. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from tracker.campaigns.models import Campaign
from tracker.core.workdays import add_workdays
from tracker.ledgers.models import RectificationItem
from tracker.ledgers.services import ledger_row_create
from tracker.notify.models import Profile
from tracker.orgs.models import Role, Unit
from tracker.orgs.services import role_grant

UNIT_CODE = "nanshan-edu-bureau"
LIAISON = "liaison-nanshan"
OVERDUE_PROBLEM = "部分学校理论学习记录不规范，存在补记现象。"


def demo_reach(*, today: date) -> bool:
    campaign = Campaign.objects.filter(is_active=True).first()
    unit = Unit.objects.filter(code=UNIT_CODE).first()
    if campaign is None or unit is None or RectificationItem.all_objects.filter(problem=OVERDUE_PROBLEM).exists():
        return False
    by = get_user_model().objects.get(username="staff2")  # a staff member of the unit
    rectification: dict[str, Any] = {
        "source": "opinions",
        "category": "service",
        "kind": "immediate",
        "responsible_leader": "周明",
    }
    rows: tuple[tuple[str, dict[str, Any]], ...] = (
        (
            "rectification",
            {**rectification, "problem": OVERDUE_PROBLEM, "deadline": -(campaign.escalate_after_days + 1)},
        ),
        ("rectification", {**rectification, "problem": "学校周边群众反映的校车接送问题尚未解决。", "deadline": 2}),
        ("conversion", {"title": "课后服务意见建议回访", "responsible": "基础教育科", "due_on": -1}),
    )
    with transaction.atomic():
        for ledger, data in rows:
            # Dates in working days from the demo's today.
            dated = {
                key: add_workdays(today, value) if key in ("deadline", "due_on") else value
                for key, value in data.items()
            }
            ledger_row_create(ledger=ledger, campaign=campaign, unit=unit, by=by, data=dated)
        clerk = get_user_model().objects.create(username=LIAISON, first_name="陈芳（联络员）", email="")
        clerk.set_unusable_password()
        clerk.save(update_fields=["password"])
        role_grant(user=clerk, role=Role.STAFF, unit=unit)
        Profile.objects.create(user=clerk, wecom_id="chenfang", via_wecom=True)
    return True
