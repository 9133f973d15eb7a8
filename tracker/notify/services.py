"""Writes of the notification centre. The one entry point for every app is `notify()`:

    notify(
        recipients=[user or user id, …],
        kind="urge",                 # what kind of news (free text, ≤ 24 chars)
        key="task:12",               # what it is about (≤ 80 chars)
        step="2026-11-25",           # which step of it: a new step notifies again (≤ 40 chars)
        subject="…", body="…",       # what the bell, the IM card, the SMS template and the mail say;
                                     # a lazy string (gettext_lazy, format_lazy) is rendered in each
                                     # recipient's own language
        url="/tasks/12/",            # where the reader acts (a path of this site)
        urgent=False,                # True: pushed even in quiet hours (a 督办 the campaign lets through)
        by=user_or_None,             # who sent it (urges, notices): they can see who has read it
        skip=("mail",),              # channels the caller already covers (reminders mail their own digest)
    ) -> Notified(created=[item ids], already=n, deliveries=n)

Call it inside the caller's transaction: the items and their deliveries commit with the caller's
rows or not at all; the relay is enqueued on commit. (recipient, kind, key, step) is unique, so a
repeat adds nothing; each new item gets one `Delivery` per channel the person chose, has an
address for, and whose settings are present.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from tracker.core.bulk import insert_rows
from tracker.core.history import stamp_change
from tracker.core.models import UserPreference
from tracker.core.types import User
from tracker.notify import channels, quiet
from tracker.notify.models import Channel, Delivery, DeliveryStatus, Item, Profile

log = logging.getLogger("tracker.notify")

CLICK_SALT = "tracker.notify.click"
INSERT_CHUNK = 500
# Notes handled per round of statements by notify_each().
NOTE_CHUNK = 1000


@dataclass
class Notified:
    created: list[int] = field(default_factory=list)
    already: int = 0
    deliveries: int = 0


def _user_ids(recipients: Iterable[User | int]) -> list[int]:
    return sorted({r if isinstance(r, int) else r.pk for r in recipients})


ITEM_FIELDS = ("recipient", "kind", "key", "step", "subject", "body", "url", "urgent", "created_by")


def _insert_items(rows: Sequence[tuple[Any, ...]], now: datetime) -> list[tuple[int, int, str, str, str]]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: (id, recipient, kind, key, step) of the rows this call created."""
    return insert_rows(
        Item,
        ITEM_FIELDS,
        rows,
        skip_conflicts=True,
        constants={"created_at": now, "read_via": ""},
        returning=("id", "recipient", "kind", "key", "step"),
    )


def addresses(user: User, profile: Profile | None) -> dict[str, str]:
    """The channels this person chose and has an address for (before the site's settings)."""
    found: dict[str, str] = {}
    if user.email and (profile is None or profile.via_mail):
        found[Channel.MAIL] = user.email
    if profile is not None:
        for channel, address, chosen in (
            (Channel.WECOM, profile.wecom_id, profile.via_wecom),
            (Channel.DINGTALK, profile.dingtalk_id, profile.via_dingtalk),
            (Channel.SMS, profile.mobile, profile.via_sms),
        ):
            if address and chosen:
                found[channel] = address
    return found


def _languages(ids: list[int]) -> dict[int, str]:
    chosen = dict(
        UserPreference.objects.filter(user_id__in=ids).exclude(language="").values_list("user_id", "language")
    )
    return {uid: chosen.get(uid) or settings.LANGUAGE_CODE for uid in ids}


def _render(text: str | Promise, language: str | None) -> str:
    if not isinstance(text, Promise) or language is None:
        return str(text)
    with translation.override(language):
        return str(text)


@dataclass(frozen=True)
class Note:
    """One item for one person, as `notify_each` takes them (the fields of `notify()`, per recipient)."""

    recipient: int
    kind: str
    key: str
    step: str
    subject: str | Promise
    body: str | Promise = ""
    url: str = ""
    urgent: bool = False
    by: int | None = None

    @property
    def identity(self) -> tuple[int, str, str, str]:
        return (self.recipient, self.kind[:24], self.key[:80], self.step[:40])


