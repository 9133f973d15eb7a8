"""The seeded templates say which ledger counts towards them (一表通), and the loader checks it."""

import pytest
import yaml
from django.core.exceptions import ValidationError

from tracker.campaigns.models import TaskTemplate
from tracker.campaigns.seeding import DEFAULT_DEFINITION, campaign_seed

pytestmark = pytest.mark.django_db


def test_templates_that_call_for_a_ledger_count_from_it():
    result = campaign_seed()
    assert result.campaign.research_window_days == 30
    counted = {t.code: (t.ledger, t.ledger_filter, t.target_count) for t in TaskTemplate.objects.exclude(ledger="")}
    assert counted["study-central-group-monthly"] == ("study", {"kind": "central_group"}, 1)
    assert counted["research-grassroots-visits"] == ("visits", {}, 3)
    assert counted["rectification-close-out"] == ("rectification", {"status": "closed"}, 1)
    assert counted["institutions-adopt-rules"] == ("institutions", {"action": ["new", "revised"]}, 2)
    assert {ledger for ledger, _f, _n in counted.values()} == {
        "study",
        "rectification",
        "topics",
        "visits",
        "reports",
        "conversion",
        "deeds",
        "institutions",
    }
    for template in TaskTemplate.objects.exclude(ledger=""):
        template.full_clean()  # every filter names real fields and values


def test_a_bad_ledger_filter_stops_the_load(tmp_path):
    data = yaml.safe_load(DEFAULT_DEFINITION.read_text(encoding="utf-8"))
    data["templates"][0]["ledger_filter"] = {"kind": "karaoke"}
    (tmp_path / "sources").symlink_to(DEFAULT_DEFINITION.parent / "sources")
    bad = tmp_path / "campaign.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match="karaoke"):
        campaign_seed(path=bad)
    assert not TaskTemplate.objects.exists()
