"""A fictional demo city (清河市) with units, people and believable progress, relative to today.

The tree, the people and the tasks go through the same services as real data; only the
historical entries are inserted in bulk, because they describe the past and would take
minutes to replay one by one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tracker.campaigns.models import Campaign
from tracker.campaigns.seeding import campaign_seed
from tracker.demo.batches import demo_first_batch
from tracker.demo.directives import demo_directives
from tracker.demo.evidence import demo_evidence
from tracker.demo.leaders import demo_leadership_roster
from tracker.demo.notify import demo_notify
from tracker.demo.people import demo_people
from tracker.demo.reach import demo_reach
from tracker.demo.templates import demo_templates
from tracker.orgs.models import GuidanceGroup, Role, Unit, UnitCategory, UnitLevel
from tracker.orgs.services import role_grant, unit_create
from tracker.rollups.services import rollups_invalidate
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Entry, EventKind, Task, TaskEvent

DEMO_PASSWORD = "campaign-demo"
CITY_CODE = "demo-city"

# (code suffix, name, category) of the units every district has; townships get villages below.
DISTRICT_UNITS = [
    ("cpc-office", "区委办公室", "organ"),
    ("edu-bureau", "区教育局", "organ"),
    ("hospital", "区人民医院", "hospital"),
    ("school", "区实验中学", "school"),
    ("archives", "区档案馆", "institution"),
    ("water-group", "区水务集团", "soe"),
    ("chamber", "区工商联所属商会", "private"),
    ("street-a", "城关街道", "township"),
    ("town-b", "新桥镇", "township"),
]
DISTRICTS = [("dongcheng", "东城区"), ("xihu", "西湖区"), ("nanshan", "南山区"), ("beitang", "北塘县")]
CITY_UNITS = [
    ("org-dept", "市委组织部", "organ"),
    ("university", "清河大学", "university"),
    ("first-hospital", "市第一人民医院", "hospital"),
    ("invest-group", "市城投集团", "soe"),
    ("library", "市图书馆", "institution"),
]
VILLAGES = ["{}第一社区", "{}第二村"]

ENTRY_TEXTS = [
    "召开专题会议研究部署，形成会议纪要。",
    "组织集中学习，班子成员逐一交流发言。",
    "深入基层走访座谈，收集意见建议{}条。",
    "制定工作方案并报送领导小组办公室。",
    "完成阶段性任务，整理佐证材料归档。",
    "对照清单逐项推进，已完成主要环节。",
]
RETURN_REASONS = [
    "佐证材料不全，请补充会议签到表和会议纪要。",
    "成效描述过于笼统，请补充具体数据和群众评价。",
]


@dataclass
class DemoResult:
    created: bool
    units: int
    tasks: int
    entries: int


def demo_build(*, today: date | None = None, seed: int = 2023) -> DemoResult:
    """Build the demo city once; a second call finds it and changes nothing."""
    today = today or timezone.localdate()
    if Unit.objects.filter(code=CITY_CODE).exists():
        demo_ledgers(today=today)  # a city built before the ledgers existed gets them once
        demo_first_batch(today=today)  # and the closed first batch (tracker/demo/batches.py)
        demo_people(today=today)
        demo_templates(today=today)  # the editor's local template, a pending change, model cases
        demo_reach(today=today)
        demo_leadership_roster()
        return DemoResult(False, Unit.objects.count(), Task.objects.count(), Entry.objects.count())
    rng = random.Random(seed)
    with transaction.atomic():
        campaign_seed(starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=60))
    campaign = Campaign.objects.get(is_active=True)
    with transaction.atomic():
        units, people = _build_tree_and_people()
    tasks_generate(campaign=campaign)
    entries = _simulate_progress(campaign, units, people, rng, today)
    # Progress was written in bulk, past the signals: count the roll-ups afresh.
    rollups_invalidate(campaign=campaign)
    demo_ledgers(today=today)
    demo_directives(today=today)
    demo_notify()
    demo_first_batch(today=today)
    demo_people(today=today)
    demo_templates(today=today)
    demo_reach(today=today)
    demo_leadership_roster()
    demo_evidence()  # last: it builds the previews of every evidence file the others uploaded
    return DemoResult(True, len(units), Task.objects.filter(campaign=campaign).count(), entries)


def _user(username: str, full_name: str, *, login: bool):
    User = get_user_model()
    user = User(username=username, first_name=full_name, email=f"{username}@demo.invalid")
    if login:
        user.set_password(DEMO_PASSWORD)
    else:
        user.set_unusable_password()
    user.save()
    return user


def _build_tree_and_people():
    cats = {c.code: c for c in UnitCategory.objects.all()}
    city = unit_create(name="清河市", code=CITY_CODE, level=UnitLevel.CITY, participates=False)
    units: list[Unit] = []

    def add(code, name, category, parent, level=UnitLevel.UNIT):
        unit = unit_create(name=name, code=code, level=level, parent=parent, category=cats[category])
        units.append(unit)
        return unit

    for suffix, name, cat in CITY_UNITS:
        add(f"city-{suffix}", name, cat, city)
    districts = []
    for dcode, dname in DISTRICTS:
        district = unit_create(name=dname, code=dcode, level=UnitLevel.DISTRICT, parent=city, participates=False)
        districts.append(district)
        for suffix, name, cat in DISTRICT_UNITS:
            short = name[1:] if name.startswith("区") else name
            unit = add(f"{dcode}-{suffix}", f"{dname}{short}", cat, district)
            if cat == "township":
                for i, pattern in enumerate(VILLAGES):
                    add(f"{dcode}-{suffix}-v{i + 1}", pattern.format(name[:2]), "village", unit, UnitLevel.SUBUNIT)

    # Guidance groups: one per pair of districts, plus the city units for the first.
    group1 = GuidanceGroup.objects.create(name="第一巡回指导组")
    group2 = GuidanceGroup.objects.create(name="第二巡回指导组")
    for unit in units:
        in_first = unit.path.startswith(districts[0].path) or unit.path.startswith(districts[1].path)
        (group1 if in_first or unit.parent_id == city.pk else group2).units.add(unit)

    people: dict[int, list] = {}
    home = Unit.objects.get(code="dongcheng-cpc-office")
    other = Unit.objects.get(code="nanshan-edu-bureau")
    staff = _user("staff", "张晓敏", login=True)
    staff2 = _user("staff2", "李建国", login=True)
    unitlead = _user("unitlead", "王振华", login=True)
    role_grant(user=staff, role=Role.STAFF, unit=home)
    role_grant(user=unitlead, role=Role.UNIT_LEADER, unit=home)
    role_grant(user=staff2, role=Role.STAFF, unit=other)
    role_grant(user=_user("office", "赵丽（领导小组办公室）", login=True), role=Role.OFFICE, unit=city)
    role_grant(user=_user("leader", "陈国强（领导小组）", login=True), role=Role.LEADERSHIP, unit=city)
    role_grant(user=_user("guide", "刘志远（第一巡回指导组）", login=True), role=Role.GUIDE, group=group1)
    people[home.pk] = [staff, unitlead]
    people[other.pk] = [staff2]
    for unit in units:
        if unit.pk not in people:
            clerk = _user(f"clerk-{unit.code}", f"{unit.name}联络员", login=False)
            role_grant(user=clerk, role=Role.STAFF, unit=unit)
            people[unit.pk] = [clerk]
    return units, people


def _simulate_progress(campaign, units, people, rng: random.Random, today: date) -> int:
    office = get_user_model().objects.get(username="office")
    tasks = list(Task.objects.filter(campaign=campaign).select_related("template"))
    entries: list[Entry] = []
    events: list[tuple[TaskEvent, date]] = []
    start = campaign.starts_on
    for task in tasks:
        owners = people[task.unit_id]
        task.owner = rng.choice(owners)
        task.last_activity_on = start
        window_end = min(today, task.due_on)
        overdue = task.due_on < today
        roll = rng.random()
        if overdue:
            outcome = (
                "done"
                if roll < 0.68
                else "submitted"
                if roll < 0.76
                else "returned"
                if roll < 0.8
                else ("in_progress" if roll < 0.9 else "todo")
            )
        elif task.due_on <= today + timedelta(days=20):
            outcome = "in_progress" if roll < 0.55 else "done" if roll < 0.7 else "todo"
        else:
            outcome = "in_progress" if roll < 0.25 else "todo"
        if outcome == "todo":
            continue
        count = rng.randint(1, 3)
        days_span = max(0, (window_end - start).days)
        dates = sorted(start + timedelta(days=rng.randint(0, days_span)) for _ in range(count))
        for i, day in enumerate(dates):
            percent = (
                100 if outcome in ("done", "submitted", "returned") and i == count - 1 else rng.choice([20, 40, 60, 80])
            )
            entries.append(
                Entry(
                    task=task,
                    author=task.owner,
                    occurred_on=day,
                    text=rng.choice(ENTRY_TEXTS).format(rng.randint(5, 40)),
                    percent=percent,
                )
            )
        task.entry_count = count
        task.last_activity_on = dates[-1]
        task.last_entry_on = dates[-1]
        task.progress = percent  # the last entry's
        task.status = outcome
        # The review trail is dated like the entries, so the dashboards' trend has a real history.
        submitted_on = dates[-1]
        reviewed_on = min(today, submitted_on + timedelta(days=rng.randint(0, 4)))
        if outcome in ("done", "submitted", "returned"):
            events.append((TaskEvent(task=task, kind=EventKind.SUBMITTED, actor=task.owner), submitted_on))
        if outcome == "done":
            events.append((TaskEvent(task=task, kind=EventKind.ACCEPTED, actor=office), reviewed_on))
        elif outcome == "returned":
            returned = TaskEvent(task=task, kind=EventKind.RETURNED, actor=office, note=rng.choice(RETURN_REASONS))
            events.append((returned, reviewed_on))
    with transaction.atomic():
        # The bulk paths write history too, so even seeded progress is on every task's record. The
        # entries go first: the task's record then already counts them, so a page loaded from the
        # demo never reports the seeded entries as "added since you opened it".
        bulk_create_with_history(entries, Entry, batch_size=1000, default_change_reason="demo")
        bulk_update_with_history(
            tasks,
            Task,
            ["owner", "last_activity_on", "last_entry_on", "entry_count", "progress", "status"],
            batch_size=1000,
            default_change_reason="demo",
        )
        TaskEvent.objects.bulk_create([event for event, _day in events], batch_size=1000)
        # created_at is auto_now_add, which bulk_create overrides with now; bulk_update does not.
        for event, day in events:
            event.created_at = timezone.make_aware(datetime.combine(day, time(10 + rng.randint(0, 7))))
        TaskEvent.objects.bulk_update([event for event, _day in events], ["created_at"], batch_size=1000)
        submissions = [event for event, _day in events if event.kind == EventKind.SUBMITTED]
        for event in submissions:
            event.task.submitted_at = event.created_at
        Task.objects.bulk_update([event.task for event in submissions], ["submitted_at"], batch_size=1000)
    return len(entries)


# ---------------------------------------------------------------------------- ledgers

# The site `staff` (东城区委办公室) will visit in the walkthrough; 东城区教育局 went there last week,
# so the visit form warns about crowding (扎堆调研).
CROWDED_SITE = "城关第一社区"
# Demo data is entered in Chinese, like real input.
DEMO_CROWDING_REASON = "与前期走访事项不同，已与相关单位沟通"


def demo_ledgers(*, today: date) -> bool:
    """Some ledger rows in several units, through the same services as real input; once only.

    The staff account's own unit is left empty, so what `staff` records in the walkthrough is
    exactly what its ledger book shows.
    """
    from tracker.ledgers import services
    from tracker.ledgers.models import ResearchVisit

    campaign = Campaign.objects.filter(is_active=True).first()
    if campaign is None or ResearchVisit.all_objects.filter(campaign=campaign).exists():
        return False
    User = get_user_model()
    units = {u.code: u for u in Unit.objects.filter(code__in=_DEMO_LEDGER_ROWS.keys())}
    with transaction.atomic():
        for code, rows in _DEMO_LEDGER_ROWS.items():
            unit = units[code]
            clerk = User.objects.get(username=f"clerk-{code}")
            for ledger, data in rows:
                values = {key: today - value if isinstance(value, timedelta) else value for key, value in data.items()}
                services.ledger_row_create(
                    ledger=ledger,
                    campaign=campaign,
                    unit=unit,
                    by=clerk,
                    data=values,
                    confirm_crowding=True,
                    crowding_reason=DEMO_CROWDING_REASON,
                )
    return True


def _ago(days: int) -> timedelta:
    """A date `days` before the demo's today (negative: after), resolved when the demo is built."""
    return timedelta(days=days)


