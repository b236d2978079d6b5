"""Live updates: tell connected agents that something changed, after the commit.

Messages are small notices ("ticket 42 changed"), never ticket content: a page that hears
one re-fetches what it shows through the normal, permission-checked views. Notices raised
inside one transaction are collected and sent together when it commits, in one hop to the
channel layer (crossing from sync to async code costs more than the send itself).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import threading
import weakref
from typing import Any

from asgiref.sync import SyncToAsync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

QUEUES_GROUP = "desk.queues"
_pending = threading.local()


def ticket_group(ticket_id: int) -> str:
    return f"desk.ticket.{ticket_id}"


def _send_all(messages: list[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send() -> None:
        # One send at a time per loop, in the order the commits handed them over (the
        # loop starts them in that order and the lock queues them first come, first
        # served): otherwise a send waiting for the channel layer's connection could be
        # overtaken, and a ticket's "status" notice arrive before its "message".
        lock = _send_locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        async with lock:
            for group, payload in messages:
                await layer.group_send(group, {"type": "desk.notice", "payload": payload})

    # Inside the web server the sends go to its event loop, where the channel layer and
    # the agents' sockets live; elsewhere (worker, smtpd, telegram-poll) to this process's
    # sender loop. Either way the caller goes on: the data is committed, and live updates
    # are best effort.
    loop = _serving_loop() or _sender_loop()
    future = asyncio.run_coroutine_threadsafe(send(), loop)
    _in_flight.add(future)
    future.add_done_callback(_done)


_send_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)
_server: tuple[int, asyncio.AbstractEventLoop] | None = None


def serving_here() -> None:
    """Record the running event loop as this process's web server loop (called by the
    served ASGI application). Threads of the same process that are not serving a request,
    such as the worker and SMTP receiver `unidesk run` starts beside the server, then send
    their notices there, where the in-memory channel layer has the agents' sockets."""
    global _server
    if _server is None or _server[0] != os.getpid():
        _server = (os.getpid(), asyncio.get_running_loop())


def _serving_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop whose sockets should hear this thread's notices, or None.

    A thread running a sync view (or a test's `sync_to_async`) has the loop asgiref
    records for it; any other thread of a serving process gets the loop `serving_here`
    recorded."""
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    own = getattr(local, "main_event_loop_pid", None) == os.getpid()
    if loop is not None and own and loop.is_running():
        return loop  # type: ignore[no-any-return]
    if _server is not None and _server[0] == os.getpid() and _server[1].is_running():
        return _server[1]
    return None


_sender: tuple[int, asyncio.AbstractEventLoop] | None = None
_sender_lock = threading.Lock()
_in_flight: set[concurrent.futures.Future[None]] = set()


def _sender_loop() -> asyncio.AbstractEventLoop:
    """This process's own event loop for sends from outside the web server, on a daemon
    thread started on first use (and again in a forked child).

    One loop for the life of the process: `async_to_sync` would start a loop and a thread
    for every commit, which cost more than the intake of the message itself."""
    global _sender
    with _sender_lock:
        if _sender is None or _sender[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="unidesk-live", daemon=True).start()
            _sender = (os.getpid(), loop)
        return _sender[1]


def _done(future: concurrent.futures.Future[None]) -> None:
    _in_flight.discard(future)
    if not future.cancelled() and future.exception() is not None:
        log.warning("live updates failed", exc_info=future.exception())


def drain(timeout: float = 2.0) -> None:
    """Wait (up to `timeout` seconds) for the notices still being sent, so that a command
    that ends right after its last commit still tells the agents. Run at exit."""
    concurrent.futures.wait(list(_in_flight), timeout=timeout)


atexit.register(drain)


def _flush() -> None:
    notices: dict[int, str] = getattr(_pending, "tickets", {})
    _pending.tickets = {}
    messages: list[tuple[str, dict[str, Any]]] = []
    for ticket_id, kind in notices.items():
        payload = {"event": "ticket", "ticket": ticket_id, "kind": kind}
        messages += [(ticket_group(ticket_id), payload), (QUEUES_GROUP, payload)]
    _send_all(messages)


def ticket_changed(ticket_id: int, *, kind: str) -> None:
    """After the current transaction commits, announce a change on ticket `ticket_id`.

    Several changes to one ticket in one transaction make one notice (the last kind).
    """
    if not hasattr(_pending, "tickets"):
        _pending.tickets = {}
    _pending.tickets[ticket_id] = kind
    transaction.on_commit(_flush)  # later callbacks of the same commit find nothing left


def presence_changed(ticket_id: int, viewers: list[str]) -> None:
    payload = {"event": "presence", "ticket": ticket_id, "viewers": viewers}
    _send_all([(ticket_group(ticket_id), payload)])


def send_to_group(group: str, payload: dict[str, Any]) -> None:
    """After the current transaction commits (at once outside one), send one notice."""
    transaction.on_commit(lambda: _send_all([(group, payload)]))


def visitor_changed(ticket_id: int, *, typing: bool | None = None) -> None:
    """A chat visitor on ticket `ticket_id` started or stopped typing, or moved to another
    page (`typing` None): agents watching the ticket show it."""
    payload: dict[str, Any] = {"event": "visitor", "ticket": ticket_id}
    if typing is not None:
        payload["typing"] = typing
    send_to_group(ticket_group(ticket_id), payload)
