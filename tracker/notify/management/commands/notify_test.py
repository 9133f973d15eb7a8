"""`manage.py notify_test --user USERNAME --channel wecom|dingtalk|sms|mail`: one message now, answer printed.

For the IT department checking a channel's settings; it bypasses the outbox, quiet hours and
the person's channel choice, and records nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tracker.notify import channels, services
from tracker.notify.models import Channel


class Command(BaseCommand):
    help = "Send one test message through a channel synchronously and print the provider's answer."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username of the recipient")
        parser.add_argument("--channel", required=True, choices=Channel.values)

    def handle(self, *args, user: str, channel: str, **options):
        person = get_user_model().objects.filter(username=user).first()
        if person is None:
            raise CommandError(f"No user {user!r}.")
        try:
            answer = services.send_now(
                user=person,
                channel=channel,
                subject="Campaign Tracker test message / 测试消息",
                body="If you read this, the channel works. 收到此消息说明该渠道配置正确。",
                url=settings.SITE_URL,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except channels.Permanent as exc:
            raise CommandError(f"refused for good: {exc.answer}") from exc
        except channels.Retry as exc:
            raise CommandError(f"failed, would retry: {exc.answer}") from exc
        self.stdout.write(f"sent via {channel} to {person.get_username()}: {answer}")
