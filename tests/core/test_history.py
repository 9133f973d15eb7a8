"""The generic change history: rows with who, when and field-by-field changes, for any historical model."""

from __future__ import annotations

from django.urls import reverse

from tests.conftest import login
from tracker.core.history import history_rows
from tracker.orgs.models import Role, RoleAssignment
from tracker.orgs.services import role_grant
from tracker.work import services


def test_task_changes_show_who_and_what(city):
    task = city.task_a()
    services.task_change_owner(task=task, by=city.leader_a, owner=city.staff_a, expected_version=task.version)
    rows = history_rows(task.history.select_related("history_user"))
    latest = rows[0]
    assert latest.action == "修改" and latest.record.history_type == "~"
    # Foreign keys by name, not id; hidden bookkeeping (version) left out.
    assert [(c.label, c.old, c.new) for c in latest.changes] == [("责任人", "—", "张三")]
    assert rows[-1].action == "创建"


def test_history_works_for_any_model_with_historical_records(city):
    """Role grants are the security audit trail: who got office rights, and when they lost them."""
    user = city.staff_b
    grant = role_grant(user=user, role=Role.OFFICE, unit=city.east)
    RoleAssignment.objects.filter(pk=grant.pk).get().delete()
    rows = history_rows(RoleAssignment.history.filter(user_id=user.pk, role=Role.OFFICE))
    assert [row.action for row in rows] == ["删除", "创建"]
    assert rows[0].subject == "角色分配"


def test_task_page_shows_history_of_task_and_entries(client, city):
    task = city.task_a()
    entry = services.entry_add(task=task, by=city.staff_a, text="第一次学习", percent=30)
    services.entry_delete(entry=entry, by=city.staff_a)
    login(client, city.leadership)
    history_url = reverse("work:task_history", args=[task.pk])
    page = client.get(reverse("work:task_detail", args=[task.pk])).content.decode()
    # The task page's box loads the rows when it is opened, and links to them without script.
    assert 'class="history"' in page and "变更记录" in page
    assert f'hx-get="{history_url}" hx-trigger="toggle once"' in page and f'href="{history_url}"' in page
    assert "删除人" not in page
    fragment = client.get(history_url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<ol class="history-rows">') and "<html" not in fragment
    full = client.get(history_url).content.decode()
    assert "<html" in full and reverse("work:task_detail", args=[task.pk]) in full
    for html in (fragment, full):
        assert "进展记录 · " in html and "删除人" in html and "张三" in html
        assert "进度（%）" in html and "<del>30</del> → <ins>0</ins>" in html
