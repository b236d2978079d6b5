"""Every write of the e-mail channel: a received mail onto its ticket, bounces, loops.

`receive_email(raw, ...)` is what the SMTP receiver, the IMAP poller and the tests call:
parse (pure), then decide in one transaction what the mail is: a repeat (nothing
changes), our own mail coming back (kept, ignored), a bounce of one of our replies (noted on
that ticket, the address marked), or a customer message through `intake.receive`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from unidesk.channels.email.models import Direction, Email, EmailStatus, Mailbox
from unidesk.channels.email.parse import ParsedEmail, parse_email
from unidesk.channels.email.redact import redact_original
from unidesk.core import live
from unidesk.core.cache import ConfigCache
from unidesk.core.time import now
from unidesk.customers.models import Identity, IdentityKind
from unidesk.intake.receive import receive
from unidesk.outbox.models import Delivery, DeliveryStatus
from unidesk.tickets import services as tickets
from unidesk.tickets.models import EventKind, Message, MessageKind, Ticket
from unidesk.triage.pii import redact

log = logging.getLogger(__name__)

_mailboxes: ConfigCache[dict[str, int]] = ConfigCache("mailbox addresses")


def mailbox_addresses() -> dict[str, int]:
    """Every address the desk receives at (lower-case) -> its active mailbox's id."""

    def load() -> dict[str, int]:
        return {
            address: box.pk
            for box in Mailbox.objects.filter(is_active=True)
            for address in box.addresses
        }

    return _mailboxes.get("all", load)


def accepts(address: str) -> bool:
    """Whether mail for `address` (an envelope recipient) is ours to take."""
    return address.strip().strip("<>").lower() in mailbox_addresses()


@dataclass(frozen=True)
class Received:
    """What became of one received mail."""

    status: str  # "created", "duplicate", "loop", "bounce"
    email: Email | None
    message: Message | None
    ticket: Ticket | None


def receive_email(
    raw: bytes,
    *,
    via: str,
    mailbox: Mailbox | None = None,
    envelope_from: str = "",
    envelope_to: Iterable[str] = (),
    at: datetime | None = None,
) -> Received:
    """Put one received mail where it belongs. Idempotent on the Message-ID (or, without
    one, a hash of the mail), so SMTP and IMAP delivering the same mail make one message.
    Raises only on a database failure: the caller then answers "try again later"."""
    at = at or now()
    parsed = parse_email(raw, envelope_from=envelope_from)
    external_id = parsed.inbound.external_id or ""
    repeat = Email.objects.filter(mail_id=external_id).select_related("message").first()
    if repeat is not None:
        return Received("duplicate", repeat, repeat.message, _ticket_of(repeat.message))
    envelope_to = [a.strip().strip("<>").lower() for a in envelope_to]
    mailbox = mailbox or _mailbox_for(parsed, envelope_to)
    ours = mailbox_addresses()
    sender = parsed.inbound.sender_address.lower()
    try:
        if sender and sender in ours and not parsed.unparseable:
            return _ignore(parsed, raw, mailbox, via, envelope_from, envelope_to, at=at)
        if parsed.bounce is not None:
            noted = _note_bounce(parsed, raw, mailbox, via, envelope_from, envelope_to, at=at)
            if noted is not None:
                return noted
        return _receive(parsed, raw, mailbox, via, envelope_from, envelope_to, at=at)
    except IntegrityError:
        # The same mail arrived the other way at the same moment, and won.
        repeat = Email.objects.filter(mail_id=external_id).select_related("message").first()
        if repeat is None:
            raise
        return Received("duplicate", repeat, repeat.message, _ticket_of(repeat.message))


def _ticket_of(message: Message | None) -> Ticket | None:
    return message.ticket if message is not None else None


