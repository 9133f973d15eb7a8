"""The assessment score: the documented formula, its parameters, the page, the matrix column, the export."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.conftest import login
from tracker.core.concurrency import StaleVersion
from tracker.scoring.models import ScoreSettings
from tracker.scoring.selectors import unit_scores
from tracker.scoring.services import score_settings_update
from tracker.work.models import Task, TaskStatus

pytestmark = pytest.mark.django_db


def _score(city, unit):
    scores = unit_scores(user=city.office_city, campaign=city.campaign, today=timezone.localdate())
    return next(s for s in scores if s.unit_id == unit.pk)


def test_the_score_follows_the_documented_formula(city):
    today = timezone.localdate()
    tasks = list(Task.objects.filter(unit=city.unit_a).select_related("template").order_by("id"))
    assert len(tasks) == 2  # reading (due in 30 days from start, +90) and plan (overdue)
    reading, plan = sorted(tasks, key=lambda t: t.due_on, reverse=True)
    Task.objects.filter(pk=reading.pk).update(progress=50)
    Task.objects.filter(pk=plan.pk).update(status=TaskStatus.DONE, progress=100, submitted_at=timezone.now())
    score = _score(city, city.unit_a)
    w_r, w_p = reading.template.weight, plan.template.weight
    completion = (w_r * 50 + w_p * 100) / (100 * (w_r + w_p))
    on_time = 0.0 if plan.due_on < today else 1.0  # handed in today, after its due date
    late = 0.0
    assert score.completion == pytest.approx(completion)
    assert score.on_time == pytest.approx(on_time)
    assert score.late == pytest.approx(late)
    assert score.score == pytest.approx(round((completion * 60 + on_time * 40) / 100 * 100 - late * 20, 1))

    Task.objects.filter(pk=plan.pk).update(status=TaskStatus.RETURNED, progress=60)
    score = _score(city, city.unit_a)
    assert score.late == pytest.approx(w_p / (w_r + w_p))


# Each example overwrites the settings and both tasks, so sharing the fixture between examples is safe.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    progress=st.lists(st.integers(0, 100), min_size=2, max_size=2),
    statuses=st.lists(st.sampled_from(list(TaskStatus.values)), min_size=2, max_size=2),
    shift=st.lists(st.integers(-20, 20), min_size=2, max_size=2),
    c=st.integers(0, 100),
    t=st.integers(1, 100),
    p=st.integers(0, 100),
)
def test_the_score_stays_within_0_and_100(city, progress, statuses, shift, c, t, p):
    ScoreSettings.objects.update_or_create(
        campaign=city.campaign, defaults={"completion_weight": c, "on_time_weight": t, "late_penalty": p}
    )
    for task, pr, status, days in zip(
        Task.objects.filter(unit=city.unit_a).order_by("id"), progress, statuses, shift, strict=True
    ):
        Task.objects.filter(pk=task.pk).update(
            progress=pr, status=status, due_on=timezone.localdate() + timedelta(days=days), submitted_at=timezone.now()
        )
    score = _score(city, city.unit_a)
    assert 0 <= score.score <= 100
    assert 0 <= score.completion <= 1 and 0 <= score.on_time <= 1 and 0 <= score.late <= 1


def test_only_the_city_office_sets_the_parameters_and_stale_edits_are_refused(city):
    with pytest.raises(PermissionDenied):
        score_settings_update(
            by=city.office_east,
            campaign=city.campaign,
            completion_weight=50,
            on_time_weight=50,
            late_penalty=10,
            expected_version=None,
        )
    saved = score_settings_update(
        by=city.office_city,
        campaign=city.campaign,
        completion_weight=50,
        on_time_weight=50,
        late_penalty=10,
        expected_version=None,
    )
    assert saved.history.first().history_user == city.office_city
    score_settings_update(
        by=city.office_city,
        campaign=city.campaign,
        completion_weight=70,
        on_time_weight=30,
        late_penalty=0,
        expected_version=saved.version,
    )
    with pytest.raises(StaleVersion):
        score_settings_update(
            by=city.office_city,
            campaign=city.campaign,
            completion_weight=10,
            on_time_weight=90,
            late_penalty=0,
            expected_version=saved.version,
        )


def test_the_page_sorts_explains_and_exports(client, city):
    login(client, city.office_city)
    Task.objects.filter(unit=city.unit_b).update(progress=100)
    page = client.get(reverse("scoring:scores"), {"sort": "-score"}).content.decode()
    assert 'id="score-formula"' in page and 'id="score-settings"' in page
    assert page.index("UnitB") < page.index("UnitA")
    page = client.get(reverse("scoring:scores"), {"sort": "score"}).content.decode()
    assert page.index("UnitA") < page.index("UnitB")
    response = client.get(reverse("scoring:export"))
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == "UnitB" and len(rows[0]) == 7
    response = client.post(
        reverse("scoring:settings"), {"completion_weight": 0, "on_time_weight": 0, "late_penalty": 5, "version": 1}
    )
    assert response.status_code == 422  # both weights zero: explained, nothing saved
    assert not ScoreSettings.objects.exists()


def test_the_matrix_shows_and_sorts_by_the_score(client, city):
    login(client, city.office_city)
    Task.objects.filter(unit=city.unit_b).update(progress=100)
    page = client.get(reverse("dashboards:matrix"), {"sort": "-score"}).content.decode()
    assert page.index("UnitB") < page.index("UnitA")
    page = client.get(reverse("dashboards:matrix"), {"sort": "score"}).content.decode()
    assert page.index("UnitA") < page.index("UnitB")
