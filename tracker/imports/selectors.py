"""Reads of the import pages: the user's jobs, a job's report, the new accounts' set-password links."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tracker.core.types import User
from tracker.imports.importers import IMPORTERS, problem_text
from tracker.imports.models import ImportJob

# A report longer than this is cut on the page; the count still says how many there are.
PROBLEMS_SHOWN = 1000


def import_jobs(*, user: User) -> QuerySet[ImportJob]:
    return ImportJob.objects.for_user(user).defer("rows", "report")


@dataclass(frozen=True)
class ProblemLine:
    row: int
    column: str
    message: str


def job_problems(*, job: ImportJob) -> list[ProblemLine]:
    """The stored problems in the reader's language, by row then column order."""
    importer = IMPORTERS[job.kind]
    order = {column.key: index for index, column in enumerate(importer.columns)}
    problems = sorted(job.report.get("problems", []), key=lambda p: (p["row"], order.get(p["column"], 99)))
    return [
        ProblemLine(p["row"], importer.column_label(p["column"]), problem_text(p["code"], p.get("params", {})))
        for p in problems[:PROBLEMS_SHOWN]
    ]


@dataclass(frozen=True)
class SetPasswordLink:
    user: User
    url: str


def set_password_links(*, job: ImportJob, absolute: Callable[[str], str]) -> list[SetPasswordLink]:
    """One-time links for the accounts this job created that have not chosen a password yet.

    The token depends on the password hash, so a link dies as soon as it is used; `absolute`
    turns a path into a full URL (request.build_absolute_uri).
    """
    ids = job.report.get("created_user_ids") or []
    if not ids:
        return []
    users = get_user_model().objects.filter(pk__in=ids).order_by("username")
    return [
        SetPasswordLink(
            user,
            absolute(
                reverse(
                    "password_reset_confirm",
                    args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
                )
            ),
        )
        for user in users
        if not user.has_usable_password()
    ]
