"""Live notices sent from outside the web server (worker, smtpd, telegram-poll)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from unidesk.core import live

pytestmark = pytest.mark.django_db


async def _next_message(channel: str) -> dict[str, object]:
    layer = get_channel_layer()
    return await asyncio.wait_for(layer.receive(channel), timeout=5)


def test_a_commit_outside_the_server_reaches_the_agents_through_one_sender_thread(  # type: ignore[no-untyped-def]
    django_capture_on_commit_callbacks,
) -> None:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.ticket_group(7), channel)

    for kind in ("message", "assigned", "status"):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            live.ticket_changed(7, kind=kind)
    live.drain()

    kinds = [async_to_sync(_next_message)(channel)["payload"]["kind"] for _ in range(3)]  # type: ignore[index]
    assert kinds == ["message", "assigned", "status"]
    senders = [t for t in threading.enumerate() if t.name == "unidesk-live"]
    assert len(senders) == 1  # one loop for the process, not a thread per commit
