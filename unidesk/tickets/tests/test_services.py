from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import T0
from unidesk.core.errors import DomainError
from unidesk.intake.inbound import InboundMessage
from unidesk.intake.receive import receive
from unidesk.tickets.models import EventKind, Status, Ticket
from unidesk.tickets.services import (
    assign_ticket,
    mark_breaches,
    move_ticket,
    reply_to_ticket,
    set_priority,
    set_status,
)

pytestmark = pytest.mark.django_db


def new_ticket(text: str = "refund please", at=T0) -> Ticket:  # type: ignore[no-untyped-def]
    inbound = InboundMessage(channel="email", identities=(("email", "ann@example.com"),), text=text)
    return receive(inbound, at=at).ticket


def test_pending_pauses_the_clocks_and_open_resumes_them(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = new_ticket()  # payments, 24/7: first response due T0+15m
    set_status(ticket, Status.PENDING, by=desk.alice, at=T0 + timedelta(minutes=5))
    assert ticket.sla_paused_at == T0 + timedelta(minutes=5)

    set_status(ticket, Status.OPEN, by=desk.alice, at=T0 + timedelta(hours=3))

    assert ticket.sla_paused_at is None
    assert ticket.first_response_due_at == T0 + timedelta(hours=3, minutes=10)
    assert ticket.sla_due_at == ticket.first_response_due_at
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[-4:] == [
        EventKind.SLA_PAUSED,
        EventKind.STATUS,
        EventKind.SLA_RESUMED,
        EventKind.STATUS,
    ]


def test_a_paused_ticket_is_not_breached_while_the_customer_is_away(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = new_ticket()
    set_status(ticket, Status.PENDING, by=desk.alice, at=T0 + timedelta(minutes=5))

    assert mark_breaches(at=T0 + timedelta(days=2)) == 0
    ticket.refresh_from_db()
    assert ticket.is_breached(T0 + timedelta(days=2)) is False


def test_a_breach_is_marked_once_with_its_clock(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = new_ticket()

    assert ticket.is_breached(T0 + timedelta(minutes=16)) is True  # visible before the sweep
    assert mark_breaches(at=T0 + timedelta(minutes=16)) == 1
    assert mark_breaches(at=T0 + timedelta(minutes=17)) == 0
    ticket.refresh_from_db()
    assert ticket.sla_breached_at == T0 + timedelta(minutes=15)
    event = ticket.events.get(kind=EventKind.SLA_BREACHED)
    assert event.data["clock"] == "first_response"


def test_a_reply_answers_the_first_response_clock_and_waits_on_the_customer(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = new_ticket()

    reply_to_ticket(ticket, by=desk.alice, text="Looking into it", at=T0 + timedelta(minutes=3))

    ticket.refresh_from_db()
    assert ticket.first_response_at == T0 + timedelta(minutes=3)
    assert (ticket.status, ticket.assignee) == (Status.PENDING, desk.alice)
    assert ticket.waiting_since is None
    assert ticket.sla_due_at == ticket.resolution_due_at


def test_a_reply_needs_text_and_an_open_ticket(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = new_ticket()
    with pytest.raises(DomainError):
        reply_to_ticket(ticket, by=desk.alice, text="   ")
    set_status(ticket, Status.CLOSED, by=desk.lead, at=T0)
    with pytest.raises(DomainError):
        reply_to_ticket(ticket, by=desk.alice, text="hello")
    with pytest.raises(DomainError):
        set_status(ticket, Status.OPEN, by=desk.lead)
    assert ticket.messages.count() == 1


def test_assigning_to_an_agent_without_the_skill_is_refused(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = new_ticket()  # payments
    with pytest.raises(DomainError, match="not skilled"):
        assign_ticket(ticket, desk.bob, by=desk.lead)
    assign_ticket(ticket, desk.lead, by=desk.lead)  # leads may take anything
    assert ticket.assignee == desk.lead


def test_moving_and_reprioritising_restamp_the_clocks(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = new_ticket()
    assign_ticket(ticket, desk.alice, by=desk.lead, at=T0)

    move_ticket(ticket, desk.general, by=desk.lead, at=T0)

    # Alice is skilled for general too, so she keeps it; the office calendar applies now.
    assert ticket.assignee == desk.alice
    assert ticket.first_response_due_at == T0 + timedelta(hours=1)
    set_priority(ticket, 40, by=desk.lead, at=T0)
    assert ticket.priority == 40
    with pytest.raises(DomainError):
        set_priority(ticket, 99, by=desk.lead)


def test_solved_tickets_close_after_the_grace_period(desk) -> None:  # type: ignore[no-untyped-def]
    from unidesk.tickets.services import close_solved_tickets

    ticket = new_ticket()
    set_status(ticket, Status.SOLVED, by=desk.lead, at=T0)

    assert close_solved_tickets(older_than=timedelta(days=4), at=T0 + timedelta(days=3)) == 0
    assert close_solved_tickets(older_than=timedelta(days=4), at=T0 + timedelta(days=4)) == 1
    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == (Status.CLOSED, T0 + timedelta(days=4))
