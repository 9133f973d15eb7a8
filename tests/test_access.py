"""Access matrix: every route of the app, every role: login redirect, 200, 403 or 404.

A route added to the URLconf without a row here fails `test_every_route_is_in_the_matrix`.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.conftest import PDF_BYTES, login
from tests.factories import make_user
from tracker.orgs.models import Role
from tracker.work import services

ROLES = [
    "anonymous",
    "staff_a",
    "leader_a",
    "staff_b",
    "guide",
    "office_east",
    "office_city",
    "office_west",
    "leadership",
]
READERS_OF_A = {"staff_a", "leader_a", "guide", "office_east", "office_city", "leadership"}
EDITORS_OF_A = {"staff_a", "leader_a"}
REVIEWERS_OF_A = {"guide", "office_east", "office_city"}
# Dashboards and exports: every role but unit staff, each scoped to what it reads; staff get 404.
DASHBOARD_ROLES = set(ROLES) - {"anonymous", "staff_a", "staff_b"}


def prepare(city):
    """Task A with an entry and evidence; a second task of A submitted for review."""
    task = city.task_a()
    entry = services.entry_add(task=task, by=city.staff_a, text="y", files=[SimpleUploadedFile("a.pdf", PDF_BYTES)])
    submitted = city.unit_a.tasks.exclude(pk=task.pk).first()
    services.entry_add(task=submitted, by=city.staff_a, text="z")
    submitted = services.task_submit(task=submitted, by=city.staff_a, expected_version=submitted.version)
    return {"task": task, "submitted": submitted, "evidence": entry.evidence.get()}


def _ok(status: int) -> bool:
    return status in (200, 302)


# route name → (method, args builder, data builder, who succeeds, in-scope roles refused with 403)
MATRIX = {
    "home": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
    "orgs:unit_list": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
    "work:review_queue": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
    "work:unit_detail": ("get", lambda c, o: [c.unit_a.pk], None, READERS_OF_A, set()),
    "work:task_detail": ("get", lambda c, o: [o["task"].pk], None, READERS_OF_A, set()),
    "work:evidence_download": ("get", lambda c, o: [o["evidence"].pk], None, READERS_OF_A, set()),
    "work:unit_task_create": (
        "get",
        lambda c, o: [c.unit_a.pk],
        None,
        EDITORS_OF_A,
        READERS_OF_A - EDITORS_OF_A,
    ),
    "work:task_entry_add": (
        "post",
        lambda c, o: [o["task"].pk],
        lambda c, o: {"text": "new", "occurred_on": timezone.localdate().isoformat()},
        EDITORS_OF_A,
        READERS_OF_A - EDITORS_OF_A,
    ),
    "work:task_owner": (
        "post",
        lambda c, o: [o["task"].pk],
        lambda c, o: {"version": o["task"].version, "owner": c.staff_a.pk},
        EDITORS_OF_A,
        READERS_OF_A - EDITORS_OF_A,
    ),
    "work:task_submit": (
        "post",
        lambda c, o: [o["task"].pk],
        lambda c, o: {"version": o["task"].version},
        EDITORS_OF_A,
        READERS_OF_A - EDITORS_OF_A,
    ),
    "work:task_review": (
        "post",
        lambda c, o: [o["submitted"].pk],
        lambda c, o: {"version": o["submitted"].version, "decision": "accept"},
        REVIEWERS_OF_A,
        READERS_OF_A - REVIEWERS_OF_A,
    ),
    "dashboards:overview": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
    "dashboards:matrix": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
    "dashboards:matrix_export": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
    "dashboards:ledger_export": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
}

# Imports (issue 8): only offices; a job is its uploader's, another office gets 404.
OFFICES = {"office_east", "office_city", "office_west"}
NOT_OFFICES = set(ROLES) - OFFICES - {"anonymous"}


def _import_job(city):
    from tracker.imports.models import ImportJob

    return ImportJob.objects.create(kind="units", status="ready", created_by=city.office_city, file_name="u.xlsx")


MATRIX.update(
    {
        "imports:start": ("get", lambda c, o: [], None, OFFICES, NOT_OFFICES),
        "imports:template": ("get", lambda c, o: ["units", "xlsx"], None, OFFICES, NOT_OFFICES),
        "imports:job_detail": ("get", lambda c, o: [_import_job(c).pk], None, {"office_city"}, NOT_OFFICES),
        "imports:job_run": ("post", lambda c, o: [_import_job(c).pk], lambda c, o: {}, {"office_city"}, NOT_OFFICES),
    }
)

# Routes outside the matrix on purpose: Django's own auth, admin, language switch and the
# set-password link (public by design: the token is the credential).
EXEMPT_PREFIXES = ("admin:", "login", "logout", "set_language", "password_reset")


def all_route_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from all_route_names(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_route_is_in_the_matrix():
    names = {n for n in all_route_names() if not n.startswith(EXEMPT_PREFIXES)}
    assert names - MATRIX.keys() == set(), "add the new route to MATRIX in tests/test_access.py"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_access(client, city, route, role):
    method, args, data, allowed, forbidden = MATRIX[route]
    objects = prepare(city)
    if role == "office_west":
        user = make_user(Role.OFFICE, unit=city.west, username="office_west")
    elif role != "anonymous":
        user = getattr(city, role)
    if role != "anonymous":
        login(client, user)
    url = reverse(route, args=args(city, objects))
    payload = data(city, objects) if data else None
    response = getattr(client, method)(url, payload) if payload is not None else getattr(client, method)(url)
    if role == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("login")), route
    elif role in allowed:
        assert _ok(response.status_code), (route, role, response.status_code)
    elif role in forbidden:
        assert response.status_code == 403, (route, role, response.status_code)
    else:
        assert response.status_code == 404, (route, role, response.status_code)


def test_out_of_scope_probe_is_logged(client, city, caplog):
    login(client, city.staff_b)
    with caplog.at_level("WARNING", logger="tracker.access"):
        assert client.get(reverse("work:task_detail", args=[city.task_a().pk])).status_code == 404
    assert any("out-of-scope" in r.message and str(city.staff_b.pk) in r.getMessage() for r in caplog.records)


def test_writes_are_never_get(client, city):
    login(client, city.staff_a)
    for route in ("work:task_entry_add", "work:task_owner", "work:task_submit", "work:task_review"):
        assert client.get(reverse(route, args=[city.task_a().pk])).status_code == 405
