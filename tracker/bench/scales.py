"""The shapes of the synthetic datasets: how many cities, districts and units of each kind."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """The shape of one tier. The root is a city (cities=0) or a province of `cities` cities."""

    name: str
    units: int  # every unit in the tree, root and districts included
    cities: int
    districts_per_city: int
    city_units: tuple[tuple[str, int], ...]  # category → units directly under each city
    district_units: tuple[tuple[str, int], ...]  # category → units in each district; villages fill the rest
    entries_mean: float  # mean entries of a task that has been started
    self_chosen_max: int = 3
    min_tasks: int = 0  # what the tier promises (checked after generation)
    min_entries: int = 0
    wide_children: int = 4_000  # units directly under the bench's wide area (wide.py)


CITY_MIX = (("organ", 40), ("institution", 20), ("soe", 12), ("university", 4), ("hospital", 6), ("private", 6))
DISTRICT_MIX = (
    ("organ", 22),
    ("institution", 10),
    ("school", 14),
    ("hospital", 3),
    ("soe", 2),
    ("private", 4),
    ("township", 9),
)
SCALES = {
    "tiny": Scale(
        "tiny",
        20,
        0,
        2,
        (("organ", 1), ("university", 1)),
        (("organ", 2), ("school", 1), ("township", 1)),
        4.0,
        wide_children=30,
    ),
    "city": Scale("city", 2_000, 0, 12, CITY_MIX, DISTRICT_MIX, 16.0, min_tasks=80_000, min_entries=800_000),
    "province": Scale("province", 50_000, 14, 12, CITY_MIX, DISTRICT_MIX, 16.0, min_tasks=2_000_000),
}


def root_code(scale: str, seed: int) -> str:
    return f"bench-{scale}-{seed}"
