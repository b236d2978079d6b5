"""Live notices sent from outside the web server (worker, smtpd, telegram-poll)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from unidesk.core import live

pytestmark = pytest.mark.django_db


async def _next_message(channel: str) -> dict[str, object]:
    layer = get_channel_layer()
    return await asyncio.wait_for(layer.receive(channel), timeout=5)


def test_a_commit_outside_the_server_reaches_the_agents_through_one_sender_thread(  # type: ignore[no-untyped-def]
    django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # Outside any server: no event loop left behind by an earlier test in this process
    # (an in-process ASGI app's, or one asgiref recorded for this thread) may be taken
    # for the web server's while it winds down, which once sent the first notice there.
    monkeypatch.setattr(live, "_server", None)
    monkeypatch.setattr(SyncToAsync.threadlocal, "main_event_loop", None, raising=False)
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


def test_notices_of_one_process_reach_the_agents_in_commit_order(  # type: ignore[no-untyped-def]
    django_capture_on_commit_callbacks, monkeypatch
) -> None:
    """Sends run one at a time on a loop, first come first served: a send still waiting
    (for the channel layer's connection, say) is not overtaken by the next commit's."""
    monkeypatch.setattr(live, "_server", None)
    monkeypatch.setattr(SyncToAsync.threadlocal, "main_event_loop", None, raising=False)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.ticket_group(8), channel)
    original = layer.group_send
    slow = {"first": True}

    async def group_send(group: str, message: dict[str, object]) -> None:
        if slow.pop("first", False):
            await asyncio.sleep(0.2)  # the first send waits; the later ones do not
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", group_send)
    kinds = [f"change-{n}" for n in range(5)]
    for kind in kinds:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            live.ticket_changed(8, kind=kind)
    live.drain()

    got = [async_to_sync(_next_message)(channel)["payload"]["kind"] for _ in kinds]  # type: ignore[index]
    assert got == kinds