def _mailbox_for(parsed: ParsedEmail, envelope_to: list[str]) -> Mailbox | None:
    addresses = mailbox_addresses()
    candidates = [*envelope_to, *(a.address.lower() for a in (*parsed.to, *parsed.cc))]
    for address in candidates:
        if address in addresses:
            return Mailbox.objects.filter(pk=addresses[address]).first()
    return None


def _email_row(
    parsed: ParsedEmail,
    raw: bytes,
    *,
    status: str,
    mailbox: Mailbox | None,
    via: str,
    envelope_from: str,
    envelope_to: list[str],
    message: Message | None,
    at: datetime,
    detail: str = "",
) -> Email:
    email = Email(
        direction=Direction.IN,
        status=status,
        mailbox=mailbox,
        message=message,
        mail_id=parsed.inbound.external_id or "",
        in_reply_to=(parsed.in_reply_to[0] if parsed.in_reply_to else "")[:500],
        references=" ".join(parsed.references),
        sender=parsed.inbound.sender_address.lower()[:320],
        reply_address=parsed.reply_address[:320],
        to=", ".join(a.address for a in parsed.to),
        cc=", ".join(a.address for a in parsed.cc),
        quoted_text=redact(parsed.quoted_text).text if parsed.quoted_text else "",
        signature=redact(parsed.signature).text if parsed.signature else "",
        inline=parsed.inline,
        via=via,
        envelope_from=envelope_from[:320],
        envelope_to=", ".join(envelope_to),
        size=len(raw),
        detail=detail[:500],
        created_at=at,
    )
    name = hashlib.sha256(raw).hexdigest()[:32] + ".eml"
    email.raw.save(name, ContentFile(redact_original(raw)), save=False)
    email.save()
    return email


def _ignore(
    parsed: ParsedEmail,
    raw: bytes,
    mailbox: Mailbox | None,
    via: str,
    envelope_from: str,
    envelope_to: list[str],
    *,
    at: datetime,
) -> Received:
    """Mail from one of our own addresses: a loop (a forward rule, a copy of our reply).
    Kept for the admin, never a ticket."""
    email = _email_row(
        parsed,
        raw,
        status=EmailStatus.LOOP,
        mailbox=mailbox,
        via=via,
        envelope_from=envelope_from,
        envelope_to=envelope_to,
        message=None,
        at=at,
        detail=f"From our own address {parsed.inbound.sender_address}",
    )
    log.info("ignored mail %s from our own address", email.mail_id)
    return Received("loop", email, None, None)


def _note_bounce(
    parsed: ParsedEmail,
    raw: bytes,
    mailbox: Mailbox | None,
    via: str,
    envelope_from: str,
    envelope_to: list[str],
    *,
    at: datetime,
) -> Received | None:
    """A bounce of one of our replies: a note on that ticket, the reply marked not
    delivered, the customer's address marked bouncing. None when the bounce names no mail
    of ours: it then goes to a ticket like any mail, flagged, for a human."""
    bounce = parsed.bounce
    assert bounce is not None
    original = None
    if bounce.original_message_id:
        original = (
            Message.objects.select_related("ticket")
            .filter(channel="email", external_id=bounce.original_message_id)
            .first()
        )
    if original is None:
        _mark_bouncing(bounce.recipients, reason=bounce.diagnostic or bounce.status, at=at)
        return None
    ticket = original.ticket
    reason = bounce.diagnostic or bounce.status or parsed.inbound.subject
    with transaction.atomic():
        note = Message.objects.create(
            ticket=ticket,
            kind=MessageKind.NOTE,
            channel="email",
            sender_name=parsed.inbound.sender_name[:200] or "Mail delivery system",
            sender_address=parsed.inbound.sender_address[:320],
            subject=redact(parsed.inbound.subject).text[:500],
            text=redact(parsed.inbound.text).text,
            flags={
                "bounce": True,
                "bounced_message_id": original.pk,
                "recipients": list(bounce.recipients),
                "status": bounce.status,
                "permanent": bounce.permanent,
            },
            created_at=at,
        )
        email = _email_row(
            parsed,
            raw,
            status=EmailStatus.BOUNCE,
            mailbox=mailbox,
            via=via,
            envelope_from=envelope_from,
            envelope_to=envelope_to,
            message=note,
            at=at,
            detail=reason,
        )
        if bounce.permanent:
            _mark_bouncing(bounce.recipients or _recipients_of(original), reason=reason, at=at)
            delivery = Delivery.objects.filter(message=original).first()
            if delivery is not None and delivery.status != DeliveryStatus.FAILED:
                delivery.status = DeliveryStatus.FAILED
                delivery.last_error = f"Bounced: {reason}"[:2000]
                delivery.next_attempt_at = None
                delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
            tickets.record_event(
                ticket,
                EventKind.DELIVERY_FAILED,
                at=at,
                message_id=original.pk,
                channel="email",
                error=f"Bounced: {reason}"[:300],
                attempts=delivery.attempts if delivery else 0,
            )
        else:
            live.ticket_changed(ticket.pk, kind="bounce")
    return Received("bounce", email, note, ticket)


