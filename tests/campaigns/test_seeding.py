from collections import Counter
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tracker.campaigns.models import Campaign, Measure, TaskTemplate
from tracker.campaigns.seeding import DEFAULT_DEFINITION, campaign_seed
from tracker.orgs.models import UnitCategory

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "campaigns": list(Campaign.objects.values_list("code", "starts_on", "ends_on", "name_zh")),
        "measures": list(Measure.objects.order_by("code").values_list("code", "name_zh", "source_line")),
        "categories": list(UnitCategory.objects.order_by("code").values_list("code", "name_zh")),
        "templates": list(
            TaskTemplate.objects.order_by("code").values_list(
                "code", "title_zh", "title_en", "measure__code", "due_offset_days", "recurrence", "source_line"
            )
        ),
        "template_categories": sorted(
            TaskTemplate.categories.through.objects.values_list("tasktemplate__code", "unitcategory__code")
        ),
    }


def test_seed_twice_gives_the_same_data(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_campaign", verbosity=0)
    first = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_campaign", verbosity=0)
    assert snapshot() == first
    assert Campaign.objects.count() == 1


def test_seed_covers_every_measure_with_cited_bilingual_templates():
    result = campaign_seed()
    assert result.templates >= 30
    per_measure = Counter(TaskTemplate.objects.values_list("measure__code", flat=True))
    assert set(per_measure) == {"study", "research", "development", "rectification", "institutions", "organisation"}
    assert min(per_measure.values()) >= 5
    for template in TaskTemplate.objects.all():
        assert template.title_zh and template.title_en, template.code
        assert template.source_file and template.source_line and template.source_quote, template.code
    assert TaskTemplate.objects.filter(recurrence="monthly").exists()
    assert TaskTemplate.objects.filter(categories__isnull=False).distinct().count() >= 6
    assert UnitCategory.objects.count() >= 9


def test_every_quote_is_on_its_cited_line():
    campaign_seed()
    sources = Path(DEFAULT_DEFINITION).parent / "sources"
    for template in TaskTemplate.objects.all():
        line = (sources / template.source_file).read_text(encoding="utf-8").splitlines()[template.source_line - 1]
        assert template.source_quote in line


def test_a_wrong_citation_stops_the_load_and_writes_nothing(tmp_path):
    data = yaml.safe_load(DEFAULT_DEFINITION.read_text(encoding="utf-8"))
    data["templates"][3]["source"]["quote"] = "这句话不在讲话里"
    (tmp_path / "sources").symlink_to(DEFAULT_DEFINITION.parent / "sources")
    bad = tmp_path / "campaign.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match="not on"):
        campaign_seed(path=bad)
    assert not TaskTemplate.objects.exists()
    assert not Measure.objects.exists()


def test_reseeding_keeps_campaign_dates_unless_given():
    from datetime import date

    campaign_seed(starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 31))
    campaign_seed()
    campaign = Campaign.objects.get()
    assert (campaign.starts_on, campaign.ends_on) == (date(2026, 9, 1), date(2026, 12, 31))


def test_task_page_names_the_cited_speech(client, city):
    from django.urls import reverse

    from tracker.campaigns.models import TaskTemplate

    TaskTemplate.objects.filter(code="reading").update(
        source_file="002_b0298918a1faa53a.txt", source_line=18, source_quote="以举办读书班、理论中心组学习等形式"
    )
    client.force_login(city.staff_a)
    task = city.unit_a.tasks.get(template__code="reading")
    html = client.get(reverse("work:task_detail", args=[task.pk])).content.decode()
    assert "《上级领导在主题教育动员部署会上的指导讲话》" in html
    assert "以举办读书班、理论中心组学习等形式" in html and "第 18 行" in html


def _history_counts() -> dict[str, int]:
    return {
        "campaigns": Campaign.history.count(),
        "measures": Measure.history.count(),
        "templates": TaskTemplate.history.count(),
        "template_updates": TaskTemplate.objects.filter(updated_at__isnull=False).count(),
    }


def test_seeding_again_writes_no_history_and_changes_nothing(django_capture_on_commit_callbacks):
    """`make run` re-seeds on every start: an unchanged definition must not add history rows."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_campaign", verbosity=0)
    before, data = _history_counts(), snapshot()
    stamps = dict(TaskTemplate.objects.values_list("code", "updated_at"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_campaign", verbosity=0)
    assert _history_counts() == before
    assert snapshot() == data
    assert dict(TaskTemplate.objects.values_list("code", "updated_at")) == stamps


def test_a_changed_wording_is_one_history_row(tmp_path):
    campaign_seed()
    definition = yaml.safe_load(DEFAULT_DEFINITION.read_text(encoding="utf-8"))
    definition["templates"][0]["title_zh"] = "举办领导班子专题读书班"
    changed = tmp_path / "campaign.yaml"
    changed.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    (tmp_path / "sources").symlink_to(DEFAULT_DEFINITION.parent / "sources")
    before = TaskTemplate.history.count()
    campaign_seed(path=changed)
    assert TaskTemplate.history.count() == before + 1
    assert TaskTemplate.objects.get(code=definition["templates"][0]["code"]).title_zh == "举办领导班子专题读书班"
