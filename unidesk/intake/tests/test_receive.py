from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conftest import T0
from unidesk.core.errors import DomainError
from unidesk.customers.models import Customer, Identity
from unidesk.intake.inbound import InboundAttachment, InboundMessage
from unidesk.intake.receive import receive
from unidesk.sla.models import Priority
from unidesk.tickets.models import Attachment, EventKind, Message, Status, Ticket
from unidesk.tickets.services import reply_to_ticket, set_status

pytestmark = pytest.mark.django_db


def inbound(text: str = "Hello", *, who: str = "ann@example.com", **kwargs) -> InboundMessage:  # type: ignore[no-untyped-def]
    kwargs.setdefault("channel", "email")
    return InboundMessage(identities=(("email", who),), text=text, **kwargs)


def test_it_routes_a_money_question_to_payments_and_stamps_the_sla(desk) -> None:  # type: ignore[no-untyped-def]
    receipt = receive(inbound("I paid twice, please refund", external_id="m1"), at=T0)

    ticket = receipt.ticket
    assert receipt.created is True
    assert ticket.queue == desk.payments
    assert ticket.priority == Priority.HIGH
    assert ticket.status == Status.NEW
    # 24/7 calendar: 15 minutes to first response, 240 to resolution.
    assert ticket.first_response_due_at == T0 + timedelta(minutes=15)
    assert ticket.resolution_due_at == T0 + timedelta(minutes=240)
    assert ticket.sla_due_at == ticket.first_response_due_at
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == [EventKind.CREATED, EventKind.ROUTED, EventKind.MESSAGE]


