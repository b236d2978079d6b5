"""Live updates: tell connected agents that something changed, after the commit.

Messages are small notices ("ticket 42 changed"), never ticket content: a page that hears
one re-fetches what it shows through the normal, permission-checked views.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

QUEUES_GROUP = "desk.queues"


def ticket_group(ticket_id: int) -> str:
    return f"desk.ticket.{ticket_id}"


def _send(group: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "desk.notice", "payload": payload})
    except Exception:  # live updates are best effort; the data is already committed
        log.warning("live update to %s failed", group, exc_info=True)


def ticket_changed(ticket_id: int, *, kind: str) -> None:
    """After the current transaction commits, announce a change on ticket `ticket_id`."""

    def send() -> None:
        payload = {"event": "ticket", "ticket": ticket_id, "kind": kind}
        _send(ticket_group(ticket_id), payload)
        _send(QUEUES_GROUP, payload)

    transaction.on_commit(send)


def presence_changed(ticket_id: int, viewers: list[str]) -> None:
    _send(ticket_group(ticket_id), {"event": "presence", "ticket": ticket_id, "viewers": viewers})
