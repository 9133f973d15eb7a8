"""`export_campaign CODE` writes YAML that `seed_campaign --file` loads back unchanged (issue 15 item 7)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.campaigns.definition import campaign_export_yaml
from tracker.campaigns.models import Campaign, TaskTemplate
from tracker.campaigns.seeding import campaign_seed

pytestmark = pytest.mark.django_db

# Text as offices type it: Chinese, quotes, colons, YAML-looking words, leading signs, new lines.
TEXT = st.text(
    alphabet=st.sampled_from(list("学习贯彻主题教育：（）“”，。abcXYZ 019-#:'\"\n\t{}[]&*!|>%@`yes")), max_size=40
)


def _history_rows() -> int:
    return Campaign.history.count() + TaskTemplate.history.count()


def test_export_then_seed_round_trips_unchanged(tmp_path):
    campaign = campaign_seed().campaign
    path = tmp_path / "definition.yaml"
    call_command("export_campaign", campaign.code, output=str(path), stdout=StringIO())
    first = path.read_text(encoding="utf-8")
    history = _history_rows()
    call_command("seed_campaign", file=str(path), stdout=StringIO())
    assert _history_rows() == history  # loading it back changed nothing
    assert campaign_export_yaml(campaign=Campaign.objects.get(code=campaign.code)) == first


def test_export_names_unknown_codes(db):
    with pytest.raises(CommandError, match="no campaign 'nope'"):
        call_command("export_campaign", "nope", stdout=StringIO())


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=TEXT.filter(lambda t: t.strip()),
    description=TEXT,
    offset=st.integers(-120, 120),
    weight=st.integers(1, 5),
    target=st.integers(1, 50),
    active=st.booleans(),
)
def test_any_definition_round_trips(tmp_path_factory, title, description, offset, weight, target, active):
    """Whatever the office wrote, the file restores it: edit, export, spoil, load, compare."""
    campaign = campaign_seed().campaign
    template = campaign.templates.order_by("code").first()
    template.title_zh, template.description, template.due_offset_days = title, description, offset
    template.weight, template.target_count, template.is_active = weight, target, active
    template.save()
    exported = campaign_export_yaml(campaign=campaign)
    path = tmp_path_factory.mktemp("export") / "definition.yaml"
    path.write_text(exported, encoding="utf-8")
    TaskTemplate.objects.filter(pk=template.pk).update(title_zh="spoilt", description="", weight=1, is_active=True)
    campaign_seed(path=path)
    assert campaign_export_yaml(campaign=Campaign.objects.get(pk=campaign.pk)) == exported
    template.refresh_from_db()
    assert (template.title_zh, template.description, template.is_active) == (title, description, active)


def test_the_editors_fields_travel_with_the_definition(tmp_path):
    """A district's own template keeps its owner, the campaign its soft cap (issue 15 items 3, 6)."""
    from tests.factories import make_unit

    campaign = campaign_seed().campaign
    district = make_unit("东城区", code="dongcheng")
    template = campaign.templates.order_by("code").first()
    template.owner_unit, template.weight = district, 4
    template.save()
    campaign.self_chosen_soft_cap, campaign.escalation_ignores_quiet_hours = 3, True
    campaign.save()
    exported = campaign_export_yaml(campaign=campaign)
    assert "owner_unit: dongcheng" in exported and "self_chosen_soft_cap: 3" in exported
    path = tmp_path / "definition.yaml"
    path.write_text(exported, encoding="utf-8")
    TaskTemplate.objects.filter(pk=template.pk).update(owner_unit=None, weight=1)
    Campaign.objects.filter(pk=campaign.pk).update(self_chosen_soft_cap=None, escalation_ignores_quiet_hours=False)
    campaign_seed(path=path)
    assert campaign_export_yaml(campaign=Campaign.objects.get(pk=campaign.pk)) == exported
    template.refresh_from_db()
    assert (template.owner_unit, template.weight) == (district, 4)


def test_a_definition_naming_an_unknown_owner_unit_is_refused(tmp_path):
    from django.core.exceptions import ValidationError

    campaign = campaign_seed().campaign
    exported = campaign_export_yaml(campaign=campaign).replace("  weight: ", "  owner_unit: nowhere\n  weight: ", 1)
    path = tmp_path / "definition.yaml"
    path.write_text(exported, encoding="utf-8")
    with pytest.raises(ValidationError, match="owner unit 'nowhere' does not exist"):
        campaign_seed(path=path)
