import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tracker.core.concurrency import StaleVersion
from tracker.work import services
from tracker.work.models import Entry, Evidence, Task, TaskEvent


def media_files():
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()}


def test_entry_moves_the_task_along(city, pdf):
    task = city.task_a()
    entry = services.entry_add(task=task, by=city.staff_a, text="开会学习", percent=40, files=[pdf()])
    task.refresh_from_db()
    assert (task.status, task.progress, task.entry_count) == ("in_progress", 40, 1)
    assert task.last_activity_on == timezone.localdate()
    [evidence] = entry.evidence.all()
    assert evidence.original_name == "minutes.pdf"
    assert "minutes" not in evidence.file.name  # server-generated storage name
    assert Path(evidence.file.path).read_bytes().startswith(b"%PDF")


def test_entry_needs_text_and_a_sane_date_and_percent(city):
    task = city.task_a()
    with pytest.raises(ValidationError) as exc:
        services.entry_add(
            task=task, by=city.staff_a, text="  ", percent=120, occurred_on=timezone.localdate() + timedelta(days=1)
        )
    assert set(exc.value.message_dict) == {"text", "percent", "occurred_on"}
    with pytest.raises(ValidationError):
        services.entry_add(
            task=task, by=city.staff_a, text="x", occurred_on=city.campaign.starts_on - timedelta(days=1)
        )
    assert not Entry.objects.exists()


def test_bad_file_leaves_no_row_and_no_file(city, pdf):
    before = media_files()
    fake = pdf(name="report.pdf", content=b"MZ\x90\x00 this is an exe")
    with pytest.raises(ValidationError, match=re.escape("report.pdf")):
        services.entry_add(task=city.task_a(), by=city.staff_a, text="有附件", files=[pdf(), fake])
    assert not Entry.objects.exists() and not Evidence.objects.exists()
    assert media_files() == before
    with pytest.raises(ValidationError, match=re.escape("run.exe：不支持此文件类型")):
        services.entry_add(task=city.task_a(), by=city.staff_a, text="x", files=[pdf(name="run.exe")])


def test_oversized_file_is_refused(city, pdf, settings):
    settings.EVIDENCE_MAX_BYTES = 10
    with pytest.raises(ValidationError, match=re.escape("minutes.pdf 过大")):
        services.entry_add(task=city.task_a(), by=city.staff_a, text="x", files=[pdf()])


def test_failure_after_files_were_stored_removes_them(city, pdf, monkeypatch):
    before = media_files()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Task, "save", boom)
    with pytest.raises(RuntimeError):
        services.entry_add(task=city.task_a(), by=city.staff_a, text="x", files=[pdf()])
    assert media_files() == before
    assert not Entry.objects.exists()


@pytest.mark.parametrize("who", ["staff_b", "guide", "office_city", "leadership"])
def test_only_the_units_people_log_entries(city, who):
    with pytest.raises(PermissionDenied):
        services.entry_add(task=city.task_a(), by=getattr(city, who), text="x")


