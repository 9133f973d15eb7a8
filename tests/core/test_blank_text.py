"""Text of only whitespace or zero-width characters counts as empty in every required field."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.conftest import login
from tests.factories import make_ledger_row
from tracker.core.validators import check_text
from tracker.ledgers.forms import StudySessionForm
from tracker.ledgers.models import StudySession
from tracker.work import services
from tracker.work.forms import EntryForm, SelfChosenTaskForm
from tracker.work.models import Entry

INVISIBLE = ["\u200b", "\u200c\u200d", "\u2060", "\ufeff", "\u00a0", "\u3000\u3000", " \u200b\t\u3000 "]


@pytest.mark.parametrize("text", INVISIBLE)
def test_check_text_calls_invisible_text_empty(text):
    errors: dict[str, list[str]] = {}
    assert check_text(errors, "title", text, max_length=10, required="需要标题") == ""
    assert errors == {"title": ["需要标题"]}


def test_check_text_trims_invisible_edges_and_keeps_inner_spaces():
    errors: dict[str, list[str]] = {}
    assert check_text(errors, "title", "\u200b读书班 第一期\u3000", max_length=20, required="x") == "读书班 第一期"
    assert errors == {}


@pytest.mark.parametrize("text", INVISIBLE)
def test_entry_service_refuses_invisible_text(city, text):
    task = city.task_a()
    with pytest.raises(ValidationError):
        services.entry_add(task=task, by=city.staff_a, text=text)
    assert not Entry.objects.filter(task=task).exists()


@pytest.mark.parametrize("text", INVISIBLE)
def test_forms_refuse_invisible_required_text(city, text):
    entry = EntryForm(data={"text": text, "occurred_on": timezone.localdate().isoformat()})
    assert not entry.is_valid() and "text" in entry.errors
    task = SelfChosenTaskForm(
        data={"title": text, "measure": city.study.pk, "due_on": timezone.localdate().isoformat()}
    )
    assert not task.is_valid() and "title" in task.errors
    study = StudySessionForm(
        data={"kind": "central_group", "mode": "offline", "topic": text, "held_on": timezone.localdate().isoformat()},
        unit=city.unit_a,
    )
    assert not study.is_valid() and "topic" in study.errors


@pytest.mark.parametrize("text", INVISIBLE)
def test_ledger_service_refuses_invisible_text(city, text):
    with pytest.raises(ValidationError):
        make_ledger_row("study", unit=city.unit_a, by=city.staff_a, topic=text)
    assert not StudySession.objects.filter(unit=city.unit_a).exists()


def test_entry_page_answers_invisible_text_with_an_error(client, city):
    task = city.task_a()
    login(client, city.staff_a)
    response = client.post(
        f"/tasks/{task.pk}/entries/", {"text": "\u200b\u200b", "occurred_on": timezone.localdate().isoformat()}
    )
    assert response.status_code in (200, 422)
    assert not Entry.objects.filter(task=task).exists()
