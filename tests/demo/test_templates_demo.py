"""The demo of the template editor and model cases (tracker/demo/templates.py)."""

import pytest
from django.urls import reverse

from tests.conftest import login
from tracker.campaigns.models import Campaign, TaskTemplate
from tracker.cases.models import CaseStatus, ModelCase
from tracker.demo.templates import DISTRICT_OFFICE, LOCAL_TITLE, SOFT_CAP
from tracker.editor.models import ChangeStatus, TemplateChange
from tracker.work.models import Task


@pytest.fixture
def demo(demo_city, db):
    """The module's one demo city; each test's writes are rolled back."""


def test_demo_has_a_local_template_a_pending_change_and_model_cases(demo, client):
    campaign = Campaign.objects.get(is_active=True, closed_on__isnull=True)
    local = TaskTemplate.objects.get(title_zh=LOCAL_TITLE)
    assert local.owner_unit.code == "dongcheng" and local.campaign == campaign
    assert Task.objects.filter(template=local).exclude(unit__path__startswith=local.owner_unit.path).count() == 0
    assert Task.objects.filter(template=local).exists()
    pending = TemplateChange.objects.get(status=ChangeStatus.DRAFT)
    assert pending.created_by.username == "office"
    assert campaign.self_chosen_soft_cap == SOFT_CAP
    statuses = sorted(ModelCase.objects.values_list("status", flat=True))
    assert statuses == sorted([CaseStatus.FEATURED, CaseStatus.FEATURED, CaseStatus.PROPOSED])
    login(client, pending.created_by)
    assert client.get(reverse("editor:change_detail", args=[pending.pk])).status_code == 200
    assert client.get(reverse("cases:list")).status_code == 200
    district = type(pending.created_by).objects.get(username=DISTRICT_OFFICE)
    login(client, district)
    assert client.get(reverse("editor:template_detail", args=[local.pk])).status_code == 200
