"""Links to many objects of one kind on a page, without a `reverse()` each.

`reverse()` walks the URL patterns every call: for the 500 rows of a crowding page or the 50 rows
of the matrix it cost more than the rest of each row. `id_url` reverses a route once with a
placeholder id and then puts each object's id in its place.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_PLACEHOLDER = 2147483647  # no real id: the largest integer column value


@lru_cache(maxsize=256)
def _around_id(script_prefix: str, urlconf: str, name: str, args: tuple[object, ...]) -> tuple[str, str]:
    """The URL of `name` with `args` and then the placeholder id, split around the placeholder
    (keyed by what `reverse` reads besides them: the script prefix and the URL configuration)."""
    head, _found, tail = reverse(name, urlconf=urlconf, args=[*args, _PLACEHOLDER]).rpartition(str(_PLACEHOLDER))
    return head, tail


def id_url(name: str, pk: int, *args: object) -> str:
    """`reverse(name, args=[*args, pk])` for a route whose last argument is an integer id."""
    head, tail = _around_id(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, name, args)
    return f"{head}{int(pk)}{tail}"