def notify(
    *,
    recipients: Iterable[User | int],
    kind: str,
    key: str,
    step: str,
    subject: str | Promise,
    body: str | Promise = "",
    url: str = "",
    urgent: bool = False,
    by: User | None = None,
    skip: Iterable[str] = (),
) -> Notified:
    """Put one item under each recipient's bell and queue it on their channels (see the module docstring)."""
    by_id = by.pk if by else None
    return notify_each(
        [Note(uid, kind, key, step, subject, body, url, urgent, by_id) for uid in _user_ids(recipients)], skip=skip
    )


def notify_each(notes: Iterable[Note], *, skip: Iterable[str] = ()) -> Notified:
    """Many items at once, each with its own recipient and text: what a sweep decided for a slice of people.

    The same rules as `notify()`, in a few statements per NOTE_CHUNK items (their languages, the
    items, their recipients with profiles, the deliveries) instead of a few per item.
    """
    result = Notified()
    notes = iter(notes)
    wanted = [c for c in channels.active_channels() if c not in set(skip)]
    with transaction.atomic():
        # Read as a stream: a sweep may hand over a generator of hundreds of thousands of notes.
        while chunk := list(islice(notes, NOTE_CHUNK)):
            unique = {note.identity: note for note in chunk}  # a repeat within the chunk adds nothing
            result.already += len(chunk) - len(unique)
            _notify_chunk(list(unique.values()), wanted, result)
        if result.deliveries:
            transaction.on_commit(_kick_relay)
    return result


def _notify_chunk(notes: list[Note], wanted: list[str], result: Notified) -> None:
    now = timezone.now()
    lazy = {n.recipient for n in notes if isinstance(n.subject, Promise) or isinstance(n.body, Promise)}
    languages = _languages(sorted(lazy)) if lazy else {}
    rows = [
        (
            *n.identity,
            _render(n.subject, languages.get(n.recipient))[:255],
            _render(n.body, languages.get(n.recipient)),
            n.url[:500],
            n.urgent,
            n.by,
        )
        for n in notes
    ]
    created = _insert_items(rows, now)
    result.created.extend(pk for pk, *_identity in created)
    result.already += len(notes) - len(created)
    if not created or not wanted:
        return
    by_identity = {n.identity: n for n in notes}
    users = (
        get_user_model()
        .objects.filter(pk__in={uid for _pk, uid, *_rest in created}, is_active=True)
        .select_related("notify_profile")
        .in_bulk()
    )
    send_at = {urgent: quiet.push_time(now, urgent=urgent) for urgent in (False, True)}
    deliveries = []
    for pk, uid, kind, key, step in created:
        user = users.get(uid)
        if user is None:
            continue
        note = by_identity[(uid, kind, key, step)]
        for channel, address in addresses(user, profile_of(user)).items():
            if channel in wanted:
                deliveries.append(
                    Delivery(
                        item_id=pk,
                        channel=channel,
                        address=address,
                        next_attempt_at=send_at[note.urgent],
                        created_at=now,
                    )
                )
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=INSERT_CHUNK)
    result.deliveries += len(deliveries)


def profile_of(user: User) -> Profile | None:
    """The person's channel settings, or None when they never saved any (cheap after select_related)."""
    try:
        profile: Profile = user.notify_profile
    except Profile.DoesNotExist:
        return None
    return profile


def _kick_relay() -> None:
    from tracker.notify.tasks import relay_deliveries

    try:
        relay_deliveries.apply_async()
    except Exception:  # the broker's errors vary by transport; the rows are committed and the periodic relay sends them
        log.warning("could not enqueue the notify relay; the periodic relay will send", exc_info=True)


# --- the relay --------------------------------------------------------------------------------


@dataclass
class RelayResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another relay in the meantime
    next_in: float | None = None
    more: bool = False


def retry_delay(attempts: int) -> float:
    return float(min(settings.REMINDERS_RETRY_BASE_SECONDS * 2 ** (attempts - 1), settings.REMINDERS_RETRY_MAX_SECONDS))


def _due(now: datetime) -> Q:
    """Queued and due, or claimed by a relay whose lease ran out (it died mid-send)."""
    return Q(next_attempt_at__lte=now) & (
        Q(status=DeliveryStatus.QUEUED) | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
    )


