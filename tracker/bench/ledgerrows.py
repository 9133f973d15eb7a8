"""Ledger rows (台账) for a generated dataset: every ledger of every unit with tasks, for the bench.

Written after the tasks, in the same transaction as a fresh dataset, or once for an older dataset
that has none yet (`ledger_rows_ensure`). Research visits are drawn from a small pool of sites
per district (and per city for the city-level units), so the crowding watch (扎堆调研) finds
crowded sites as it would in a real campaign; topics repeat across units for the duplicated-topic
list. Every row gets its '+' history row, as the services would leave it. Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tracker.bench import names
from tracker.campaigns.models import Campaign
from tracker.ledgers.models import (
    ConversionItem,
    Institution,
    PracticalDeed,
    ProgressStatus,
    RectificationItem,
    RectificationMilestone,
    ResearchReport,
    ResearchTopic,
    ResearchVisit,
    StudySession,
)
from tracker.ledgers.models.deeds import DeedArea
from tracker.ledgers.models.institutions import InstitutionAction
from tracker.ledgers.models.rectification import RectificationCategory, RectificationKind, RectificationSource
from tracker.ledgers.models.study import StudyKind, StudyMode
from tracker.ledgers.text import normalise_key
from tracker.orgs.models import Unit, UnitLevel
from tracker.work.models import Task

# Rows per unit and ledger; a unit of the city's or a district's organs keeps BUSY times as many.
PER_UNIT = {"rectification": 4, "topics": 2, "visits": 5, "reports": 1, "conversion": 2, "deeds": 2, "study": 4}
BUSY = 3
UNIT_BATCH = 500
SITES_PER_AREA = 40
TOPICS = [
    "基层减负落实情况调研", "营商环境优化调研", "群众急难愁盼问题调研", "乡村振兴产业发展调研",
    "基层治理现代化调研", "民生实事推进情况调研", "干部作风建设调研", "安全生产隐患排查调研",
]  # fmt: skip
PROBLEMS = [
    "理论学习与业务工作结合不够紧密，学用脱节。", "联系服务群众不够深入，调查研究浮于表面。",
    "文山会海问题仍有反弹，基层负担较重。", "制度执行不够严格，监督检查流于形式。",
    "为民办实事推进较慢，部分项目未按期完成。", "干部担当作为不够，遇到难题绕着走。",
]  # fmt: skip
DEEDS = ["老旧小区改造", "便民服务窗口延时", "农村道路修缮", "社区养老助餐点建设", "就业技能培训", "校园周边交通整治"]
RULES = ["关于改进调查研究的实施办法", "机关作风建设若干规定", "为民办实事工作机制", "整改落实督办制度"]


@dataclass
class _Area:
    sites: list[str]


def _person(rng: random.Random) -> str:
    return rng.choice(names.SURNAMES) + "".join(rng.choice(names.GIVEN) for _ in range(rng.randint(1, 2)))


def _site(rng: random.Random, area: str) -> str:
    place = "".join(rng.choice(names.PLACE_SYLLABLES) for _ in range(2))
    return f"{area}{place}{rng.choice(['村', '社区', '街道', '产业园'])}"


def ledger_rows_exist(root: Unit) -> bool:
    return ResearchVisit.all_objects.filter(unit__path__startswith=root.path).exists()


def ledger_rows_ensure(*, root: Unit, campaign: Campaign, seed: int, log: Callable[[str], None]) -> int:
    """Write the ledger rows of the dataset under `root` unless it has some; how many rows were written."""
    if ledger_rows_exist(root):
        return 0
    return _LedgerRows(root=root, campaign=campaign, seed=seed).write(log)


class _LedgerRows:
    def __init__(self, *, root: Unit, campaign: Campaign, seed: int) -> None:
        self.root, self.campaign = root, campaign
        self.rng = random.Random(seed * 7919 + 17)
        self.today = timezone.localdate()
        self.start = campaign.starts_on
        self.areas: dict[int, _Area] = {}

    def _day(self, low: date | None = None, high: date | None = None) -> date:
        low = low or self.start
        high = min(high or self.today, self.today)
        return low + timedelta(days=self.rng.randint(0, max(0, (high - low).days)))

    def _area(self, unit: Unit, parent_name: str) -> _Area:
        # The unit's district (or city, for city-level units): whose villages its leaders visit.
        key = unit.parent_id or unit.pk
        if key not in self.areas:
            self.areas[key] = _Area([_site(self.rng, parent_name[:2]) for _ in range(SITES_PER_AREA)])
        return self.areas[key]

    def write(self, log: Callable[[str], None]) -> int:
        with_tasks = Task.objects.filter(campaign=self.campaign, unit=models.OuterRef("pk"))
        units = list(
            Unit.objects.filter(path__startswith=self.root.path)
            .filter(models.Exists(with_tasks))
            .select_related("parent", "category")
            .order_by("path")
        )
        written = 0
        for offset in range(0, len(units), UNIT_BATCH):
            written += self._batch(units[offset : offset + UNIT_BATCH])
        log(f"ledger rows: {written:,} for {len(units):,} units")
        return written

    def _batch(self, units: list[Unit]) -> int:
        rows: dict[type[models.Model], list] = {}

        def add(model: type[models.Model], objects: Iterable[models.Model]) -> None:
            rows.setdefault(model, []).extend(objects)

        topics_of: dict[int, list[ResearchTopic]] = {}
        for unit in units:
            busy = BUSY if unit.category and unit.category.code == "organ" and unit.level != UnitLevel.SUBUNIT else 1
            n = {ledger: count * busy for ledger, count in PER_UNIT.items()}
            common = {"campaign": self.campaign, "unit": unit}
            topics = [self._topic(common) for _ in range(n["topics"])]
            topics_of[unit.pk] = topics
            add(ResearchTopic, topics)
            add(RectificationItem, (self._rectification(common) for _ in range(n["rectification"])))
            add(PracticalDeed, (self._deed(common) for _ in range(n["deeds"])))
            add(StudySession, (self._study(common) for _ in range(n["study"])))
            add(Institution, (self._institution(common) for _ in range(max(1, n["deeds"] // 2))))
        created = 0
        firsts: tuple[type[models.Model], ...] = (
            ResearchTopic,
            RectificationItem,
            PracticalDeed,
            StudySession,
            Institution,
        )
        for model in firsts:
            created += len(bulk_create_with_history(rows[model], model, batch_size=2000))
        # Rows that point at the rows above, now that those have ids.
        second: dict[type[models.Model], list] = {ResearchVisit: [], ResearchReport: []}
        for unit in units:
            busy = BUSY if unit.category and unit.category.code == "organ" and unit.level != UnitLevel.SUBUNIT else 1
            common = {"campaign": self.campaign, "unit": unit}
            area = self._area(unit, unit.parent.name if unit.parent else unit.name)
            topics = topics_of[unit.pk]
            second[ResearchVisit].extend(self._visit(common, area, topics) for _ in range(PER_UNIT["visits"] * busy))
            second[ResearchReport].extend(self._report(common, topics) for _ in range(PER_UNIT["reports"] * busy))
        for model, objects in second.items():
            created += len(bulk_create_with_history(objects, model, batch_size=2000))
        conversions = [
            self._conversion({"campaign": self.campaign, "unit_id": report.unit_id}, report)
            for report in second[ResearchReport]
            for _ in range(2)
        ]
        created += len(bulk_create_with_history(conversions, ConversionItem, batch_size=2000))
        milestones = [
            RectificationMilestone(item=item, title=f"阶段目标{i + 1}", due_on=item.deadline - timedelta(days=10 * i))
            for item in rows[RectificationItem]
            if item.kind == RectificationKind.LONG_TERM
            for i in range(2)
        ]
        RectificationMilestone.objects.bulk_create(milestones, batch_size=2000)
        return created

    # -- one row of each ledger

    def _topic(self, common: dict) -> ResearchTopic:
        title = self.rng.choice(TOPICS)
        return ResearchTopic(**common, leader_name=_person(self.rng), title=title, title_key=normalise_key(title))

    def _visit(self, common: dict, area: _Area, topics: list[ResearchTopic]) -> ResearchVisit:
        site, leader = self.rng.choice(area.sites), _person(self.rng)
        return ResearchVisit(
            **common,
            topic=self.rng.choice(topics) if topics and self.rng.random() < 0.7 else None,
            site=site,
            site_key=normalise_key(site),
            visited_on=self._day(),
            leader_name=leader,
            leader_key=normalise_key(leader),
            participants="、".join(_person(self.rng) for _ in range(self.rng.randint(1, 4))),
            unannounced=self.rng.random() < 0.3,
            findings="走访群众，了解到道路、就业、养老等方面的意见建议，已形成问题清单。",
        )

    def _report(self, common: dict, topics: list[ResearchTopic]) -> ResearchReport:
        topic = self.rng.choice(topics) if topics else None
        return ResearchReport(
            **common,
            topic=topic,
            title=f"关于{topic.title.removesuffix('调研') if topic else '基层工作'}的调研报告",
            author_name=_person(self.rng),
            completed_on=self._day(self.start + timedelta(days=20)),
            synopsis="梳理存在问题，分析原因，提出对策建议。",
        )

    def _conversion(self, common: dict, report: ResearchReport) -> ConversionItem:
        status = self.rng.choice(list(ProgressStatus))
        return ConversionItem(
            **common,
            report=report,
            title="将调研建议转化为具体工作措施",
            responsible=_person(self.rng),
            due_on=self.campaign.ends_on - timedelta(days=self.rng.randint(0, 30)),
            status=status,
            done_on=self._day(report.completed_on) if status == ProgressStatus.DONE else None,
        )

    def _rectification(self, common: dict) -> RectificationItem:
        kind = self.rng.choice(list(RectificationKind))
        deadline = self.campaign.ends_on - timedelta(days=self.rng.randint(0, 40))
        return RectificationItem(
            **common,
            problem=self.rng.choice(PROBLEMS),
            source=self.rng.choice(list(RectificationSource)),
            category=self.rng.choice(list(RectificationCategory)),
            measures="制定整改措施，明确责任人和时限，逐项销号。",
            responsible_leader=_person(self.rng),
            deadline=deadline,
            kind=kind,
        )

    def _deed(self, common: dict) -> PracticalDeed:
        status = self.rng.choice(list(ProgressStatus))
        return PracticalDeed(
            **common,
            title=self.rng.choice(DEEDS),
            area=self.rng.choice(list(DeedArea)),
            target="按期完成，群众满意。",
            responsible=_person(self.rng),
            deadline=self.campaign.ends_on - timedelta(days=self.rng.randint(0, 30)),
            status=status,
            people_served=self.rng.randint(50, 5000),
            done_on=self._day() if status == ProgressStatus.DONE else None,
        )

    def _study(self, common: dict) -> StudySession:
        return StudySession(
            **common,
            kind=self.rng.choice(list(StudyKind)),
            mode=self.rng.choice(list(StudyMode)),
            topic="学习贯彻党的创新理论专题学习",
            held_on=self._day(),
            hours=Decimal(self.rng.choice(["1.5", "2.0", "3.0", "4.0"])),
            attendance=self.rng.randint(8, 60),
            attendees="、".join(_person(self.rng) for _ in range(5)),
        )

    def _institution(self, common: dict) -> Institution:
        return Institution(
            **common,
            title=self.rng.choice(RULES),
            action=self.rng.choice(list(InstitutionAction)),
            adopted_on=self._day(),
            doc_number=f"〔{self.today.year}〕{self.rng.randint(1, 99)}号",
        )
