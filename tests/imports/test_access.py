"""Import jobs through `tracker.imports.access`: for the office, and each job is its uploader's."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import assert_probe
from tracker.imports.access import access_import_job
from tracker.imports.models import ImportJob


def test_access_import_job(city, caplog):
    job = ImportJob.objects.create(kind="units", status="ready", created_by=city.office_city, file_name="u.xlsx")
    assert access_import_job(city.office_city, job.pk) == job
    for user in (city.guide, city.leadership, city.staff_a):
        with pytest.raises(PermissionDenied):
            access_import_job(user, job.pk)
    assert_probe(caplog, city.office_east, lambda: access_import_job(city.office_east, job.pk))
