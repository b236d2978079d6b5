"""`receive()`: the single door through which every customer message enters Unidesk."""

from __future__ import annotations

import copy
import functools
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction

from unidesk.core.cache import ConfigCache
from unidesk.core.errors import DomainError
from unidesk.core.time import now
from unidesk.customers.models import Customer
from unidesk.customers.services import known_language, normalise_identity, resolve_customer
from unidesk.intake.inbound import InboundMessage
from unidesk.queues.models import ChannelWeight
from unidesk.queues.routing import RoutingInput, route
from unidesk.queues.selectors import queue_by_id
from unidesk.sla.models import Priority
from unidesk.tickets import services as tickets
from unidesk.tickets.models import Attachment, EventKind, Message, MessageKind, Status, Ticket
from unidesk.triage import desk
from unidesk.triage.abuse import mask_abuse
from unidesk.triage.analyze import Analysis, analyze
from unidesk.triage.language import DEFAULT_LANGUAGES
from unidesk.triage.pii import Redaction, redact

log = logging.getLogger(__name__)

KNOWN_CHANNELS = ("email", "chat", "telegram", "api", "phone")
_weights: ConfigCache[dict[str, int]] = ConfigCache("channel weights")


@dataclass(frozen=True)
class Receipt:
    ticket: Ticket
    message: Message
    created: bool


def receive(inbound: InboundMessage, *, at: datetime | None = None) -> Receipt:
    """Store an inbound message on the right ticket, routed and SLA-stamped.

    Idempotent on (channel, external_id): a repeat returns the stored message with
    `created=False` and changes nothing. Everything is written in one transaction, so a
    failure leaves no half-written ticket.
    """
    check(inbound)
    at = at or now()
    if inbound.external_id:
        existing = _existing(inbound)
        if existing is not None:
            return existing
    reading = _read(inbound)
    try:
        with transaction.atomic():
            return _store(inbound, reading, at=at)
    except IntegrityError:
        # A concurrent delivery of the same message won the race: answer as a repeat.
        existing = _existing(inbound) if inbound.external_id else None
        if existing is None:
            raise
        return existing


def check(inbound: InboundMessage) -> None:
    """Raise DomainError, storing nothing, if `receive` would refuse this message (a
    batch checks all its messages before it stores the first)."""
    if inbound.channel not in KNOWN_CHANNELS:
        raise DomainError(f"Unknown channel {inbound.channel!r}.")
    if not inbound.identities:
        raise DomainError("A message needs at least one sender identity.")
    if not (inbound.text.strip() or inbound.html.strip() or inbound.attachments):
        raise DomainError("A message needs text, HTML or an attachment.")
    if inbound.external_id is not None and not (0 < len(inbound.external_id) <= 500):
        raise DomainError("external_id must be 1 to 500 characters.")
    for kind, value in inbound.identities:
        normalise_identity(kind, value)


def _existing(inbound: InboundMessage) -> Receipt | None:
    with connection.cursor() as cursor:  # the common case, and the cheapest question to ask
        cursor.execute(_statements().repeat, [inbound.channel, inbound.external_id])
        found = cursor.fetchone()
    if found is None:
        return None
    message = Message.objects.select_related("ticket").filter(pk=found[0]).first()
    if message is None:
        return None
    return Receipt(ticket=message.ticket, message=message, created=False)


@dataclass(frozen=True)
class _Statements:
    """The intake's reads, written as SQL once per process (bench/RESULTS.md, decision
    0003): the ORM compiles a statement anew at every call, which cost more than running
    it, and each message asks these."""

    repeat: str  # (channel, external_id) -> the stored message's id
    parent: str  # (channel, external_id) -> its ticket's id
    ticket_by_id: str  # (customer, id) -> the customer's ticket, if not closed
    ticket_by_channel: str  # (customer, channel) -> their latest ticket there not closed


@functools.cache
def _statements() -> _Statements:
    q = connection.ops.quote_name
    message, ticket = q(Message._meta.db_table), q(Ticket._meta.db_table)
    columns = ", ".join(q(str(f.column)) for f in Ticket._meta.concrete_fields)
    open_of = (
        f"SELECT {columns} FROM {ticket} WHERE {q('customer_id')} = %s "
        f"AND {q('status')} <> '{Status.CLOSED.value}'"
    )
    by_external_id = f"FROM {message} WHERE {q('channel')} = %s AND {q('external_id')} = %s"
    return _Statements(
        repeat=f"SELECT {q('id')} {by_external_id} LIMIT 1",
        parent=f"SELECT {q('ticket_id')} {by_external_id} LIMIT 1",
        ticket_by_id=f"{open_of} AND {q('id')} = %s",
        ticket_by_channel=(
            f"{open_of} AND {q('channel')} = %s ORDER BY {q('created_at')} DESC LIMIT 1"
        ),
    )


