"""Ledger writes: validation, optimistic locking, soft delete, the close-out flow, crowding, task progress."""

from datetime import timedelta
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.conftest import PDF_BYTES
from tests.factories import TemplateFactory, ledger_defaults, make_ledger_row, make_unit, make_user
from tracker.core.concurrency import StaleVersion
from tracker.ledgers import services
from tracker.ledgers.models import (
    Institution,
    LedgerEntryLink,
    RectificationEvent,
    RectificationEvidence,
    RectificationItem,
    ResearchVisit,
    StudySession,
)
from tracker.ledgers.selectors import visit_crowding
from tracker.orgs.models import Role
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Task

TODAY = timezone.localdate


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


# ------------------------------------------------------------------------------ create, update, delete


def test_staff_records_a_row_with_history(city):
    session = make_ledger_row("study", unit=city.unit_a, by=city.staff_a, topic="读原著")
    assert session.unit == city.unit_a and session.created_by == city.staff_a and session.version == 1
    record = session.history.get()
    assert (record.history_type, record.history_user, record.topic) == ("+", city.staff_a, "读原著")


def test_only_the_units_own_staff_write_its_ledgers(city):
    for user in (city.staff_b, city.guide, city.office_city, city.leadership):
        with pytest.raises(PermissionDenied):
            make_ledger_row("study", unit=city.unit_a, by=user)
    assert not StudySession.all_objects.exists()


def test_update_bumps_the_version_and_refuses_a_stale_page(city):
    session = make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    data = {**ledger_defaults("study"), "topic": "第二次修改"}
    updated = services.ledger_row_update(row=session, by=city.leader_a, data=data, expected_version=1)
    assert updated.version == 2 and updated.topic == "第二次修改"
    with pytest.raises(StaleVersion) as caught:
        services.ledger_row_update(row=session, by=city.staff_a, data={**data, "topic": "旧页面"}, expected_version=1)
    assert caught.value.current.version == 2
    session.refresh_from_db()
    assert session.topic == "第二次修改"
    assert [h.history_type for h in session.history.order_by("history_id")] == ["+", "~"]


def test_delete_is_soft_and_kept_in_history(city):
    session = make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    services.ledger_row_delete(row=session, by=city.staff_a, expected_version=1)
    assert not StudySession.objects.filter(pk=session.pk).exists()
    kept = StudySession.all_objects.get(pk=session.pk)
    assert kept.deleted_at is not None and kept.history.first().deleted_at is not None
    with pytest.raises(ValidationError):
        services.ledger_row_update(row=kept, by=city.staff_a, data=ledger_defaults("study"), expected_version=2)


@pytest.mark.parametrize(
    "field,value",
    [
        ("held_on", "future"),
        ("held_on", "before_campaign"),
        ("hours", 0),
        ("hours", 25),
        ("attendance", None),
        ("topic", "bad\x07bell"),
    ],
)
def test_invalid_study_sessions_are_refused_and_write_nothing(city, field, value):
    if value == "future":
        value = TODAY() + timedelta(days=1)
    elif value == "before_campaign":
        value = city.campaign.starts_on - timedelta(days=1)
    data = {**ledger_defaults("study"), field: value}
    with pytest.raises(ValidationError) as caught:
        services.ledger_row_create(ledger="study", campaign=city.campaign, unit=city.unit_a, by=city.staff_a, data=data)
    assert field in caught.value.message_dict
    assert not StudySession.all_objects.exists()


def test_attendance_may_be_given_as_names(city):
    session = make_ledger_row(
        "study", unit=city.unit_a, by=city.staff_a, attendance=None, attendees="张三、李四，王五\n赵六"
    )
    assert session.attendance == 4


def test_deadlines_immediate_within_the_campaign_long_term_beyond(city):
    after_end = city.campaign.ends_on + timedelta(days=100)
    with pytest.raises(ValidationError) as caught:
        make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, deadline=after_end)
    assert "deadline" in caught.value.message_dict
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, deadline=after_end, kind="long_term")
    assert item.deadline == after_end