def test_submit_then_return_then_resubmit_then_accept(city):
    task = city.task_a()
    with pytest.raises(ValidationError, match="至少添加一条进展记录"):
        services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    task = services.entry_add(task=task, by=city.staff_a, text="完成", percent=100).task
    task = services.task_submit(task=task, by=city.staff_a, expected_version=task.version, note="请审核")
    assert task.status == "submitted"
    with pytest.raises(ValidationError):
        services.entry_add(task=task, by=city.staff_a, text="more")
    with pytest.raises(ValidationError) as exc:
        services.task_return(task=task, by=city.office_city, reason=" ", expected_version=task.version)
    assert "reason" in exc.value.message_dict
    task = services.task_return(task=task, by=city.guide, reason="缺签到表", expected_version=task.version)
    assert task.status == "returned"
    assert TaskEvent.objects.filter(task=task, kind="returned", note="缺签到表", actor=city.guide).exists()
    task = services.entry_add(task=task, by=city.staff_a, text="补充签到表").task
    task = services.task_submit(task=task, by=city.leader_a, expected_version=task.version)
    task = services.task_accept(task=task, by=city.office_east, expected_version=task.version)
    assert (task.status, task.progress) == ("done", 100)
    statuses = list(task.history.order_by("history_id").values_list("status", flat=True))
    transitions = [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
    assert transitions == ["todo", "in_progress", "submitted", "returned", "submitted", "done"]


def test_reviewers_are_limited_to_their_units(city):
    task = city.task_a()
    task = services.entry_add(task=task, by=city.staff_a, text="完成").task
    task = services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    for user in (city.staff_a, city.leader_a, city.leadership):
        with pytest.raises(PermissionDenied):
            services.task_accept(task=task, by=user, expected_version=task.version)
    task_b = city.task_b()
    with pytest.raises(PermissionDenied):
        services.task_return(task=task_b, by=city.guide, reason="x", expected_version=task_b.version)


def test_stale_version_is_a_conflict_not_an_overwrite(city):
    task = city.task_a()
    services.task_change_owner(task=task, by=city.staff_a, owner=city.leader_a, expected_version=1)
    with pytest.raises(StaleVersion) as exc:
        services.task_change_owner(task=task, by=city.leader_a, owner=city.staff_a, expected_version=1)
    assert exc.value.current.owner == city.leader_a
    task.refresh_from_db()
    assert (task.owner, task.version) == (city.leader_a, 2)


def test_owner_must_be_one_of_the_units_people(city):
    task = city.task_a()
    with pytest.raises(ValidationError) as exc:
        services.task_change_owner(task=task, by=city.staff_a, owner=city.staff_b, expected_version=1)
    assert "owner" in exc.value.message_dict
    task.refresh_from_db()
    assert task.owner is None and task.version == 1


def test_overlong_entry_is_refused(city):
    with pytest.raises(ValidationError) as exc:
        services.entry_add(task=city.task_a(), by=city.staff_a, text="字" * (services.MAX_ENTRY_CHARS + 1))
    assert "text" in exc.value.message_dict
    assert not Entry.objects.exists()


def test_self_chosen_task(city):
    due = city.campaign.ends_on
    task = services.task_create_self_chosen(
        campaign=city.campaign, unit=city.unit_a, by=city.staff_a, measure=city.study, title="红色读书角", due_on=due
    )
    assert task.is_self_chosen and task.display_title == "红色读书角"
    assert TaskEvent.objects.filter(task=task, kind="created").exists()
    with pytest.raises(ValidationError) as exc:
        services.task_create_self_chosen(
            campaign=city.campaign,
            unit=city.unit_a,
            by=city.staff_a,
            measure=city.study,
            title="",
            due_on=due + timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {"title", "due_on"}
    with pytest.raises(PermissionDenied):
        services.task_create_self_chosen(
            campaign=city.campaign, unit=city.unit_a, by=city.staff_b, measure=city.study, title="x", due_on=due
        )


def test_last_entry_on_follows_entries_added_back_dated_deleted_and_restored(city):
    """The dashboards read Task.last_entry_on instead of joining entries: it must equal MAX(occurred_on)."""
    from django.db.models import Max

    task = city.task_a()
    assert task.last_entry_on is None
    today = timezone.localdate()
    newest = services.entry_add(task=task, by=city.staff_a, text="今天", occurred_on=today)
    services.entry_add(task=task, by=city.staff_a, text="补记", occurred_on=today - timedelta(days=9))
    task.refresh_from_db()
    assert task.last_entry_on == today  # a back-dated entry does not move it back
    services.entry_delete(entry=newest, by=city.staff_a)
    task.refresh_from_db()
    assert task.last_entry_on == today - timedelta(days=9)
    assert task.last_entry_on == Entry.objects.filter(task=task).aggregate(last=Max("occurred_on"))["last"]
    services.entry_restore(entry=Entry.all_objects.get(pk=newest.pk), by=city.staff_a)
    task.refresh_from_db()
    assert task.last_entry_on == today
