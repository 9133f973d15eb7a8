"""Formalism signals: each kind found and linked, none changing a light or a score."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PDF_BYTES, login
from tests.factories import make_ledger_row
from tracker.insights import selectors
from tracker.work import services
from tracker.work.models import Evidence, Task

TEXT = "组织党员干部深入学习新思想，逐段研读原文，交流学习体会，撰写心得体会三篇。"


def test_every_signal_is_found_and_links_to_its_rows(client, city, django_assert_num_queries):
    first, second = Task.objects.filter(unit=city.unit_a).order_by("id")[:2]
    pdf = lambda: SimpleUploadedFile("签到表.pdf", PDF_BYTES)  # noqa: E731
    services.entry_add(task=first, by=city.staff_a, text="a", files=[pdf()])
    services.entry_add(task=second, by=city.staff_a, text="b", files=[pdf()])
    assert Evidence.objects.filter(sha256="").count() == 0
    # The same words from two units.
    services.entry_add(task=first, by=city.staff_a, text=TEXT)
    services.entry_add(task=city.task_b(), by=city.staff_b, text=TEXT.replace("三篇", "3篇"))
    # Three entries on a task due tomorrow, all in its last days.
    rushed = Task.objects.filter(unit=city.unit_b).exclude(pk=city.task_b().pk).first()
    Task.objects.filter(pk=rushed.pk).update(due_on=timezone.localdate() + timedelta(days=1))
    rushed.refresh_from_db()
    for n in range(3):
        rushed = services.entry_add(task=rushed, by=city.staff_b, text=f"补录{n}").task
    # A visit five weeks ago with no report.
    visit = make_ledger_row(
        "visits", unit=city.unit_a, by=city.staff_a, visited_on=timezone.localdate() - timedelta(weeks=5)
    )

    login(client, city.office_city)
    with django_assert_num_queries(11):
        response = client.get(reverse("insights:signals"))
    context = response.context
    (shared,) = context["shared"]
    assert {e.entry.task_id for e in shared.files} == {first.pk, second.pk}
    (pair,) = context["similar"]
    assert {pair.first.task.unit_id, pair.second.task.unit_id} == {city.unit_a.pk, city.unit_b.pk}
    assert [task.pk for task in context["rushed"]] == [rushed.pk]
    assert [row.visit.pk for row in context["stale"]] == [visit.pk]
    html = response.content.decode()
    assert reverse("work:task_detail", args=[rushed.pk]) in html and visit.get_absolute_url() in html

    # A guide sees only the units of their group: unit B's rows are not theirs.
    login(client, city.guide)
    guided = client.get(reverse("insights:signals")).context
    assert guided["similar"] == [] and guided["rushed"] == []


def test_shingles_fallback_finds_the_same_pair(city):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("compares the fallback with pg_trgm")
    services.entry_add(task=city.task_a(), by=city.staff_a, text=TEXT)
    services.entry_add(task=city.task_b(), by=city.staff_b, text=TEXT.replace("三篇", "3篇"))
    ids = list(selectors._recent_entries(city.office_city, city.campaign).values_list("id", flat=True))
    assert [p[:2] for p in selectors._pairs_shingles(ids)] == [p[:2] for p in selectors._pairs_trgm(ids)]
