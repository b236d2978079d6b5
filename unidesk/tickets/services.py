"""Every write to a ticket: opening, customer messages, replies, status, assignment, SLA.

Services take the acting user as `by` (None for the customer or the system) and an explicit
`at` so that clocks are testable. Each runs in a transaction; callers may nest them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from unidesk.accounts.models import User
from unidesk.core import live
from unidesk.core.errors import DomainError
from unidesk.core.time import now
from unidesk.customers.models import Customer
from unidesk.outbox import services as outbox
from unidesk.queues.models import Queue
from unidesk.sla.clocks import Targets, load_targets
from unidesk.sla.models import Priority
from unidesk.tickets.models import (
    DONE_STATUSES,
    Event,
    EventKind,
    Message,
    MessageKind,
    Status,
    Tag,
    Ticket,
)


def record_event(
    ticket: Ticket, kind: str, *, at: datetime, by: User | None = None, **data: Any
) -> Event:
    """Write a timeline event; agents watching are told once the transaction commits."""
    event = Event.objects.create(ticket=ticket, kind=kind, actor=by, data=data, created_at=at)
    live.ticket_changed(ticket.pk, kind=kind)
    return event


def record_events(
    ticket: Ticket, events: Iterable[tuple[str, dict[str, Any]]], *, at: datetime
) -> None:
    """Several events of one moment (by the customer or the system) in one statement, in
    order; agents watching hear once, of the last."""
    rows = [Event(ticket=ticket, kind=kind, data=data, created_at=at) for kind, data in events]
    Event.objects.bulk_create(rows)
    if rows:
        live.ticket_changed(ticket.pk, kind=rows[-1].kind)


# --- SLA clocks on the ticket row -------------------------------------------------------


def _targets(ticket: Ticket) -> Targets | None:
    return load_targets(ticket.queue.sla_policy_id, ticket.priority)


def _refresh_sla_due(ticket: Ticket) -> None:
    """`sla_due_at` is the earliest clock still running: what the agent must beat next."""
    running = [ticket.next_response_due_at, ticket.resolution_due_at]
    if ticket.first_response_at is None:
        running.append(ticket.first_response_due_at)
    ticket.sla_due_at = min((d for d in running if d is not None), default=None)


def _stamp_sla(ticket: Ticket, *, at: datetime) -> None:
    """Stamp the clocks from the ticket's creation under its queue's policy and priority."""
    targets = _targets(ticket)
    if targets is None:
        ticket.first_response_due_at = ticket.next_response_due_at = None
        ticket.resolution_due_at = None
    else:
        start = ticket.created_at
        if ticket.first_response_at is None:
            ticket.first_response_due_at = targets.due(start, targets.first_response_s)
        ticket.resolution_due_at = targets.due(start, targets.resolution_s)
        if ticket.next_response_due_at is not None and ticket.waiting_since is not None:
            ticket.next_response_due_at = targets.due(ticket.waiting_since, targets.next_response_s)
    _refresh_sla_due(ticket)


def _pause_sla(ticket: Ticket, *, at: datetime, by: User | None) -> None:
    if ticket.sla_paused_at is None:
        ticket.sla_paused_at = at
        record_event(ticket, EventKind.SLA_PAUSED, at=at, by=by)


def _resume_sla(ticket: Ticket, *, at: datetime, by: User | None) -> None:
    """Restart paused clocks with the business time they had left when paused."""
    paused_at = ticket.sla_paused_at
    if paused_at is None:
        return
    targets = _targets(ticket)
    if targets is not None:
        for field in ("first_response_due_at", "next_response_due_at", "resolution_due_at"):
            due = getattr(ticket, field)
            if due is not None and due > paused_at:
                setattr(ticket, field, targets.due(at, targets.remaining(paused_at, due)))
    ticket.sla_paused_at = None
    _refresh_sla_due(ticket)
    record_event(ticket, EventKind.SLA_RESUMED, at=at, by=by)


# --- Opening and messages ---------------------------------------------------------------


def open_ticket(
    *,
    customer: Customer,
    channel: str,
    subject: str,
    queue: Queue,
    priority: int = Priority.NORMAL,
    channel_weight: int = 1,
    language: str = "",
    sentiment: str = "",
    urgency: str = "",
    has_abuse: bool = False,
    at: datetime,
) -> Ticket:
    """A new ticket, SLA-stamped. The caller records how it came (intake: created, routed
    and the first message, with `record_events`) once the first message is stored."""
    ticket = Ticket(
        customer=customer,
        channel=channel,
        subject=subject[:500],
        queue=queue,
        priority=priority,
        channel_weight=channel_weight,
        language=language,
        sentiment=sentiment,
        urgency=urgency,
        has_abuse=has_abuse,
        status=Status.NEW,
        created_at=at,
        waiting_since=at,
    )
    _stamp_sla(ticket, at=at)
    ticket.save()
    return ticket


def add_customer_message(
    ticket: Ticket, message: Message, *, at: datetime, also: Iterable[str] = ()
) -> None:
    """Account for a customer message already saved on `ticket`: reopen, restart clocks.

    `also` names fields the caller changed on `ticket`, saved in the same UPDATE.
    """
    if ticket.status == Status.CLOSED:
        raise DomainError("A closed ticket takes no more messages; open a new one.")
    fields = {"updated_at", "status", "waiting_since", "sla_due_at", "next_response_due_at"}
    fields |= set(also)
    if ticket.status in (Status.PENDING, Status.SOLVED):
        previous = ticket.status
        ticket.status = Status.OPEN
        ticket.solved_at = None
        _resume_sla(ticket, at=at, by=None)
        fields |= {"solved_at", "sla_paused_at", "first_response_due_at", "resolution_due_at"}
        record_event(ticket, EventKind.REOPENED, at=at, previous=previous)
    if ticket.waiting_since is None:
        # The customer writes after our reply: a new wait starts, and the next-response clock.
        ticket.waiting_since = at
        targets = _targets(ticket)
        if targets is not None and ticket.first_response_at is not None:
            ticket.next_response_due_at = targets.due(at, targets.next_response_s)
        _refresh_sla_due(ticket)
    record_event(ticket, EventKind.MESSAGE, at=at, message_id=message.pk)
    ticket.save(update_fields=sorted(fields))


@transaction.atomic
def reply_to_ticket(
    ticket: Ticket,
    *,
    by: User,
    text: str,
    internal: bool = False,
    status: str | None = None,
    at: datetime | None = None,
) -> Message:
    """Add an agent reply (which answers the customer) or an internal note.

    A reply stops the first/next-response clocks, takes an unassigned ticket for the agent
    and, unless `status` says otherwise, sets the ticket pending on the customer.
    """
    at = at or now()
    text = text.strip()
    if not text:
        raise DomainError("A reply needs some text.")
    if ticket.status == Status.CLOSED:
        raise DomainError("The ticket is closed; it takes no more replies.")
    if status is not None and status not in Status.values:
        raise DomainError(f"Unknown status {status!r}.")
    kind = MessageKind.NOTE if internal else MessageKind.REPLY
    message = Message.objects.create(
        ticket=ticket,
        kind=kind,
        channel=ticket.channel,
        author=by,
        sender_name=by.get_full_name() or by.username,
        text=text,
        created_at=at,
    )
    if internal:
        record_event(ticket, EventKind.NOTE, at=at, by=by, message_id=message.pk)
        if status is not None:
            set_status(ticket, status, by=by, at=at)
        return message
    record_event(ticket, EventKind.REPLIED, at=at, by=by, message_id=message.pk)
    outbox.enqueue_delivery(message, at=at)
    if ticket.first_response_at is None:
        ticket.first_response_at = at
    ticket.next_response_due_at = None
    ticket.waiting_since = None
    _refresh_sla_due(ticket)
    ticket.save(
        update_fields=[
            "first_response_at",
            "next_response_due_at",
            "waiting_since",
            "sla_due_at",
            "updated_at",
        ]
    )
    if ticket.assignee_id is None:
        assign_ticket(ticket, by, by=by, at=at)
    set_status(ticket, status or Status.PENDING, by=by, at=at)
    return message


@transaction.atomic
def continue_on_channel(
    ticket: Ticket, channel: str, *, channel_weight: int, note: str, at: datetime
) -> Message:
    """Carry the conversation on `channel` from now on (a web chat the visitor left for
    e-mail while no agent was online): later replies go out through that channel's
    transport. An internal note on the timeline says why; it is returned.
    """
    if ticket.status == Status.CLOSED:
        raise DomainError("The ticket is closed.")
    ticket.channel = channel
    ticket.channel_weight = channel_weight
    ticket.save(update_fields=["channel", "channel_weight", "updated_at"])
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.NOTE,
        channel=channel,
        sender_name="Unidesk",
        text=note,
        created_at=at,
    )
    record_event(ticket, EventKind.NOTE, at=at, message_id=message.pk, channel=channel)
    return message


# --- Changes by agents --------------------------------------------------------------------


@transaction.atomic
def set_status(ticket: Ticket, status: str, *, by: User | None, at: datetime | None = None) -> None:
    at = at or now()
    if status not in Status.values:
        raise DomainError(f"Unknown status {status!r}.")
    previous = ticket.status
    if status == previous:
        return
    if previous == Status.CLOSED:
        raise DomainError("A closed ticket cannot change status.")
    if status == Status.NEW:
        raise DomainError("A ticket cannot go back to new.")
    ticket.status = status
    if status in (Status.PENDING, Status.SOLVED):
        _pause_sla(ticket, at=at, by=by)
    elif previous in (Status.PENDING, Status.SOLVED):
        _resume_sla(ticket, at=at, by=by)
    if status == Status.SOLVED:
        ticket.solved_at = at
    elif status == Status.CLOSED:
        ticket.closed_at = at
        ticket.solved_at = ticket.solved_at or at
    elif previous == Status.SOLVED:
        ticket.solved_at = None
    ticket.save()
    record_event(ticket, EventKind.STATUS, at=at, by=by, previous=previous, status=status)


def _check_assignable(ticket: Ticket, assignee: User) -> None:
    if not assignee.is_active:
        raise DomainError(f"{assignee.username} is not an active agent.")
    if not assignee.sees_all_queues and not ticket.queue.agents.filter(pk=assignee.pk).exists():
        raise DomainError(f"{assignee.username} is not skilled for the queue {ticket.queue.name}.")


@transaction.atomic
def assign_ticket(
    ticket: Ticket, assignee: User | None, *, by: User | None, at: datetime | None = None
) -> None:
    at = at or now()
    if assignee is not None:
        _check_assignable(ticket, assignee)
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return
    previous = ticket.assignee.username if ticket.assignee else None
    ticket.assignee = assignee
    if assignee is not None and ticket.status == Status.NEW:
        ticket.status = Status.OPEN
    ticket.save(update_fields=["assignee", "status", "updated_at"])
    record_event(
        ticket,
        EventKind.ASSIGNED,
        at=at,
        by=by,
        previous=previous,
        assignee=assignee.username if assignee else None,
    )


@transaction.atomic
def move_ticket(
    ticket: Ticket, queue: Queue, *, by: User | None, at: datetime | None = None
) -> None:
    """Move to another queue; clocks are re-stamped under the new queue's policy."""
    at = at or now()
    if queue.pk == ticket.queue_id:
        return
    previous = ticket.queue.name
    ticket.queue = queue
    assignee = ticket.assignee
    if (
        assignee is not None
        and not assignee.sees_all_queues
        and not queue.agents.filter(pk=assignee.pk).exists()
    ):
        ticket.assignee = None  # back to the new queue's waiting line
    if ticket.sla_paused_at is None and not ticket.is_done:
        _stamp_sla(ticket, at=at)
    ticket.save()
    record_event(ticket, EventKind.QUEUE, at=at, by=by, previous=previous, queue=queue.name)