def test_done_rows_say_when(city):
    with pytest.raises(ValidationError) as caught:
        make_ledger_row("deeds", unit=city.unit_a, by=city.staff_a, status="done")
    assert "done_on" in caught.value.message_dict
    deed = make_ledger_row(
        "deeds", unit=city.unit_a, by=city.staff_a, status="done", done_on=TODAY(), people_served=300
    )
    assert deed.people_served == 300


def test_an_institution_links_only_the_units_own_problems(city):
    own = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a)
    other = make_ledger_row("rectification", unit=city.unit_b, by=city.staff_b)
    rule = make_ledger_row("institutions", unit=city.unit_a, by=city.staff_a, problems=[own], document=pdf("办法.pdf"))
    assert list(rule.problems.all()) == [own]
    assert rule.document_name == "办法.pdf" and rule.document.name.startswith("ledgers/")
    assert "办法" not in rule.document.name  # the stored name is random
    with pytest.raises(ValidationError):
        make_ledger_row("institutions", unit=city.unit_a, by=city.staff_a, problems=[other])
    assert Institution.all_objects.count() == 1


def test_editing_a_rule_without_a_new_upload_keeps_its_document(city, settings):
    from pathlib import Path

    rule = make_ledger_row("institutions", unit=city.unit_a, by=city.staff_a, document=pdf("办法.pdf"))
    files_before = sorted(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
    data = {
        **ledger_defaults("institutions"),
        "title": "新名称",
        "document": rule.document,
    }  # as the form hands it back
    rule = services.ledger_row_update(row=rule, by=city.staff_a, data=data, expected_version=1)
    assert (rule.title, rule.document_name) == ("新名称", "办法.pdf")
    assert sorted(Path(settings.MEDIA_ROOT).rglob("*.pdf")) == files_before


@pytest.mark.parametrize("field", ["unit", "created_by", "version", "deleted_at", "status", "closed_by", "site_key"])
def test_bookkeeping_and_workflow_fields_are_not_input(city, field):
    ledger = "visits" if field == "site_key" else "rectification"
    data = {**ledger_defaults(ledger), field: None}
    with pytest.raises(ValueError):
        services.ledger_row_create(ledger=ledger, campaign=city.campaign, unit=city.unit_a, by=city.staff_a, data=data)


def test_a_bad_document_leaves_nothing(city):
    with pytest.raises(ValidationError):
        make_ledger_row("institutions", unit=city.unit_a, by=city.staff_a, document=SimpleUploadedFile("x.pdf", b"MZ"))
    assert not Institution.all_objects.exists()


def test_links_to_another_units_topic_are_refused(city):
    topic_b = make_ledger_row("topics", unit=city.unit_b, by=city.staff_b)
    with pytest.raises(ValidationError) as caught:
        make_ledger_row("visits", unit=city.unit_a, by=city.staff_a, topic=topic_b)
    assert "topic" in caught.value.message_dict


# ------------------------------------------------------------------------------ crowding guard


def test_a_visit_to_a_site_another_unit_visited_needs_confirmation(city):
    make_ledger_row(
        "visits", unit=city.unit_b, by=city.staff_b, site="城关街道第一社区", visited_on=TODAY() - timedelta(7)
    )
    data = {**ledger_defaults("visits"), "site": " 城关街道 第一社区（ ", "leader_name": "李主任"}
    with pytest.raises(services.CrowdingNotConfirmed) as caught:
        services.ledger_row_create(
            ledger="visits", campaign=city.campaign, unit=city.unit_a, by=city.staff_a, data=data
        )
    (nearby,) = caught.value.nearby
    assert nearby.visited_on == TODAY() - timedelta(7)
    assert nearby.unit_name == ""  # unit B is outside staff A's scope: not named
    assert ResearchVisit.objects.filter(unit=city.unit_a).count() == 0
    visit = services.ledger_row_create(
        ledger="visits",
        campaign=city.campaign,
        unit=city.unit_a,
        by=city.staff_a,
        data=data,
        confirm_crowding=True,
        crowding_reason="已与该单位协调",
    )
    assert visit.crowding_confirmed and visit.crowding_reason == "已与该单位协调"
    # The office sees both units by name.
    assert {v.unit_name for v in visit_crowding(visit=visit, user=city.office_city)} == {"UnitB"}


def test_full_width_and_case_are_the_same_site(city):
    make_ledger_row("visits", unit=city.unit_b, by=city.staff_b, site="ＡＢＣ Village", visited_on=TODAY())
    candidate = ResearchVisit(
        campaign=city.campaign, unit=city.unit_a, site="abc village", visited_on=TODAY(), leader_name="x"
    )
    candidate.full_clean()
    assert len(visit_crowding(visit=candidate, user=city.staff_a)) == 1


def test_crowding_window_and_same_leader(city):
    window = city.campaign.research_window_days
    make_ledger_row(
        "visits", unit=city.unit_b, by=city.staff_b, site="幸福社区", visited_on=TODAY() - timedelta(window + 1)
    )
    make_ledger_row("visits", unit=city.unit_a, by=city.staff_a, site="幸福社区", leader_name="王局长")
    # The same leader of the same unit going back is a follow-up visit, not crowding.
    again = ResearchVisit(
        campaign=city.campaign, unit=city.unit_a, site="幸福社区", visited_on=TODAY(), leader_name="王局长"
    )
    again.full_clean()
    assert visit_crowding(visit=again, user=city.staff_a) == []
    # Another leader of the same unit within the window is.
    other_leader = ResearchVisit(
        campaign=city.campaign, unit=city.unit_a, site="幸福社区", visited_on=TODAY(), leader_name="赵副局长"
    )
    other_leader.full_clean()
    (nearby,) = visit_crowding(visit=other_leader, user=city.staff_a)
    assert nearby.same_unit and nearby.unit_name == "UnitA"
    city.campaign.research_window_days = window + 5
    city.campaign.save()
    other_leader.campaign.refresh_from_db()
    assert len(visit_crowding(visit=other_leader, user=city.staff_a)) == 2


def test_editing_a_visit_to_a_crowded_site_asks_again(city):
    make_ledger_row("visits", unit=city.unit_b, by=city.staff_b, site="新桥敬老院")
    visit = make_ledger_row("visits", unit=city.unit_a, by=city.staff_a, site="别处")
    data = {**ledger_defaults("visits"), "site": "新桥敬老院"}
    with pytest.raises(services.CrowdingNotConfirmed):
        services.ledger_row_update(row=visit, by=city.staff_a, data=data, expected_version=1)
    data["findings"] = "补充"
    visit = services.ledger_row_update(
        row=visit, by=city.staff_a, data=data, expected_version=1, confirm_crowding=True, crowding_reason="回访"
    )
    # Nothing about the place changes now: no second question.
    services.ledger_row_update(row=visit, by=city.staff_a, data={**data, "findings": "再补充"}, expected_version=2)


# ------------------------------------------------------------------------------ rectification close-out


def test_guide_raises_a_problem_into_the_units_ledger(city):
    data = {k: v for k, v in ledger_defaults("rectification").items() if k not in ("source", "responsible_leader")}
    item = services.rectification_raise(campaign=city.campaign, unit=city.unit_a, by=city.guide, data=data)
    assert item.unit == city.unit_a and item.source == "guidance" and item.raised_by == city.guide
    assert RectificationItem.objects.for_user(city.staff_a).filter(pk=item.pk).exists()
    assert item.events.get().kind == "raised"
    by_office = services.rectification_raise(campaign=city.campaign, unit=city.unit_a, by=city.office_east, data=data)
    assert by_office.source == "superior"
    for user in (city.staff_a, city.leadership, city.staff_b):
        with pytest.raises(PermissionDenied):
            services.rectification_raise(campaign=city.campaign, unit=city.unit_a, by=user, data=data)


def test_close_out_needs_evidence_then_a_verifier(city):
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a)
    with pytest.raises(ValidationError) as caught:
        services.rectification_request_close(item=item, by=city.staff_a, expected_version=1, note="改好了")
    assert "files" in caught.value.message_dict
    item = services.rectification_request_close(
        item=item, by=city.staff_a, expected_version=1, note="改好了", files=[pdf()], satisfaction=96
    )
    assert (item.status, item.satisfaction, item.files.count()) == ("requested", 96, 1)
    with pytest.raises(ValidationError):  # waiting for the verifier, the unit cannot change it
        services.ledger_row_update(row=item, by=city.staff_a, data=ledger_defaults("rectification"), expected_version=2)
    for user in (city.staff_a, city.leader_a, city.leadership):
        with pytest.raises(PermissionDenied):
            services.rectification_verify(item=item, by=user, expected_version=2)
    item = services.rectification_verify(item=item, by=city.guide, expected_version=2, note="核验属实")
    assert (item.status, item.closed_on, item.closed_by) == ("closed", TODAY(), city.guide)
    assert [e.kind for e in item.events.order_by("id")] == ["created", "requested", "verified"]


