"""Admin saves of templates and units generate the tasks they are missing."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.factories import CategoryFactory, TemplateFactory, make_user
from tracker.orgs.models import Unit
from tracker.orgs.paths import unit_path
from tracker.work.models import Task

pytestmark = pytest.mark.django_db(transaction=True)


def test_template_added_in_admin_generates_missing_tasks(client, city):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    before = Task.objects.filter(unit=city.unit_a).count()
    response = client.post(
        reverse("admin:campaigns_tasktemplate_add"),
        {
            "campaign": city.campaign.pk,
            "code": "new-admin",
            "measure": city.org.pk,
            "title_zh": "新增规定动作",
            "title_en": "New action",
            "due_anchor": "end",
            "due_offset_days": "-5",
            "recurrence": "none",
            "categories": [city.unit_a.category_id],
            "weight": "1",
            "target_count": "1",
            "order": "0",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Task.objects.filter(unit=city.unit_a).count() == before + 1
    task = Task.objects.get(unit=city.unit_b, template__code="new-admin")
    assert task.due_on == city.campaign.ends_on - timedelta(days=5)
    assert task.history.filter(history_type="+").exists()


def unit_form(unit, **changes):
    data = {
        "name": unit.name,
        "level": unit.level,
        "category": unit.category_id or "",
        "participates": "on" if unit.participates else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_unit_category_changed_in_admin_generates_the_missing_tasks(client, city):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    school = CategoryFactory(code="school-admin")
    TemplateFactory(campaign=city.campaign, measure=city.org, code="school-admin-only", categories=[school])
    assert not Task.objects.filter(unit=city.unit_a, template__code="school-admin-only").exists()
    response = client.post(
        reverse("admin:orgs_unit_change", args=[city.unit_a.pk]), unit_form(city.unit_a, category=school.pk)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    city.unit_a.refresh_from_db()
    assert city.unit_a.category == school
    assert Task.objects.filter(unit=city.unit_a, template__code="school-admin-only").count() == 1
    assert city.unit_a.history.first().category_id == school.pk


def test_unit_added_in_admin_gets_its_tasks_and_its_path(client, city):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    response = client.post(
        reverse("admin:orgs_unit_add"),
        {
            "name": "UnitD",
            "code": "unit-d",
            "level": "unit",
            "parent": city.west.pk,
            "category": city.unit_b.category_id,
        }
        | {"participates": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(code="unit-d")
    assert unit.path == unit_path(parent_path=city.west.path, pk=unit.pk)
    assert Task.objects.filter(unit=unit).count() == Task.objects.filter(unit=city.unit_b).count()
