"""Readable change history for any model with django-simple-history's HistoricalRecords.

`history_rows(records)` turns historical records (of one or several objects, any order) into
rows of who, when, what happened and which fields changed from what to what, ready for
`templates/partials/fragment_history.html`. Each record is compared with the previous record
of the same object; foreign keys are shown by name, looked up in one query per related model.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils import formats, timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _

# Bookkeeping fields nobody asked to see in a change list.
HIDDEN_FIELDS = frozenset({"id", "version", "created_at", "updated_at", "created_by"})
ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
EMPTY = "—"
# Reasons the code writes into history, as people read them; "" hides a bookkeeping marker.
REASONS = {
    "generated": _("from the campaign's required actions"),
    "window": _("moved with the unit's own window"),
    "demo": "",
    "check_progress --fix": _("corrected by the progress check"),
}
LEDGER_REASON = re.compile(r"^ledger [\w-]+ #\d+$")


def reason_text(reason: str | None) -> str:
    """A history record's change reason as shown to people: no internal codes, ids or markers."""
    if not reason:
        return ""
    if reason in REASONS:
        return str(REASONS[reason])
    if LEDGER_REASON.match(reason):
        return str(_("counted from a ledger row"))
    return reason


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryRow:
    when: datetime
    who: Any  # the user, or None for changes made outside a request (commands, jobs)
    action: str
    subject: str
    changes: list[FieldChange] = field(default_factory=list)
    reason: str = ""
    record: Any = None

    @property
    def who_name(self) -> str:
        if self.who is None:
            return str(_("system"))
        return self.who.get_full_name() or self.who.get_username()


def _tracked(record) -> list[models.Field]:
    return [f for f in type(record).tracked_fields if f.name not in HIDDEN_FIELDS]


def _display(f: models.Field, value, names: dict) -> str:
    if value is None or value == "":
        return EMPTY
    if f.is_relation:
        return names.get((f.related_model, value), f"#{value}")
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return Truncator(str(value)).chars(80)


def display_name(obj) -> str:
    """What a person reads for a row a history points at: a user's full name, anything else's str()."""
    if hasattr(obj, "get_username"):
        return obj.get_full_name() or obj.get_username()
    return str(obj)


def history_rows(
    records: Iterable,
    *,
    subject: Callable[[Any], str] | None = None,
    hidden: Iterable[str] = (),
) -> list[HistoryRow]:
    """Rows newest first. `subject(record)` names the object (default: the model's verbose name)."""
    records = list(records)
    hidden = set(hidden)
    by_object: dict[tuple, list] = defaultdict(list)
    for record in records:
        by_object[
            (
                type(record),
                record.instance_type._meta.pk.attname,
                getattr(record, record.instance_type._meta.pk.attname),
            )
        ].append(record)

    pairs = []  # (record, previous record of the same object or None, changed fields)
    wanted_ids: dict[type[models.Model], set[Any]] = defaultdict(set)
    for group in by_object.values():
        group.sort(key=lambda r: (r.history_date, r.history_id))
        previous: Any = None
        for record in group:
            changed = []
            if previous is not None and record.history_type == "~":
                for f in _tracked(record):
                    if f.name in hidden:
                        continue
                    old, new = getattr(previous, f.attname), getattr(record, f.attname)
                    if old != new:
                        changed.append(f)
                        if f.is_relation and f.related_model is not None:
                            wanted_ids[f.related_model] |= {v for v in (old, new) if v is not None}
            pairs.append((record, previous, changed))
            previous = record

    names = {}
    for model, ids in wanted_ids.items():
        for pk, obj in model._base_manager.in_bulk(ids).items():
            names[(model, pk)] = display_name(obj)

    rows = []
    for record, previous, changed in pairs:
        if record.history_type == "~" and previous is not None and not changed:
            continue  # a save that changed only hidden fields
        rows.append(
            HistoryRow(
                when=record.history_date,
                who=record.history_user,
                action=str(ACTIONS.get(record.history_type, record.history_type)),
                subject=subject(record) if subject else str(capfirst(record.instance_type._meta.verbose_name)),
                changes=[
                    FieldChange(
                        label=str(capfirst(f.verbose_name)),
                        old=_display(f, getattr(previous, f.attname), names),
                        new=_display(f, getattr(record, f.attname), names),
                    )
                    for f in changed
                ],
                reason=reason_text(record.history_change_reason),
                record=record,
            )
        )
    rows.sort(key=lambda row: (row.when, row.record.history_id), reverse=True)
    return rows


def stamp_change(obj: models.Model, *, by: AbstractBaseUser | None, reason: str | None = None) -> None:
    """Name who makes the next save of `obj`, and why, in its django-simple-history record."""
    # django-simple-history reads these two plain attributes when the object is saved; they are
    # not model fields, so they are set on the instance's namespace.
    obj.__dict__["_history_user"] = by
    if reason is not None:
        obj.__dict__["_change_reason"] = reason
