"""The demo city's directives: what `staff`, `office`, `guide` and `leader` find on first login."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login
from tracker.directives.models import AssignmentTarget, ExtensionRequest, Instruction, Thread
from tracker.directives.selectors import arrived


@pytest.fixture
def demo(demo_city, db):
    """The module's one demo city; each test's writes are rolled back."""


def test_demo_directives_reach_staff(demo):
    staff = get_user_model().objects.get(username="staff")
    units, unread = arrived(user=staff, recent_since=timezone.localdate())
    mine = units[0]
    assert mine.assignments and mine.instructions and mine.answers
    assert unread  # the notice
    targets = AssignmentTarget.objects.filter(assignment=mine.assignments[0].assignment)
    assert targets.filter(acknowledged_at__isnull=False).exists()
    assert targets.filter(acknowledged_at__isnull=True).count() > 1
    assert ExtensionRequest.objects.filter(task__unit=mine.unit, status="pending").exists()
    assert Thread.objects.get(unit=mine.unit).state == "answered"
    assert Instruction.objects.get(unit=mine.unit).author.username == "leader"


def test_staff_first_page_lists_what_arrived(client, demo):
    login(client, get_user_model().objects.get(username="staff"))
    page = client.get(reverse("home")).content.decode()
    assert "报送主题教育阶段性工作总结" in page and "调研成果转化运用的通知" in page
    assert "此项工作要抓紧抓实" in page
