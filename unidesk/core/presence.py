"""Who is online: agents with the workspace open, kept in the cache by a heartbeat.

An agent is online while at least one workspace page holds its WebSocket open: the page's
socket marks the agent online when it connects and every `HEARTBEAT` seconds after, and
offline when it closes. A mark older than `TTL` (a process that died without closing its
sockets) no longer counts. The cache is per process by default and Redis when
`UNIDESK_REDIS_URL` is set, like the channel layer: several web processes need Redis.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.core.cache import cache

#: Seconds between two heartbeats of an open workspace page.
HEARTBEAT = 30
#: Seconds after which a connection that stopped beating counts as gone.
TTL = 3 * HEARTBEAT


def _key(user_id: int) -> str:
    return f"online:{user_id}"


def mark_online(user_id: int, connection: str, *, at: float | None = None) -> None:
    """Record (or refresh) one open connection of the agent."""
    at = time.time() if at is None else at
    connections: dict[str, float] = cache.get(_key(user_id)) or {}
    connections = {c: seen for c, seen in connections.items() if seen > at - TTL}
    connections[connection] = at
    cache.set(_key(user_id), connections, TTL)


def mark_offline(user_id: int, connection: str) -> None:
    connections: dict[str, float] = cache.get(_key(user_id)) or {}
    connections.pop(connection, None)
    if connections:
        cache.set(_key(user_id), connections, TTL)
    else:
        cache.delete(_key(user_id))


def online_user_ids(user_ids: Iterable[int], *, at: float | None = None) -> set[int]:
    """Those of `user_ids` with at least one connection that beat within `TTL` seconds."""
    at = time.time() if at is None else at
    ids = list(user_ids)
    found = cache.get_many([_key(i) for i in ids])
    return {i for i in ids if any(seen > at - TTL for seen in (found.get(_key(i)) or {}).values())}


#: Seconds a "typing" mark holds when no "stopped" follows (a closed tab).
TYPING_TTL = 6


def _typing_key(ticket_id: int) -> str:
    return f"typing:{ticket_id}"


def set_agent_typing(ticket_id: int, *, typing: bool) -> None:
    """An agent is writing a reply on the ticket; kept briefly for visitors who poll."""
    if typing:
        cache.set(_typing_key(ticket_id), True, TYPING_TTL)
    else:
        cache.delete(_typing_key(ticket_id))


def is_agent_typing(ticket_id: int) -> bool:
    return bool(cache.get(_typing_key(ticket_id)))
