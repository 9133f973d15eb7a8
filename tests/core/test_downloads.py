"""Every uploaded file is sent back as an attachment with a sandbox CSP, ledger files like evidence."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import login
from tests.test_access import ledger_objects, prepare
from tracker.core.downloads import SANDBOX_CSP


@pytest.mark.parametrize(
    "route, target",
    [
        ("work:evidence_download", lambda c, o: o["evidence"].pk),
        ("ledgers:evidence_download", lambda c, o: ledger_objects(c)["evidence"].pk),
        ("ledgers:document_download", lambda c, o: ledger_objects(c)["institution"].pk),
    ],
)
def test_uploaded_files_download_sandboxed(client, city, route, target):
    objects = prepare(city)
    login(client, city.staff_a)
    response = client.get(reverse(route, args=[target(city, objects)]))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == SANDBOX_CSP
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