@dataclass(frozen=True)
class _Reading:
    """What intake reads in a message before writing anything: the text with its personal
    data redacted, and the triage signals. Pure work, done before the write transaction
    opens, so that it does not hold SQLite's one writer (or PostgreSQL's row locks)."""

    text: Redaction
    subject: Redaction
    html: str
    signals: Analysis


def _read(inbound: InboundMessage) -> _Reading:
    # Privacy first: nothing after this ever sees the original text.
    text = redact(inbound.text)
    subject = redact(inbound.subject)
    html = redact(inbound.html).text if inbound.html else ""
    signals = analyze(
        f"{subject.text}\n{text.text}".strip(),
        # The customer's last known language settles short or ambiguous text.
        fallback_language=inbound.language or known_language(inbound.identities) or None,
        languages=tuple(settings.UNIDESK_TRIAGE_LANGUAGES) or DEFAULT_LANGUAGES,
    )
    return _Reading(text=text, subject=subject, html=html, signals=signals)


def _store(inbound: InboundMessage, reading: _Reading, *, at: datetime) -> Receipt:
    text, subject, html, signals = reading.text, reading.subject, reading.html, reading.signals
    customer = resolve_customer(
        inbound.identities, name=inbound.sender_name, language=inbound.language
    )
    ticket = _thread(inbound, customer)
    opened = ticket is None
    routed: dict[str, Any] = {}
    if ticket is None:
        ticket, routed = _open(
            inbound, customer, subject=subject.text, text=text.text, signals=signals, at=at
        )
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.CUSTOMER,
        channel=inbound.channel,
        external_id=inbound.external_id,
        sender_name=inbound.sender_name[:200],
        sender_address=_address(inbound),
        subject=subject.text[:500],
        text=text.text,
        html=html,
        masked_text=mask_abuse(text.text) if signals.abuse else "",
        language=_known(signals.language),
        sentiment=signals.sentiment,
        is_abusive=signals.abuse,
        signals={
            "abuse_score": round(signals.abuse_score, 3),
            "sentiment_score": round(signals.sentiment_score, 3),
            "laughter": signals.laughter,
            "urgency": signals.urgency,
            "urgency_reasons": list(signals.urgency_reasons),
        },
        pii=[
            {"field": name, "type": f.type, "start": f.start, "end": f.end}
            for name, red in (("subject", subject), ("text", text))
            for f in red.findings
        ],
        flags=dict(inbound.flags),
        sent_at=inbound.sent_at,
        created_at=at,
    )
    _store_attachments(message, inbound)
    changed = _apply_signals(ticket, customer, signals, opened=opened, at=at)
    if opened:
        tickets.record_events(
            ticket,
            [
                (EventKind.CREATED, {"channel": inbound.channel}),
                (EventKind.ROUTED, routed),
                (EventKind.MESSAGE, {"message_id": message.pk}),
            ],
            at=at,
        )
    elif not inbound.reopens:
        # An automatic message: on the timeline, but the ticket's state and clocks stay.
        ticket.save(update_fields=changed)
        tickets.record_event(ticket, EventKind.MESSAGE, at=at, message_id=message.pk, quiet=True)
    else:
        tickets.add_customer_message(ticket, message, at=at, also=changed)
    return Receipt(ticket=ticket, message=message, created=True)


def _address(inbound: InboundMessage) -> str:
    return inbound.identities[0][1][:320]


def _thread(inbound: InboundMessage, customer: Customer) -> Ticket | None:
    """The ticket this message continues, or None for a new one.

    Explicit references first (the message replied to, then a quoted ticket number), then
    the customer's latest ticket on the same channel that is not closed. A reference to another
    customer's ticket is ignored: two customers are never threaded together.
    """
    sql = _statements()
    if inbound.reply_to:
        with connection.cursor() as cursor:
            cursor.execute(sql.parent, [inbound.channel, inbound.reply_to])
            parent = cursor.fetchone()
        if parent is not None and (ticket := _ticket(sql.ticket_by_id, customer, parent[0])):
            return ticket
    if inbound.ticket_ref is not None and (
        ticket := _ticket(sql.ticket_by_id, customer, inbound.ticket_ref)
    ):
        return ticket
    if inbound.thread_by_sender:
        # Solved tickets reopen; the worker closes them after UNIDESK_AUTO_CLOSE_DAYS.
        return _ticket(sql.ticket_by_channel, customer, inbound.channel)
    return None