def test_a_returned_item_shows_why_and_can_be_put_forward_again(city):
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, files=[pdf()])
    item = services.rectification_request_close(item=item, by=city.staff_a, expected_version=1, note="改好了")
    with pytest.raises(ValidationError):
        services.rectification_return(item=item, by=city.office_east, expected_version=2, reason="  ")
    item = services.rectification_return(item=item, by=city.office_east, expected_version=2, reason="群众仍有意见")
    assert item.status == "returned"
    assert RectificationEvent.objects.filter(item=item, kind="returned").get().note == "群众仍有意见"
    item = services.rectification_request_close(item=item, by=city.staff_a, expected_version=3, note="再次整改")
    assert item.status == "requested"


def test_long_term_items_close_only_after_every_staged_target(city):
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, kind="long_term", files=[pdf()])
    with pytest.raises(ValidationError):
        services.rectification_request_close(item=item, by=city.staff_a, expected_version=1, note="x")
    first = services.milestone_add(item=item, by=city.staff_a, title="完成调研", due_on=TODAY())
    services.milestone_add(item=item, by=city.staff_a, title="出台办法", due_on=TODAY() + timedelta(days=10))
    with pytest.raises(ValidationError) as caught:
        services.milestone_add(item=item, by=city.staff_a, title="太晚", due_on=item.deadline + timedelta(days=1))
    assert "due_on" in caught.value.message_dict
    services.milestone_reach(milestone=first, by=city.staff_a)
    with pytest.raises(ValidationError):
        services.rectification_request_close(item=item, by=city.staff_a, expected_version=1, note="x")
    for milestone in item.milestones.filter(reached_on__isnull=True):
        services.milestone_reach(milestone=milestone, by=city.staff_a)
    item = services.rectification_request_close(item=item, by=city.staff_a, expected_version=1, note="全部完成")
    assert item.status == "requested"
    immediate = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a)
    with pytest.raises(ValidationError):
        services.milestone_add(item=immediate, by=city.staff_a, title="x", due_on=TODAY())


