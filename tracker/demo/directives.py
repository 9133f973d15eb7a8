"""Demo 交办, notice, extension, question and 批示, made through the same services as real input.

The office's 交办 to the city's organs is acknowledged by some of them but not by `staff`'s unit;
`staff` has an unread notice, a pending extension request, a question answered by its guide and
a 批示 by `leader` on one of its tasks. Once only.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from tracker.campaigns.models import Campaign, Measure
from tracker.directives import lines, services
from tracker.directives.models import Assignment
from tracker.orgs.models import Unit
from tracker.work.models import OPEN_STATUSES, Task

STAFF_UNIT = "dongcheng-cpc-office"


def demo_directives(*, today: date) -> bool:
    campaign = Campaign.objects.filter(is_active=True).first()
    if campaign is None or Assignment.objects.exists() or not Unit.objects.filter(code=STAFF_UNIT).exists():
        return False
    User = get_user_model()
    office, leader, guide, staff = (User.objects.get(username=n) for n in ("office", "leader", "guide", "staff"))
    home = Unit.objects.get(code=STAFF_UNIT)
    city = Unit.objects.get(code="demo-city")
    with transaction.atomic():
        organs = list(Unit.objects.filter(category__code="organ", participates=True).order_by("path"))
        assignment = services.assignment_issue(
            by=office,
            campaign=campaign,
            measure=Measure.objects.get(code="organisation"),
            units=organs,
            title="报送主题教育阶段性工作总结",
            text="请各单位对照实施方案，总结前一阶段开展情况、主要成效和存在问题，形成书面材料报送领导小组办公室。",
            due_on=min(today + timedelta(days=10), campaign.ends_on),
        )
        for target in assignment.targets.exclude(unit=home).select_related("unit")[::2]:
            clerk = User.objects.get(username=f"clerk-{target.unit.code}")
            services.assignment_acknowledge(target=target, by=clerk)
        notice = services.notice_publish(
            by=office,
            root=city,
            title="关于做好主题教育调研成果转化运用的通知",
            body="各单位要把调研成果转化为解决问题的具体举措，建立成果转化运用清单，按月报送进展。",
        )
        for clerk in User.objects.filter(username__startswith="clerk-dongcheng-"):
            services.notice_read(notice=notice, user=clerk)
        tasks = Task.objects.filter(unit=home, campaign=campaign, status__in=OPEN_STATUSES, template__isnull=False)
        latest = campaign.ends_on - timedelta(days=7)
        open_task = tasks.filter(due_on__gte=today, due_on__lte=latest).order_by("due_on").first()
        if open_task is not None:
            lines.extension_request(
                task=open_task,
                by=staff,
                new_due_on=open_task.due_on + timedelta(days=7),
                reason="本单位近期承担重大接待任务，人员集中抽调，申请顺延一周完成。",
            )
        thread = lines.thread_open(
            unit=home,
            by=staff,
            kind="question",
            addressee="guide",
            subject="专题党课能否与理论中心组学习合并开展？",
            text="本单位计划在同一天开展专题党课和理论中心组学习，是否可以合并记录？",
        )
        lines.thread_post(
            thread=thread,
            by=guide,
            text="可以同日开展，但应分别记录：党课记录授课人和听课人数，中心组学习记录研讨发言。",
        )
        task = tasks.order_by("due_on").first()
        if task is not None:
            lines.instruction_write(
                unit=home, by=leader, task=task, text="此项工作要抓紧抓实，务求实效，防止形式主义。"
            )
    return True
