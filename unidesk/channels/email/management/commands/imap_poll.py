from __future__ import annotations

import logging
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from unidesk.channels.email.imap import ImapError, poll_mailbox
from unidesk.channels.email.models import Mailbox
from unidesk.core.process import stop_event

log = logging.getLogger("unidesk.imap")


class Command(BaseCommand):
    help = (
        "Fetch new mail from the mailboxes that have an IMAP server set (all, or --mailbox), "
        "every UNIDESK_IMAP_POLL_SECONDS; --once polls once and exits."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--mailbox", help="only this address")
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=settings.UNIDESK_IMAP_POLL_SECONDS)

    def handle(self, *args: Any, **options: Any) -> None:
        stop = stop_event(on_signals=not options["once"])
        failures = 0
        while not stop.is_set():
            close_old_connections()
            boxes = Mailbox.objects.filter(is_active=True).exclude(imap_host="")
            if options["mailbox"]:
                boxes = boxes.filter(address=options["mailbox"].strip().lower())
                if not boxes.exists():
                    raise CommandError(f"No active IMAP mailbox {options['mailbox']}.")
            failures = 0
            for mailbox in boxes:
                try:
                    result = poll_mailbox(mailbox)
                except ImapError as exc:
                    failures += 1
                    self.stderr.write(f"{mailbox.address}: {exc}")
                    continue
                self.stdout.write(
                    f"{mailbox.address}: {result.fetched} fetched, {result.created} new, "
                    f"{result.repeats} already here, {result.skipped} skipped"
                )
            if options["once"]:
                break
            stop.wait(options["interval"])
        if options["once"] and failures:
            raise CommandError(f"{failures} mailbox(es) could not be polled.")
