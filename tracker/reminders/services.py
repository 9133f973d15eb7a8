"""Writes of the reminder system: the sweep, manual urges (催办), the outbox relay, preferences.

Every reminder is decided inside one transaction that records its `Notification` row (unique
per recipient, kind, subject and ladder step) and queues the `OutboxMail` that carries it; the
relay is enqueued only after commit. Redis down, a worker killed, a sweep run twice: the
database still says exactly what was decided and what was sent.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.campaigns.models import Campaign
from tracker.campaigns.selectors import current_campaign
from tracker.core import memory, workdays
from tracker.core.bulk import insert_new
from tracker.core.models import UserPreference
from tracker.core.types import User
from tracker.orgs.models import Role, RoleAssignment, Unit
from tracker.orgs.scope import scope_for
from tracker.reminders.compose import MailPlan, MailTally, mails_queue
from tracker.reminders.group_digest import group_digests_notify
from tracker.reminders.ladder import People, Planned, ladder_slices
from tracker.reminders.ledger_ladder import ledger_reminders_notify
from tracker.reminders.models import Kind, MailSlice, MailStatus, Notification, OutboxMail, ReminderPreference
from tracker.reminders.review_wait import review_waiting_notify
from tracker.work.models import Task

log = logging.getLogger("tracker.reminders")

NOTE_MAX_CHARS = 500
# People whose plans a sweep's result keeps (a dry run lists them); everyone is counted.
KEEP_PLANS = 2000
# Notification rows inserted per statement by the sweep.
INSERT_CHUNK = 10000
NOTIFICATION_FIELDS = ("recipient", "kind", "key", "on_date", "campaign", "unit", "task")


# --- queueing ---------------------------------------------------------------------------------


def send_time(now: datetime | None = None) -> datetime:
    """Now on a working day; otherwise the morning of the next working day (nothing goes out on a day off)."""
    now = timezone.localtime(now or timezone.now())
    if workdays.is_workday(now.date()):
        return now
    day = workdays.next_workday(now.date())
    return timezone.make_aware(datetime(day.year, day.month, day.day, settings.REMINDERS_SEND_HOUR))


def _kick_relay() -> None:
    """Ask a worker to relay now; if the broker is down the periodic relay picks the mail up later."""
    from tracker.reminders.tasks import relay_outbox

    try:
        relay_outbox.apply_async()
    except Exception:  # the broker's errors vary by transport; the outbox row is already committed
        log.warning("could not enqueue the outbox relay; the periodic relay will send the mail", exc_info=True)


# --- the sweep --------------------------------------------------------------------------------


@dataclass
class SweepResult:
    today: date
    workday: bool
    dry_run: bool
    planned: int = 0
    decided: int = 0
    # The first KEEP_PLANS people's plans (a dry run lists them); the counts below cover everyone.
    mails: list[MailPlan] = field(default_factory=list)
    people: int = 0  # people reminded through the mail system (bell and channels; mail for some)
    mailed: int = 0  # of them, those who get the reminder mail
    kinds: dict[str, int] = field(default_factory=dict)  # reminders queued, by kind
    # Notified straight through notify() (ledger rows, group digests, submissions waiting): new items.
    notified: int = 0
    batch: uuid.UUID | None = None
    # Run as a job (`fan_out`): the mail slices left to the workers, and older ones enqueued again.
    slices: list[int] = field(default_factory=list)
    resumed: int = 0


def reminders_sweep(*, today: date | None = None, dry_run: bool = False, fan_out: bool = False) -> SweepResult:
    """Decide and queue today's reminders for every active campaign; on a day off, do nothing.

    Safe to run any number of times a day, from any number of processes: the unique constraint
    on `Notification` lets each reminder in once, and only reminders this run inserted go into
    its mails. A dry run does all of it inside a transaction that is rolled back.

    With `fan_out` (the beat's job) a batch of more than REMINDERS_COMPOSE_SLICE people commits
    its decisions with one `MailSlice` per so many people, and each is composed by a worker
    (`mail_slice_compose`); slices left pending by a dead worker are enqueued again first.
    """
    today = today or timezone.localdate()
    workdays.forget_overrides()  # the office may have just edited the calendar in another process
    result = SweepResult(today=today, workday=workdays.is_workday(today), dry_run=dry_run)
    fan_out = fan_out and not dry_run
    if result.workday:
        if fan_out:
            result.resumed = mail_slices_resume()
        with transaction.atomic():
            _sweep(result, fan_out=fan_out)
            result.notified += review_waiting_notify(today=today)
            if dry_run:
                transaction.set_rollback(True)
            elif result.slices:
                transaction.on_commit(lambda: _enqueue_slices(result.slices))
            elif result.people:
                transaction.on_commit(_kick_relay)
    return result


def _sweep(result: SweepResult, *, fan_out: bool = False) -> None:
    batch = result.batch = uuid.uuid4()
    people = People.load()
    decided_at = timezone.now()
    campaigns = list(Campaign.objects.filter(is_active=True, reminders_enabled=True))
    for campaign in campaigns:
        # Slice by slice (tasks streamed in tree order), so the plan is never held whole.
        for planned in ladder_slices(campaign=campaign, today=result.today, people=people):
            result.planned += len(planned)
            _record(planned, batch=batch, decided_at=decided_at)
            del planned
            memory.release()  # each slice starts from what the sweep holds, not the last slice's peak
    if not (fan_out and _slices_plan(result, batch=batch)):
        tally = MailTally(keep=KEEP_PLANS)
        result.mails = mails_queue(batch=batch, today=result.today, send_at=timezone.now(), tally=tally)
        result.people, result.mailed, result.kinds = tally.people, tally.mailed, tally.kinds
        result.decided = sum(tally.kinds.values())
    memory.release()
    # Rectification items, milestones and conversion follow-ups; the guides' and leaders' digests.
    for campaign in campaigns:
        result.notified += ledger_reminders_notify(campaign=campaign, today=result.today, people=people)
        result.notified += group_digests_notify(campaign=campaign, today=result.today, people=people)


def _slices_plan(result: SweepResult, *, batch: uuid.UUID) -> bool:
    """Split the batch's recipients into MailSlices when there are more than one slice's worth."""
    counts = (
        Notification.objects.filter(batch=batch)
        .order_by()
        .values("recipient_id", "kind")
        .annotate(n=Count("pk"))
        .values_list("recipient_id", "kind", "n")
    )
    recipients: set[int] = set()
    kinds: dict[str, int] = defaultdict(int)
    for recipient_id, kind, n in counts:
        recipients.add(recipient_id)
        kinds[kind] += n
    size = settings.REMINDERS_COMPOSE_SLICE
    if len(recipients) <= size:
        return False
    ordered = sorted(recipients)
    now = timezone.now()
    slices = MailSlice.objects.bulk_create(
        MailSlice(
            batch=batch,
            day=result.today,
            first_recipient=ordered[start],
            last_recipient=ordered[min(start + size, len(ordered)) - 1],
            send_at=now,
            created_at=now,
            enqueued_at=now,
        )
        for start in range(0, len(ordered), size)
    )
    result.slices = [piece.pk for piece in slices]
    result.people, result.kinds, result.decided = len(ordered), dict(kinds), sum(kinds.values())
    return True


def _enqueue_slices(ids: list[int]) -> None:
    from tracker.reminders.tasks import compose_mails

    for pk in ids:
        try:
            compose_mails.delay(pk)
        except Exception:  # the broker's errors vary; the slice stays pending and the next sweep resumes it
            log.warning("could not enqueue mail slice %s; the next sweep will", pk, exc_info=True)
            return


def mail_slice_compose(*, slice_id: int) -> MailSlice | None:
    """Compose one slice's mails and mark it done, in one transaction; None when it is done already.

    The slice is claimed by marking it done first: a second worker given the same slice waits
    on that row (PostgreSQL's row lock, SQLite's write lock) and then finds nothing to do; a
    worker that dies rolls the mark back with the mails, and the slice is pending again.
    """
    with transaction.atomic():
        if not MailSlice.objects.filter(pk=slice_id, done_at=None).update(done_at=timezone.now()):
            return None
        piece = MailSlice.objects.get(pk=slice_id)
        tally = MailTally(keep=0)
        mails_queue(
            batch=piece.batch,
            today=piece.day,
            send_at=piece.send_at,
            tally=tally,
            recipients=(piece.first_recipient, piece.last_recipient),
        )
        piece.people, piece.mails = tally.people, tally.mailed
        piece.save(update_fields=["people", "mails"])
        if tally.people:
            transaction.on_commit(_kick_relay)
    memory.release()
    return piece


def mail_slices_resume(*, now: datetime | None = None) -> int:
    """Enqueue again the slices still pending REMINDERS_SLICE_RESUME_MINUTES after they were last enqueued.

    Each resumed slice's `enqueued_at` moves to now: the hour after, it is enqueued again only
    if it is still pending then, not on every sweep since the first.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.REMINDERS_SLICE_RESUME_MINUTES)
    with transaction.atomic():
        stale = MailSlice.objects.select_for_update(skip_locked=True).filter(done_at=None, enqueued_at__lt=cutoff)
        ids = list(stale.values_list("pk", flat=True))
        MailSlice.objects.filter(pk__in=ids).update(enqueued_at=now)
    if ids:
        log.warning("resuming %d mail slices left pending", len(ids))
        _enqueue_slices(ids)
    return len(ids)


