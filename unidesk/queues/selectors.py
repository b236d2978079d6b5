"""Reads of queues: which a user may see, and each one's live backlog figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from unidesk.accounts.models import Role, User
from unidesk.core.cache import ConfigCache
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


_workable: ConfigCache[list[Queue]] = ConfigCache("queues each agent works")
_all: ConfigCache[list[Queue]] = ConfigCache("every queue")
_by_id: ConfigCache[dict[int, Queue]] = ConfigCache("queues by id")
_assignable: ConfigCache[list[tuple[int, str]]] = ConfigCache("agents assignable per queue")
_active: ConfigCache[list[tuple[int, str]]] = ConfigCache("active users")

# Read on every workspace page, so kept with the desk's configuration: a change of skills,
# queues or users in this process clears them at once (see core.apps), other processes
# see it within UNIDESK_CONFIG_CACHE_SECONDS. The Queue objects are shared: read them,
# never change them.


def workable_queues(agent: User) -> list[Queue]:
    """Queues the agent is skilled for; leads and admins without skills work every queue,
    most urgent first (what "next ticket" looks at, and which tickets an agent may open)."""

    def load() -> list[Queue]:
        queues = list(agent.skills.all())
        if not queues and agent.sees_all_queues:
            queues = all_queues()
        return sorted(queues, key=lambda q: (-q.urgency, q.pk))

    return list(_workable.get((agent.pk, agent.sees_all_queues), load))


def all_queues() -> list[Queue]:
    """Every queue, most urgent first, then by name."""
    return list(_all.get(None, lambda: list(Queue.objects.order_by("-urgency", "name"))))


def queue_by_id(pk: int) -> Queue | None:
    """The (shared, read-only) queue with this id, None for a queue newer than the cache."""
    return _by_id.get(None, lambda: {queue.pk: queue for queue in all_queues()}).get(pk)


def list_visible_queues(user: User) -> list[Queue]:
    """The queues whose tickets the user sees: all for leads and admins, else their skills;
    most urgent first, then by name."""
    if user.sees_all_queues:
        return all_queues()
    return sorted(workable_queues(user), key=lambda q: (-q.urgency, q.name))


def queue_choices() -> list[tuple[int, str]]:
    """(id, name) of every queue, for select lists."""
    return [(queue.pk, queue.name) for queue in all_queues()]


def assignable_agents(queue_id: int) -> list[tuple[int, str]]:
    """(id, username) of the active users who may be given a ticket of the queue: agents
    skilled for it, and every lead and admin; by username."""

    def load() -> list[tuple[int, str]]:
        return list(
            User.objects.filter(Q(skills=queue_id) | Q(role__in=[Role.LEAD, Role.ADMIN]))
            .filter(is_active=True)
            .distinct()
            .order_by("username")
            .values_list("pk", "username")
        )

    return list(_assignable.get(queue_id, load))


def active_users() -> list[tuple[int, str]]:
    """(id, username) of every active user, by username (bulk assignment's list)."""
    return list(
        _active.get(
            None,
            lambda: list(
                User.objects.filter(is_active=True)
                .order_by("username")
                .values_list("pk", "username")
            ),
        )
    )


def list_queue_stats(user: User, *, at: datetime) -> list[QueueStats]:
    """Waiting count, oldest wait, breached and due-soon counts; urgent queues first.

    One query, the visible queues with a few index reads each: the oldest wait is one seek
    (`ticket_wait_age`), and the counts are ranges of `ticket_wait_due` (queue, waiting,
    SLA deadline) that together cover each waiting ticket once, with no expression worked
    out per ticket: no deadline, breached, not yet due, and the due-soon slice of the last.
    Written as SQL: building its five subqueries with the ORM cost more than running them.
    """
    quote = connection.ops.quote_name
    queue, ticket = quote(Queue._meta.db_table), quote(Ticket._meta.db_table)
    agents = quote(Queue.agents.through._meta.db_table)
    waiting = f"FROM {ticket} t WHERE t.queue_id = q.id AND t.waiting_flag = 1"
    when, soon = (connection.ops.adapt_datetimefield_value(x) for x in (at, at + DUE_SOON))
    sql = (
        f"SELECT q.*, (SELECT COUNT(*) {waiting} AND t.sla_due_at IS NULL) AS no_deadline, "
        f"(SELECT COUNT(*) {waiting} AND t.sla_due_at <= %s) AS breached, "
        f"(SELECT COUNT(*) {waiting} AND t.sla_due_at > %s) AS later, "
        f"(SELECT COUNT(*) {waiting} AND t.sla_due_at > %s AND t.sla_due_at <= %s) AS due_soon, "
        f"(SELECT MIN(t.waiting_since) {waiting}) AS oldest FROM {queue} q"
    )
    params: list[Any] = [when, when, when, soon]
    if not user.sees_all_queues:
        sql += f" WHERE q.id IN (SELECT a.queue_id FROM {agents} a WHERE a.user_id = %s)"
        params.append(user.pk)
    sql += " ORDER BY q.urgency DESC, q.name"
    stats = []
    for row in Queue.objects.raw(sql, params):
        q: Any = row  # a Queue with the figures above as attributes
        oldest = q.oldest
        if isinstance(oldest, str):  # SQLite gives the stored text, in UTC
            oldest = parse_datetime(oldest)
            if oldest is not None and timezone.is_naive(oldest):
                oldest = oldest.replace(tzinfo=UTC)
        stats.append(
            QueueStats(
                queue=row,
                waiting=q.no_deadline + q.breached + q.later,
                oldest_waiting_since=oldest,
                breached=q.breached,
                due_soon=q.due_soon,
            )
        )
    return stats