def _ticket(sql: str, customer: Customer, param: object) -> Ticket | None:
    """The one ticket `sql` finds (a raw queryset: the values are converted as for any
    query), with its queue from the configuration cache and its customer."""
    for ticket in Ticket.objects.raw(sql, [customer.pk, param]):
        queue = queue_by_id(ticket.queue_id)
        if queue is not None:  # a queue newer than the cache is read when first needed
            ticket.queue = copy.copy(queue)
        ticket.customer = customer
        return ticket
    return None


def _known(language: str) -> str:
    return "" if language == "unknown" else language


# Triage urgency raises a ticket's priority (never lowers it).
_URGENCY_PRIORITY = {"urgent": Priority.URGENT, "high": Priority.HIGH}


def _apply_signals(
    ticket: Ticket, customer: Customer, signals: Analysis, *, opened: bool, at: datetime
) -> list[str]:
    """Keep the ticket's view of the customer's mood, urgency and language current. A new
    ticket was opened with them; on an existing one the fields are set and named for the
    caller to save with the rest of the message's changes (one UPDATE)."""
    language = _known(signals.language)
    changed: list[str] = []
    if not opened:
        ticket.sentiment = signals.sentiment
        ticket.urgency = signals.urgency
        ticket.has_abuse = ticket.has_abuse or signals.abuse
        if language and not ticket.language:
            ticket.language = language
        changed = ["sentiment", "urgency", "has_abuse", "language", "updated_at"]
    if language and not customer.language:
        customer.language = language
        customer.save(update_fields=["language"])
    raised = _URGENCY_PRIORITY.get(signals.urgency)
    if not opened and raised is not None and raised > ticket.priority:
        tickets.set_priority(ticket, raised, by=None, at=at)
    return changed


def _open(
    inbound: InboundMessage,
    customer: Customer,
    *,
    subject: str,
    text: str,
    signals: Analysis,
    at: datetime,
) -> tuple[Ticket, dict[str, Any]]:
    """The new ticket, routed and stamped, with what its "routed" event will say."""
    # The topic model reads the message first (its guess is kept even when a rule routes);
    # explicit rules still win over it, see queues.routing.route.
    suggestion = desk.suggest_queue(subject, text)
    decision = route(
        RoutingInput(
            subject=subject,
            text=text,
            channel=inbound.channel,
            tier=customer.tier,
            default_queue_id=inbound.default_queue_id,
        ),
        model_queue=suggestion.queue if suggestion and suggestion.confident else None,
    )
    queue = decision.queue
    weights = _weights.get(
        "all", lambda: dict(ChannelWeight.objects.values_list("channel", "weight"))
    )
    weight = weights.get(inbound.channel, 1)
    ticket = tickets.open_ticket(
        customer=customer,
        channel=inbound.channel,
        subject=subject or _subject_from(text),
        queue=queue,
        priority=max(
            decision.priority or Priority.NORMAL,
            _URGENCY_PRIORITY.get(signals.urgency, Priority.NORMAL),
        ),
        channel_weight=weight,
        language=inbound.language or customer.language or _known(signals.language),
        sentiment=signals.sentiment,
        urgency=signals.urgency,
        has_abuse=signals.abuse,
        at=at,
    )
    routed: dict[str, Any] = {
        "queue": queue.name,
        "rule": decision.rule.name if decision.rule else None,
    }
    if suggestion is not None:
        desk.record_topic(ticket, suggestion, routed=decision.by_model, at=at)
        routed |= {
            "model_version": suggestion.model_version,
            "confidence": suggestion.confidence,
            "by_model": decision.by_model,
        }
    return ticket, routed


def _subject_from(text: str) -> str:
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    return first_line[:80]


def _store_attachments(message: Message, inbound: InboundMessage) -> None:
    limit = settings.UNIDESK_MAX_ATTACHMENT_BYTES
    skipped = []
    for item in inbound.attachments:
        if len(item.content) > limit:
            skipped.append({"filename": item.filename, "size": len(item.content)})
            continue
        name = item.filename or "attachment"
        attachment = Attachment(
            message=message,
            filename=name[:255],
            content_type=item.content_type[:200] or "application/octet-stream",
            size=len(item.content),
            sha256=hashlib.sha256(item.content).hexdigest(),
        )
        attachment.file.save(name, ContentFile(item.content), save=False)
        attachment.save()
    if skipped:
        # Too large to keep: say so on the message, never drop silently.
        message.flags = {**message.flags, "attachments_too_large": skipped}
        message.save(update_fields=["flags"])
        log.warning("message %s: %d attachment(s) over %d bytes", message.pk, len(skipped), limit)