def deliveries_relay(*, ids: list[int] | None = None, limit: int = 200) -> RelayResult:
    """Send due deliveries, each claimed by a committed conditional UPDATE before the provider is called.

    Must run outside a transaction: the claim commits on its own, so a second relay (another
    worker, beat's periodic run, a SQLite process where row locks do not exist) sees the row
    as `sending` and leaves it. A relay killed after its claim frees the row when the lease ends.
    In quiet hours only urgent items go.
    """
    if connection.in_atomic_block:
        raise RuntimeError("deliveries_relay claims rows in their own transactions: call it outside one")
    result = RelayResult()
    now = timezone.now()
    due = Delivery.objects.filter(_due(now))
    if quiet.is_quiet(now):
        due = due.filter(item__urgent=True)
    if ids is not None:
        due = due.filter(pk__in=ids)
    due_ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    result.more = len(due_ids) == limit
    paused: set[str] = set()  # channels whose provider asked us to slow down in this run
    for pk in due_ids:
        claim = uuid.uuid4()
        claimed_at = timezone.now()
        lease = claimed_at + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
        row = Delivery.objects.filter(_due(claimed_at), pk=pk)
        if paused:
            row = row.exclude(channel__in=paused)
        got = row.update(status=DeliveryStatus.SENDING, claim=claim, lease_until=lease, attempts=F("attempts") + 1)
        if not got:
            result.skipped += 1
            continue
        delivery = Delivery.objects.select_related("item").get(pk=pk)
        _attempt(delivery, claim, result, paused)
    if result.sent or result.retrying or result.skipped:
        result.next_in = _next_in()
    return result


def _next_in() -> float | None:
    """Seconds until the next retry is due or a dead relay's lease ends, so the job can come back then."""
    now = timezone.now()
    waiting = Delivery.objects.filter(status=DeliveryStatus.QUEUED, next_attempt_at__gt=now)
    soonest = waiting.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    lease = (
        Delivery.objects.filter(status=DeliveryStatus.SENDING, lease_until__isnull=False)
        .order_by("lease_until")
        .values_list("lease_until", flat=True)
        .first()
    )
    times = [t for t in (soonest, lease) if t is not None]
    return max(0.0, (min(times) - now).total_seconds()) if times else None


def message_for(item: Item) -> channels.Message:
    return channels.Message(subject=item.subject, body=item.body, url=click_url(item))


def _attempt(delivery: Delivery, claim: uuid.UUID, result: RelayResult, paused: set[str]) -> None:
    mine = Delivery.objects.filter(pk=delivery.pk, claim=claim)
    try:
        answer = channels.adapter(delivery.channel).send(delivery.address, message_for(delivery.item))
    except channels.Permanent as exc:
        mine.update(status=DeliveryStatus.FAILED, last_error=exc.answer, claim=None, lease_until=None)
        result.failed += 1
        log.error("%s to %s refused for good: %s", delivery.channel, delivery.address, exc.answer)
    except channels.Retry as exc:
        if exc.after is not None:
            paused.add(delivery.channel)
        if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            mine.update(status=DeliveryStatus.FAILED, last_error=exc.answer, claim=None, lease_until=None)
            result.failed += 1
        else:
            wait = max(retry_delay(delivery.attempts), exc.after or 0)
            later = quiet.push_time(timezone.now() + timedelta(seconds=wait), urgent=delivery.item.urgent)
            mine.update(
                status=DeliveryStatus.QUEUED, last_error=exc.answer, next_attempt_at=later, claim=None, lease_until=None
            )
            result.retrying += 1
            log.warning("%s to %s failed (attempt %d): %s", delivery.channel, delivery.address, delivery.attempts, exc)
    else:
        mine.update(status=DeliveryStatus.SENT, last_error=answer, sent_at=timezone.now(), claim=None, lease_until=None)
        result.sent += 1


def send_now(*, user: User, channel: str, subject: str, body: str, url: str) -> str:
    """One message straight through a channel, outside the outbox (`manage.py notify_test`); returns the answer."""
    adapter = channels.adapter(channel)
    if not adapter.configured():
        raise ValidationError(_("The %(channel)s channel has no settings.") % {"channel": channel})
    profile = Profile.objects.filter(user=user).first()
    address = {
        Channel.MAIL: user.email,
        Channel.WECOM: profile.wecom_id if profile else "",
        Channel.DINGTALK: profile.dingtalk_id if profile else "",
        Channel.SMS: profile.mobile if profile else "",
    }[Channel(channel)]
    if not address:
        raise ValidationError(_("%(user)s has no address on this channel.") % {"user": user.get_username()})
    return adapter.send(address, channels.Message(subject=subject, body=body, url=url))


