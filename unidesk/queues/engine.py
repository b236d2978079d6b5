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
from unidesk.core.time import now
from unidesk.queues.models import Queue, Strategy
from unidesk.queues.selectors import workable_queues
from unidesk.tickets.models import HOLDING_STATUSES, LIVE_CHANNELS, EventKind, Status, Ticket
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


def _seeks(queue: Queue) -> list[tuple[int, tuple[tuple[str, bool], ...]]]:
    """The queue's head seeks as (stage, order): a hybrid queue's overdue seek (stage 0)
    goes before its fresh one (stage 1)."""
    seeks: list[tuple[int, tuple[tuple[str, bool], ...]]] = [(1, ORDERINGS[queue.strategy])]
    if queue.strategy == Strategy.HYBRID:
        seeks.insert(0, (0, _OVERDUE))
    return seeks


def _seek_sql(
    queue: Queue, stage: int, order: tuple[tuple[str, bool], ...], *, select: str,
    at: datetime, skip_channels: tuple[str, ...], lock: bool = False,
) -> tuple[str, list[Any]]:  # fmt: skip
    """One index seek for the head of `queue`: `SELECT {select} ... ORDER BY ... LIMIT 1`.

    Written as SQL because this is the hot path: building the ORM query cost more than
    the seek itself (bench/RESULTS.md). With `lock`, the row is read under `FOR UPDATE
    SKIP LOCKED` where the database has it (PostgreSQL)."""
    quote = connection.ops.quote_name
    where = f"{quote('queue_id')} = %s AND {quote('waiting_flag')} = 1"
    params: list[Any] = [queue.pk]
    if stage == 0:
        where += f" AND {quote('waiting_since')} <= %s"
        params.append(connection.ops.adapt_datetimefield_value(_cutoff(queue, at)))
    if skip_channels:
        where += f" AND {quote('channel')} NOT IN ({', '.join(['%s'] * len(skip_channels))})"
        params.extend(skip_channels)
    order_sql = ", ".join(f"{quote(c)} {'DESC' if d else 'ASC'}" for c, d in order)
    sql = (
        f"SELECT {select} FROM {quote(Ticket._meta.db_table)} "
        f"WHERE {where} ORDER BY {order_sql} LIMIT 1"
    )
    if lock and connection.features.has_select_for_update_skip_locked:
        sql += " FOR UPDATE SKIP LOCKED"
    return sql, params


def _heads(
    queues: list[Queue], *, at: datetime, skip_channels: tuple[str, ...] = ()
) -> list[_Head]:
    """Every queue's head in one round trip: a UNION ALL of one index seek per queue."""
    columns = ", ".join(connection.ops.quote_name(c) for c in (*_HEAD_COLUMNS, "channel"))
    parts: list[str] = []
    params: list[Any] = []
    for queue in queues:
        for stage, order in _seeks(queue):
            sql, seek_params = _seek_sql(
                queue, stage, order, select=f"{stage} AS stage, {columns}", at=at,
                skip_channels=skip_channels,
            )  # fmt: skip
            parts.append(f"SELECT * FROM ({sql}) h{len(parts)}")
            params += seek_params
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
        assignee=agent, channel__in=LIVE_CHANNELS, status__in=HOLDING_STATUSES
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
) -> Ticket | None:
    """Assign the queue's head to `agent` in one statement; the ticket claimed, or None.

    `UPDATE ... WHERE id = (the head) RETURNING ...`: on PostgreSQL the head is read under
    `FOR UPDATE SKIP LOCKED`, so a concurrent claim skips the row this one holds (and this
    one skips theirs); SQLite runs it under the IMMEDIATE write lock. The updated row comes
    back with the statement, so the claimed ticket costs no second read.
    """
    quote = connection.ops.quote_name
    # The columns by name, not `*`: a statement prepared by a long-lived connection must
    # keep its result type across a migration that adds a column.
    columns = ", ".join(quote(str(f.column)) for f in Ticket._meta.concrete_fields)
    for stage, order in _seeks(queue):
        head_sql, head_params = _seek_sql(
            queue, stage, order, select=quote("id"), at=at, skip_channels=skip_channels,
            lock=True,
        )  # fmt: skip
        claimed = Ticket.objects.raw(
            f"UPDATE {quote(Ticket._meta.db_table)} SET {quote('assignee_id')} = %s, "
            f"{quote('status')} = %s, {quote('updated_at')} = %s "
            f"WHERE {quote('waiting_flag')} = 1 AND {quote('id')} = ({head_sql}) "
            f"RETURNING {columns}",
            [agent.pk, Status.OPEN.value, connection.ops.adapt_datetimefield_value(at),
             *head_params],
        )  # fmt: skip
        for ticket in claimed:
            ticket.queue = queue
            ticket.assignee = agent
            return ticket
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
            ticket = _claim_head(by_id[choice.queue_id], agent, at=at, skip_channels=skipped)
            if ticket is None:
                continue  # taken meanwhile: choose again
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
