from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from unidesk.tickets.services import mark_breaches


class Command(BaseCommand):
    help = "Mark tickets whose SLA clock has run out (one pass; the worker runs it every minute)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Marked {mark_breaches()} breached ticket(s).")
