"""Rosters: the Excel import (all or nothing), attendance from the roster (应到/实到 → 参学率), leaders."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from tests.conftest import login, table_counts
from tests.factories import make_ledger_row
from tracker.directives.lines import instruction_write
from tracker.ledgers.models import StudySession
from tracker.people import selectors, services
from tracker.people.models import RosterMember, TaskLeader

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    page = workbook.active
    page.append(["单位代码", "姓名", "职务", "班子成员"])
    for row in rows:
        page.append(row)
    handle = io.BytesIO()
    workbook.save(handle)
    return SimpleUploadedFile("roster.xlsx", handle.getvalue(), content_type=XLSX)


def nine_leaders(code):
    return [[code, f"成员{i}", "委员" if i else "书记", "是"] for i in range(9)]


def test_office_imports_rosters(client, city):
    login(client, city.office_city)
    rows = [
        *nine_leaders(city.unit_a.code),
        [city.unit_a.code, "党员甲", "", "否"],
        [city.unit_b.code, "李四", "局长", "是"],
    ]
    response = client.post(reverse("people:roster_import"), {"file": sheet(rows)})
    assert response.status_code == 200, response.content.decode()
    assert RosterMember.objects.filter(unit=city.unit_a, is_leader=True).count() == 9
    assert RosterMember.objects.filter(unit=city.unit_b).count() == 1


@pytest.mark.parametrize(
    "rows, message",
    [
        ([["{a}", "张三", "", "是"], ["{a}", "张 三", "", "否"]], "重复出现"),
        ([["{a}", "张三", "", "是"], ["{b}", "张三", "", "是"]], "同时列在另一单位"),
        ([["nope", "张三", "", "是"]], "没有编码为"),
        ([["{a}", "", "书记", "是"]], "缺少姓名"),
    ],
)
def test_a_bad_roster_imports_nothing(client, city, rows, message):
    login(client, city.office_city)
    filled = [[cell.format(a=city.unit_a.code, b=city.unit_b.code) for cell in row] for row in rows]
    before = table_counts()
    with_en = client.post(reverse("people:roster_import"), {"file": sheet(filled)})
    assert with_en.status_code == 422
    assert message in with_en.content.decode()
    assert table_counts() == before


def test_a_person_already_in_another_unit_is_refused(city):
    RosterMember.objects.create(unit=city.unit_b, name="张三", is_leader=True)
    line = services.RosterLine(2, city.unit_a.code, "张三", "", True)
    with pytest.raises(ValidationError, match="UnitB"):
        services.roster_import(by=city.office_city, lines=[line])


def test_staff_import_only_their_own_unit(city):
    line = services.RosterLine(2, city.unit_b.code, "张三", "", True)
    with pytest.raises(ValidationError):
        services.roster_import(by=city.staff_a, lines=[line])
    services.roster_import(by=city.staff_a, lines=[services.RosterLine(2, city.unit_a.code, "张三", "", True)])


def test_not_an_excel_file(client, city):
    login(client, city.office_city)
    response = client.post(reverse("people:roster_import"), {"file": SimpleUploadedFile("r.xlsx", b"not a zip")})
    assert response.status_code == 422 and "不是 Excel" in response.content.decode()


def test_attendance_from_the_roster_gives_89_percent(client, city):
    services.roster_import(
        by=city.office_city, lines=[services.RosterLine(i, city.unit_a.code, f"成员{i}", "", True) for i in range(9)]
    )
    members = list(RosterMember.objects.filter(unit=city.unit_a).order_by("order"))
    session = make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    login(client, city.staff_a)
    response = client.post(
        reverse("people:study_attendance", args=[session.pk]),
        {"version": session.version, "present": [m.pk for m in members[:8]], "speakers": [members[0].pk]},
    )
    assert response.status_code == 302
    session = StudySession.objects.get(pk=session.pk)
    assert (session.expected, session.attendance, session.attendance_rate) == (9, 8, 89)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "89" in page
    # "每名班子成员至少作1次交流发言": eight have not spoken yet.
    silent = selectors.leaders_who_did_not_speak(unit=city.unit_a, campaign=city.campaign)
    assert [m.name for m in silent] == [f"成员{i}" for i in range(1, 9)]


def test_typed_attendance_above_expected_is_refused(city):
    with pytest.raises(ValidationError):
        make_ledger_row("study", unit=city.unit_a, by=city.staff_a, expected=9, attendance=10)


def test_a_leaders_page_and_participation_table(client, city, django_assert_num_queries):
    leader = RosterMember.objects.create(unit=city.unit_a, name="王局长", post="局长", is_leader=True)
    make_ledger_row("visits", unit=city.unit_a, by=city.staff_a)  # led by 王局长
    make_ledger_row("topics", unit=city.unit_a, by=city.staff_a)
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a, attendees="王局长、李四", speakers="王局长")
    task = city.task_a()
    services.task_leader_set(task=task, by=city.staff_a, leader=leader)
    login(client, city.office_city)
    record = client.get(reverse("people:leader", args=[leader.pk])).context["record"]
    assert (len(record.visits), len(record.sessions), record.talks, len(record.topics)) == (1, 1, 1, 1)
    assert [link.task for link in record.tasks] == [task]
    # session, user, roles, campaign, leaders, visits, topics, sessions, tasks, instructions
    for n in range(3):
        RosterMember.objects.create(unit=city.unit_b, name=f"副局长{n}", is_leader=True)
        with django_assert_num_queries(10):
            response = client.get(reverse("people:participation"))
    assert len(response.context["records"]) == 4


def test_a_leaders_instructions_on_the_page_and_in_the_table(client, city, django_assert_num_queries):
    city.leadership.first_name = "陈国强（领导小组）"
    city.leadership.save()
    chen = RosterMember.objects.create(unit=city.city, name="陈国强", post="组长", is_leader=True)
    RosterMember.objects.create(unit=city.city, name="李明", post="副组长", is_leader=True)
    on_a = instruction_write(unit=city.unit_a, by=city.leadership, text="抓紧落实，务求实效。", task=city.task_a())
    on_b = instruction_write(unit=city.unit_b, by=city.leadership, text="限期整改。")
    login(client, city.office_city)
    page = client.get(reverse("people:leader", args=[chen.pk]))
    assert page.context["record"].instructions == [on_b, on_a]
    assert reverse("directives:instruction_detail", args=[on_a.pk]) in page.content.decode()
    for n in range(3):
        with django_assert_num_queries(10):
            response = client.get(reverse("people:participation"))
        instruction_write(unit=city.unit_a, by=city.leadership, text=f"第{n}条。")
    counts = {r.member.name: len(r.instructions) for r in response.context["records"]}
    assert counts == {"陈国强": 4, "李明": 0}
    # A viewer sees only the 批示 on units in their scope: the east office reads none on unit B.
    records = selectors.leader_records(members=[chen], campaign=city.campaign, viewer=city.office_east)
    assert on_b not in records[0].instructions and on_a in records[0].instructions


def test_task_leader_must_be_on_the_units_team(city):
    other = RosterMember.objects.create(unit=city.unit_b, name="外单位", is_leader=True)
    with pytest.raises(ValidationError):
        services.task_leader_set(task=city.task_a(), by=city.staff_a, leader=other)
    assert not TaskLeader.objects.exists()


def test_reimport_keeps_people_and_their_task_links(city):
    first = [
        services.RosterLine(2, city.unit_a.code, "王局长", "局长", True),
        services.RosterLine(3, city.unit_a.code, "李四", "", True),
    ]
    services.roster_import(by=city.office_city, lines=first)
    leader = RosterMember.objects.get(name="王局长")
    services.task_leader_set(task=city.task_a(), by=city.staff_a, leader=leader)
    services.roster_import(
        by=city.office_city, lines=[services.RosterLine(2, city.unit_a.code, "王局长", "党委书记", True)]
    )
    assert list(RosterMember.objects.filter(unit=city.unit_a).values_list("name", "post")) == [("王局长", "党委书记")]
    assert TaskLeader.objects.get().leader_id == leader.pk
    assert leader.history.count() == 2
