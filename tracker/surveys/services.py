"""Writes of the public surveys: opening one on a deed or item, printing codes, taking an answer."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.core.types import User
from tracker.ledgers.models import PracticalDeed, RectificationItem
from tracker.orgs.access import require
from tracker.surveys.models import Helped, Score, Survey, SurveyCode, SurveyResponse

# Answers one address may send to one survey in an hour: a village office or a school on one
# shared connection still gets through; a script sending hundreds does not.
ANSWERS_PER_ADDRESS_PER_HOUR = getattr(settings, "SURVEY_ANSWERS_PER_ADDRESS_PER_HOUR", 30)
MAX_CODES = 500
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper


class SurveyRefused(Exception):
    """An answer not taken, with the message the public sees and the HTTP status that goes with it."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Answer:
    aware: bool
    helped: str
    score: int
    comment: str = ""
    code: str = ""


def keyed_hash(value: str) -> str:
    """A device or address as a keyed hash: enough to tell two apart, useless to anyone reading the table."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def survey_open(
    *,
    by: User,
    subject: PracticalDeed | RectificationItem,
    public_title: str,
    ends_on: date,
    uses_codes: bool = False,
) -> Survey:
    """Open the public survey of a deed or a public-facing rectification item (one per row)."""
    require(by, subject.unit, "edit")
    errors: dict[str, str] = {}
    if isinstance(subject, RectificationItem) and not subject.affects_public:
        errors["public_title"] = _("Only a rectification item that affects the public gets a public survey.")
    if (
        Survey.objects.filter(deed=subject if isinstance(subject, PracticalDeed) else None)
        .filter(item=subject if isinstance(subject, RectificationItem) else None)
        .exists()
    ):
        errors["public_title"] = _("This row already has a public survey.")
    if ends_on < timezone.localdate():
        errors["ends_on"] = _("The last day for answers cannot be in the past.")
    if not public_title.strip():
        errors["public_title"] = _("Give the title the public will see.")
    if errors:
        raise ValidationError(errors)
    survey = Survey(
        unit=subject.unit,
        campaign=subject.campaign,
        public_title=public_title.strip(),
        ends_on=ends_on,
        uses_codes=uses_codes,
        created_by=by,
    )
    if isinstance(subject, PracticalDeed):
        survey.deed = subject
    else:
        survey.item = subject
    survey.full_clean()
    survey.save()
    return survey


@transaction.atomic
def survey_codes_issue(*, survey: Survey, by: User, count: int) -> list[SurveyCode]:
    """Print `count` more one-time codes for slips handed out in person."""
    require(by, survey.unit, "edit")
    if not 1 <= count <= MAX_CODES:
        raise ValidationError({"count": _("Issue between 1 and %(n)d codes at a time.") % {"n": MAX_CODES}})
    taken = set(survey.codes.values_list("code", flat=True))
    codes: list[SurveyCode] = []
    while len(codes) < count:
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(8))
        if code not in taken:
            taken.add(code)
            codes.append(SurveyCode(survey=survey, code=code))
    return SurveyCode.objects.bulk_create(codes)


def _take_rate(survey: Survey, address: str) -> None:
    key = f"survey-rate:{survey.pk}:{address}"
    cache.add(key, 0, timeout=3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        sent = 1
    if sent > ANSWERS_PER_ADDRESS_PER_HOUR:
        raise SurveyRefused(_("Too many answers from your network. Please try again later."), 429)


def _valid(answer: Answer) -> None:
    if answer.helped not in Helped.values or answer.score not in Score.values:
        raise SurveyRefused(_("Please answer every question."), 400)
    if len(answer.comment) > 500:
        raise SurveyRefused(_("Comments can be at most 500 characters."), 400)


def survey_answer(*, survey: Survey, answer: Answer, device: str, address: str) -> SurveyResponse:
    """Take one answer from the public: refused after the end date, twice from a device, too often
    from one address, or with a code that is wrong or already used. Nothing is counted twice."""
    if timezone.localdate() > survey.ends_on:
        raise SurveyRefused(_("This survey has ended. Thank you for your interest."), 410)
    _valid(answer)
    device_key, address_key = keyed_hash(device), keyed_hash(address)
    if SurveyResponse.objects.filter(survey=survey, device=device_key).exists():
        raise SurveyRefused(_("You have already answered this survey on this device. Thank you."), 409)
    _take_rate(survey, address_key)
    try:
        with transaction.atomic():
            code = None
            if survey.uses_codes:
                code = (
                    SurveyCode.objects.select_for_update()
                    .filter(survey=survey, code=answer.code.strip().upper())
                    .first()
                )
                if code is None:
                    raise SurveyRefused(_("The code is not valid. Check the code printed on your slip."), 400)
                if code.used_at is not None:
                    raise SurveyRefused(_("This code has already been used."), 409)
                code.used_at = timezone.now()
                code.save(update_fields=["used_at"])
            response = SurveyResponse(
                survey=survey,
                aware=answer.aware,
                helped=answer.helped,
                score=answer.score,
                comment=answer.comment.strip(),
                device=device_key,
                address=address_key,
                code=code,
            )
            response.full_clean(exclude=["survey", "code"])
            response.save()
    except IntegrityError:  # the same device, twice at once
        raise SurveyRefused(_("You have already answered this survey on this device. Thank you."), 409) from None
    except ValidationError:
        raise SurveyRefused(_("Please answer every question."), 400) from None
    return response
