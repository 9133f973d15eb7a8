"""Control characters in a query string: a 400 for every GET route and every role, never a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login
from tests.test_access import MATRIX, ROLES, prepare, user_for

GET_ROUTES = sorted(name for name, row in MATRIX.items() if row[0] == "get")
# Every parameter a page reads, and one no page knows.
PARAMETERS = ["q", "page", "status", "tab", "measure", "category", "light", "overdue", "sort", "under", "next", "x"]
CONTROL = st.sampled_from(["\x00", "\x01", "\x08", "\x0b", "\x1f", "\x7f", "\x85", "\u202e"])


@st.composite
def bad_queries(draw) -> tuple[str, str]:
    """(parameter name, value) where the value or the name holds at least one control character."""
    name = draw(st.sampled_from(PARAMETERS))
    text = draw(st.text(max_size=8))
    at = draw(st.integers(min_value=0, max_value=len(text)))
    value = text[:at] + draw(CONTROL) + text[at:]
    if draw(st.booleans()):
        return name, value
    return name + draw(CONTROL), text


@pytest.mark.parametrize("role", ROLES)
def test_control_characters_in_the_query_string_are_a_400(client, city, role):
    objects = prepare(city)
    if role != "anonymous":
        login(client, user_for(city, role))
    urls = {route: reverse(route, args=MATRIX[route][1](city, objects)) for route in GET_ROUTES}

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(route=st.sampled_from(GET_ROUTES), query=bad_queries())
    def check(route: str, query: tuple[str, str]) -> None:
        name, value = query
        response = client.get(f"{urls[route]}?{quote(name)}={quote(value)}")
        assert response.status_code == 400, (route, query, response.status_code)

    check()


@pytest.mark.parametrize(
    "path",
    ["/units/?q=%00", "/dashboard/matrix/?category=%00", "/dashboard/matrix/?sort=%00", "/units/{unit}/?measure=%00"],
)
def test_reported_nul_queries_get_a_400_page_in_chinese(client, city, path):
    login(client, city.staff_a if "{unit}" in path else city.office_city)
    response = client.get(path.format(unit=city.unit_a.pk))
    assert response.status_code == 400
    assert "请求" in response.content.decode()


def test_ordinary_text_still_passes(client, city):
    login(client, city.office_city)
    assert client.get("/units/", {"q": "东区\t第一 中学"}).status_code == 200
