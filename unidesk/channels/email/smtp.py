"""The built-in SMTP receiver (`unidesk smtpd`): aiosmtpd in front of `receive_email`.

It accepts mail only for the desk's mailbox addresses, by envelope recipient (RCPT TO; the
To: header may name anything, as with any forward or BCC), answers 550 for any other
recipient and 552 for a mail over UNIDESK_EMAIL_MAX_BYTES. A mail is acknowledged (250)
only after it is stored; a database failure answers 451 so that the sending server tries
again later. Nothing accepted is lost.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import close_old_connections

from unidesk.channels.email.services import accepts, receive_email
from unidesk.triage.analyze import warm_up

log = logging.getLogger(__name__)


def _accepts(address: str) -> bool:
    try:
        return accepts(address)
    finally:
        close_old_connections()


def _store(raw: bytes, envelope_from: str, recipients: list[str]) -> str:
    try:
        return receive_email(
            raw, via="smtp", envelope_from=envelope_from, envelope_to=recipients
        ).status
    finally:
        # Each mail gives its connection back, as a web request does (to PostgreSQL's
        # pool; a broken one is dropped), instead of a thread holding one for its life.
        close_old_connections()


class Handler:
    """aiosmtpd handler; database work runs in a small thread pool, off the event loop."""

    def __init__(self, *, workers: int = 4) -> None:
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smtpd-db")
        self.executor.submit(warm_up)  # before the first mail, not while a server waits

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        loop = asyncio.get_running_loop()
        if not await loop.run_in_executor(self.executor, _accepts, address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            status = await loop.run_in_executor(
                self.executor, _store, raw, envelope.mail_from or "", list(envelope.rcpt_tos)
            )
        except Exception:
            log.exception(
                "storing a mail from %s failed; the sender will retry", envelope.mail_from
            )
            return "451 4.3.0 Could not store the message now; try again later"
        log.info("mail from %s to %s: %s", envelope.mail_from, envelope.rcpt_tos, status)
        return "250 2.0.0 Message accepted"

    def close(self) -> None:
        self.executor.shutdown(wait=True)


class _Controller(Controller):
    def factory(self) -> SMTP:
        # A fixed greeting name: the default looks up this machine's FQDN, which can hang.
        return SMTP(self.handler, hostname="unidesk", ident="Unidesk", **self.SMTP_kwargs)


def start_receiver(*, host: str, port: int, workers: int = 4) -> tuple[Controller, Handler]:
    """Start the receiver in a background thread; `controller.stop()` and
    `handler.close()` shut it down."""
    handler = Handler(workers=workers)
    controller = _Controller(
        handler,
        hostname=host,
        port=port,
        data_size_limit=settings.UNIDESK_EMAIL_MAX_BYTES,
        enable_SMTPUTF8=True,
        decode_data=False,
    )
    controller.start()
    return controller, handler
