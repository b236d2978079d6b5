from __future__ import annotations

import logging
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from unidesk.channels.email.smtp import start_receiver
from unidesk.core.process import stop_event

log = logging.getLogger("unidesk.smtpd")


class Command(BaseCommand):
    help = (
        "Receive e-mail over SMTP for the desk's mailboxes (550 for other recipients, 552 "
        "over UNIDESK_EMAIL_MAX_BYTES). Put it behind your MX or forward mail to it."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=settings.UNIDESK_SMTP_LISTEN)
        parser.add_argument("--port", type=int, default=settings.UNIDESK_SMTP_PORT)
        parser.add_argument("--workers", type=int, default=4, help="database threads")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = stop_event()
        controller, handler = start_receiver(
            host=options["host"], port=options["port"], workers=options["workers"]
        )
        self.stdout.write(f"SMTP receiver listening on {options['host']}:{options['port']}")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
            handler.close()
            log.info("SMTP receiver stopped")
