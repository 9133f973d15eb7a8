"""Demo data for people and results: rosters, planned visits next week (one crowding with another
unit), a deed with a public survey and its answers, and one of each formalism signal. Once only,
through the same services as real input."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tracker.campaigns.models import Campaign
from tracker.ledgers import services as ledgers
from tracker.orgs.models import Unit
from tracker.people import services as people
from tracker.people.models import RosterMember
from tracker.surveys import services as surveys
from tracker.work import services as work
from tracker.work.models import OPEN_STATUSES, Task

HOME = "dongcheng-cpc-office"  # the staff and unitlead accounts' unit
TEAM = [
    ("王振华", "区委办公室主任"),
    ("孙立新", "副主任"),
    ("钱晓红", "副主任"),
    ("郑建平", "副主任"),
    ("冯雪", "机关党委书记"),
    ("陈志刚", "督查室主任"),
    ("褚文", "综合科科长"),
    ("卫东", "信息科科长"),
    ("蒋芳", "机要科科长"),
]
ROSTERS = {
    HOME: (TEAM, ["何静", "吕强", "施雨"], 46),
    "dongcheng-edu-bureau": (
        [
            ("周明", "局长"),
            ("吴慧", "副局长"),
            ("郭涛", "副局长"),
            ("马骏", "纪检组长"),
            ("高洁", "副局长"),
            ("罗斌", "督学"),
            ("梁燕", "总督学"),
            ("宋涛", "办公室主任"),
            ("唐敏", "人事科科长"),
        ],
        [],
        120,
    ),
    "xihu-edu-bureau": ([("林海", "局长"), ("许婷", "副局长")], [], 98),
}
PLANNED_SITE = "城关第二社区"
SURVEY_SCORES = [5, 5, 4, 5, 4, 3, 5, 4, 5, 5, 4, 4, 5, 2, 5, 4, 5, 3, 5, 4, 5, 4]
SIMILAR_TEXT = "组织党员干部集中学习党的创新理论，逐章研读原著，交流学习体会，每人撰写心得体会一篇。"
PDF = b"%PDF-1.4\n% demo sign-in sheet\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def demo_people(*, today: date) -> bool:
    campaign = Campaign.objects.filter(is_active=True).first()
    if campaign is None or RosterMember.objects.exists() or not Unit.objects.filter(code=HOME).exists():
        return False
    User = get_user_model()
    office = User.objects.get(username="office")
    units = {u.code: u for u in Unit.objects.all()}

    def clerk(code: str):
        return User.objects.filter(role_assignments__unit__code=code, role_assignments__role="staff").first()

    with transaction.atomic():
        lines = [
            people.RosterLine(i, code, name, post, leader)
            for code, (team, members, _count) in ROSTERS.items()
            for i, (name, post, leader) in enumerate(
                [(n, p, True) for n, p in team] + [(n, "", False) for n in members], start=2
            )
        ]
        people.roster_import(by=office, lines=lines)
        for code, (_team, _members, count) in ROSTERS.items():
            people.membership_set(unit=units[code], by=clerk(code), party_members=count)
        # The staff account's own unit keeps its ledgers empty for the walkthrough (see demo_ledgers).
        _study(campaign, units["dongcheng-edu-bureau"], clerk("dongcheng-edu-bureau"), today)
        _plans(campaign, units, clerk, today)
        _survey(campaign, units["dongcheng-edu-bureau"], clerk("dongcheng-edu-bureau"), today)
        _signals(campaign, units, clerk, today)
    return True


def _study(campaign, unit, by, today):
    session = ledgers.ledger_row_create(
        ledger="study",
        campaign=campaign,
        unit=unit,
        by=by,
        data={
            "kind": "central_group",
            "mode": "offline",
            "topic": "学习贯彻主题教育工作会议精神",
            "held_on": today - timedelta(days=3),
            "hours": 3,
            "attendance": 8,
        },
    )
    team = list(RosterMember.objects.filter(unit=unit, is_leader=True).order_by("order"))
    people.study_attendance_record(
        session=session,
        by=by,
        present=[m.pk for m in team[:8]],  # 应到 9，实到 8：参学率 89%
        speakers=[m.pk for m in team[:3]],
        expected_version=session.version,
    )


def _plans(campaign, units, clerk, today):
    monday = today + timedelta(days=7 - today.weekday())
    first, second = "dongcheng-edu-bureau", "xihu-edu-bureau"
    people.planned_visit_create(
        unit=units[first],
        campaign=campaign,
        by=clerk(first),
        site=PLANNED_SITE,
        planned_on=monday + timedelta(days=1),
        leader_name="周明",
        purpose="了解“双减”后课后服务开展情况",
    )
    people.planned_visit_create(
        unit=units[second],
        campaign=campaign,
        by=clerk(second),
        site=PLANNED_SITE,
        planned_on=monday + timedelta(days=3),
        leader_name="林海",
        purpose="调研社区托育服务",
        confirm_crowding=True,
        crowding_reason="调研内容不同，已与东城区教育局沟通错开时间",
    )
    people.planned_visit_create(
        unit=units["xihu-cpc-office"],
        campaign=campaign,
        by=clerk("xihu-cpc-office"),
        site="西湖区政务服务中心",
        planned_on=monday + timedelta(days=2),
        leader_name="西湖区委办主任",
        purpose="了解“一网通办”群众办事体验",
    )


def _survey(campaign, unit, by, today):
    deed = ledgers.ledger_row_create(
        ledger="deeds",
        campaign=campaign,
        unit=unit,
        by=by,
        data={
            "title": "城关学校课后服务延时托管",
            "area": "education_health",
            "target": "覆盖全区小学",
            "deadline": today + timedelta(days=20),
            "status": "in_progress",
            "satisfaction": 98,
        },
    )
    survey = surveys.survey_open(
        by=by, subject=deed, public_title="课后服务延时托管满意度测评", ends_on=today + timedelta(days=30)
    )
    for n, score in enumerate(SURVEY_SCORES):
        answer = surveys.Answer(aware=n % 5 != 0, helped="yes" if score >= 4 else "partly", score=score)
        surveys.survey_answer(survey=survey, answer=answer, device=f"demo-{n}", address=f"10.0.{n}.1")


def _signals(campaign, units, clerk, today):
    a, b = "xihu-cpc-office", "nanshan-cpc-office"
    open_tasks = Task.objects.filter(campaign=campaign, status__in=OPEN_STATUSES).order_by("due_on", "id")
    tasks_a = list(open_tasks.filter(unit=units[a])[:2])
    task_b = open_tasks.filter(unit=units[b]).first()
    # The same sign-in sheet for two tasks of one unit, and near-identical words from two units.
    for task in tasks_a:
        work.entry_add(task=task, by=clerk(a), text="召开专题会议", files=[SimpleUploadedFile("签到表.pdf", PDF)])
    work.entry_add(task=tasks_a[0], by=clerk(a), text=SIMILAR_TEXT)
    work.entry_add(task=task_b, by=clerk(b), text=SIMILAR_TEXT.replace("一篇", "1篇"))
    # Entries bunched just before a deadline (突击留痕): a task due within two days gets three at once.
    rushed = open_tasks.filter(due_on__range=(today, today + timedelta(days=2))).select_related("unit").first()
    if rushed is not None:
        who = clerk(rushed.unit.code)
        for text in ("补充会议记录", "补充学习笔记", "补充照片"):
            work.entry_add(task=rushed, by=who, text=text)
    # A visit five weeks ago with no report yet.
    ledgers.ledger_row_create(
        ledger="visits",
        campaign=campaign,
        unit=units[b],
        by=clerk(b),
        data={"site": "南山区海滨社区", "visited_on": today - timedelta(days=35), "leader_name": "南山区委办主任"},
        confirm_crowding=True,
        crowding_reason="首次走访",
    )
