from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from unidesk.accounts.models import User
from unidesk.channels.email.models import Mailbox
from unidesk.ops import demo


class Command(BaseCommand):
    help = "Seed a realistic demo desk; --tickets N adds N waiting tickets in bulk."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tickets", type=int, default=0, help="Bulk-load this many tickets.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing on a seeded desk.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo.is_seeded():
            demo.seed_config()
            count = demo.seed_traffic()
            self.stdout.write(f"Seeded the demo desk with {count} conversations.")
            started = time.perf_counter()
            past = demo.seed_staffing()
            elapsed = time.perf_counter() - started
            self.stdout.write(
                f"Added {past} past tickets over eight weeks for the staffing forecast "
                f"({elapsed:.1f} s)."
            )
        elif options["if_empty"]:
            self.stdout.write("The desk already has data; demo seeding skipped.")
            if not Mailbox.objects.exists() and User.objects.filter(username="lena").exists():
                demo.ensure_demo_mailbox()  # a demo desk from before the e-mail channel
                self.stdout.write(f"Added the demo mailbox {demo.DEMO_MAILBOX}.")
        demo.seed_chat()
        if options["tickets"] > 0:
            started = time.perf_counter()
            loaded = demo.load_bulk_tickets(options["tickets"])
            elapsed = time.perf_counter() - started
            self.stdout.write(f"Loaded {loaded} waiting tickets in {elapsed:.1f} s.")
