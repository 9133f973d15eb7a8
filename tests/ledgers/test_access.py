"""Ledger rows, staged targets and files: 404 outside the scope, 403 without a right."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.conftest import assert_probe
from tests.factories import ledger_defaults, make_ledger_row
from tracker.ledgers import services
from tracker.ledgers.access import (
    access_institution_document,
    access_ledger_row,
    access_milestone,
    access_rectification_evidence,
)
from tracker.ledgers.registry import LEDGERS
from tracker.orgs.models import GuidanceGroup, Role
from tracker.orgs.services import role_grant

RECT = LEDGERS["rectification"]


def test_access_ledger_row(city, caplog):
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a)
    assert access_ledger_row(city.staff_a, RECT, item.pk, "edit") == item
    assert access_ledger_row(city.guide, RECT, item.pk, "review") == item
    with pytest.raises(PermissionDenied):
        access_ledger_row(city.guide, RECT, item.pk, "edit")
    with pytest.raises(PermissionDenied):
        access_ledger_row(city.leadership, RECT, item.pk, "review")
    assert_probe(caplog, city.staff_b, lambda: access_ledger_row(city.staff_b, RECT, item.pk))
    # Another ledger's row with the same id is not this ledger's row.
    assert_probe(caplog, city.staff_a, lambda: access_ledger_row(city.staff_a, LEDGERS["study"], item.pk))


def test_a_deleted_row_is_not_found(city, caplog):
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a)
    services.ledger_row_delete(row=item, by=city.staff_a, expected_version=item.version)
    assert_probe(caplog, city.staff_a, lambda: access_ledger_row(city.staff_a, RECT, item.pk))


def test_access_milestone(city, caplog):
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, kind="long_term")
    milestone = services.milestone_add(item=item, by=city.staff_a, title="第一阶段", due_on=timezone.localdate())
    assert access_milestone(city.leader_a, milestone.pk, "edit") == milestone
    with pytest.raises(PermissionDenied):
        access_milestone(city.office_east, milestone.pk, "edit")
    assert_probe(caplog, city.staff_b, lambda: access_milestone(city.staff_b, milestone.pk, "edit"))


def test_access_files(city, caplog, pdf):
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, files=[pdf()])
    evidence = item.files.get()
    institution = make_ledger_row("institutions", unit=city.unit_a, by=city.staff_a, document=pdf())
    assert access_rectification_evidence(city.guide, evidence.pk) == evidence
    assert access_institution_document(city.leadership, institution.pk) == institution
    assert_probe(caplog, city.staff_b, lambda: access_rectification_evidence(city.staff_b, evidence.pk))
    assert_probe(caplog, city.staff_b, lambda: access_institution_document(city.staff_b, institution.pk))
    without = make_ledger_row("institutions", unit=city.unit_a, by=city.staff_a)
    assert_probe(caplog, city.staff_a, lambda: access_institution_document(city.staff_a, without.pk))


def test_a_problem_counts_as_guidance_feedback_only_from_the_unit_s_own_guidance_group(city):
    """An office member who also guides other units raises a problem here as the office (上级交办)."""
    group = GuidanceGroup.objects.create(name="Group 2")
    group.units.add(city.unit_b)
    role_grant(user=city.office_east, role=Role.GUIDE, group=group)
    office_and_guide = get_user_model().objects.get(pk=city.office_east.pk)
    data = {k: v for k, v in ledger_defaults("rectification").items() if k not in ("source", "responsible_leader")}

    def source(unit, user) -> str:
        return services.rectification_raise(campaign=city.campaign, unit=unit, by=user, data=data).source

    assert source(city.unit_a, office_and_guide) == "superior"
    assert source(city.unit_b, office_and_guide) == "guidance"
    assert source(city.unit_a, city.guide) == "guidance"