def test_a_failed_close_request_leaves_no_file(city, settings):
    from pathlib import Path

    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, kind="long_term")
    before = set(Path(settings.MEDIA_ROOT).rglob("*"))
    with pytest.raises(ValidationError):  # no staged targets yet
        services.rectification_request_close(item=item, by=city.staff_a, expected_version=1, note="x", files=[pdf()])
    assert set(Path(settings.MEDIA_ROOT).rglob("*")) == before
    assert not RectificationEvidence.objects.exists()


# ------------------------------------------------------------------------------ tasks and ledgers are one


@pytest.fixture
def counted(city):
    """A template counting central-study-group sessions (≥ 4), and one counting closed problems."""
    study = TemplateFactory(
        campaign=city.campaign,
        measure=city.study,
        code="central-group",
        ledger="study",
        ledger_filter={"kind": "central_group"},
        target_count=4,
        due_offset_days=100,
    )
    closed = TemplateFactory(
        campaign=city.campaign,
        measure=city.org,
        code="close-out",
        ledger="rectification",
        ledger_filter={"status": "closed"},
        target_count=1,
        due_offset_days=100,
    )
    tasks_generate(campaign=city.campaign)
    return {
        "study": Task.objects.get(unit=city.unit_a, template=study),
        "closed": Task.objects.get(unit=city.unit_a, template=closed),
    }


