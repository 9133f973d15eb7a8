"""manage.py api_token create --user USERNAME [--name NAME] | list [--user USERNAME] | revoke PREFIX

A token acts with its person's scope; it is printed once and only its digest is stored.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tracker.api.models import ApiToken
from tracker.api.services import api_token_create, api_token_revoke, user_by_username


class Command(BaseCommand):
    help = "Create, list or revoke read-API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a token for a person (printed once)")
        create.add_argument("--user", required=True)
        create.add_argument("--name", default="api")
        listing = sub.add_parser("list", help="tokens, without their secrets")
        listing.add_argument("--user")
        revoke = sub.add_parser("revoke", help="end a token (by the prefix `list` shows)")
        revoke.add_argument("prefix")

    def handle(self, *args, action: str, **options):
        if action == "create":
            try:
                user = user_by_username(options["user"])
                token, raw = api_token_create(user=user, name=options["name"])
            except Exception as exc:  # unknown or disabled person: say so, write nothing
                raise CommandError(f"cannot create a token for {options['user']}: {exc}") from exc
            self.stdout.write(raw)
            self.stderr.write(
                f"token ct_{token.prefix}… for {user.get_username()}; store it now, it is not shown again"
            )
        elif action == "list":
            tokens = ApiToken.objects.select_related("user")
            if options.get("user"):
                tokens = tokens.filter(user__username=options["user"])
            for token in tokens:
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.prefix}\t{token.user.get_username()}\t{token.name}\t{state}\tlast used {used}"
                )
        else:
            try:
                token = api_token_revoke(prefix=options["prefix"])
            except ApiToken.DoesNotExist as exc:
                raise CommandError(f"no token with prefix {options['prefix']}") from exc
            self.stdout.write(f"revoked {token.prefix} ({token.user.get_username()})")