def test_it_uses_the_default_queue_and_business_hours_when_no_rule_matches(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = receive(inbound("Where is my parcel?"), at=T0).ticket

    assert ticket.queue == desk.general
    # Monday 13:00 Moscow: 60 business minutes -> 14:00 Moscow = 11:00 UTC.
    assert ticket.first_response_due_at == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    # 8 business hours: 5 today (13-18), 3 on Tuesday (9-12 Moscow = 06-09 UTC).
    assert ticket.resolution_due_at == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def test_a_repeat_of_the_same_external_id_changes_nothing(desk) -> None:  # type: ignore[no-untyped-def]
    first = receive(inbound("refund please", external_id="<abc@mail>"), at=T0)
    again = receive(
        inbound("refund please", external_id="<abc@mail>"), at=T0 + timedelta(minutes=1)
    )

    assert again.created is False
    assert (again.ticket.pk, again.message.pk) == (first.ticket.pk, first.message.pk)
    assert Message.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_the_same_external_id_on_another_channel_is_another_message(desk) -> None:  # type: ignore[no-untyped-def]
    receive(inbound("hi", external_id="42"), at=T0)
    receive(inbound("hi", external_id="42", channel="chat"), at=T0)

    assert Message.objects.count() == 2


def test_a_second_message_continues_the_customers_open_ticket_on_that_channel(desk) -> None:  # type: ignore[no-untyped-def]
    first = receive(inbound("hello"), at=T0)
    second = receive(inbound("are you there?"), at=T0 + timedelta(minutes=5))
    other_channel = receive(inbound("hi from chat", channel="chat"), at=T0 + timedelta(minutes=6))

    assert second.ticket.pk == first.ticket.pk
    assert other_channel.ticket.pk != first.ticket.pk
    assert other_channel.ticket.customer_id == first.ticket.customer_id


def test_a_reply_reference_threads_even_without_sender_threading(desk) -> None:  # type: ignore[no-untyped-def]
    first = receive(inbound("hello", external_id="<1@x>", thread_by_sender=False), at=T0)
    unrelated = receive(inbound("new topic", thread_by_sender=False), at=T0)
    reply = receive(
        inbound("more", external_id="<2@x>", reply_to="<1@x>", thread_by_sender=False), at=T0
    )

    assert unrelated.ticket.pk != first.ticket.pk
    assert reply.ticket.pk == first.ticket.pk


def test_it_never_threads_into_another_customers_ticket(desk) -> None:  # type: ignore[no-untyped-def]
    theirs = receive(inbound("hello", who="ann@example.com", external_id="a1"), at=T0)
    mine = receive(
        inbound("hi", who="eve@example.com", reply_to="a1", ticket_ref=theirs.ticket.pk), at=T0
    )

    assert mine.ticket.pk != theirs.ticket.pk
    assert theirs.ticket.messages.count() == 1


def test_a_customer_reply_reopens_a_solved_ticket_with_the_time_it_had_left(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = receive(inbound("refund please"), at=T0).ticket
    reply_to_ticket(ticket, by=desk.alice, text="Done, refunded.", at=T0 + timedelta(minutes=10))
    set_status(ticket, Status.SOLVED, by=desk.alice, at=T0 + timedelta(minutes=20))
    ticket.refresh_from_db()
    assert ticket.sla_paused_at == T0 + timedelta(minutes=10)

    again = receive(inbound("It did not arrive"), at=T0 + timedelta(hours=2)).ticket

    assert again.pk == ticket.pk
    assert again.status == Status.OPEN
    assert again.sla_paused_at is None
    # Resolution had 230 of 240 minutes left when the reply paused it.
    assert again.resolution_due_at == T0 + timedelta(hours=2, minutes=230)
    # The customer waits again: a next-response clock of 30 minutes starts.
    assert again.next_response_due_at == T0 + timedelta(hours=2, minutes=30)
    assert again.waiting_since == T0 + timedelta(hours=2)
    assert EventKind.REOPENED in again.events.values_list("kind", flat=True)


def test_a_message_to_a_closed_ticket_opens_a_new_one(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = receive(inbound("hi", external_id="c1"), at=T0).ticket
    set_status(ticket, Status.CLOSED, by=desk.lead, at=T0)
    again = receive(inbound("hi again", reply_to="c1"), at=T0 + timedelta(days=1)).ticket

    assert again.pk != ticket.pk


def test_card_numbers_are_redacted_before_anything_is_stored(desk) -> None:  # type: ignore[no-untyped-def]
    message = receive(
        inbound("My card 4111 1111 1111 1111 was charged", subject="Card 4111111111111111"),
        at=T0,
    ).message

    message.refresh_from_db()
    assert "4111 1111 1111 1111" not in message.text
    assert "1111" in message.text  # the last four stay, to tell cards apart
    assert "4111111111111111" not in message.subject
    assert "4111111111111111" not in message.ticket.subject
    assert {p["type"] for p in message.pii} == {"card"}


def test_it_rejects_a_message_without_a_sender_and_stores_nothing(desk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError):
        receive(InboundMessage(channel="email", identities=(), text="hi"), at=T0)
    with pytest.raises(DomainError):
        receive(inbound("   "), at=T0)
    with pytest.raises(DomainError):
        receive(inbound("hi", channel="pigeon"), at=T0)

    assert Ticket.objects.count() == Customer.objects.count() == Message.objects.count() == 0


def test_a_crash_midway_leaves_no_half_written_ticket(desk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def explode(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr("unidesk.intake.receive._store_attachments", explode)
    with pytest.raises(RuntimeError):
        receive(inbound("refund please", external_id="x"), at=T0)

    assert Ticket.objects.count() == 0
    assert Customer.objects.count() == Identity.objects.count() == Message.objects.count() == 0


def test_it_joins_a_known_customer_and_attaches_new_identities(desk) -> None:  # type: ignore[no-untyped-def]
    first = receive(inbound("hi"), at=T0)
    second = receive(
        InboundMessage(
            channel="chat",
            identities=(("email", "ANN@example.com"), ("phone", "+7 912 345-67-89")),
            text="hello again",
        ),
        at=T0,
    )

    assert second.ticket.customer_id == first.ticket.customer_id
    values = set(first.ticket.customer.identities.values_list("kind", "value"))
    assert values == {("email", "ann@example.com"), ("phone", "+79123456789")}


def test_attachments_are_stored_and_oversized_ones_flagged_not_dropped(desk, settings) -> None:  # type: ignore[no-untyped-def]
    settings.UNIDESK_MAX_ATTACHMENT_BYTES = 10
    message = receive(
        inbound(
            "photos",
            attachments=(
                InboundAttachment("small.txt", "text/plain", b"12345"),
                InboundAttachment("big.jpg", "image/jpeg", b"x" * 11),
            ),
        ),
        at=T0,
    ).message

    stored = Attachment.objects.get(message=message)
    assert (stored.filename, stored.size, stored.file.read()) == ("small.txt", 5, b"12345")
    assert message.flags["attachments_too_large"] == [{"filename": "big.jpg", "size": 11}]


def test_a_routing_rule_saved_in_the_admin_applies_to_the_next_message(desk) -> None:  # type: ignore[no-untyped-def]
    from unidesk.queues.models import RoutingRule

    assert receive(inbound("parcel lost", who="a@x.io"), at=T0).ticket.queue == desk.general
    RoutingRule.objects.create(name="Parcels", position=1, queue=desk.payments, keywords=["parcel"])

    assert receive(inbound("parcel lost", who="b@x.io"), at=T0).ticket.queue == desk.payments


def test_intake_records_language_mood_and_abuse_of_each_message(desk) -> None:  # type: ignore[no-untyped-def]
    calm = receive(inbound("Спасибо большое, всё отлично работает!", who="a@x.io"), at=T0)
    rude = receive(inbound("Вы идиоты, верните деньги!", who="b@x.io"), at=T0)

    assert (calm.message.language, calm.message.sentiment) == ("ru", "positive")
    assert calm.message.is_abusive is False and calm.ticket.has_abuse is False
    assert rude.message.is_abusive is True and rude.ticket.has_abuse is True
    assert "идиот" not in rude.message.masked_text
    assert calm.ticket.customer.language == "ru"


def test_a_short_message_takes_the_language_its_customer_wrote_in_before(desk) -> None:  # type: ignore[no-untyped-def]
    receive(inbound("Olá, o meu pedido não chegou, podem ajudar?", who="a@x.io"), at=T0)

    known = receive(inbound("ok", who="a@x.io"), at=T0 + timedelta(minutes=1))
    stranger = receive(inbound("ok", who="b@x.io"), at=T0 + timedelta(minutes=1))

    assert known.message.language == "pt"
    assert stranger.message.language == ""


def test_an_urgent_follow_up_raises_the_priority(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = receive(inbound("Where is my parcel?"), at=T0).ticket
    assert ticket.priority == Priority.NORMAL

    again = receive(inbound("My account was hacked, urgent!"), at=T0 + timedelta(minutes=5)).ticket

    assert again.pk == ticket.pk
    assert again.priority >= Priority.HIGH
