from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from tracker.demo.builder import DEMO_PASSWORD
from tracker.orgs.models import GuidanceGroup, Unit
from tracker.orgs.scope import scope_for
from tracker.work.models import Entry, Task


@pytest.fixture
def demo(demo_city, db):
    """The module's one demo city; each test's writes are rolled back."""


def test_demo_city_shape(demo):
    units = Unit.objects.filter(participates=True)
    assert units.count() >= 40
    assert units.values("category").distinct().count() >= 6
    assert Unit.objects.values("depth").distinct().count() >= 4  # city → district → unit → sub-unit
    assert GuidanceGroup.objects.count() >= 2 and all(g.units.exists() for g in GuidanceGroup.objects.all())


def test_demo_accounts_log_in_with_their_roles(demo):
    for username in ["office", "leader", "guide", "unitlead", "staff", "staff2"]:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["staff", "staff2", "guide"])}
    staff_units = scope_for(users["staff"]).edit_unit_ids
    assert staff_units and staff_units.isdisjoint(scope_for(users["staff2"]).edit_unit_ids)
    assert staff_units <= scope_for(users["guide"]).read_unit_ids


def test_demo_progress_looks_alive(demo):
    statuses = Counter(Task.objects.values_list("status", flat=True))
    for status in ("todo", "in_progress", "submitted", "returned", "done"):
        assert statuses[status] > 0, status
    assert Entry.objects.exists()
    from django.utils import timezone

    assert Task.objects.filter(due_on__lt=timezone.localdate()).exclude(status="done").exists()  # some overdue
    for task in Task.objects.filter(entry_count__gt=0)[:50]:
        assert task.entries.count() == task.entry_count


def test_second_run_changes_nothing(demo, django_capture_on_commit_callbacks):
    before = (Unit.objects.count(), Task.objects.count(), Entry.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
        call_command("seed_campaign", verbosity=0)
    assert (Unit.objects.count(), Task.objects.count(), Entry.objects.count()) == before


def test_bulk_seeded_progress_has_history(demo):
    """Bulk paths are covered: every seeded entry and task change has its history record."""
    assert Entry.history.filter(history_type="+").count() == Entry.objects.count()
    touched = Task.objects.exclude(status="todo")
    assert Task.history.filter(history_type="~", id__in=touched.values("id")).count() >= touched.count()


def test_demo_pages_show_no_internal_markers(demo, client):
    """History reasons written by the seeding ('demo', 'generated') never reach a person's screen."""
    import re

    from django.contrib.auth import get_user_model
    from django.urls import reverse

    client.force_login(get_user_model().objects.get(username="office"))  # the city office reads every unit
    tasks = Task.objects.filter(entries__isnull=False).distinct().order_by("id")[:3]
    assert tasks
    for task in tasks:
        response = client.get(reverse("work:task_detail", args=[task.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "(demo)" not in html and "(generated)" not in html
        assert not re.search(r"[：:] ?#\d+", html)


def test_demo_city_passes_check_progress(demo):
    """Every demo task's progress, status and counters equal a recount of its entries, ledger rows and events."""
    from io import StringIO

    from tracker.campaigns.selectors import current_campaign
    from tracker.ledgers.progress import progress_differences

    assert progress_differences(campaign=current_campaign()) == []
    out = StringIO()
    call_command("check_progress", stdout=out)
    assert "every task equals a recount" in out.getvalue()


def test_demo_review_queue_has_evidence_with_previews(demo):
    """The first guidance group's queue holds tasks handed in with a photo and minutes, previews built."""
    from tracker.demo.evidence import PHOTO_NAME
    from tracker.work.models import Evidence, PreviewState

    photos = Evidence.objects.filter(original_name=PHOTO_NAME)
    assert photos.exists()
    handed_in = Evidence.objects.filter(entry__task__in={e.entry.task_id for e in photos})
    assert not handed_in.exclude(preview_state=PreviewState.READY).exists()
    # Every other file has been looked at too: a preview, or "no preview" for a file that has none.
    assert not Evidence.objects.filter(preview_state=PreviewState.PENDING).exists()
    assert {e.entry.task.status for e in photos} == {"submitted"}
