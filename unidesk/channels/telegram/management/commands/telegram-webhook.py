from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from unidesk.channels.telegram import services
from unidesk.channels.telegram.models import TelegramBot
from unidesk.core.errors import DomainError


class Command(BaseCommand):
    help = "Register (or --delete) a bot's webhook: Telegram then posts updates to the desk."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("bot", type=int, help="the bot's id (admin)")
        parser.add_argument("--url", help="the desk's public HTTPS address")
        parser.add_argument("--delete", action="store_true", help="remove the webhook")

    def handle(self, *args: Any, **options: Any) -> None:
        bot = TelegramBot.objects.filter(pk=options["bot"]).first()
        if bot is None:
            raise CommandError(f"No bot {options['bot']}.")
        try:
            if options["delete"]:
                services.remove_webhook(bot)
                self.stdout.write("Webhook removed: use `unidesk telegram-poll` now.")
                return
            if not options["url"]:
                raise CommandError("Give --url https://desk.example.com (or --delete).")
            url = services.register_webhook(bot, base_url=options["url"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Telegram now posts updates to {url}")
