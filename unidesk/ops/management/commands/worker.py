from __future__ import annotations

import logging
import time
from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from unidesk.core.process import stop_event
from unidesk.outbox.services import deliver_due
from unidesk.tickets.services import close_solved_tickets, mark_breaches
from unidesk.triage import desk

log = logging.getLogger("unidesk.worker")


class Command(BaseCommand):
    help = (
        "Run background work: outbound deliveries every --interval seconds; SLA breach sweep, "
        "auto-close and routing-model training when requested or due (in a background thread) "
        "every --sweep-interval seconds."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--sweep-interval", type=float, default=30.0)
        parser.add_argument("--once", action="store_true", help="one pass of everything, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = stop_event(on_signals=not options["once"])
        if not options["once"]:
            log.info("worker started")
        next_sweep = 0.0
        while not stop.is_set():
            close_old_connections()
            self._deliver()
            if time.monotonic() >= next_sweep:
                self._sweep(in_background=not options["once"])
                next_sweep = time.monotonic() + options["sweep_interval"]
            if options["once"]:
                return
            stop.wait(options["interval"])
        log.info("worker stopped")

    def _deliver(self) -> None:
        try:
            while deliver_due() >= 100:  # a full batch: more may be due
                pass
        except Exception:  # keep the worker alive; the next pass retries
            log.exception("outbound delivery failed")

    def _sweep(self, *, in_background: bool) -> None:
        try:
            marked = mark_breaches()
            closed = close_solved_tickets(
                older_than=timedelta(days=settings.UNIDESK_AUTO_CLOSE_DAYS)
            )
            if marked or closed:
                log.info("marked %d breached, closed %d solved ticket(s)", marked, closed)
        except Exception:
            log.exception("SLA sweep failed")
        try:
            if in_background:
                desk.start_pending_training()
            else:  # --once: a daemon thread would die with the process, so train here
                desk.run_pending_training()
        except Exception:
            log.exception("routing-model training could not start")
