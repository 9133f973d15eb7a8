"""The readable name of each kind of news the centre carries (the list's labels and its filter).

`kind` is free text for the apps that call `notify()`; the centre cannot import them (they sit
above it), so the labels of every kind they send are kept here. A new kind gets its label here in
the same change (tests/notify/test_kinds.py finds every kind sent in the code and checks it).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

KIND_LABELS: dict[str, Promise] = {
    # Reminders (tracker.reminders) and reviews (tracker.work)
    "due_soon": _("Due soon"),
    "overdue": _("Overdue"),
    "escalation": _("Escalated (督办)"),
    "digest": _("Weekly digest"),
    "urge": _("Urged (催办)"),
    "review": _("Review result"),
    "review_wait": _("Waiting for review"),
    # Directing work (tracker.directives)
    "assignment": _("Assignment (交办)"),
    "assignment_reply": _("Reply to an assignment"),
    "assignment_review": _("Assignment reviewed"),
    "assignment_urge": _("Assignment urged"),
    "extension_request": _("Extension request"),
    "extension_decision": _("Extension decided"),
    "instruction": _("Instruction (批示)"),
    "notice": _("Notice"),
    "notice_urge": _("Reminder to read a notice"),
    "thread": _("Question or difficulty reported"),
}

OTHER = _("Other")


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, OTHER))
