import pytest

from tests.factories import make_unit, make_user
from tracker.orgs.models import Role, Unit, UnitLevel
from tracker.orgs.scope import _outermost, scope_for
from tracker.work.models import Task


def test_unit_paths_form_a_tree(city):
    assert city.city.path == f"/{city.city.pk:08d}/"
    assert city.unit_a.path == f"/{city.city.pk:08d}/{city.east.pk:08d}/{city.unit_a.pk:08d}/"
    assert city.unit_a.depth == 2
    sub = make_unit("Sub", parent=city.unit_a, level=UnitLevel.SUBUNIT)
    assert set(Unit.objects.subtree(city.east)) == {city.east, city.unit_a, sub}
    assert not Unit.objects.subtree(city.west).filter(pk=sub.pk).exists()


def test_staff_sees_only_their_unit(city):
    assert list(Unit.objects.for_user(city.staff_a)) == [city.unit_a]
    assert set(Task.objects.for_user(city.staff_a).values_list("unit_id", flat=True)) == {city.unit_a.pk}


def test_office_sees_its_subtree(city):
    assert set(Unit.objects.for_user(city.office_east)) == {city.east, city.unit_a}
    assert Unit.objects.for_user(city.office_city).count() == 5


def test_guide_sees_the_groups_units(city):
    assert list(Unit.objects.for_user(city.guide)) == [city.unit_a]


def test_leadership_reads_but_cannot_edit_or_review(city):
    scope = scope_for(city.leadership)
    assert scope.can_read(city.unit_b)
    assert not scope.can_edit(city.unit_b)
    assert not scope.can_review(city.unit_b)


def test_write_rights_by_role(city):
    assert scope_for(city.staff_a).can_edit(city.unit_a)
    assert not scope_for(city.staff_a).can_edit(city.unit_b)
    assert not scope_for(city.staff_a).can_review(city.unit_a)
    assert scope_for(city.guide).can_review(city.unit_a)
    assert not scope_for(city.guide).can_review(city.unit_b)
    assert scope_for(city.office_east).can_review(city.unit_a)
    assert not scope_for(city.office_east).can_review(city.unit_b)
    assert not scope_for(city.office_city).can_edit(city.unit_a)


def test_user_without_role_sees_nothing(city):
    nobody = make_user()
    assert not Unit.objects.for_user(nobody).exists()
    assert not Task.objects.for_user(nobody).exists()


def test_inactive_user_sees_nothing(city):
    city.office_city.is_active = False
    assert not Unit.objects.for_user(city.office_city).exists()


def test_superuser_sees_all(city):
    root = make_user(is_superuser=True, is_staff=True)
    assert Unit.objects.for_user(root).count() == Unit.objects.count()


def test_scope_is_built_once_per_user_object(city, django_assert_num_queries):
    user = city.office_city
    with django_assert_num_queries(1):
        scope_for(user)
        scope_for(user)


def test_nested_office_paths_collapse():
    assert _outermost(["/1/2/", "/1/", "/3/"]) == ("/1/", "/3/")


def test_two_roles_combine(city):
    from django.contrib.auth import get_user_model

    from tracker.orgs.services import role_grant

    role_grant(user=city.staff_b, role=Role.STAFF, unit=city.unit_a)
    fresh = get_user_model().objects.get(pk=city.staff_b.pk)
    assert set(Unit.objects.for_user(fresh)) == {city.unit_a, city.unit_b}


def test_only_the_office_manages_units_and_only_in_its_subtree(city):
    east = scope_for(city.office_east)
    assert east.manages_units and east.can_manage(city.unit_a) and east.can_manage(city.east)
    assert not east.can_manage(city.unit_b) and not east.can_manage(city.city)
    for user in (city.staff_a, city.leader_a, city.guide, city.leadership):
        assert not scope_for(user).manages_units and not scope_for(user).can_manage(city.unit_a)


# The page-wide abilities, by role: every role check of the views, templates and services is one of these.
OFFICE_ABILITIES = {"sees_dashboards", "reviews_anything", "sees_crowding", "manages_units", "manages_outbox"}
ABILITIES = {
    "staff_a": set(),
    "staff_b": set(),
    "leader_a": {"sees_dashboards"},
    "guide": {"sees_dashboards", "reviews_anything", "sees_crowding"},
    "office_east": OFFICE_ABILITIES | {"makes_briefings"},
    "office_city": OFFICE_ABILITIES | {"makes_briefings"},
    "leadership": {"sees_dashboards", "sees_crowding", "makes_briefings"},
}


@pytest.mark.parametrize("role", sorted(ABILITIES))
def test_abilities_by_role(city, role):
    scope = scope_for(getattr(city, role))
    assert {name for name in OFFICE_ABILITIES | {"makes_briefings"} if getattr(scope, name)} == ABILITIES[role]


def test_the_superuser_has_every_ability(city):
    scope = scope_for(make_user(is_superuser=True, is_staff=True))
    assert scope.sees_dashboards and scope.sees_crowding and scope.manages_units
    assert scope.manages_outbox and scope.makes_briefings
