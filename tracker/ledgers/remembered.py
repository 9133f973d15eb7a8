"""Quick record: what a new ledger row starts with, and the values offered from what the unit used before.

A clerk recording a study session or a research visit on a phone should only type what is new
(the topic, the site): the date is today, the rest is what the unit's last row said, and names
the unit used before are one tap away. `NAME_SOURCES` is where a roster plugs in: each source
gives names for a field of a unit; the ones the unit used most come first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils import timezone

from tracker.campaigns.models import Ledger
from tracker.ledgers.models import ResearchVisit, StudySession
from tracker.ledgers.registry import LEDGERS
from tracker.ledgers.text import split_names
from tracker.orgs.models import Unit

RECENT_ROWS = 40  # rows looked at for the names used before
CHIPS = 12  # names offered for one field

# Fields copied from the unit's last row of the ledger ("last values remembered").
REMEMBERED: dict[str, tuple[str, ...]] = {
    Ledger.STUDY: ("kind", "mode", "hours", "attendees"),
    Ledger.VISITS: ("topic", "leader_name", "participants"),
}
# Defaults for a unit's first row, so even then the form needs few taps.
FIRST_TIME: dict[str, dict[str, Any]] = {
    Ledger.STUDY: {"mode": "offline", "hours": 2},
}


@dataclass(frozen=True)
class Chips:
    """Values offered under a field: `set` replaces the field's value, `add` appends a name to a list."""

    mode: Literal["set", "add"]
    values: list[str]


@dataclass(frozen=True)
class QuickStart:
    initial: dict[str, Any]
    chips: dict[str, Chips] = field(default_factory=dict)


def _study_names(unit: Unit) -> Iterable[str]:
    rows = StudySession.objects.filter(unit=unit).order_by("-held_on", "-id")[:RECENT_ROWS]
    for attendees in rows.values_list("attendees", flat=True):
        yield from split_names(attendees)


def _visit_leaders(unit: Unit) -> Iterable[str]:
    rows = ResearchVisit.objects.filter(unit=unit).order_by("-visited_on", "-id")[:RECENT_ROWS]
    return rows.values_list("leader_name", flat=True)


def _visit_participants(unit: Unit) -> Iterable[str]:
    rows = ResearchVisit.objects.filter(unit=unit).order_by("-visited_on", "-id")[:RECENT_ROWS]
    for participants in rows.values_list("participants", flat=True):
        yield from split_names(participants)


# (ledger, field) → (how a chip fills the field, where its names come from). A roster adds its
# source to the list of a field; the names are merged, the most used first.
NAME_SOURCES: dict[tuple[str, str], tuple[Literal["set", "add"], list[Callable[[Unit], Iterable[str]]]]] = {
    (Ledger.STUDY, "attendees"): ("add", [_study_names]),
    (Ledger.VISITS, "leader_name"): ("set", [_visit_leaders]),
    (Ledger.VISITS, "participants"): ("add", [_visit_participants]),
}


def _most_used(names: Iterable[str]) -> list[str]:
    counts = Counter(name.strip() for name in names if name and name.strip())
    return [name for name, _n in counts.most_common(CHIPS)]


def quick_start(*, unit: Unit, ledger: str) -> QuickStart:
    """The new row's starting values (today's date, the last row's values) and the chips to offer."""
    spec = LEDGERS[ledger]
    initial: dict[str, Any] = dict(FIRST_TIME.get(ledger, {}))
    date_field = getattr(spec.model, "DATE_FIELD", None)
    if date_field:
        initial[date_field] = timezone.localdate()
    remembered = REMEMBERED.get(ledger, ())
    if remembered:
        last = spec.model.objects.filter(unit=unit).order_by("-created_at", "-id").first()
        if last is not None:
            for name in remembered:
                value = getattr(last, f"{name}_id" if name == "topic" else name)
                if value not in (None, ""):
                    initial[name] = value
    chips: dict[str, Chips] = {}
    for (source_ledger, field_name), (mode, sources) in NAME_SOURCES.items():
        if source_ledger == ledger:
            values = _most_used(name for source in sources for name in source(unit))
            if values:
                chips[field_name] = Chips(mode=mode, values=values)
    return QuickStart(initial=initial, chips=chips)
