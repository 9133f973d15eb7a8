import pytest

from tests.factories import CategoryFactory, TemplateFactory, make_unit
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Task
from tracker.work.services import unit_create


def codes(unit):
    return sorted(Task.objects.filter(unit=unit).values_list("template__code", flat=True))


def test_templates_apply_by_category(city):
    # The fixture's "school-only" template skips organs (分类指导).
    assert codes(city.unit_a) == ["plan", "reading"]
    school = make_unit("School", parent=city.east, category=CategoryFactory(code="school"))
    tasks_generate(campaign=city.campaign)
    assert codes(school) == ["plan", "reading", "school-only"]


def test_units_that_do_not_take_part_get_nothing(city):
    assert not Task.objects.filter(unit__in=[city.city, city.east, city.west]).exists()


def test_second_run_creates_nothing(city):
    before = Task.objects.count()
    assert tasks_generate(campaign=city.campaign) == 0
    assert Task.objects.count() == before


def test_monthly_template_gives_one_task_per_month(city):
    template = TemplateFactory(campaign=city.campaign, measure=city.study, recurrence="monthly")
    tasks_generate(campaign=city.campaign, templates=[template])
    expected = len(template.periods())
    assert expected >= 4
    tasks = Task.objects.filter(unit=city.unit_a, template=template).order_by("period_index")
    assert [t.period_index for t in tasks] == list(range(expected))
    assert all(t.due_on == t.period_ends_on for t in tasks)


def test_new_template_later_leaves_existing_tasks_alone(city):
    task = Task.objects.get(unit=city.unit_a, template__code="reading")
    Task.objects.filter(pk=task.pk).update(status="in_progress", progress=40, owner=city.staff_a)
    new = TemplateFactory(campaign=city.campaign, measure=city.org, code="new-one")
    assert tasks_generate(campaign=city.campaign) == 2  # unit A and unit B
    task.refresh_from_db()
    assert (task.status, task.progress, task.owner) == ("in_progress", 40, city.staff_a)
    assert Task.objects.filter(template=new).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_unit_created_later_gets_its_tasks_on_commit(city):
    unit = unit_create(name="Late", code="late", level="unit", parent=city.west, category=city.unit_a.category)
    assert codes(unit) == ["plan", "reading"]
