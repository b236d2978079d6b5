"""receive_email(): a received mail onto the right ticket, and the noise kept off tickets."""

from __future__ import annotations

import base64
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest

from conftest import T0
from unidesk.channels.email.models import Email, EmailStatus
from unidesk.channels.email.services import receive_email
from unidesk.channels.email.tests.conftest import SUPPORT, sample
from unidesk.customers.models import Identity
from unidesk.outbox.models import Delivery, DeliveryStatus
from unidesk.tickets.models import EventKind, Message, MessageKind, Status, Ticket
from unidesk.tickets.services import reply_to_ticket

pytestmark = pytest.mark.django_db


def mail(
    *,
    sender: str = "ann@example.com",
    subject: str = "Where is my parcel?",
    body: str = "It has not arrived.",
    message_id: str = "<m1@example.com>",
    extra: str = "",
) -> bytes:
    return (
        f"From: Ann Lee <{sender}>\nTo: {SUPPORT}\nSubject: {subject}\n"
        f"Message-ID: {message_id}\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n{extra}\n{body}\n"
    ).encode()


def test_a_mail_becomes_a_ticket_in_the_mailboxs_queue_with_its_original(desk, mailbox) -> None:  # type: ignore[no-untyped-def]
    result = receive_email(sample("ru_koi8r.eml"), via="smtp", envelope_to=[SUPPORT], at=T0)

    assert result.status == "created"
    ticket, message = result.ticket, result.message
    assert ticket is not None and message is not None
    assert ticket.queue == desk.general
    assert ticket.subject == "Не могу войти в личный кабинет"
    assert (message.sender_address, message.sender_name) == (
        "ivan.petrov@example.ru",
        "Иван Петров",
    )
    assert message.external_id == "<koi8-0001@mail.example.ru>"
    email = message.email
    assert (email.status, email.mailbox, email.via) == (EmailStatus.RECEIVED, mailbox, "smtp")
    assert email.raw.read() == sample("ru_koi8r.eml")  # nothing to redact: kept as sent


def test_the_stored_original_keeps_no_card_number(desk, mailbox) -> None:  # type: ignore[no-untyped-def]
    card = "4111 1111 1111 1111"
    raw = (
        "From: Ann <ann@example.com>\nTo: support@demo.test\nSubject: card 4111111111111111\n"
        "Message-ID: <card@example.com>\nX-Note: 4111-1111-1111-1111\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        + base64.b64encode(f"Моя карта {card}, заказ 12345.".encode()).decode()
        + "\n--b\nContent-Type: application/octet-stream; name=a.bin\n"
        "Content-Disposition: attachment; filename=a.bin\n\nAAAA\n--b--\n"
    ).encode()

    result = receive_email(raw, via="smtp", envelope_to=[SUPPORT], at=T0)

    stored = result.message.email.raw.read()
    decoded = BytesParser(policy=policy.default).parsebytes(stored)
    body = decoded.get_body(preferencelist=("plain",)).get_content()
    assert "1111" in body and card not in body and "заказ 12345" in body
    assert "4111111111111111" not in str(decoded["Subject"])
    assert b"4111-1111-1111-1111" not in stored
    assert [p.get_filename() for p in decoded.iter_attachments()] == ["a.bin"]
    assert decoded["From"] == "Ann <ann@example.com>"


def test_a_routing_rule_still_wins_over_the_mailboxs_queue(desk, mailbox) -> None:  # type: ignore[no-untyped-def]
    result = receive_email(mail(body="Please refund my payment"), via="smtp", at=T0)
    assert result.ticket is not None and result.ticket.queue == desk.payments


def test_the_same_mail_twice_is_one_message(desk, mailbox) -> None:  # type: ignore[no-untyped-def]
    first = receive_email(mail(), via="smtp", at=T0)
    again = receive_email(mail().replace(b"\n", b"\r\n"), via="imap", at=T0)

    assert (first.status, again.status) == ("created", "duplicate")
    assert again.message == first.message
    assert (Message.objects.count(), Email.objects.count()) == (1, 1)


def test_a_reply_threads_by_in_reply_to_then_references_then_subject(desk, mailbox) -> None:  # type: ignore[no-untyped-def]
    first = receive_email(mail(), via="smtp", at=T0).ticket
    assert first is not None
    agent = reply_to_ticket(first, by=desk.alice, text="Looking.", at=T0 + timedelta(minutes=1))
    Message.objects.filter(pk=agent.pk).update(external_id="<unidesk.reply@demo>")

    by_in_reply_to = receive_email(
        mail(message_id="<m2@example.com>", extra="In-Reply-To: <unidesk.reply@demo>\n"),
        via="smtp",
        at=T0 + timedelta(minutes=2),
    )
    by_references = receive_email(
        mail(
            message_id="<m3@example.com>",
            extra="In-Reply-To: <unknown@elsewhere>\nReferences: <m1@example.com> <x@y>\n",
        ),
        via="smtp",
        at=T0 + timedelta(minutes=3),
    )
    assert by_in_reply_to.ticket == first
    assert by_references.ticket == first


