"""The read API: tokens made by `manage.py api_token`, acting with their person's scope.

Another scope's unit or task is a 404, exactly as in the UI; every API route is requested for
every role in API_MATRIX (tests/test_access.py checks that no API route is missing from it).
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from tests.conftest import rollups_current
from tests.factories import make_user
from tracker.api.models import ApiToken
from tracker.orgs.models import Role

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
EVERYONE = set(ROLES) - {"anonymous"}

# route name → (args builder, roles that get 200; every other signed-in role gets 404)
API_MATRIX = {
    "api:schema": (lambda c: [], EVERYONE),
    "api:campaigns": (lambda c: [], EVERYONE),
    "api:units": (lambda c: [], EVERYONE),
    "api:unit": (lambda c: [c.unit_a.pk], READERS_OF_A),
    "api:measures": (lambda c: [], EVERYONE),
    "api:tasks": (lambda c: [], EVERYONE),
    "api:task": (lambda c: [c.task_a().pk], READERS_OF_A),
    "api:ledger_rows": (lambda c: ["visits"], EVERYONE),
}


def token_for(user) -> str:
    out = io.StringIO()
    call_command(
        "api_token", "create", "--user", user.get_username(), "--name", "测试", stdout=out, stderr=io.StringIO()
    )
    return out.getvalue().strip()


def api(token: str | None = None) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}") if token else Client()


def person(city, role):
    if role == "office_west":
        return make_user(Role.OFFICE, unit=city.west, username="office_west")
    return getattr(city, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(API_MATRIX))
def test_api_access(city, route, role):
    rollups_current(city)
    args, allowed = API_MATRIX[route]
    client = api(token_for(person(city, role)) if role != "anonymous" else None)
    response = client.get(reverse(route, args=args(city)))
    if role == "anonymous":
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer"), route
    elif role in allowed:
        assert response.status_code == 200, (route, role, response.status_code)
    else:
        assert response.status_code == 404, (route, role, response.status_code)


def test_a_district_token_reads_its_district_and_gets_404_for_another(city):
    rollups_current(city)
    client = api(token_for(city.office_east))
    units = client.get(reverse("api:units")).json()
    assert {row["code"] for row in units["results"]} >= {city.unit_a.code}
    assert city.unit_b.code not in {row["code"] for row in units["results"]}
    row = next(row for row in units["results"] if row["code"] == city.unit_a.code)
    assert set(row) >= {"tasks", "done", "percent", "light", "red", "yellow"}
    assert client.get(reverse("api:unit", args=[city.unit_b.pk])).status_code == 404
    task_b = city.task_b()
    assert client.get(reverse("api:task", args=[task_b.pk])).status_code == 404
    tasks = client.get(reverse("api:tasks")).json()
    assert tasks["count"] == city.unit_a.tasks.count() and {t["unit"] for t in tasks["results"]} == {city.unit_a.pk}
    # ?unit= of another district gives nothing rather than its tasks.
    assert client.get(reverse("api:tasks"), {"unit": city.unit_b.pk}).json()["count"] == 0
    assert client.get(reverse("api:tasks"), {"campaign": "no-such-campaign"}).status_code == 404


def test_tokens_are_printed_once_stored_hashed_listed_and_revocable(city):
    raw = token_for(city.office_city)
    token = ApiToken.objects.get()
    assert raw.startswith(f"ct_{token.prefix}_") and raw.split("_", 2)[2] not in token.digest
    assert api(raw).get(reverse("api:campaigns")).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    listing = io.StringIO()
    call_command("api_token", "list", stdout=listing)
    assert token.prefix in listing.getvalue() and raw not in listing.getvalue()

    call_command("api_token", "revoke", token.prefix, stdout=io.StringIO())
    assert api(raw).get(reverse("api:campaigns")).status_code == 401
    with pytest.raises(CommandError):
        call_command("api_token", "create", "--user", "nobody-here", stdout=io.StringIO())


@pytest.mark.parametrize(
    "header",
    ["Bearer ct_abc", "Bearer ct_deadbeef0000_wrong", "Bearer", "Token a b", "Bearer not-a-token"],
)
def test_a_bad_token_is_401_and_says_why_in_json(city, header):
    token_for(city.office_city)
    response = Client(HTTP_AUTHORIZATION=header).get(reverse("api:campaigns"))
    assert response.status_code == 401 and "detail" in response.json()


def test_a_disabled_person_s_token_stops_working(city):
    raw = token_for(city.staff_a)
    city.staff_a.is_active = False
    city.staff_a.save(update_fields=["is_active"])
    assert api(raw).get(reverse("api:tasks")).status_code == 401


def test_the_api_is_rate_limited_per_person(city, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "3/minute"}}
    client = api(token_for(city.office_city))
    codes = [client.get(reverse("api:campaigns")).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_the_schema_describes_every_endpoint(city):
    response = api(token_for(city.office_city)).get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/units/", "/api/v1/tasks/{id}/", "/api/v1/ledgers/{ledger}/"} <= set(paths)


def test_the_task_list_costs_the_same_for_one_unit_or_many(city, django_assert_num_queries):
    from tests.conftest import grow_city

    rollups_current(city)
    client = api(token_for(city.office_city))
    client.get(reverse("api:tasks"))
    with django_assert_num_queries(5) as few:
        client.get(reverse("api:tasks"))
    grow_city(city, 20)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(reverse("api:tasks")).status_code == 200
