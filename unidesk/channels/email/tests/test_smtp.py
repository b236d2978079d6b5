"""Against real SMTP servers: the desk's receiver (aiosmtpd) and a relay that captures what
the desk sends."""

from __future__ import annotations

import smtplib
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.test import Client

from unidesk.channels.email.models import Email, EmailStatus
from unidesk.channels.email.parse import parse_email
from unidesk.channels.email.tests.conftest import SUPPORT, CaptureHandler, sample
from unidesk.outbox.models import Delivery, DeliveryStatus
from unidesk.outbox.services import deliver_due
from unidesk.tickets.models import Message, MessageKind, Status, Ticket

# The receiver stores mail from its own threads: those need committed data.
pytestmark = pytest.mark.django_db(transaction=True)


def send(port: int, raw: bytes, *, to: str = SUPPORT, sender: str = "ann@example.com") -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.sendmail(sender, [to], raw)


def customer_mail(subject: str = "Charged twice", body: str = "Please refund.") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Ann Lee <ann@example.com>"
    mail["To"] = "someone-else@example.net"  # the envelope recipient decides, not To:
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="example.com")
    mail.set_content(body)
    return mail


def test_the_receiver_takes_mail_for_a_mailbox_by_envelope_recipient(
    desk, mailbox, receiver
) -> None:  # type: ignore[no-untyped-def]
    send(receiver, customer_mail().as_bytes())

    message = Message.objects.get()
    assert (message.sender_address, message.subject) == ("ann@example.com", "Charged twice")
    assert message.text == "Please refund."
    assert Email.objects.get().envelope_to == SUPPORT


def test_the_receiver_refuses_other_recipients_and_oversize_mail(  # type: ignore[no-untyped-def]
    desk, mailbox, receiver, settings
) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(receiver, customer_mail().as_bytes(), to="nobody@demo.unidesk.local")
    assert refused.value.recipients["nobody@demo.unidesk.local"][0] == 550

    lines = settings.UNIDESK_EMAIL_MAX_BYTES // 70 + 10
    big = customer_mail().as_bytes() + (b"y" * 69 + b"\r\n") * lines
    with smtplib.SMTP("127.0.0.1", receiver, timeout=60) as client:
        client.ehlo()
        assert client.has_extn("size")
        code, _ = client.mail("ann@example.com", options=[f"SIZE={len(big)}"])
        assert code == 552
    with smtplib.SMTP("127.0.0.1", receiver, timeout=60) as client:  # no SIZE announced
        client.ehlo()
        client.mail("ann@example.com")
        client.rcpt(SUPPORT)
        code, _ = client.data(big)
    assert code == 552
    assert Message.objects.count() == 0
    assert Email.objects.count() == 0


def test_the_same_mail_by_smtp_twice_is_one_message(desk, mailbox, receiver) -> None:  # type: ignore[no-untyped-def]
    raw = sample("outlook_html.eml")
    send(receiver, raw)
    send(receiver, raw)
    assert Message.objects.count() == 1


def test_a_conversation_goes_round_through_real_servers(  # type: ignore[no-untyped-def]
    desk, mailbox, receiver, relay: CaptureHandler
) -> None:
    # 1. The customer writes in.
    first = customer_mail()
    send(receiver, first.as_bytes())
    ticket = Ticket.objects.get()

    # 2. An agent replies in the workspace; the worker sends it through the relay.
    agent = Client()
    agent.force_login(desk.alice)
    agent.post(f"/tickets/{ticket.pk}/reply/", {"text": "Refunded, sorry about that."})
    assert deliver_due() == 1
    (captured,) = relay.mails
    assert captured.rcpt_tos == ["ann@example.com"]
    assert captured.mail_from == SUPPORT
    sent = message_from_bytes(captured.content, policy=policy.default)
    reply = Message.objects.get(kind=MessageKind.REPLY)
    assert sent["Message-ID"] == reply.external_id
    assert sent["In-Reply-To"] == first["Message-ID"]
    assert sent["References"] == first["Message-ID"]
    assert sent["Reply-To"] == SUPPORT
    assert sent["Subject"] == f"Re: Charged twice [#{ticket.pk}]"
    assert str(sent["From"]) == f"Unidesk Support <{SUPPORT}>"
    text = sent.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Ann Lee," in text and "Refunded, sorry about that." in text
    assert "Alice" in text or "alice" in text  # the mailbox signature names the agent
    assert sent.get_body(preferencelist=("html",)) is not None
    assert Delivery.objects.get(message=reply).status == DeliveryStatus.SENT
    assert Email.objects.get(message=reply).status == EmailStatus.SENT

    # 3. The customer's client answers that mail; it lands on the same ticket.
    answer = EmailMessage()
    answer["From"] = "Ann Lee <ann@example.com>"
    answer["To"] = SUPPORT
    answer["Subject"] = "Re: " + str(sent["Subject"])
    answer["Message-ID"] = make_msgid(domain="example.com")
    answer["In-Reply-To"] = sent["Message-ID"]
    answer["References"] = f"{sent['References']} {sent['Message-ID']}"
    answer.set_content("Got it, thanks!\n\nOn Mon, Unidesk Support wrote:\n> Refunded.\n")
    send(receiver, answer.as_bytes())

    ticket.refresh_from_db()
    latest = ticket.messages.order_by("-id").first()
    assert latest is not None and latest.text == "Got it, thanks!"
    assert Ticket.objects.count() == 1
    assert ticket.status == Status.OPEN  # reopened by the customer