def test_each_session_advances_the_task_in_the_same_transaction(city, counted):
    task = counted["study"]
    assert (task.progress, task.entry_count, task.status) == (0, 0, "todo")
    Task.objects.filter(pk=task.pk).update(last_activity_on=city.campaign.starts_on)  # long quiet: stale
    day = TODAY() - timedelta(days=3)
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a, held_on=day)
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a, kind="lecture")  # not a central group session
    task.refresh_from_db()
    assert (task.progress, task.entry_count, task.status, task.last_activity_on) == (25, 1, "in_progress", day)
    entry = task.entries.get()
    # The row's entry counts as one record; the percentage is derived, not stored on it.
    assert "专题学习" in entry.text and entry.percent is None and entry.ledger == "study"
    assert entry.author == city.staff_a
    assert task.history.first().history_change_reason.startswith("ledger study")
    for _ in range(4):
        make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    task.refresh_from_db()
    assert (task.progress, task.entry_count) == (100, 5)  # capped at 100
    assert task.entries.count() == task.entry_count


def test_deleting_or_changing_a_row_takes_it_off_the_task(city, counted):
    task = counted["study"]
    first = make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    second = make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    services.ledger_row_delete(row=first, by=city.staff_a, expected_version=1)
    services.ledger_row_update(
        row=second, by=city.staff_a, data={**ledger_defaults("study"), "kind": "other"}, expected_version=1
    )
    task.refresh_from_db()
    assert (task.progress, task.entry_count) == (0, 0)
    # The rows' entries left the timeline softly, each still linked to its row for a restore.
    assert not task.entries.exists() and LedgerEntryLink.objects.count() == 2


def test_other_units_rows_do_not_count(city, counted):
    make_ledger_row("study", unit=city.unit_b, by=city.staff_b)
    counted["study"].refresh_from_db()
    assert counted["study"].progress == 0
    assert Task.objects.get(unit=city.unit_b, template__code="central-group").progress == 25


def test_verifying_a_close_out_advances_the_close_out_task(city, counted):
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, files=[pdf()])
    item = services.rectification_request_close(item=item, by=city.staff_a, expected_version=1, note="x")
    counted["closed"].refresh_from_db()
    assert counted["closed"].progress == 0
    services.rectification_verify(item=item, by=city.guide, expected_version=2)
    task = counted["closed"]
    task.refresh_from_db()
    assert (task.progress, task.entry_count) == (100, 1)
    assert task.entries.get().author == city.guide


def test_a_row_recorded_while_under_review_is_on_the_task_the_reviewer_sees(city, counted):
    from tracker.work import services as work_services

    task = counted["study"]
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    task = Task.objects.get(pk=task.pk)
    task = work_services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    task.refresh_from_db()
    # The ledger is the fact whatever the review state; the reviewer's open page is now stale.
    assert (task.progress, task.entry_count, task.status) == (50, 2, "submitted")
    with pytest.raises(StaleVersion):
        work_services.task_accept(task=task, by=city.guide, expected_version=task.version - 1)


def test_monthly_tasks_count_the_sessions_of_their_month(city):
    template = TemplateFactory(
        campaign=city.campaign,
        measure=city.study,
        code="monthly-group",
        recurrence="monthly",
        ledger="study",
        ledger_filter={"kind": "central_group"},
    )
    tasks_generate(campaign=city.campaign)
    day = city.campaign.starts_on
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a, held_on=day)
    tasks = Task.objects.filter(unit=city.unit_a, template=template).order_by("period_index")
    progress = {t.period_index: t.progress for t in tasks}
    month = next(t for t in tasks if t.period_starts_on <= day <= t.period_ends_on)
    assert progress[month.period_index] == 100
    assert sum(progress.values()) == 100


