"""The outbound half of the e-mail channel: replies through an SMTP relay.

Settings come from the environment (UNIDESK_SMTP_HOST, UNIDESK_SMTP_RELAY_PORT,
UNIDESK_SMTP_USER, UNIDESK_SMTP_PASSWORD, UNIDESK_SMTP_TLS). With no host configured (a
laptop running `make run`), replies are written as .eml files to UNIDESK_EMAIL_OUTBOX_DIR.
A 5xx answer is permanent (a bad address: retrying cannot help), except for
authentication, which an operator can fix; 4xx answers and connection errors are retried.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile

from unidesk.channels.email.compose import Outgoing, compose_reply
from unidesk.channels.email.models import Direction, Email, EmailStatus
from unidesk.core.errors import DomainError
from unidesk.core.time import now
from unidesk.outbox.transports import ChannelError
from unidesk.tickets.models import Message

log = logging.getLogger(__name__)

_AUTH_CODES = {530, 534, 535, 538}


class EmailTransport:
    channel = "email"

    def send(self, message: Message) -> str | None:
        try:
            outgoing = compose_reply(message)
        except DomainError as exc:
            raise ChannelError(exc.message, permanent=True) from exc
        # Stored before sending: a customer who answers at once threads by this id.
        if message.external_id != outgoing.message_id:
            Message.objects.filter(pk=message.pk).update(external_id=outgoing.message_id)
            message.external_id = outgoing.message_id
        if settings.UNIDESK_SMTP_HOST:
            _relay(outgoing)
        else:
            _write_file(outgoing, message)
        _record(outgoing, message)
        return outgoing.message_id


def _port() -> int:
    if settings.UNIDESK_SMTP_RELAY_PORT:
        return int(settings.UNIDESK_SMTP_RELAY_PORT)
    return {"ssl": 465, "starttls": 587}.get(settings.UNIDESK_SMTP_TLS, 25)


def _relay(outgoing: Outgoing) -> None:
    host, port, tls = settings.UNIDESK_SMTP_HOST, _port(), settings.UNIDESK_SMTP_TLS
    timeout = settings.UNIDESK_SMTP_TIMEOUT
    try:
        client: smtplib.SMTP
        if tls == "ssl":
            client = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.UNIDESK_SMTP_USER:
                client.login(settings.UNIDESK_SMTP_USER, settings.UNIDESK_SMTP_PASSWORD)
            client.send_message(
                outgoing.mail, from_addr=outgoing.sender, to_addrs=[outgoing.recipient]
            )
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise ChannelError(_describe(code, text), permanent=code >= 500) from exc
    except smtplib.SMTPResponseException as exc:
        permanent = exc.smtp_code >= 500 and exc.smtp_code not in _AUTH_CODES
        raise ChannelError(_describe(exc.smtp_code, exc.smtp_error), permanent=permanent) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(f"SMTP relay {host}:{port}: {exc}") from exc


def _describe(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _write_file(outgoing: Outgoing, message: Message) -> None:
    folder = Path(settings.UNIDESK_EMAIL_OUTBOX_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{now():%Y%m%d-%H%M%S}-ticket{message.ticket_id}-reply{message.pk}.eml"
    path.write_bytes(outgoing.mail.as_bytes())
    log.info("no UNIDESK_SMTP_HOST: reply %s written to %s", message.pk, path)


def _record(outgoing: Outgoing, message: Message) -> None:
    """The sent mail, kept like received ones (a retry after a crash overwrites it)."""
    raw = outgoing.mail.as_bytes()
    email, _created = Email.objects.update_or_create(
        mail_id=outgoing.message_id,
        defaults={
            "direction": Direction.OUT,
            "status": EmailStatus.SENT,
            "mailbox": outgoing.mailbox,
            "message": message,
            "in_reply_to": str(outgoing.mail.get("In-Reply-To") or "")[:500],
            "references": str(outgoing.mail.get("References") or ""),
            "sender": outgoing.sender,
            "to": outgoing.recipient,
            "via": "smtp" if settings.UNIDESK_SMTP_HOST else "file",
            "size": len(raw),
            "created_at": now(),
        },
    )
    email.raw.save(f"sent-{message.pk}.eml", ContentFile(raw), save=True)
