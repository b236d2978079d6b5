from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

import uvicorn
from django.core.management.base import BaseCommand

from unidesk.config.env import env_int, env_str


class Command(BaseCommand):
    help = "Serve the workspace, API and admin over HTTP (ASGI, uvicorn)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=env_str("UNIDESK_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("PORT", 8000, minimum=1))
        parser.add_argument(
            "--workers", type=int, default=env_int("UNIDESK_WEB_WORKERS", 1, minimum=1)
        )

    def handle(self, *args: Any, **options: Any) -> None:
        uvicorn.run(
            "unidesk.config.asgi:served_application",
            factory=True,
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level="info",
            lifespan="off",
            # Loading the triage models holds the interpreter for seconds; the supervisor
            # must not take a process that is busy starting (or under load) for a dead one.
            timeout_worker_healthcheck=60,
        )