def test_a_template_filter_must_name_real_fields_and_values(city):
    template = TemplateFactory.build(campaign=city.campaign, measure=city.study, code="x", ledger="study")
    template.ledger_filter = {"kind": "central_group"}
    template.full_clean()
    template.ledger_filter = {"colour": "red"}
    with pytest.raises(ValidationError):
        template.full_clean()
    template.ledger_filter = {"kind": "karaoke"}
    with pytest.raises(ValidationError):
        template.full_clean()
    template.ledger, template.ledger_filter = "", {"kind": "central_group"}
    with pytest.raises(ValidationError):
        template.full_clean()


def test_new_unit_staff_see_only_their_rows(city):
    unit_c = make_unit("UnitC", parent=city.east, category=city.unit_a.category)
    staff_c = make_user(Role.STAFF, unit=unit_c)
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    assert not StudySession.objects.for_user(staff_c).exists()
    assert StudySession.objects.for_user(city.office_east).count() == 1


def test_saving_anyway_needs_a_reason_and_keeps_it(city):
    make_ledger_row("visits", unit=city.unit_b, by=city.staff_b, site="幸福社区", visited_on=TODAY() - timedelta(2))
    data = {**ledger_defaults("visits"), "site": "幸福社区", "leader_name": "李主任"}
    create = partial(
        services.ledger_row_create, ledger="visits", campaign=city.campaign, unit=city.unit_a, by=city.staff_a
    )
    with pytest.raises(services.CrowdingNotConfirmed) as caught:
        create(data=data, confirm_crowding=True, crowding_reason="  ")
    assert caught.value.reason_missing and len(caught.value.nearby) == 1
    with pytest.raises(services.CrowdingNotConfirmed) as caught:
        create(data=data, crowding_reason="有理由但未确认")
    assert not caught.value.reason_missing
    assert not ResearchVisit.all_objects.filter(unit=city.unit_a).exists()
    visit = create(data=data, confirm_crowding=True, crowding_reason=" 调研事项不同，已电话沟通 ")
    visit.refresh_from_db()
    assert visit.crowding_confirmed and visit.crowding_reason == "调研事项不同，已电话沟通"
    # Moved to a site nobody else visited: no longer crowded, no reason kept.
    visit = services.ledger_row_update(
        row=visit, by=city.staff_a, data={**data, "site": "偏远山村"}, expected_version=visit.version
    )
    visit.refresh_from_db()
    assert not visit.crowding_confirmed and visit.crowding_reason == ""


def test_no_reason_is_asked_without_crowding(city):
    visit = make_ledger_row("visits", unit=city.unit_a, by=city.staff_a, site="偏远山村", confirm_crowding=False)
    assert not visit.crowding_confirmed and visit.crowding_reason == ""


def test_the_warning_lists_earlier_visitors_newest_first_naming_only_visible_units(city):
    make_ledger_row(
        "visits",
        unit=city.unit_b,
        by=city.staff_b,
        site="幸福社区",
        leader_name="孙书记",
        visited_on=TODAY() - timedelta(3),
    )
    make_ledger_row(
        "visits",
        unit=city.unit_a,
        by=city.staff_a,
        site="幸福社区",
        leader_name="赵副局长",
        visited_on=TODAY() - timedelta(1),
    )
    # The same unit's same leader went before: a follow-up, not counted.
    make_ledger_row(
        "visits",
        unit=city.unit_a,
        by=city.staff_a,
        site="幸福社区",
        leader_name="王局长",
        visited_on=TODAY() - timedelta(2),
    )
    candidate = ResearchVisit(
        campaign=city.campaign, unit=city.unit_a, site="幸福社区", visited_on=TODAY(), leader_name="王局长"
    )
    candidate.full_clean()
    shown = [(v.visited_on, v.unit_name, v.leader_name) for v in visit_crowding(visit=candidate, user=city.staff_a)]
    assert shown == [(TODAY() - timedelta(1), "UnitA", "赵副局长"), (TODAY() - timedelta(3), "", "")]
    by_office = [(v.unit_name, v.leader_name) for v in visit_crowding(visit=candidate, user=city.office_city)]
    assert by_office == [("UnitA", "赵副局长"), ("UnitB", "孙书记")]
