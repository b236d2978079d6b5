"""`unidesk token create USERNAME [--name N]`, `unidesk token list`, `unidesk token revoke HINT`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from unidesk.accounts.models import ApiToken, User
from unidesk.core.time import now


class Command(BaseCommand):
    help = "Create, list or revoke API bearer tokens."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Issue a token for a user; printed once.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for.")
        sub.add_parser("list", help="List tokens (hints only).")
        revoke = sub.add_parser("revoke", help="Revoke a token by its hint.")
        revoke.add_argument("hint")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"No user {options['username']!r}.")
            _, raw = ApiToken.issue(user, name=options["name"])
            self.stdout.write(raw)
        elif action == "list":
            for token in ApiToken.objects.select_related("user").order_by("created_at"):
                state = "revoked" if token.revoked_at else "active"
                self.stdout.write(f"{token.hint}…\t{token.user.username}\t{token.name}\t{state}")
        else:
            count = ApiToken.objects.filter(hint=options["hint"], revoked_at__isnull=True).update(
                revoked_at=now()
            )
            if not count:
                raise CommandError(f"No active token with hint {options['hint']!r}.")
            self.stdout.write(f"Revoked {count} token(s).")
