"""The queue engine: which waiting ticket an agent should take next, claimed atomically.

Order of service (docs/queues.md explains it for support leads):
1. urgency class of the queue: urgent queues before normal ones, normal before background;
2. within a class, each queue offers its head ticket by its own strategy
   (priority, then channel weight, then FIFO / LIFO / SLA due / hybrid age-cap order);
3. among those heads: higher priority, heavier channel, earlier SLA deadline, longest wait.
Every head is one index seek on an index led by (queue, waiting_flag) (see
`tickets.models.Ticket.Meta.indexes`), and all heads of a class come back in one round
trip, so the cost grows with the agent's queues, not with the number of tickets. The claim
is a conditional UPDATE under `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL and under
SQLite's IMMEDIATE write lock, so two agents never get the same ticket.

Live chats count against an agent's capacity (`User.capacity`, e.g. 3 at once): an agent
holding that many unsolved chats is not given another; the next ticket is the best one of
another channel. The common case costs nothing extra: only when the chosen head is a chat
does the engine count the agent's chats, and only at the limit does it choose again,
skipping chats (the seeks then filter on the channel).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from unidesk.accounts.models import User
from unidesk.core.cache import ConfigCache
from unidesk.core.time import now
from unidesk.queues.models import Queue, Strategy
from unidesk.tickets.models import EventKind, Status, Ticket
from unidesk.tickets.services import record_event

_MAX_ATTEMPTS = 8

# Each strategy's order: (column, descending). One source for the ORM and the raw seek.
ORDERINGS: dict[str, tuple[tuple[str, bool], ...]] = {
    Strategy.FIFO: (("priority", True), ("channel_weight", True), ("waiting_since", False)),
    Strategy.LIFO: (("priority", True), ("channel_weight", True), ("waiting_since", True)),
    Strategy.SLA: (("priority", True), ("channel_weight", True), ("sla_due_at", False)),
    # Hybrid serves freshest first unless something waited past the cap (_OVERDUE).
    Strategy.HYBRID: (("priority", True), ("channel_weight", True), ("waiting_since", True)),
}
_OVERDUE = (("waiting_since", False),)
_HEAD_COLUMNS = ("id", "queue_id", "priority", "channel_weight", "sla_due_at", "waiting_since")
#: Channels whose conversations are live: each one an agent holds counts against capacity.
LIVE_CHANNELS = ("chat",)
#: Statuses in which an assigned live conversation still occupies the agent.
_HOLDING = (Status.NEW, Status.OPEN, Status.PENDING)


_workable: ConfigCache[list[Queue]] = ConfigCache("queues each agent works")


def workable_queues(agent: User) -> list[Queue]:
    """Queues the agent is skilled for; leads and admins without skills work every queue.

    Read at every "next ticket", so kept with the desk's configuration (a change of skills
    or queues in this process clears it at once; see core.apps)."""

    def load() -> list[Queue]:
        queues = list(agent.skills.all())
        if not queues and agent.sees_all_queues:
            queues = list(Queue.objects.all())
        return sorted(queues, key=lambda q: (-q.urgency, q.pk))

    return list(_workable.get((agent.pk, agent.sees_all_queues), load))


def _cutoff(queue: Queue, at: datetime) -> datetime:
    return at - timedelta(minutes=queue.hybrid_wait_cap_minutes)


def head_queryset(
    queue: Queue, *, at: datetime, overdue: bool = False, skip_channels: tuple[str, ...] = ()
) -> QuerySet[Ticket]:
    """Waiting tickets of `queue` in the queue's order (the head is `.first()`).

    For a hybrid queue, `overdue=True` gives the tickets past the wait cap, oldest first.
    `skip_channels` leaves out tickets of those channels (an agent at chat capacity).
    """
    waiting = Ticket.objects.filter(queue=queue, waiting_flag=1)
    if skip_channels:
        waiting = waiting.exclude(channel__in=skip_channels)
    if overdue:
        waiting = waiting.filter(waiting_since__lte=_cutoff(queue, at))
    order = _OVERDUE if overdue else ORDERINGS[queue.strategy]
    return waiting.order_by(*[("-" if desc else "") + column for column, desc in order])


@dataclass(frozen=True)
class _Head:
    stage: int  # 0: a hybrid queue's overdue head, which goes before its fresh one
    ticket_id: int
    queue_id: int
    priority: int
    channel_weight: int
    sla_due_at: Any  # a datetime, or its ISO text on SQLite: comparable within one backend
    waiting_since: Any
    channel: str

    def rank(self) -> tuple[int, int, bool, Any, bool, Any]:
        due, since = self.sla_due_at, self.waiting_since
        return (-self.priority, -self.channel_weight, due is None, due or 0, since is None,
                since or 0)  # fmt: skip


def _heads(
    queues: list[Queue], *, at: datetime, skip_channels: tuple[str, ...] = ()
) -> list[_Head]:
    """Every queue's head in one round trip: a UNION ALL of one index seek per queue.

    Written as SQL because this is the hot path: building one ORM query per queue cost
    more than the seeks themselves (bench/RESULTS.md).
    """
    quote = connection.ops.quote_name
    table = quote(Ticket._meta.db_table)
    columns = ", ".join(quote(c) for c in (*_HEAD_COLUMNS, "channel"))
    parts: list[str] = []
    params: list[Any] = []
    for queue in queues:
        seeks: list[tuple[int, tuple[tuple[str, bool], ...]]] = [(1, ORDERINGS[queue.strategy])]
        if queue.strategy == Strategy.HYBRID:
            seeks.insert(0, (0, _OVERDUE))
        for stage, order in seeks:
            where = f"{quote('queue_id')} = %s AND {quote('waiting_flag')} = 1"
            params.append(queue.pk)
            if stage == 0:
                where += f" AND {quote('waiting_since')} <= %s"
                params.append(connection.ops.adapt_datetimefield_value(_cutoff(queue, at)))
            if skip_channels:
                where += (
                    f" AND {quote('channel')} NOT IN ({', '.join(['%s'] * len(skip_channels))})"
                )
                params.extend(skip_channels)
            order_sql = ", ".join(f"{quote(c)} {'DESC' if d else 'ASC'}" for c, d in order)
            parts.append(
                f"SELECT * FROM (SELECT {stage} AS stage, {columns} FROM {table} "
                f"WHERE {where} ORDER BY {order_sql} LIMIT 1) h{len(parts)}"
            )
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    # A hybrid queue offers its overdue head if it has one, else its fresh head.
    best: dict[int, _Head] = {}
    for head in sorted((_Head(*row) for row in rows), key=lambda h: h.stage):
        best.setdefault(head.queue_id, head)
    return list(best.values())


def _choose(
    queues: list[Queue], *, at: datetime, skip_channels: tuple[str, ...] = ()
) -> _Head | None:
    for _, group in groupby(queues, key=lambda q: q.urgency):
        heads = _heads(list(group), at=at, skip_channels=skip_channels)
        if heads:
            return min(heads, key=_Head.rank)
    return None


def count_live_conversations(agent: User) -> int:
    """Unsolved live chats assigned to the agent (what capacity limits)."""
    return Ticket.objects.filter(
        assignee=agent, channel__in=LIVE_CHANNELS, status__in=_HOLDING
    ).count()


def _choose_within_capacity(
    agent: User, queues: list[Queue], *, at: datetime
) -> tuple[_Head | None, tuple[str, ...]]:
    """The head to take, and the channels skipped because the agent is at chat capacity."""
    head = _choose(queues, at=at)
    if head is None or head.channel not in LIVE_CHANNELS:
        return head, ()
    if count_live_conversations(agent) < agent.capacity:
        return head, ()
    return _choose(queues, at=at, skip_channels=LIVE_CHANNELS), LIVE_CHANNELS


def _claim_head(
    queue: Queue, agent: User, *, at: datetime, skip_channels: tuple[str, ...]
) -> int | None:
    """Assign the queue's head to `agent` in one statement; the id claimed, or None.

    `UPDATE ... WHERE id = (the head) RETURNING id`: on PostgreSQL the head is read under
    `FOR UPDATE SKIP LOCKED`, so a concurrent claim skips the row this one holds (and this
    one skips theirs); SQLite runs it under the IMMEDIATE write lock.
    """
    candidates = []
    if queue.strategy == Strategy.HYBRID:
        candidates.append(head_queryset(queue, at=at, overdue=True, skip_channels=skip_channels))
    candidates.append(head_queryset(queue, at=at, skip_channels=skip_channels))
    quote = connection.ops.quote_name
    table = quote(Ticket._meta.db_table)
    for qs in candidates:
        head = qs.values("pk")[:1]
        if connection.features.has_select_for_update_skip_locked:
            head = head.select_for_update(skip_locked=True, of=("self",))
        head_sql, head_params = head.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {quote('assignee_id')} = %s, {quote('status')} = %s, "
                f"{quote('updated_at')} = %s WHERE {quote('waiting_flag')} = 1 "
                f"AND {quote('id')} = ({head_sql}) RETURNING {quote('id')}",
                [
                    agent.pk,
                    Status.OPEN.value,
                    connection.ops.adapt_datetimefield_value(at),
                    *head_params,
                ],
            )
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
    return None


def peek_next_ticket(agent: User, *, at: datetime | None = None) -> Ticket | None:
    """The ticket `next ticket` would give the agent now, without claiming it."""
    head, _skipped = _choose_within_capacity(agent, workable_queues(agent), at=at or now())
    return None if head is None else Ticket.objects.get(pk=head.ticket_id)


def claim_next_ticket(agent: User, *, at: datetime | None = None) -> Ticket | None:
    """Assign the agent's next ticket to the agent and return it; None when nothing waits
    (or only chats wait and the agent holds as many chats as their capacity allows)."""
    at = at or now()
    queues = workable_queues(agent)
    by_id = {q.pk: q for q in queues}
    for _ in range(_MAX_ATTEMPTS):
        choice, skipped = _choose_within_capacity(agent, queues, at=at)
        if choice is None:
            return None
        with transaction.atomic():
            ticket_id = _claim_head(by_id[choice.queue_id], agent, at=at, skip_channels=skipped)
            if ticket_id is None:
                continue  # taken meanwhile: choose again
            ticket = Ticket.objects.select_related("queue", "customer").get(pk=ticket_id)
            record_event(
                ticket,
                EventKind.ASSIGNED,
                at=at,
                by=agent,
                assignee=agent.username,
                previous=None,
                via="next_ticket",
            )
            return ticket
    return None
