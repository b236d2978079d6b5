"""Reads of queues: which a user may see, and each one's live backlog figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Func, IntegerField, OuterRef, Subquery

from unidesk.accounts.models import User
from unidesk.queues.models import Queue
from unidesk.tickets.models import Ticket

DUE_SOON = timedelta(hours=1)


@dataclass(frozen=True)
class QueueStats:
    queue: Queue
    waiting: int
    oldest_waiting_since: datetime | None
    breached: int
    due_soon: int

    def oldest_wait_seconds(self, at: datetime) -> int | None:
        if self.oldest_waiting_since is None:
            return None
        return max(0, int((at - self.oldest_waiting_since).total_seconds()))


def list_visible_queues(user: User) -> list[Queue]:
    if user.sees_all_queues:
        return list(Queue.objects.order_by("-urgency", "name"))
    return list(user.skills.order_by("-urgency", "name"))


def _waiting(**where: Any) -> Subquery:
    """A correlated count over one queue's waiting tickets: a range of `ticket_wait_due`."""
    return Subquery(
        Ticket.objects.filter(queue=OuterRef("pk"), waiting_flag=1, **where)
        .order_by()
        .annotate(n=Func(template="COUNT(*)", output_field=IntegerField()))
        .values("n")
    )


def list_queue_stats(user: User, *, at: datetime) -> list[QueueStats]:
    """Waiting count, oldest wait, breached and due-soon counts; urgent queues first.

    One query, the visible queues with a few index reads each: the oldest wait is one seek
    (`ticket_wait_age`), and the counts are ranges of `ticket_wait_due` (queue, waiting,
    SLA deadline) that together cover each waiting ticket once, with no expression worked
    out per ticket: no deadline, breached, not yet due, and the due-soon slice of the last.
    """
    queues = Queue.objects.all() if user.sees_all_queues else user.skills.all()
    rows = queues.order_by("-urgency", "name").annotate(
        no_deadline=_waiting(sla_due_at__isnull=True),
        breached=_waiting(sla_due_at__lte=at),
        later=_waiting(sla_due_at__gt=at),
        due_soon=_waiting(sla_due_at__gt=at, sla_due_at__lte=at + DUE_SOON),
        oldest=Subquery(
            Ticket.objects.filter(queue=OuterRef("pk"), waiting_flag=1)
            .order_by()
            .annotate(first=Func(F("waiting_since"), function="MIN"))
            .values("first")
        ),
    )
    return [
        QueueStats(
            queue=q,
            waiting=q.no_deadline + q.breached + q.later,
            oldest_waiting_since=q.oldest,
            breached=q.breached,
            due_soon=q.due_soon,
        )
        for q in rows
    ]
