"""The ledgers, one spec each: model, form, and the columns units use in their Excel ledgers.

The same columns drive the exported sheet, the detail page and the list cards, so what a unit
sees on screen is what it downloads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Ledger
from tracker.core.types import User
from tracker.ledgers import forms
from tracker.ledgers.models import (
    ConversionItem,
    Institution,
    LedgerRow,
    PracticalDeed,
    RectificationItem,
    ResearchReport,
    ResearchTopic,
    ResearchVisit,
    StudySession,
)


@dataclass(frozen=True)
class Column:
    header: Promise
    value: Callable[[Any], Any]  # a date, number or text, as the sheet should hold it
    width: int = 14
    on_card: bool = False  # shown under the title in the list


def attr(name: str) -> Callable[[Any], Any]:
    return lambda row: getattr(row, name)


def label(name: str) -> Callable[[Any], Any]:
    return lambda row: getattr(row, f"get_{name}_display")()


def yes_no(name: str) -> Callable[[Any], Any]:
    return lambda row: str(_("yes") if getattr(row, name) else _("no"))


def _milestones(item: RectificationItem) -> str:
    return "；".join(f"{m.title}（{m.due_on:%Y-%m-%d}{' ✓' if m.reached_on else ''}）" for m in item.milestones.all())


def _person(user: User) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


@dataclass(frozen=True)
class LedgerSpec:
    slug: str
    model: type[LedgerRow]
    form: type[forms.LedgerForm]
    columns: list[Column]
    ordering: tuple[str, ...]
    empty_hint: Promise
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    status_field: str = ""

    @property
    def title(self) -> str:
        return str(Ledger(self.slug).label)

    @property
    def sheet_title(self) -> str:
        # Excel allows 31 characters and no []:*?/\ in a sheet name.
        return "".join(ch for ch in str(self.title) if ch not in "[]:*?/\\")[:31]

    @property
    def card_columns(self) -> list[Column]:
        return [column for column in self.columns if column.on_card]


LEDGERS: dict[str, LedgerSpec] = {
    spec.slug: spec
    for spec in [
        LedgerSpec(
            slug=Ledger.RECTIFICATION,
            model=RectificationItem,
            form=forms.RectificationItemForm,
            ordering=("deadline", "id"),
            select_related=("closed_by",),
            prefetch_related=("milestones",),
            status_field="status",
            empty_hint=_(
                "No problems recorded yet. Add each problem found by self-inspection, solicited opinions or "
                "the guidance group, with its measures, responsible leader and deadline."
            ),
            columns=[
                Column(_("Problem"), attr("problem"), 40),
                Column(_("Problem source"), label("source"), on_card=True),
                Column(_("Problem category"), label("category")),
                Column(_("Measures"), attr("measures"), 40),
                Column(_("Responsible leader"), attr("responsible_leader"), on_card=True),
                Column(_("Deadline"), attr("deadline"), 12, on_card=True),
                Column(_("Rectification kind"), label("kind"), on_card=True),
                Column(_("Staged targets"), _milestones, 30),
                Column(_("Status"), label("status")),
                Column(_("Closed out on"), attr("closed_on"), 12),
                Column(_("Verified by"), lambda row: _person(row.closed_by)),
                Column(_("Satisfaction (%)"), attr("satisfaction"), 10),
            ],
        ),
        LedgerSpec(
            slug=Ledger.TOPICS,
            model=ResearchTopic,
            form=forms.ResearchTopicForm,
            ordering=("leader_name", "id"),
            empty_hint=_("No research topics yet. Each leader of the unit takes on at least one topic."),
            columns=[
                Column(_("Leader"), attr("leader_name"), on_card=True),
                Column(_("Research topic"), attr("title"), 40),
                Column(_("Description"), attr("description"), 40),
            ],
        ),
        LedgerSpec(
            slug=Ledger.VISITS,
            model=ResearchVisit,
            form=forms.ResearchVisitForm,
            ordering=("-visited_on", "-id"),
            select_related=("topic",),
            empty_hint=_(
                "No research visits yet. Record each visit with its site, date, leading official and participants; "
                "you will be warned if others visited the same site recently."
            ),
            columns=[
                Column(_("Date"), attr("visited_on"), 12, on_card=True),
                Column(_("Site"), attr("site"), 24),
                Column(_("Leading official"), attr("leader_name"), on_card=True),
                Column(_("Participants"), attr("participants"), 24),
                Column(_("Unannounced"), yes_no("unannounced"), 10, on_card=True),
                Column(_("Research topic"), lambda row: row.topic.title if row.topic else "", 24),
                Column(_("What was found"), attr("findings"), 40),
                Column(_("Crowding warning confirmed"), yes_no("crowding_confirmed"), 10),
                Column(_("Reason for saving despite crowding"), attr("crowding_reason"), 30),
            ],
        ),
        LedgerSpec(
            slug=Ledger.REPORTS,
            model=ResearchReport,
            form=forms.ResearchReportForm,
            ordering=("-completed_on", "-id"),
            select_related=("topic",),
            empty_hint=_("No research reports yet. Record each report when it is finished."),
            columns=[
                Column(_("Completed on"), attr("completed_on"), 12, on_card=True),
                Column(_("Report title"), attr("title"), 30),
                Column(_("Author"), attr("author_name"), on_card=True),
                Column(_("Research topic"), lambda row: row.topic.title if row.topic else "", 24),
                Column(_("Main points"), attr("synopsis"), 40),
            ],
        ),
        LedgerSpec(
            slug=Ledger.CONVERSION,
            model=ConversionItem,
            form=forms.ConversionItemForm,
            ordering=("due_on", "id"),
            select_related=("report",),
            status_field="status",
            empty_hint=_(
                "The conversion list is empty. Turn each proposal of a research report into a measure with a "
                "responsible person and a deadline, and follow it up until it is done."
            ),
            columns=[
                Column(_("Conversion measure"), attr("title"), 30),
                Column(_("Research report"), lambda row: row.report.title if row.report else "", 24),
                Column(_("Responsible person"), attr("responsible"), on_card=True),
                Column(_("Deadline"), attr("due_on"), 12, on_card=True),
                Column(_("Status"), label("status")),
                Column(_("Follow-up and return visits"), attr("follow_up"), 40),
                Column(_("Done on"), attr("done_on"), 12),
            ],
        ),
        LedgerSpec(
            slug=Ledger.DEEDS,
            model=PracticalDeed,
            form=forms.PracticalDeedForm,
            ordering=("deadline", "id"),
            status_field="status",
            empty_hint=_("No practical deeds yet. List what the unit will do for the people, in which area, by when."),
            columns=[
                Column(_("Deed"), attr("title"), 30),
                Column(_("Area"), label("area"), on_card=True),
                Column(_("Target"), attr("target"), 30),
                Column(_("Responsible person"), attr("responsible")),
                Column(_("Deadline"), attr("deadline"), 12, on_card=True),
                Column(_("Status"), label("status")),
                Column(_("People served"), attr("people_served"), 10, on_card=True),
                Column(_("Satisfaction (%)"), attr("satisfaction"), 10),
                Column(_("Done on"), attr("done_on"), 12),
            ],
        ),
        LedgerSpec(
            slug=Ledger.INSTITUTIONS,
            model=Institution,
            form=forms.InstitutionForm,
            ordering=("-adopted_on", "-id"),
            prefetch_related=("problems",),
            empty_hint=_(
                "No rules recorded yet. Record each rule adopted, revised or repealed, with its date and document."
            ),
            columns=[
                Column(_("Rule"), attr("title"), 30),
                Column(_("New, revised or repealed"), label("action"), 10, on_card=True),
                Column(_("Adopted on"), attr("adopted_on"), 12, on_card=True),
                Column(_("Document number"), attr("doc_number"), 16, on_card=True),
                Column(_("Problems it answers"), lambda row: "；".join(p.summary() for p in row.problems.all()), 40),
                Column(_("Document"), attr("document_name"), 20),
            ],
        ),
        LedgerSpec(
            slug=Ledger.STUDY,
            model=StudySession,
            form=forms.StudySessionForm,
            ordering=("-held_on", "-id"),
            empty_hint=_(
                "No study sessions yet. Record each reading class, central study group session or lecture "
                "with its date, hours and attendance."
            ),
            columns=[
                Column(_("Date"), attr("held_on"), 12, on_card=True),
                Column(_("Study kind"), label("kind"), on_card=True),
                Column(_("Online or offline"), label("mode"), 10, on_card=True),
                Column(_("Study topic"), attr("topic"), 30),
                Column(_("Hours"), attr("hours"), 8, on_card=True),
                Column(_("Attendance"), attr("attendance"), 8, on_card=True),
                Column(_("Names of attendees"), attr("attendees"), 30),
                # Added with the rosters: after the columns units already use, so those keep their places.
                Column(_("Expected"), attr("expected"), 8),
                Column(_("Attendance rate (%)"), attr("attendance_rate"), 8, on_card=True),
                Column(_("Who spoke"), attr("speakers"), 20),
            ],
        ),
    ]
}
