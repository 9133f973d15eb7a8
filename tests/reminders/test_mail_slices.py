"""A large sweep's mails composed in slices by the workers (`MailSlice`): the same mails as one
process composes, each slice once, none lost to a worker that dies."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.conftest import LADDER_DAY, make_ladder
from tracker.notify.models import Item
from tracker.reminders import compose
from tracker.reminders.models import MailSlice, Notification, OutboxMail
from tracker.reminders.services import mail_slice_compose, mail_slices_resume, reminders_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def ladder(city, settings):
    make_ladder(city)
    settings.REMINDERS_COMPOSE_SLICE = 2  # five people reminded: three slices
    return city


def mails() -> dict[str, tuple[str, str, str]]:
    return {
        mail.recipient.username: (mail.subject, mail.body_text, mail.body_html)
        for mail in OutboxMail.objects.select_related("recipient")
    }


def test_slices_compose_the_mails_one_process_would(ladder):
    one = reminders_sweep(today=LADDER_DAY)
    expected, items = mails(), Item.objects.filter(key__startswith="reminders:").count()
    Notification.objects.all().delete()
    OutboxMail.objects.all().delete()
    Item.objects.filter(key__startswith="reminders:").delete()

    fanned = reminders_sweep(today=LADDER_DAY, fan_out=True)
    assert len(fanned.slices) == 3 and OutboxMail.objects.count() == 0
    assert (fanned.people, fanned.kinds, fanned.decided) == (one.people, one.kinds, one.decided)
    pieces = [mail_slice_compose(slice_id=pk) for pk in fanned.slices]
    assert all(piece is not None and piece.done_at for piece in pieces)
    assert sum(piece.mails for piece in pieces if piece) == one.mailed
    got = mails()
    assert got.keys() == expected.keys()
    for name, (subject, text, html) in got.items():
        # The same mail, but for the links' batch-free parts: the bodies name no batch.
        assert (subject, text, html) == expected[name]
    assert Item.objects.filter(key__startswith="reminders:").count() == items

    # A slice given to a second worker (a redelivery, a resumed slice) adds nothing.
    assert [mail_slice_compose(slice_id=pk) for pk in fanned.slices] == [None, None, None]
    assert OutboxMail.objects.count() == len(expected)


def test_a_small_batch_is_composed_inline_even_as_a_job(city):
    make_ladder(city)
    result = reminders_sweep(today=LADDER_DAY, fan_out=True)
    assert result.slices == [] and result.people == 5
    assert OutboxMail.objects.count() == result.mailed > 0
    assert not MailSlice.objects.exists()


def test_a_dry_run_never_leaves_slices(ladder):
    result = reminders_sweep(today=LADDER_DAY, dry_run=True, fan_out=True)
    assert result.slices == [] and result.people == 5
    assert not MailSlice.objects.exists() and not Notification.objects.exists()


def test_a_slice_whose_worker_dies_stays_pending_and_is_resumed(ladder, monkeypatch):
    result = reminders_sweep(today=LADDER_DAY, fan_out=True)
    first = result.slices[0]

    def dies(**kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(compose, "batch_push", dies)
    with pytest.raises(RuntimeError):
        mail_slice_compose(slice_id=first)
    monkeypatch.undo()
    pending = MailSlice.objects.get(pk=first)
    assert pending.done_at is None and not OutboxMail.objects.exists()

    # Fresh slices are the workers' own; only those pending past the delay are enqueued again.
    assert mail_slices_resume() == 0
    later = timezone.now() + timedelta(minutes=16)
    assert mail_slices_resume(now=later) == 3
    assert mail_slice_compose(slice_id=first) is not None
    assert MailSlice.objects.filter(done_at=None).count() == 2


def test_a_resumed_slice_waits_its_delay_again_before_the_next_resume(ladder):
    result = reminders_sweep(today=LADDER_DAY, fan_out=True)
    made = MailSlice.objects.get(pk=result.slices[0])
    assert made.enqueued_at == made.created_at

    later = timezone.now() + timedelta(minutes=16)
    assert mail_slices_resume(now=later) == 3
    resumed = MailSlice.objects.get(pk=made.pk)
    # When it was decided stays; when it was last enqueued moves.
    assert resumed.created_at == made.created_at and resumed.enqueued_at == later
    # An hour's sweep a minute later leaves it to the worker it was just given to …
    assert mail_slices_resume(now=later + timedelta(minutes=1)) == 0
    # … and a slice composed meanwhile is never resumed.
    assert mail_slice_compose(slice_id=made.pk) is not None
    assert mail_slices_resume(now=later + timedelta(minutes=16)) == 2


def test_send_reminders_with_jobs_stops_waiting_when_no_worker_composes(ladder):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"3 of 3 mail slices are still pending after 0.01 min"):
        call_command(
            "send_reminders", "--date", LADDER_DAY.isoformat(), "--jobs", "--wait", "0.01", stdout=out, stderr=err
        )
    assert "0/3 mail slices composed" in err.getvalue()
    # The decisions are kept; the slices wait for a worker (the next sweep enqueues them again).
    assert Notification.objects.exists() and MailSlice.objects.filter(done_at=None).count() == 3
    with pytest.raises(CommandError, match="above 0"):
        call_command("send_reminders", "--jobs", "--wait", "0", stdout=out)