_DEMO_LEDGER_ROWS: dict[str, list[tuple[str, dict]]] = {
    "dongcheng-edu-bureau": [
        ("topics", {"leader_name": "周明（局长）", "title": "优化营商环境", "description": "校外培训机构审批服务"}),
        (
            "visits",
            {
                "site": CROWDED_SITE,
                "visited_on": _ago(5),
                "leader_name": "周明（局长）",
                "participants": "基础教育科2人",
                "unannounced": True,
                "findings": "社区“四点半课堂”场地不足，志愿者缺口较大。",
            },
        ),
        (
            "study",
            {
                "kind": "central_group",
                "mode": "offline",
                "topic": "学习贯彻党的二十大精神专题研讨",
                "held_on": _ago(12),
                "hours": 3,
                "attendance": 11,
            },
        ),
        (
            "deeds",
            {
                "title": "扩大中小学课后服务覆盖面",
                "area": "education_health",
                "target": "全区小学课后服务覆盖率达到100%",
                "responsible": "周明",
                "deadline": _ago(-30),
                "status": "in_progress",
                "people_served": 5200,
            },
        ),
    ],
    "xihu-hospital": [
        (
            "visits",
            {
                "site": "新桥镇敬老院",
                "visited_on": _ago(12),
                "leader_name": "陈卫东（院长）",
                "participants": "医务科、护理部",
                "findings": "老人慢病随访不及时。",
            },
        ),
        (
            "rectification",
            {
                "problem": "门诊高峰时段挂号排队时间长",
                "source": "opinions",
                "category": "service",
                "measures": "增设自助挂号机，推行分时段预约",
                "responsible_leader": "陈卫东",
                "deadline": _ago(-20),
                "kind": "immediate",
                "affects_public": True,
            },
        ),
    ],
    "dongcheng-water-group": [
        (
            "visits",
            {
                "site": "新桥镇 敬老院",
                "visited_on": _ago(3),
                "leader_name": "孙立（董事长）",
                "participants": "客服中心",
                "findings": "敬老院供水管网老化。",
            },
        ),
        ("topics", {"leader_name": "孙立（董事长）", "title": "优化营商环境", "description": "用水报装提速"}),
        (
            "institutions",
            {
                "title": "用水报装“一件事一次办”工作规程",
                "action": "new",
                "adopted_on": _ago(8),
                "doc_number": "东水发〔2023〕12号",
            },
        ),
    ],
    "city-org-dept": [
        (
            "study",
            {
                "kind": "reading_class",
                "mode": "offline",
                "topic": "领导班子读书班（第一期）",
                "held_on": _ago(40),
                "hours": 16,
                "attendees": "张伟、李娜、王强、刘洋、陈静",
            },
        ),
        (
            "rectification",
            {
                "problem": "基层党组织书记培训覆盖不全",
                "source": "self_inspection",
                "category": "ability",
                "measures": "分批开展轮训，年底前全覆盖",
                "responsible_leader": "组织部副部长",
                "deadline": _ago(-90),
                "kind": "long_term",
            },
        ),
    ],
}