def test_replies_are_written_in_the_customers_language(desk, mailbox, receiver, relay) -> None:  # type: ignore[no-untyped-def]
    send(receiver, sample("ru_koi8r.eml"), sender="ivan.petrov@example.ru")
    ticket = Ticket.objects.get()
    agent = Client()
    agent.force_login(desk.alice)
    agent.post(f"/tickets/{ticket.pk}/reply/", {"text": "Мы сбросили пароль."})
    deliver_due()

    sent = message_from_bytes(relay.mails[0].content, policy=policy.default)
    text = sent.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Здравствуйте, Иван Петров!")
    assert f"Обращение #{ticket.pk}" in text
    # What we sent reads back through our own parser as the agent wrote it.
    assert parse_email(relay.mails[0].content).inbound.text.startswith("Здравствуйте")


@pytest.mark.parametrize(
    ("answer", "status", "attempts"),
    [
        ("550 5.1.1 No such user", DeliveryStatus.FAILED, 1),
        ("451 4.3.0 Try again later", DeliveryStatus.QUEUED, 1),
    ],
)
def test_relay_refusals_fail_or_retry_by_their_code(  # type: ignore[no-untyped-def]
    desk, mailbox, receiver, relay, answer, status, attempts
) -> None:
    send(receiver, customer_mail().as_bytes())
    ticket = Ticket.objects.get()
    agent = Client()
    agent.force_login(desk.alice)
    agent.post(f"/tickets/{ticket.pk}/reply/", {"text": "Done."})
    relay.answer = answer

    deliver_due()

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (status, attempts)
    assert delivery.last_error == answer


def test_a_relay_that_is_down_is_retried(desk, mailbox, receiver, settings) -> None:  # type: ignore[no-untyped-def]
    from unidesk.channels.email.tests.conftest import free_port

    settings.UNIDESK_SMTP_HOST = "127.0.0.1"
    settings.UNIDESK_SMTP_RELAY_PORT = free_port()  # nothing listens there
    settings.UNIDESK_SMTP_TLS = "none"
    send(receiver, customer_mail().as_bytes())
    agent = Client()
    agent.force_login(desk.alice)
    agent.post(f"/tickets/{Ticket.objects.get().pk}/reply/", {"text": "Done."})

    deliver_due()

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.QUEUED
    assert "Connection refused" in delivery.last_error


def test_without_a_relay_replies_are_written_to_the_outbox_folder(  # type: ignore[no-untyped-def]
    desk, mailbox, receiver, settings, tmp_path
) -> None:
    settings.UNIDESK_SMTP_HOST = ""
    settings.UNIDESK_EMAIL_OUTBOX_DIR = str(tmp_path)
    send(receiver, customer_mail().as_bytes())
    agent = Client()
    agent.force_login(desk.alice)
    agent.post(f"/tickets/{Ticket.objects.get().pk}/reply/", {"text": "Done."})

    deliver_due()

    (written,) = tmp_path.glob("*.eml")
    sent = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert sent["To"] == "Ann Lee <ann@example.com>"
    assert Delivery.objects.get().status == DeliveryStatus.SENT
