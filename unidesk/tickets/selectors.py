"""Reads of tickets shared by the API and the UI, with the permission check built in."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from unidesk.accounts.models import User
from unidesk.core.errors import NotFound, PermissionDenied
from unidesk.queues.selectors import workable_queues
from unidesk.tickets.models import Attachment, Message, Ticket


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
    return any(queue.pk == ticket.queue_id for queue in workable_queues(user))


def list_tickets(user: User) -> QuerySet[Ticket]:
    return (
        Ticket.objects.visible_to(user)
        .select_related("queue", "customer", "assignee", "topic")
        .prefetch_related("tags")
    )


def tag_names(tickets: Iterable[Ticket]) -> dict[int, list[str]]:
    """Each ticket's tag names, in one query and without building Tag objects."""
    names: dict[int, list[str]] = {}
    rows = Ticket.tags.through.objects.filter(ticket_id__in=[t.pk for t in tickets])
    for ticket_id, name in rows.order_by("tag__name").values_list("ticket_id", "tag__name"):
        names.setdefault(ticket_id, []).append(name)
    return names


def list_messages(ticket: Ticket) -> QuerySet[Message]:
    return ticket.messages.select_related("author", "delivery", "email").prefetch_related(
        "attachments"
    )


def list_tickets_all() -> QuerySet[Ticket]:
    """All tickets with what serialising one needs; callers have checked access already."""
    return Ticket.objects.select_related("queue", "customer", "assignee", "topic").prefetch_related(
        "tags"
    )


def access_message(user: User, message_id: int) -> Message:
    """A message of a ticket `user` may see: 404 when it does not exist, 403 when not theirs."""
    message = Message.objects.select_related("ticket__queue", "email").filter(pk=message_id).first()
    if message is None:
        raise NotFound(f"Message {message_id} does not exist.")
    if not can_work(user, message.ticket):
        raise PermissionDenied(f"Message {message_id} is on a ticket you cannot see.")
    return message


def access_attachment(user: User, attachment_id: int) -> Attachment:
    attachment = (
        Attachment.objects.select_related("message__ticket__queue").filter(pk=attachment_id).first()
    )
    if attachment is None:
        raise NotFound(f"Attachment {attachment_id} does not exist.")
    if not can_work(user, attachment.message.ticket):
        raise PermissionDenied(f"Attachment {attachment_id} is on a ticket you cannot see.")
    return attachment
