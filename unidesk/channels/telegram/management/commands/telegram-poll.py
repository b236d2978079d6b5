from __future__ import annotations

import logging
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from telegram.error import Conflict, InvalidToken, TelegramError

from unidesk.channels.telegram.models import Mode, TelegramBot
from unidesk.channels.telegram.services import Unavailable, poll_once
from unidesk.core.errors import DomainError
from unidesk.core.process import stop_event

log = logging.getLogger("unidesk.telegram")


class Command(BaseCommand):
    help = (
        "Receive Telegram updates by long polling (getUpdates) for bots set to polling: for "
        "installs that Telegram cannot reach by webhook. The offset is saved per update."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bot", type=int, help="only this bot (id)")
        parser.add_argument("--timeout", type=int, default=25, help="long-poll seconds")
        parser.add_argument("--once", action="store_true", help="one round, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = stop_event(on_signals=not options["once"])
        backoff = 1.0
        while not stop.is_set():
            if not options["once"]:
                close_old_connections()  # a long-running loop: drop stale connections
            bots = TelegramBot.objects.filter(is_active=True, mode=Mode.POLLING)
            if options["bot"]:
                bots = bots.filter(pk=options["bot"])
            bots_list = list(bots)
            if not bots_list:
                if options["once"]:
                    raise CommandError("No active bot is set to long polling.")
                stop.wait(10)
                continue
            # With several bots, shorter polls so that none waits long for its turn.
            timeout = options["timeout"] if len(bots_list) == 1 else min(options["timeout"], 5)
            failed = False
            for bot in bots_list:
                try:
                    handled = poll_once(bot, timeout=0 if options["once"] else timeout)
                except Unavailable as exc:
                    log.warning("telegram bot %s: %s", bot.pk, exc)
                    failed = True
                except Conflict:
                    log.error("telegram bot %s has a webhook set: remove it to poll", bot.pk)
                    failed = True
                except (InvalidToken, DomainError, TelegramError) as exc:
                    log.error("telegram bot %s: %s", bot.pk, exc)
                    failed = True
                else:
                    if handled:
                        self.stdout.write(f"{bot.name}: {handled} update(s)")
            if options["once"]:
                return
            if failed:
                stop.wait(backoff)
                backoff = min(backoff * 2, 60)
            else:
                backoff = 1.0
