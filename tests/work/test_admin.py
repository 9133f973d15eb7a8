"""The office adds a template in the admin; every unit of its categories gets the task."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.factories import make_user
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