def _record(planned: list[Planned], *, batch: uuid.UUID, decided_at: datetime) -> None:
    """Insert one slice of the plan, skipping what earlier runs recorded (most of it on most days).

    The rows already there are looked up by the unique constraint's columns of this slice only;
    ON CONFLICT DO NOTHING settles a race with a concurrent run: its rows stay out of this batch.
    """
    recorded = set(
        Notification.objects.filter(
            recipient_id__in={p.recipient_id for p in planned},
            kind__in={p.kind for p in planned},
            key__in={p.key for p in planned},
            on_date__in={p.on_date for p in planned},
        )
        .order_by()
        .values_list("recipient_id", "kind", "key", "on_date")
    )
    new = (
        (p.recipient_id, p.kind, p.key, p.on_date, p.campaign_id, p.unit_id, p.task_id)
        for p in planned
        if p.identity not in recorded
    )
    constants = {"note": "", "batch": batch, "created_at": decided_at}
    while rows := list(islice(new, INSERT_CHUNK)):
        insert_new(Notification, NOTIFICATION_FIELDS, rows, constants=constants)


# --- manual urge (催办) --------------------------------------------------------------------------


@dataclass
class UrgeResult:
    reached: int  # people urged now (bell and channels; mail for those who keep it)
    already: int


def _urge(*, unit: Unit, task: Task | None, by: User, note: str, recipients: list[int]) -> UrgeResult:
    if not scope_for(by).can_review(unit):
        raise PermissionDenied(_("Only the office or the unit's guidance group can urge it."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationError({"note": [_("Keep the note under %(n)d characters.") % {"n": NOTE_MAX_CHARS}]})
    campaign = task.campaign if task else current_campaign()
    if campaign is None:
        raise ValidationError(_("There is no active campaign."))
    today = timezone.localdate()
    key = f"task:{task.pk}" if task else f"unit:{unit.pk}"
    # Everyone active, with or without e-mail: the urge reaches each through their own channels.
    people = get_user_model().objects.filter(pk__in=recipients, is_active=True)
    reachable = set(people.values_list("pk", flat=True))
    batch = uuid.uuid4()
    already = 0
    with transaction.atomic():
        for user_id in sorted(reachable):
            try:
                # A savepoint per row: a second urge the same day for the same person is simply not sent again.
                with transaction.atomic():
                    Notification.objects.create(
                        recipient_id=user_id,
                        kind=Kind.URGE,
                        key=key,
                        on_date=today,
                        campaign=campaign,
                        task=task,
                        unit=unit,
                        note=note,
                        created_by=by,
                        batch=batch,
                    )
            except IntegrityError:
                already += 1
        mails = mails_queue(batch=batch, today=today, send_at=send_time())
        if mails:
            transaction.on_commit(_kick_relay)
    return UrgeResult(reached=len(mails), already=already)


def task_urge(*, task: Task, by: User, note: str = "") -> UrgeResult:
    """Urge the task's owner and the unit's staff, now (or on the next working day)."""
    staff = RoleAssignment.objects.filter(unit=task.unit, role=Role.STAFF).values_list("user_id", flat=True)
    recipients = [*([task.owner_id] if task.owner_id else []), *staff]
    return _urge(unit=task.unit, task=task, by=by, note=note, recipients=recipients)


def unit_urge(*, unit: Unit, by: User, note: str = "") -> UrgeResult:
    """Urge a unit's staff and leaders about all its red and due-soon tasks."""
    people = RoleAssignment.objects.filter(unit=unit, role__in=[Role.STAFF, Role.UNIT_LEADER]).values_list(
        "user_id", flat=True
    )
    return _urge(unit=unit, task=None, by=by, note=note, recipients=list(people))


# --- the relay --------------------------------------------------------------------------------


@dataclass
class RelayResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    # Seconds until the earliest mail still waiting for a retry, when this run tried something.
    next_in: float | None = None
    # The run stopped at its limit with more mail due: relay again at once.
    more: bool = False


def retry_delay(attempts: int) -> float:
    """Exponential backoff after the `attempts`-th failed try: base, 2×base, 4×base … capped."""
    return float(min(settings.REMINDERS_RETRY_BASE_SECONDS * 2 ** (attempts - 1), settings.REMINDERS_RETRY_MAX_SECONDS))


def outbox_relay(*, ids: list[int] | None = None, limit: int = 500) -> RelayResult:
    """Send queued mails that are due, each under a row lock so two relays never send one twice.

    On a day off nothing is sent, not even a retry: it waits for the next working day.
    """
    result = RelayResult()
    now = timezone.now()
    if not workdays.is_workday(timezone.localdate(now)):
        return result
    due = OutboxMail.objects.filter(status=MailStatus.QUEUED, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    connection = get_connection(fail_silently=False)
    due_ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    result.more = len(due_ids) == limit
    try:
        for pk in due_ids:
            with transaction.atomic():
                mail = (
                    OutboxMail.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, status=MailStatus.QUEUED, next_attempt_at__lte=now)
                    .first()
                )
                if mail is None:
                    continue  # another relay holds it or already sent it
                _attempt(mail, connection, result)
    finally:
        connection.close()
    if result.sent or result.retrying:
        soonest = (
            OutboxMail.objects.filter(status=MailStatus.QUEUED, next_attempt_at__gt=now)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if soonest is not None:
            result.next_in = max(0.0, (soonest - timezone.now()).total_seconds())
    return result


def _attempt(mail: OutboxMail, connection: BaseEmailBackend, result: RelayResult) -> None:
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to_email],
        connection=connection,
        headers={"X-Tracker-Mail": str(mail.pk)},
    )
    message.attach_alternative(mail.body_html, "text/html")
    mail.attempts += 1
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        # The SMTP session may be half-way through a transaction: start the next mail on a fresh one.
        connection.close()
        mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if mail.attempts >= settings.REMINDERS_MAX_ATTEMPTS:
            mail.status = MailStatus.FAILED
            result.failed += 1
            log.error("mail %s to %s failed for good: %s", mail.pk, mail.to_email, mail.last_error)
        else:
            mail.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay(mail.attempts))
            result.retrying += 1
            log.warning("mail %s to %s failed (attempt %d): %s", mail.pk, mail.to_email, mail.attempts, exc)
    else:
        mail.status = MailStatus.SENT
        mail.sent_at = timezone.now()
        result.sent += 1
    mail.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "sent_at"])