@transaction.atomic
def set_priority(
    ticket: Ticket, priority: int, *, by: User | None, at: datetime | None = None
) -> None:
    at = at or now()
    if priority not in Priority.values:
        raise DomainError(f"Unknown priority {priority!r}; use one of {Priority.values}.")
    if priority == ticket.priority:
        return
    previous = ticket.priority
    ticket.priority = priority
    if ticket.sla_paused_at is None and not ticket.is_done:
        _stamp_sla(ticket, at=at)
    ticket.save()
    record_event(ticket, EventKind.PRIORITY, at=at, by=by, previous=previous, priority=priority)


def normalise_tag(name: str) -> str:
    tag = " ".join(name.strip().lower().split())
    if not tag or len(tag) > 64:
        raise DomainError(f"{name!r} is not a valid tag (1 to 64 characters).")
    return tag


@transaction.atomic
def set_tags(
    ticket: Ticket, names: Iterable[str], *, by: User | None, at: datetime | None = None
) -> None:
    at = at or now()
    wanted = sorted({normalise_tag(n) for n in names})
    current = sorted(ticket.tags.values_list("name", flat=True))
    if wanted == current:
        return
    tags = [Tag.objects.get_or_create(name=n)[0] for n in wanted]
    ticket.tags.set(tags)
    record_event(ticket, EventKind.TAGS, at=at, by=by, previous=current, tags=wanted)


