"""The one door to a row: `access` fetches it in the user's scope (404, logged) and checks the right (403)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from tests.conftest import assert_probe
from tests.factories import make_user
from tracker.orgs.access import access, access_unit, require, unit_of
from tracker.orgs.models import Unit
from tracker.work.models import Task

# Who has which right on unit A (in east, guided by the guide).
RIGHTS_ON_A = {
    "staff_a": {"view", "edit"},
    "leader_a": {"view", "edit", "lead"},
    "guide": {"view", "review"},
    "office_east": {"view", "review", "manage"},
    "office_city": {"view", "review", "manage"},
    "leadership": {"view"},
}
NEEDS = ("view", "edit", "lead", "review", "manage")


@pytest.mark.parametrize("role", sorted(RIGHTS_ON_A))
def test_access_unit_grants_exactly_the_role_s_rights(city, role):
    user = getattr(city, role)
    for need in NEEDS:
        if need in RIGHTS_ON_A[role]:
            assert access_unit(user, city.unit_a.pk, need) == city.unit_a
        else:
            with pytest.raises(PermissionDenied):
                access_unit(user, city.unit_a.pk, need)


@pytest.mark.parametrize("need", NEEDS)
def test_another_unit_is_a_logged_404_whatever_the_right(city, caplog, need):
    assert_probe(caplog, city.staff_b, lambda: access_unit(city.staff_b, city.unit_a.pk, need))
    assert_probe(caplog, city.office_east, lambda: access_unit(city.office_east, city.unit_b.pk, need))


def test_a_missing_row_is_a_404_too(city, caplog):
    assert_probe(caplog, city.office_city, lambda: access_unit(city.office_city, 10**9))


def test_a_user_without_a_role_finds_nothing(city, caplog):
    nobody = make_user()
    assert_probe(caplog, nobody, lambda: access(Task.objects.all(), nobody, pk=city.task_a().pk))


def test_the_superuser_has_every_right_but_a_unit_s_own_work(city):
    root = make_user(is_superuser=True, is_staff=True)
    for need in ("view", "review", "manage"):
        assert access_unit(root, city.unit_b.pk, need) == city.unit_b
    with pytest.raises(PermissionDenied):
        access_unit(root, city.unit_b.pk, "edit")  # the unit's own staff log its progress


def test_access_checks_the_right_on_the_row_s_unit(city, caplog):
    task = city.task_a()
    assert access(Task.objects.select_related("unit"), city.guide, "review", pk=task.pk) == task
    with pytest.raises(PermissionDenied):
        access(Task.objects.select_related("unit"), city.guide, "edit", pk=task.pk)
    assert_probe(caplog, city.guide, lambda: access(Task.objects.all(), city.guide, "review", pk=city.task_b().pk))


def test_unit_of_follows_the_querysets_unit_path(city):
    task = city.task_a()
    assert unit_of(task, Task.objects.all().unit_path) == city.unit_a
    assert unit_of(city.unit_a, Unit.objects.all().unit_path) == city.unit_a


def test_require_says_which_right_is_missing(city):
    with translation.override("zh-hans"):  # the message is lazy: it speaks the language it is shown in
        with pytest.raises(PermissionDenied) as edit:
            require(city.guide, city.unit_a, "edit")
        with pytest.raises(PermissionDenied) as review:
            require(city.staff_a, city.unit_a, "review")
        assert str(edit.value) == "只有本单位人员才能修改。"
        assert str(review.value) == "只有领导小组办公室或该单位所属巡回指导组才能进行此操作。"
    require(city.staff_a, city.unit_a, "edit")  # no exception: the right is there
