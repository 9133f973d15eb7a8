"""htmx history restores get the whole page, and every response varies on HX-Request.

On Back htmx refetches the URL with `HX-Request` and `HX-History-Restore-Request` and puts the
answer in place of the whole body: a fragment there leaves a page without header or styles.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login
from tests.test_access import MATRIX, prepare, user_for

HX = {"HTTP_HX_REQUEST": "true"}
RESTORE = {**HX, "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}
# The reader each route is requested as: the city office reads the most, unit staff what only they may.
PREFERRED_ROLES = ["office_city", "staff_a", "leader_a", "guide", "leadership", "office_east"]
GET_ROUTES = sorted(name for name, row in MATRIX.items() if row[0] == "get" and row[3])
# Routes known to answer htmx with a fragment: the scan below must find at least these.
KNOWN_PARTIAL_ROUTES = {"home:unit_list", "work:unit_detail", "work:task_detail", "dashboards:matrix", "ledgers:book"}


def _is_page(response) -> bool:
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return False
    return b"<!doctype html>" in response.content[:200].lower()


def _reader(city, allowed: set[str]):
    role = next(role for role in PREFERRED_ROLES if role in allowed)
    return user_for(city, role)


def test_every_partial_route_answers_a_history_restore_with_the_page(client, city):
    objects = prepare(city)
    partial_routes = set()
    for route in GET_ROUTES:
        _method, args, _data, allowed, _forbidden = MATRIX[route]
        login(client, _reader(city, allowed))
        url = reverse(route, args=args(city, objects))
        plain = client.get(url)
        fragment = client.get(url, **HX)
        restore = client.get(url, **RESTORE)
        for response in (plain, fragment, restore):
            assert "HX-Request" in response.get("Vary", ""), (route, response.get("Vary"))
        if plain.status_code == 200 and _is_page(plain) and not _is_page(fragment):
            partial_routes.add(route)
            assert restore.status_code == 200, route
            assert _is_page(restore), f"{route} answered a history restore with a fragment"
            assert b'rel="stylesheet"' in restore.content and b"<header" in restore.content, route
    assert KNOWN_PARTIAL_ROUTES <= partial_routes


@pytest.mark.parametrize("query", ["?status=open", "?measure=study&light=red"])
def test_filtered_unit_page_is_restored_whole(client, city, query):
    login(client, city.staff_a)
    url = reverse("work:unit_detail", args=[city.unit_a.pk]) + query
    assert not _is_page(client.get(url, **HX))
    assert _is_page(client.get(url, **RESTORE))


def test_writes_still_answer_htmx_with_a_fragment(client, city):
    """Only GETs can be history restores; an htmx POST keeps its fragment."""
    task = city.task_a()
    login(client, city.staff_a)
    response = client.post(
        reverse("work:task_entry_add", args=[task.pk]),
        {"text": "读书班第一次集中学习", "occurred_on": timezone.localdate().isoformat()},
        **HX,
    )
    assert response.status_code == 200 and not _is_page(response)