def _recipients_of(message: Message) -> list[str]:
    sent = Email.objects.filter(message=message).values_list("to", flat=True).first()
    return [a.strip() for a in (sent or "").split(",") if a.strip()]


def _mark_bouncing(addresses: Iterable[str], *, reason: str, at: datetime) -> int:
    values = [a.strip().lower() for a in addresses if "@" in a]
    if not values:
        return 0
    return Identity.objects.filter(kind=IdentityKind.EMAIL, value__in=values).update(
        bouncing_since=at, bounce_reason=reason[:300]
    )


def _known_thread_id(parsed: ParsedEmail) -> str | None:
    """The newest of the ids this mail answers that the desk has stored."""
    ids = parsed.thread_ids
    if not ids:
        return None
    known = set(
        Message.objects.filter(channel="email", external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    return next((i for i in ids if i in known), None)


def _over_rate_limit(sender: str, *, at: datetime) -> bool:
    if not sender:
        return False
    since = at - timedelta(minutes=settings.UNIDESK_EMAIL_RATE_WINDOW_MINUTES)
    recent = Email.objects.filter(
        direction=Direction.IN, sender=sender, created_at__gte=since
    ).count()
    return recent >= settings.UNIDESK_EMAIL_RATE_LIMIT


def _receive(
    parsed: ParsedEmail,
    raw: bytes,
    mailbox: Mailbox | None,
    via: str,
    envelope_from: str,
    envelope_to: list[str],
    *,
    at: datetime,
) -> Received:
    inbound = parsed.inbound
    flags = dict(inbound.flags)
    quiet = bool(parsed.auto_reply) or parsed.bounce is not None
    if _over_rate_limit(inbound.sender_address.lower(), at=at):
        flags["rate_limited"] = True
        quiet = True
    inbound = replace(
        inbound,
        reply_to=_known_thread_id(parsed),
        flags=flags,
        reopens=not quiet,
        default_queue_id=mailbox.default_queue_id if mailbox else None,
    )
    with transaction.atomic():
        receipt = receive(inbound, at=at)
        if not receipt.created:
            existing = Email.objects.filter(message=receipt.message).first()
            return Received("duplicate", existing, receipt.message, receipt.ticket)
        email = _email_row(
            parsed,
            raw,
            status=EmailStatus.RECEIVED,
            mailbox=mailbox,
            via=via,
            envelope_from=envelope_from,
            envelope_to=envelope_to,
            message=receipt.message,
            at=at,
        )
        if parsed.bounce is None and not parsed.auto_reply:
            # A person wrote from this address: it works again.
            Identity.objects.filter(
                kind=IdentityKind.EMAIL,
                value=inbound.sender_address.lower(),
                bouncing_since__isnull=False,
            ).update(bouncing_since=None, bounce_reason="")
    return Received("created", email, receipt.message, receipt.ticket)
