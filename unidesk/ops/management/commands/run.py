from __future__ import annotations

import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from unidesk.config.env import env_int
from unidesk.ops.demo import DEMO_MAILBOX


class Command(BaseCommand):
    help = (
        "Development all-in-one: the worker, the SMTP receiver and the Telegram poller in child "
        "processes, the web server in this one."
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
        children = [
            subprocess.Popen([sys.executable, "-m", "unidesk.cli", "worker"]),
            subprocess.Popen([sys.executable, "-m", "unidesk.cli", "smtpd"]),
            # Idle until a bot set to long polling exists (admin -> Telegram bots).
            subprocess.Popen([sys.executable, "-m", "unidesk.cli", "telegram-poll"]),
        ]
        try:
            call_command("web", port=port)
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=30)