@transaction.atomic
def outbox_retry(*, mail: OutboxMail, by: User) -> OutboxMail:
    """The office sends a failed mail again (after fixing the address or the mail server)."""
    if not scope_for(by).manages_outbox:
        raise PermissionDenied(_("Only the office can resend mail."))
    locked = OutboxMail.objects.select_for_update().get(pk=mail.pk)
    if locked.status != MailStatus.FAILED:
        raise ValidationError(_("Only a failed mail can be sent again."))
    if locked.recipient and locked.recipient.email:
        locked.to_email = locked.recipient.email
    locked.status = MailStatus.QUEUED
    locked.attempts = 0
    locked.next_attempt_at = send_time()
    locked.save(update_fields=["to_email", "status", "attempts", "next_attempt_at"])
    transaction.on_commit(_kick_relay)
    return locked


# --- preferences ------------------------------------------------------------------------------


def preference_update(*, user: User, language: str, receive_digests: bool) -> ReminderPreference:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Choose one of the offered languages.")]})
    # One language per person: the same choice drives mail and, from the next login, the UI.
    UserPreference.objects.update_or_create(user=user, defaults={"language": language})
    preference, _created = ReminderPreference.objects.update_or_create(
        user=user, defaults={"receive_digests": receive_digests}
    )
    return preference
