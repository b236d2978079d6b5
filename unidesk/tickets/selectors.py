"""Reads of tickets shared by the API and the UI, with the permission check built in."""

from __future__ import annotations

from django.db.models import QuerySet

from unidesk.accounts.models import User
from unidesk.core.errors import NotFound, PermissionDenied
from unidesk.tickets.models import Message, Ticket


def access_ticket(user: User, ticket_id: int, *, for_update: bool = False) -> Ticket:
    """The ticket if `user` may see it: 404 when it does not exist, 403 when not theirs."""
    qs = Ticket.objects.select_related("queue", "customer", "assignee", "topic")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    ticket = qs.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id} does not exist.")
    if not can_work(user, ticket):
        raise PermissionDenied(f"Ticket {ticket_id} is in a queue you are not skilled for.")
    return ticket


def can_work(user: User, ticket: Ticket) -> bool:
    if user.sees_all_queues or ticket.assignee_id == user.pk:
        return True
    return ticket.queue.agents.filter(pk=user.pk).exists()


def list_tickets(user: User) -> QuerySet[Ticket]:
    return (
        Ticket.objects.visible_to(user)
        .select_related("queue", "customer", "assignee", "topic")
        .prefetch_related("tags")
    )


def list_messages(ticket: Ticket) -> QuerySet[Message]:
    return ticket.messages.select_related("author").prefetch_related("attachments")


def list_tickets_all() -> QuerySet[Ticket]:
    """All tickets with what serialising one needs; callers have checked access already."""
    return Ticket.objects.select_related("queue", "customer", "assignee", "topic").prefetch_related(
        "tags"
    )
