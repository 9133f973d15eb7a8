"""Show a cited speech by its title, not only by its file name."""

from __future__ import annotations

from functools import lru_cache

from django import template

from tracker.campaigns.seeding import SEEDS_DIR

register = template.Library()


@lru_cache(maxsize=32)
def _title(file_name: str) -> str:
    path = SEEDS_DIR / "sources" / file_name
    if path.parent != SEEDS_DIR / "sources" or not path.is_file():
        return ""
    with path.open(encoding="utf-8") as handle:
        return handle.readline().strip()


@register.filter
def speech_title(file_name: str) -> str:
    """The first line of a speech in seeds/sources/, which is its title."""
    return _title(file_name or "")
