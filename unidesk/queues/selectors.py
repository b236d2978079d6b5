"""Reads of queues: which a user may see, and each one's live backlog figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q

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


def list_queue_stats(user: User, *, at: datetime) -> list[QueueStats]:
    """Waiting count, oldest wait, breached and due-soon counts; urgent queues first.

    One grouped query over the waiting tickets, whatever the number of queues.
    """
    queues = list_visible_queues(user)
    rows: dict[int, dict[str, Any]] = {
        row["queue_id"]: dict(row)
        for row in Ticket.objects.filter(queue__in=queues, waiting_flag=1)
        .values("queue_id")
        .annotate(
            waiting=Count("id"),
            oldest=Min("waiting_since"),
            breached=Count("id", filter=Q(sla_due_at__lte=at)),
            due_soon=Count("id", filter=Q(sla_due_at__gt=at, sla_due_at__lte=at + DUE_SOON)),
        )
        .order_by()
    }
    empty: dict[str, Any] = {}
    return [
        QueueStats(
            queue=q,
            waiting=rows.get(q.pk, empty).get("waiting", 0),
            oldest_waiting_since=rows.get(q.pk, empty).get("oldest"),
            breached=rows.get(q.pk, empty).get("breached", 0),
            due_soon=rows.get(q.pk, empty).get("due_soon", 0),
        )
        for q in queues
    ]