@dataclass(frozen=True)
class TicketChanges:
    status: str | None = None
    priority: int | None = None
    queue: Queue | None = None
    assignee: User | None = None
    unassign: bool = False
    tags: list[str] | None = None


@transaction.atomic
def update_ticket(
    ticket: Ticket, changes: TicketChanges, *, by: User, at: datetime | None = None
) -> Ticket:
    """Apply several changes at once: all of them, or none if one is refused."""
    at = at or now()
    if ticket.status == Status.CLOSED and changes != TicketChanges():
        raise DomainError("A closed ticket cannot be changed.")
    if changes.queue is not None:
        move_ticket(ticket, changes.queue, by=by, at=at)
    if changes.priority is not None:
        set_priority(ticket, changes.priority, by=by, at=at)
    if changes.unassign:
        assign_ticket(ticket, None, by=by, at=at)
    elif changes.assignee is not None:
        assign_ticket(ticket, changes.assignee, by=by, at=at)
    if changes.tags is not None:
        set_tags(ticket, changes.tags, by=by, at=at)
    if changes.status is not None:
        set_status(ticket, changes.status, by=by, at=at)
    return ticket


# --- SLA breaches -----------------------------------------------------------------------


def mark_breaches(*, at: datetime | None = None, limit: int = 1000) -> int:
    """Mark tickets whose running clock has run out; one timeline event each.

    Called by the worker every minute (`unidesk sla-sweep` does one pass). Returns how many
    tickets were marked.
    """
    at = at or now()
    due = list(
        Ticket.objects.filter(
            sla_due_at__lte=at, sla_breached_at__isnull=True, sla_paused_at__isnull=True
        )
        .exclude(status__in=DONE_STATUSES)
        .order_by("sla_due_at")[:limit]
    )
    for ticket in due:
        with transaction.atomic():
            clock = _breached_clock(ticket)
            updated = Ticket.objects.filter(pk=ticket.pk, sla_breached_at__isnull=True).update(
                sla_breached_at=ticket.sla_due_at
            )
            if updated:
                record_event(
                    ticket,
                    EventKind.SLA_BREACHED,
                    at=at,
                    clock=clock,
                    due_at=ticket.sla_due_at.isoformat() if ticket.sla_due_at else None,
                )
    return len(due)


def _breached_clock(ticket: Ticket) -> str:
    if ticket.first_response_at is None and ticket.first_response_due_at == ticket.sla_due_at:
        return "first_response"
    if ticket.next_response_due_at == ticket.sla_due_at:
        return "next_response"
    return "resolution"


def close_solved_tickets(*, older_than: timedelta, at: datetime | None = None) -> int:
    """Close tickets solved longer than `older_than` ago; a later message opens a new ticket."""
    at = at or now()
    count = 0
    for ticket in Ticket.objects.filter(status=Status.SOLVED, solved_at__lte=at - older_than):
        set_status(ticket, Status.CLOSED, by=None, at=at)
        count += 1
    return count
