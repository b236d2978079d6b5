"""The queue engine: which waiting ticket an agent should take next, claimed atomically.

Order of service (docs/queues.md explains it for support leads):
1. urgency class of the queue: urgent queues before normal ones, normal before background;
2. within a class, each queue offers its head ticket by its own strategy
   (priority, then channel weight, then FIFO / LIFO / SLA due / hybrid age-cap order);
3. among those heads: higher priority, heavier channel, earlier SLA deadline, longest wait.
Every head is one index seek on an index led by (queue, waiting_flag) (see
`tickets.models.Ticket.Meta.indexes`), so the cost grows with the agent's queues, not with
the number of tickets. The claim is a conditional UPDATE under `SELECT ... FOR UPDATE SKIP
LOCKED` on PostgreSQL and under SQLite's IMMEDIATE write lock, so two agents never get the
same ticket.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import groupby

from django.db import connection, transaction
from django.db.models import QuerySet

from unidesk.accounts.models import User
from unidesk.core.time import now
from unidesk.queues.models import Queue, Strategy
from unidesk.tickets.models import WAITING, EventKind, Status, Ticket
from unidesk.tickets.services import record_event

_MAX_ATTEMPTS = 8


def workable_queues(agent: User) -> list[Queue]:
    """Queues the agent is skilled for; leads and admins without skills work every queue."""
    queues = list(agent.skills.all())
    if not queues and agent.sees_all_queues:
        queues = list(Queue.objects.all())
    return sorted(queues, key=lambda q: (-q.urgency, q.pk))


def head_queryset(queue: Queue, *, at: datetime, overdue: bool = False) -> QuerySet[Ticket]:
    """Waiting tickets of `queue` in the queue's order (the head is `.first()`).

    For a hybrid queue, `overdue=True` gives the tickets past the wait cap, oldest first.
    """
    waiting = Ticket.objects.filter(queue=queue, waiting_flag=1)
    if overdue:
        cutoff = at - timedelta(minutes=queue.hybrid_wait_cap_minutes)
        return waiting.filter(waiting_since__lte=cutoff).order_by("waiting_since")
    strategy = queue.strategy
    if strategy == Strategy.FIFO:
        return waiting.order_by("-priority", "-channel_weight", "waiting_since")
    if strategy == Strategy.SLA:
        return waiting.order_by("-priority", "-channel_weight", "sla_due_at")
    # LIFO, and hybrid when nothing is past its cap.
    return waiting.order_by("-priority", "-channel_weight", "-waiting_since")


def _head(queue: Queue, *, at: datetime, lock: bool) -> Ticket | None:
    candidates = []
    if queue.strategy == Strategy.HYBRID:
        candidates.append(head_queryset(queue, at=at, overdue=True))
    candidates.append(head_queryset(queue, at=at))
    for qs in candidates:
        if lock and connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        ticket = qs.only(
            "id", "queue_id", "priority", "channel_weight", "sla_due_at", "waiting_since"
        ).first()
        if ticket is not None:
            return ticket
    return None


def _rank(ticket: Ticket) -> tuple[int, int, float, float]:
    due = ticket.sla_due_at.timestamp() if ticket.sla_due_at else float("inf")
    since = ticket.waiting_since.timestamp() if ticket.waiting_since else float("inf")
    return (-ticket.priority, -ticket.channel_weight, due, since)


def peek_next_ticket(agent: User, *, at: datetime | None = None) -> Ticket | None:
    """The ticket `next ticket` would give the agent now, without claiming it."""
    at = at or now()
    for _, group in groupby(workable_queues(agent), key=lambda q: q.urgency):
        heads = [(h, q) for q in group if (h := _head(q, at=at, lock=False)) is not None]
        if heads:
            return min(heads, key=lambda pair: _rank(pair[0]))[0]
    return None


def claim_next_ticket(agent: User, *, at: datetime | None = None) -> Ticket | None:
    """Assign the agent's next ticket to the agent and return it; None when nothing waits."""
    at = at or now()
    queues = {q.pk: q for q in workable_queues(agent)}
    for _ in range(_MAX_ATTEMPTS):
        choice = peek_next_ticket(agent, at=at)
        if choice is None:
            return None
        with transaction.atomic():
            # Re-read the head under a row lock: a concurrent claim skips it or we skip theirs.
            ticket = _head(queues[choice.queue_id], at=at, lock=True)
            if ticket is None:
                continue
            claimed = Ticket.objects.filter(WAITING, pk=ticket.pk).update(
                assignee=agent, status=Status.OPEN, updated_at=at
            )
            if claimed != 1:
                continue
            record_event(
                ticket,
                EventKind.ASSIGNED,
                at=at,
                by=agent,
                assignee=agent.username,
                previous=None,
                via="next_ticket",
            )
            return Ticket.objects.select_related("queue", "customer").get(pk=ticket.pk)
    return None
