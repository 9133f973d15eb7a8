"""The editor's pages: form → preview → confirm → job, the 409, bad input, query counts, a real worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login, require_worker_services, wait_for
from tests.factories import TemplateFactory, make_unit
from tracker.campaigns.models import TaskTemplate
from tracker.editor import services
from tracker.editor.models import ChangeStatus, TemplateChange
from tracker.orgs.models import UnitCategory
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Task

pytestmark = pytest.mark.django_db


def form_data(template: TaskTemplate, **changes) -> dict:
    data = {
        "title_zh": template.title_zh,
        "title_en": template.title_en,
        "measure": template.measure_id,
        "description": template.description,
        "done_criteria": template.done_criteria,
        "evidence_expected": template.evidence_expected,
        "due_anchor": template.due_anchor,
        "due_offset_days": template.due_offset_days,
        "recurrence": template.recurrence,
        "categories": [c.pk for c in template.categories.all()],
        "weight": template.weight,
        "target_count": template.target_count,
        "ledger": template.ledger,
        "ledger_filter": "{}",
        "source_file": template.source_file,
        "source_line": template.source_line or "",
        "source_quote": template.source_quote,
        "version": template.version,
        "reason": "按市委通知调整",
    }
    return {**data, **changes}


def test_office_edits_the_due_rule_sees_the_preview_and_applies_it(client, city, django_capture_on_commit_callbacks):
    reading = TaskTemplate.objects.get(code="reading")
    login(client, city.office_city)
    response = client.post(reverse("editor:template_edit", args=[reading.pk]), form_data(reading, due_offset_days=45))
    change = TemplateChange.objects.get()
    assert response.status_code == 302 and response.url == change.get_absolute_url()
    page = client.get(response.url).content.decode()
    assert "2 项未完成任务" in page or "Moves the due date of 2 open tasks" in page
    assert Task.objects.filter(template=reading, due_on=city.campaign.starts_on + timedelta(days=45)).count() == 0

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("editor:change_confirm", args=[change.pk]))
    assert response.status_code == 302 and len(callbacks) == 1
    change.refresh_from_db()
    assert change.status == ChangeStatus.QUEUED
    services.change_run(change_id=change.pk)  # what the worker does (a real one below)
    page = client.get(change.get_absolute_url()).content.decode()
    assert 'id="change-result"' in page
    assert Task.objects.filter(template=reading, due_on=city.campaign.starts_on + timedelta(days=45)).count() == 2
    detail = client.get(reverse("editor:template_detail", args=[reading.pk])).content.decode()
    assert "按市委通知调整" in detail


def test_a_stale_confirm_is_a_409_that_says_why(client, city):
    reading = TaskTemplate.objects.get(code="reading")
    login(client, city.office_city)
    client.post(reverse("editor:template_edit", args=[reading.pk]), form_data(reading, due_offset_days=45))
    client.post(reverse("editor:template_edit", args=[reading.pk]), form_data(reading, due_offset_days=46))
    first, second = TemplateChange.objects.order_by("id")
    client.post(reverse("editor:change_confirm", args=[first.pk]))
    services.change_run(change_id=first.pk)
    response = client.post(reverse("editor:change_confirm", args=[second.pk]))
    assert response.status_code == 409
    assert 'id="change-stale"' in response.content.decode()
    second.refresh_from_db()
    assert second.status == ChangeStatus.DRAFT


def test_bad_input_gets_a_message_and_writes_nothing(client, city):
    reading = TaskTemplate.objects.get(code="reading")
    login(client, city.office_city)
    bad = form_data(reading, target_count=0, due_offset_days=9999, ledger_filter='{"kind": "nonsense"}', ledger="study")
    response = client.post(reverse("editor:template_edit", args=[reading.pk]), bad)
    assert response.status_code == 422
    body = response.content.decode()
    assert body.count('class="field-error"') >= 3
    assert not TemplateChange.objects.exists()


def test_a_district_office_creates_a_local_template_seen_only_there(client, city):
    login(client, city.office_east)
    reading = TaskTemplate.objects.get(code="reading")
    data = form_data(reading, title_zh="东区：参观红色教育基地", owner_unit=city.east.pk, categories=[])
    response = client.post(reverse("editor:template_create"), data)
    change = TemplateChange.objects.get()
    assert response.url == change.get_absolute_url()
    client.post(reverse("editor:change_confirm", args=[change.pk]))
    services.change_run(change_id=change.pk)
    change.refresh_from_db()
    assert list(Task.objects.filter(template=change.template).values_list("unit", flat=True)) == [city.unit_a.pk]
    assert "东区：参观红色教育基地" in client.get(reverse("editor:template_list")).content.decode()
    west = client.__class__()
    from tests.factories import make_user
    from tracker.orgs.models import Role

    login(west, make_user(Role.OFFICE, unit=city.west, username="office_west"))
    assert "东区：参观红色教育基地" not in west.get(reverse("editor:template_list")).content.decode()
    # A district may not add one for the whole campaign: the owner is required.
    response = client.post(reverse("editor:template_create"), {**data, "owner_unit": ""})
    assert response.status_code == 422


def test_the_list_shows_the_burden_in_constant_queries(client, city, django_assert_num_queries):
    login(client, city.office_city)
    url = reverse("editor:template_list")
    client.get(url)
    with django_assert_num_queries(QUERIES) as context:
        response = client.get(url)
    assert response.status_code == 200
    assert 'id="campaign-burden"' in response.content.decode()
    organ = UnitCategory.objects.get(code="organ")
    for n in range(5):
        make_unit(f"More{n}", parent=city.east, category=organ)
        TemplateFactory(campaign=city.campaign, measure=city.study, recurrence="monthly", categories=[organ])
    tasks_generate(campaign=city.campaign)
    with django_assert_num_queries(len(context.captured_queries)):
        client.get(url)


# session, user, roles, campaign, its batches, units, city office, templates, categories, the soft cap's
# history, city office (who sets the cap), changes
QUERIES = 12


def test_burden_counts_records_per_unit_per_month(city):
    from tracker.editor.selectors import campaign_months, template_burden

    monthly = TemplateFactory(campaign=city.campaign, measure=city.study, recurrence="monthly", target_count=2)
    burden = template_burden(user=city.office_city, campaign=city.campaign)
    row = next(r for r in burden.rows if r.template == monthly)
    assert row.units == 2
    assert row.per_unit_month == pytest.approx(2 * len(monthly.periods()) / campaign_months(city.campaign))
    assert burden.units == 2 and burden.per_unit_month > row.per_unit_month


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_applies_the_change(city, celery_worker_process):
    require_worker_services()  # a worker in another process cannot see SQLite's test database
    reading = TaskTemplate.objects.get(code="reading")
    change = services.change_propose(
        by=city.office_city,
        campaign=city.campaign,
        kind="retire",
        template=reading,
        reason="并入其他动作",
        base_version=reading.version,
    )
    celery_worker_process()
    services.change_confirm(change=change, by=city.office_city)
    wait_for(lambda: TemplateChange.objects.get(pk=change.pk).status == ChangeStatus.DONE, what="the apply job")
    assert not TaskTemplate.objects.get(pk=reading.pk).is_active
    assert not Task.objects.filter(template=reading).exists()


def test_an_archived_task_stays_readable_and_says_why(client, city):
    task = Task.objects.filter(unit=city.unit_a).first()
    Task.objects.filter(pk=task.pk).update(archived_at=timezone.now())
    login(client, city.staff_a)
    page = client.get(reverse("work:task_detail", args=[task.pk])).content.decode()
    assert 'id="task-archived"' in page


def test_units_see_a_note_past_the_self_chosen_soft_cap(client, city):
    from tracker.work import services as work_services

    login(client, city.staff_a)
    url = reverse("work:unit_task_create", args=[city.unit_a.pk])
    assert 'id="self-chosen-cap"' not in client.get(url).content.decode()
    city.campaign.self_chosen_soft_cap = 1
    city.campaign.save()
    work_services.task_create_self_chosen(
        campaign=city.campaign,
        unit=city.unit_a,
        by=city.staff_a,
        measure=city.study,
        title="红色故事会",
        due_on=city.campaign.ends_on,
    )
    assert 'id="self-chosen-cap"' in client.get(url).content.decode()


def test_the_city_office_sets_the_soft_cap_with_history_and_409_on_a_stale_page(client, city):
    login(client, city.office_city)
    url = reverse("editor:soft_cap")
    assert client.post(url, {"cap": "0", "seen": ""}).status_code == 422
    assert client.post(url, {"cap": "3", "seen": ""}).status_code == 302
    city.campaign.refresh_from_db()
    assert city.campaign.self_chosen_soft_cap == 3
    stale = client.post(url, {"cap": "5", "seen": ""})  # a page loaded before the change
    assert stale.status_code == 409 and stale.context["cap_stale"]
    city.campaign.refresh_from_db()
    assert city.campaign.self_chosen_soft_cap == 3
    assert client.post(url, {"cap": "", "seen": "3"}).status_code == 302  # empty: no note
    page = client.get(reverse("editor:template_list"))
    assert [(c.old, c.new, c.by) for c in page.context["cap_history"]] == [
        (3, None, city.office_city),
        (None, 3, city.office_city),
    ]
    login(client, city.office_east)
    assert client.post(url, {"cap": "2", "seen": ""}).status_code == 403
