"""`id_url` gives what `reverse` gives, for any id, route arguments and script prefix."""

from __future__ import annotations

from django.urls import clear_script_prefix, reverse, set_script_prefix
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.core.links import id_url

ROUTES = [
    ("work:unit_detail", ()),
    ("work:task_detail", ()),
    ("reminders:unit_urge", ()),
    ("ledgers:row_detail", ("visits",)),
    ("ledgers:row_detail", ("rectification",)),
]


@settings(deadline=None)
@given(pk=st.integers(min_value=1, max_value=2**31 - 1), route=st.sampled_from(ROUTES))
def test_id_url_is_reverse(pk, route):
    name, args = route
    assert id_url(name, pk, *args) == reverse(name, args=[*args, pk])


def test_id_url_follows_the_script_prefix():
    """Served under a sub-path (SCRIPT_NAME), the links carry it, as reverse's do."""
    try:
        set_script_prefix("/tracker/")
        assert id_url("work:unit_detail", 7) == reverse("work:unit_detail", args=[7]) == "/tracker/units/7/"
    finally:
        clear_script_prefix()
    assert id_url("work:unit_detail", 7) == "/units/7/"
