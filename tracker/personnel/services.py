"""Writes about people's access: one-time set-password links (issued by the office or mailed on
request) and the record of each. Nobody ever sees or sets another person's password."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from tracker.core.types import User
from tracker.personnel.models import AccountEvent, AccountEventKind
from tracker.personnel.selectors import people


def set_password_path(person: User) -> str:
    """The one-time link's path: valid until the person sets a password (or logs in), at most
    PASSWORD_RESET_TIMEOUT; every link issued before dies with the first use of any of them."""
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    return reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(person)])


def set_password_link_issue(*, person: User, by: User, absolute: Callable[[str], str]) -> str:
    """A new one-time set-password link for a person the office manages, recorded with its issuer.

    Refused for a disabled account (enable it first) and for someone outside the office's subtree.
    """
    if not people().for_user(by).filter(pk=person.pk).exists():
        raise PermissionDenied(_("This person's account is managed by another office."))
    if not person.is_active:
        raise PermissionDenied(_("This account is disabled; enable it before issuing a link."))
    with transaction.atomic():
        AccountEvent.objects.create(user=person, kind=AccountEventKind.LINK_ISSUED, by=by)
    return absolute(set_password_path(person))


def reset_mail_record(*, person: User) -> AccountEvent:
    return AccountEvent.objects.create(user=person, kind=AccountEventKind.RESET_MAILED)


def password_set_record(*, person: User) -> AccountEvent:
    return AccountEvent.objects.create(user=person, kind=AccountEventKind.PASSWORD_SET, by=person)
