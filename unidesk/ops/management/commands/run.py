from __future__ import annotations

import subprocess
import sys
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from unidesk.config.env import env_int
from unidesk.core.process import stop_all, stop_event
from unidesk.ops.demo import DEMO_MAILBOX


class Command(BaseCommand):
    help = (
        "Development all-in-one: the web server, the worker, the SMTP receiver and the Telegram "
        "poller. Without UNIDESK_REDIS_URL all four run in this one process, so that the live "
        "updates of mail, Telegram and the worker reach the agents' screens through the "
        "in-memory channel layer; with Redis the three others run as child processes."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=env_int("PORT", 8000, minimum=1))

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"]
        base = f"http://127.0.0.1:{port}"
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Unidesk is starting:",
                    f"  Workspace      {base}/",
                    f"  API docs       {base}/api/docs",
                    f"  OpenAPI        {base}/api/openapi.json",
                    f"  Admin          {base}/admin/",
                    f"  Chat demo      {base}/chat/demo/",
                    "  Demo logins    admin/admin (admin), lena/demo (lead),",
                    "                 alice/demo, boris/demo, carmen/demo, dmitry/demo (agents)",
                    "  API token      unidesk token create alice",
                    "",
                ]
            )
        )
        smtp = f"{settings.UNIDESK_SMTP_LISTEN}:{settings.UNIDESK_SMTP_PORT}"
        outgoing = (
            f"through {settings.UNIDESK_SMTP_HOST}"
            if settings.UNIDESK_SMTP_HOST
            else f"written to {settings.UNIDESK_EMAIL_OUTBOX_DIR}/*.eml (no UNIDESK_SMTP_HOST)"
        )
        self.stdout.write(
            f"  SMTP receiver  {smtp} (try: swaks --server {smtp} --to {DEMO_MAILBOX})\n"
            f"  Replies by mail {outgoing}\n"
        )
        # uvicorn shuts down on SIGTERM or SIGINT, then raises the signal again for the
        # handler it found: this one, so that the process stops what it started below and
        # exits cleanly instead of dying at once (and leaving child processes behind).
        stop_event()
        if _in_memory_layer():
            threads = [
                threading.Thread(
                    target=call_command, args=(name,), name=f"unidesk-{name}", daemon=True
                )
                for name in _BESIDE_THE_WEB
            ]
            for thread in threads:
                thread.start()
            try:
                call_command("web", port=port, workers=1)
            finally:
                stop_all()
                for thread in threads:
                    thread.join(timeout=30)
            return
        children = [
            subprocess.Popen([sys.executable, "-m", "unidesk.cli", name])
            for name in _BESIDE_THE_WEB
        ]
        try:
            call_command("web", port=port)
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=30)


# What runs beside the web server (telegram-poll idles until a bot set to long polling
# exists: admin -> Telegram bots).
_BESIDE_THE_WEB = ("worker", "smtpd", "telegram-poll")


def _in_memory_layer() -> bool:
    """The channel layer only reaches sockets of its own process (no UNIDESK_REDIS_URL)."""
    return str(settings.CHANNEL_LAYERS["default"]["BACKEND"]).endswith("InMemoryChannelLayer")