def test_a_ticket_number_in_the_subject_threads_when_no_id_matches(desk, mailbox) -> None:  # type: ignore[no-untyped-def]
    older = receive_email(mail(), via="smtp", at=T0).ticket
    assert older is not None
    newer = receive_email(
        mail(message_id="<n1@example.com>", subject="Another question"),
        via="smtp",
        at=T0 + timedelta(minutes=1),
    ).ticket
    assert newer == older  # the sender's open ticket continues (threading by sender)
    Ticket.objects.filter(pk=older.pk).update(status=Status.CLOSED)
    fresh = receive_email(
        mail(message_id="<n2@example.com>", subject="New"), via="smtp", at=T0
    ).ticket
    assert fresh is not None and fresh != older
    again = receive_email(
        mail(message_id="<n3@example.com>", subject=f"Re: New [#{fresh.pk}]"),
        via="smtp",
        at=T0,
    )
    assert again.ticket == fresh


def test_another_customer_quoting_a_ticket_never_lands_in_it(desk, mailbox) -> None:  # type: ignore[no-untyped-def]
    ann = receive_email(mail(), via="smtp", at=T0).ticket
    assert ann is not None
    eve = receive_email(
        mail(
            sender="eve@example.com",
            message_id="<e1@example.com>",
            subject=f"Re: [#{ann.pk}]",
            extra="In-Reply-To: <m1@example.com>\n",
        ),
        via="smtp",
        at=T0,
    )
    assert eve.ticket != ann
    assert ann.messages.count() == 1


def test_mail_from_our_own_address_is_kept_but_makes_no_ticket(desk, mailbox) -> None:  # type: ignore[no-untyped-def]
    result = receive_email(mail(sender=SUPPORT), via="smtp", at=T0)

    assert result.status == "loop"
    assert (Ticket.objects.count(), Message.objects.count()) == (0, 0)
    email = Email.objects.get()
    assert email.status == EmailStatus.LOOP
    assert email.raw.read().startswith(b"From: Ann Lee <support@demo.unidesk.local>")


def test_an_auto_reply_lands_on_its_ticket_without_reopening_it(desk, mailbox) -> None:  # type: ignore[no-untyped-def]
    ticket = receive_email(mail(), via="smtp", at=T0).ticket
    assert ticket is not None
    reply_to_ticket(ticket, by=desk.alice, text="Sent again.", at=T0 + timedelta(minutes=1))
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING

    auto = receive_email(
        mail(
            message_id="<auto@example.com>",
            subject="Out of office",
            extra="Auto-Submitted: auto-replied\nIn-Reply-To: <m1@example.com>\n",
        ),
        via="smtp",
        at=T0 + timedelta(minutes=2),
    )

    ticket.refresh_from_db()
    assert auto.ticket == ticket
    assert auto.message is not None and auto.message.flags["auto_reply"] is True
    assert ticket.status == Status.PENDING
    assert ticket.sla_paused_at is not None
    assert not ticket.events.filter(kind=EventKind.REOPENED).exists()


def test_a_flood_from_one_sender_stops_reopening_tickets(desk, mailbox, settings) -> None:  # type: ignore[no-untyped-def]
    settings.UNIDESK_EMAIL_RATE_LIMIT = 3
    results = [
        receive_email(mail(message_id=f"<f{i}@example.com>"), via="smtp", at=T0) for i in range(5)
    ]
    flags = [r.message.flags.get("rate_limited", False) for r in results if r.message]
    assert flags == [False, False, False, True, True]
    assert Message.objects.count() == 5  # nothing lost


def test_a_bounce_of_our_reply_is_noted_on_its_ticket_and_marks_the_address(  # type: ignore[no-untyped-def]
    desk, mailbox
) -> None:
    ticket = receive_email(mail(sender="gone@example.org"), via="smtp", at=T0).ticket
    assert ticket is not None
    reply = reply_to_ticket(ticket, by=desk.alice, text="On its way.", at=T0)
    Message.objects.filter(pk=reply.pk).update(
        external_id="<unidesk.21.77.9f8e7d6c5b@demo.unidesk.local>"
    )
    Delivery.objects.filter(message=reply).update(status=DeliveryStatus.SENT)

    result = receive_email(sample("dsn_bounce.eml"), via="smtp", at=T0 + timedelta(hours=1))

    assert result.status == "bounce"
    assert result.ticket == ticket
    note = result.message
    assert note is not None and note.kind == MessageKind.NOTE and note.flags["bounce"] is True
    delivery = Delivery.objects.get(message=reply)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("Bounced: 550 5.1.1 <gone@example.org>")
    assert ticket.events.filter(kind=EventKind.DELIVERY_FAILED).count() == 1
    identity = Identity.objects.get(value="gone@example.org")
    assert identity.bouncing_since == T0 + timedelta(hours=1)
    assert Ticket.objects.count() == 1

    receive_email(mail(sender="gone@example.org", message_id="<back@x>"), via="smtp", at=T0)
    identity.refresh_from_db()
    assert identity.bouncing_since is None  # they wrote again: the address works


def test_a_bounce_of_something_unknown_goes_to_a_human(desk, mailbox) -> None:  # type: ignore[no-untyped-def]
    result = receive_email(sample("dsn_bounce.eml"), via="smtp", at=T0)

    assert result.status == "created"
    assert result.message is not None and result.message.flags["bounce"] is True
    assert result.ticket is not None and result.ticket.queue == desk.general


def test_an_unparseable_mail_is_a_ticket_in_the_mailboxs_queue_with_the_original(  # type: ignore[no-untyped-def]
    desk, mailbox
) -> None:
    result = receive_email(sample("unparseable_junk.eml"), via="smtp", mailbox=mailbox, at=T0)
    assert result.status == "created"
    message = result.message
    assert message is not None and message.flags["unparseable"] is True
    assert result.ticket is not None and result.ticket.queue == desk.general
    assert [a.filename for a in message.attachments.all()] == ["original.eml"]
