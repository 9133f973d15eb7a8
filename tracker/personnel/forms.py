"""Self-service reset by e-mail: Django's form, with the mail sent by a job and each request recorded."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.db import transaction

from tracker.core.types import User

# At most this many reset mails per address and hour, whatever is typed into the form.
MAILS_PER_HOUR = 3


class MailResetForm(PasswordResetForm):
    def get_users(self, email: str) -> Iterator[User]:
        """Active accounts with this address, also those that never set a password (first login)."""
        yield from get_user_model().objects.filter(email__iexact=email.strip(), is_active=True)

    def save(self, *args: Any, **kwargs: Any) -> None:
        from tracker.personnel import services, tasks

        email = self.cleaned_data["email"]
        key = f"tracker:reset-mail:{email.strip().lower()}"
        cache.add(key, 0, timeout=3600)
        if cache.incr(key) > MAILS_PER_HOUR:
            return  # the page says the same either way: nothing tells whether an address is known
        for person in self.get_users(email):
            services.reset_mail_record(person=person)
            transaction.on_commit(partial(tasks.reset_mail_send.delay, person.pk))
