"""`unidesk demo --tickets N`: waiting tickets in bulk that the desk then works like any other."""

from __future__ import annotations

import pytest

from unidesk.customers.models import Customer, Identity
from unidesk.intake.inbound import InboundMessage
from unidesk.intake.receive import receive
from unidesk.ops import demo
from unidesk.queues.engine import claim_next_ticket
from unidesk.queues.models import Queue
from unidesk.tickets.models import Message, MessageKind, Status, Ticket

pytestmark = pytest.mark.django_db


def test_bulk_tickets_wait_in_their_queues_with_a_message_each(desk) -> None:  # type: ignore[no-untyped-def]
    before = Ticket.objects.count()

    assert demo.load_bulk_tickets(1200, batch=500) == 1200

    bulk = Ticket.objects.filter(subject__startswith="Bulk ticket")
    assert bulk.count() == 1200 == Ticket.objects.count() - before
    assert set(bulk.values_list("status", flat=True)) == {Status.NEW}
    assert bulk.filter(waiting_flag=1).count() == 1200  # the engine's generated column
    assert bulk.filter(sla_due_at__isnull=True).count() == 0
    assert set(bulk.values_list("queue_id", flat=True)) <= set(
        Queue.objects.values_list("pk", flat=True)
    )
    messages = Message.objects.filter(ticket__in=bulk)
    assert messages.count() == 1200
    assert set(messages.values_list("kind", flat=True)) == {MessageKind.CUSTOMER}
    one = bulk.order_by("pk").first()
    assert one is not None and one.messages.get().text == f"{one.subject}: please help."
    assert one.created_at == one.waiting_since and one.sla_due_at > one.created_at
    assert (
        Identity.objects.filter(value__startswith="bulk-").count()
        == Customer.objects.filter(name__startswith="Bulk customer").count()
    )


def test_after_a_bulk_load_agents_take_tickets_and_intake_opens_new_ones(desk) -> None:  # type: ignore[no-untyped-def]
    demo.load_bulk_tickets(300)

    taken = claim_next_ticket(desk.alice)
    # Ids were chosen by the loader: the database's own sequence must have moved past them.
    fresh = receive(
        InboundMessage(channel="api", identities=(("email", "new@example.com"),), text="Hello")
    ).ticket
    customer = Customer.objects.create(name="After the load")

    assert taken is not None and taken.assignee == desk.alice
    assert fresh.pk > Ticket.objects.exclude(pk=fresh.pk).order_by("-pk").first().pk  # type: ignore[union-attr]
    assert customer.pk == Customer.objects.order_by("-pk").first().pk  # type: ignore[union-attr]
