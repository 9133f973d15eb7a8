"""Demo of the template editor and model cases (issue 15 items 3-6), made through the same services.

东城区's office (account `district`) has its own local required action for its subtree, applied as
the office would; the city office (`office`) has one pending change with its preview waiting for
confirmation, and a soft cap on self-chosen tasks; two model cases are featured (a task and a
practical deed) and a guide's proposal waits for the office. Once only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from tracker.campaigns.models import Campaign, TaskTemplate
from tracker.campaigns.services import campaign_soft_cap_set
from tracker.cases.models import ModelCase
from tracker.cases.services import case_propose
from tracker.editor.models import ChangeKind
from tracker.editor.selectors import FIELDS
from tracker.editor.services import change_propose, change_run
from tracker.ledgers.models import PracticalDeed
from tracker.orgs.models import Role, Unit
from tracker.orgs.services import role_grant
from tracker.work.models import Task

DISTRICT = "dongcheng"
DISTRICT_OFFICE = "district"
LOCAL_TITLE = "开展“东城先锋”志愿服务进社区活动"
SOFT_CAP = 3


def _values(template: TaskTemplate, **changes: Any) -> dict[str, Any]:
    """A template's fields as the editor's form hands them to a change."""
    data: dict[str, Any] = {name: getattr(template, name) for name in FIELDS}
    data.update(measure=template.measure_id, categories=sorted(c.pk for c in template.categories.all()))
    data.update(changes)
    return data


def _district_office(district: Unit):
    from tracker.demo.builder import DEMO_PASSWORD  # the builder calls this module

    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=DISTRICT_OFFICE, defaults={"first_name": "孙敏（东城区委主题教育办公室）"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
        role_grant(user=user, role=Role.OFFICE, unit=district)
    return user


def demo_templates(*, today: date) -> bool:
    campaign = Campaign.objects.filter(closed_on__isnull=True, is_active=True).order_by("-starts_on").first()
    district = Unit.objects.filter(code=DISTRICT).first()
    if campaign is None or district is None or campaign.templates.filter(title_zh=LOCAL_TITLE).exists():
        return False
    User = get_user_model()
    office, guide = User.objects.get(username="office"), User.objects.get(username="guide")
    base = campaign.templates.filter(owner_unit__isnull=True, is_active=True).order_by("order", "code")
    first = base.first()
    if first is None:
        return False
    with transaction.atomic():
        local = change_propose(
            by=_district_office(district),
            campaign=campaign,
            kind=ChangeKind.CREATE,
            data=_values(
                first,
                title_zh=LOCAL_TITLE,
                title_en="Dongcheng Vanguard volunteer service in the communities",
                description="区直各单位党员每月到联系社区开展一次志愿服务，记录服务内容和群众反映。",
                done_criteria="每月至少一次，有活动记录和照片。",
                evidence_expected="活动记录、照片",
                recurrence="monthly",
                target_count=1,
                ledger="",
                ledger_filter={},
                weight=2,
                source_file="",
                source_line=None,
                source_quote="",
                owner_unit=district.pk,
            ),
            reason="分类指导：东城区结合实际增加的规定动作",
        )
    change_run(change_id=local.pk)  # as the apply job would; the demo runs without a worker
    moved = base.filter(recurrence="none").last()
    if moved is not None:
        change_propose(
            by=office,
            campaign=campaign,
            kind=ChangeKind.EDIT,
            template=moved,
            data=_values(moved, due_offset_days=moved.due_offset_days - 7),
            reason="按市委要求提前一周完成",
            base_version=moved.version,
        )
    campaign_soft_cap_set(campaign=campaign, cap=SOFT_CAP, seen=campaign.self_chosen_soft_cap, by=office)
    _demo_cases(campaign, office, guide)
    return True


def _demo_cases(campaign: Campaign, office, guide) -> None:
    if ModelCase.objects.filter(campaign=campaign).exists():
        return
    tasks = Task.objects.filter(campaign=campaign, unit__code="dongcheng-cpc-office", archived_at__isnull=True)
    done = tasks.filter(status="done").order_by("id").first() or tasks.order_by("-progress", "id").first()
    if done is not None:
        case_propose(by=office, task=done, citation="以学促干、学用结合，做法系统完整，可供各区借鉴。")
    deed = PracticalDeed.objects.filter(campaign=campaign).order_by("id").first()
    if deed is not None:
        case_propose(by=office, deed=deed, citation="聚焦群众急难愁盼，服务覆盖面广，群众满意度高。")
    other = tasks.exclude(pk=done.pk if done is not None else 0).order_by("-progress", "id").first()
    if other is not None:
        case_propose(by=guide, task=other, citation="指导组推荐：调研扎实，问题清单具体。")
