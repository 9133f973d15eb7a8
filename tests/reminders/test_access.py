"""Outbox mail through `tracker.reminders.access`: the office's, and only about units in its scope."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import assert_probe
from tests.factories import make_outbox_mail, make_user
from tracker.orgs.models import Role
from tracker.reminders.access import access_outbox_mail


def test_access_outbox_mail(city, caplog):
    mail = make_outbox_mail(unit=city.unit_a, recipient=city.staff_a)
    assert access_outbox_mail(city.office_east, mail.pk) == mail
    for user in (city.guide, city.leadership, city.leader_a, city.staff_a):
        with pytest.raises(PermissionDenied):
            access_outbox_mail(user, mail.pk)
    office_west = make_user(Role.OFFICE, unit=city.west)
    assert_probe(caplog, office_west, lambda: access_outbox_mail(office_west, mail.pk))
