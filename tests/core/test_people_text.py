"""What people read: names instead of ids, no internal markers, the speech's title, words in context."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from tests.conftest import login
from tests.factories import ledger_defaults
from tracker.core.history import reason_text
from tracker.ledgers import services as ledger_services
from tracker.ledgers.forms import RectificationRaiseForm
from tracker.work.models import Task


def test_ledger_history_names_the_person_not_an_id(client, city):
    city.guide.first_name, city.guide.last_name = "督导", "王"
    city.guide.save()
    data = {key: value for key, value in ledger_defaults("rectification").items() if key != "source"}
    item = ledger_services.rectification_raise(campaign=city.campaign, unit=city.unit_a, by=city.guide, data=data)
    login(client, city.staff_a)
    html = client.get(item.get_absolute_url()).content.decode()
    assert "反馈人" in html
    assert f"#{city.guide.pk}" not in html
    assert city.guide.get_full_name() in html


def test_task_history_shows_no_internal_markers(client, city):
    task = city.task_a()
    Task.history.filter(id=task.pk).update(history_change_reason="generated")
    login(client, city.staff_a)
    html = client.get(reverse("work:task_history", args=[task.pk])).content.decode()
    assert "generated" not in html and "(demo)" not in html
    assert "依据规定动作生成" in html


def test_reason_codes_read_as_words():
    with translation.override("zh-hans"):
        assert reason_text("demo") == ""
        assert reason_text("ledger study #12") == "依据台账记录计入"
        assert "#" not in reason_text("ledger research-visits #7")
        assert reason_text("") == "" and reason_text(None) == ""
        assert reason_text("按督导意见更正") == "按督导意见更正"


def test_citation_shows_the_speech_title_not_the_file(client, city):
    from tracker.campaigns.models import TaskTemplate

    TaskTemplate.objects.filter(code="reading").update(
        source_file="002_b0298918a1faa53a.txt", source_line=18, source_quote="以举办读书班、理论中心组学习等形式"
    )
    login(client, city.staff_a)
    task = city.unit_a.tasks.get(template__code="reading")
    html = client.get(reverse("work:task_detail", args=[task.pk])).content.decode()
    assert "《上级领导在主题教育动员部署会上的指导讲话》" in html and "第 18 行" in html
    assert "002_b0298918a1faa53a" not in html


def test_problem_category_is_not_the_unit_category(city):
    with translation.override("zh-hans"):
        form = RectificationRaiseForm(unit=city.unit_a)
        assert str(form.fields["category"].label) == "问题类别"
        from tracker.orgs.models import Unit

        assert str(Unit._meta.get_field("category").verbose_name) == "单位类别"