@transaction.atomic
def delivery_resend(*, delivery: Delivery, by: User) -> Delivery:
    """The office sends a failed delivery again, to the person's current address."""
    from tracker.orgs.scope import scope_for

    if not scope_for(by).manages_outbox:
        raise PermissionDenied(_("Only the office can resend."))
    locked = Delivery.objects.select_for_update().select_related("item__recipient").get(pk=delivery.pk)
    if locked.status != DeliveryStatus.FAILED:
        raise ValidationError(_("Only a failed message can be sent again."))
    recipient = locked.item.recipient
    current = addresses(recipient, Profile.objects.filter(user=recipient).first()).get(locked.channel)
    if current:
        locked.address = current
    locked.status = DeliveryStatus.QUEUED
    locked.attempts = 0
    locked.next_attempt_at = quiet.push_time(urgent=locked.item.urgent)
    locked.save(update_fields=["address", "status", "attempts", "next_attempt_at"])
    transaction.on_commit(_kick_relay)
    return locked


# --- reading ----------------------------------------------------------------------------------


def click_url(item: Item) -> str:
    """The link a mail or IM message carries: records the click, then goes to the item's page."""
    token = signing.dumps(item.pk, salt=CLICK_SALT, compress=True)
    return f"{settings.SITE_URL}{reverse('notify:click', args=[token])}"


def item_read(*, item: Item, via: str = "app") -> Item:
    """Mark read (first read wins: the receipt keeps when and how it was first seen)."""
    if item.read_at is None:
        now = timezone.now()
        if Item.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=now, read_via=via):
            item.read_at, item.read_via = now, via
    return item


def items_read_all(*, user: User) -> int:
    return Item.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now(), read_via="app")


def click_record(*, token: str) -> Item | None:
    """The item a signed link names, marked read through the link; None for a forged or broken token."""
    try:
        pk = signing.loads(token, salt=CLICK_SALT)
    except signing.BadSignature:
        return None
    item = Item.objects.filter(pk=pk).first()
    return item_read(item=item, via="link") if item else None


# --- settings ---------------------------------------------------------------------------------

ADDRESS_FIELDS = ("wecom_id", "dingtalk_id", "mobile")
MOBILE = re.compile(r"^(\+?86)?1\d{10}$")
IM_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


def clean_addresses(*, wecom_id: str, dingtalk_id: str, mobile: str) -> dict[str, str]:
    """Validated addresses (blank allowed); a ValidationError names the bad field in the user's language."""
    values = {"wecom_id": wecom_id.strip(), "dingtalk_id": dingtalk_id.strip(), "mobile": mobile.strip()}
    errors: dict[str, list[str]] = {}
    for name in ("wecom_id", "dingtalk_id"):
        if values[name] and not IM_ID.match(values[name]):
            errors[name] = [_("Use letters, digits and . _ @ - only (at most 64).")]
    if values["mobile"]:
        values["mobile"] = values["mobile"].replace(" ", "").replace("-", "")
        if not MOBILE.match(values["mobile"]):
            errors["mobile"] = [_("Enter an 11-digit mainland mobile number.")]
    if errors:
        raise ValidationError(errors)
    return values


def profile_update(*, user: User, by: User, channels_on: Iterable[str], **address: str) -> Profile:
    """A person's addresses and chosen channels (from the settings page or the user import)."""
    values = clean_addresses(
        wecom_id=address.get("wecom_id", ""),
        dingtalk_id=address.get("dingtalk_id", ""),
        mobile=address.get("mobile", ""),
    )
    chosen = set(channels_on)
    with transaction.atomic():
        profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
        for name, value in values.items():
            setattr(profile, name, value)
        for channel in Channel:
            setattr(profile, f"via_{channel.value}", channel.value in chosen)
        stamp_change(profile, by=by, reason="notify settings")
        profile.save()
    return profile


def profile_addresses_set(*, user: User, by: User, **cells: str) -> bool:
    """Addresses from the user import (other cells ignored); blank cells keep what is there. True if changed."""
    cleaned = clean_addresses(**{name: cells.get(name, "") for name in ADDRESS_FIELDS})
    values = {name: value for name, value in cleaned.items() if value}
    if not values:
        return False
    with transaction.atomic():
        profile, created = Profile.objects.select_for_update().get_or_create(user=user)
        if not created and all(getattr(profile, name) == value for name, value in values.items()):
            return False
        for name, value in values.items():
            setattr(profile, name, value)
        stamp_change(profile, by=by, reason="user import")
        profile.save()
    return True
