"""A transport of our own interface for the outbox tests: records sends, fails on demand."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from conftest import T0
from unidesk.intake.inbound import InboundMessage
from unidesk.intake.receive import receive
from unidesk.outbox import transports
from unidesk.outbox.transports import ChannelError
from unidesk.tickets.models import Message
from unidesk.tickets.services import reply_to_ticket


class Recorder:
    """A transport of our own interface that records sends and fails on demand."""

    channel = "email"

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.failures: list[ChannelError | Exception] = []
        self.lock = threading.Lock()

    def send(self, message: Message) -> str | None:
        with self.lock:
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append(message.pk)
        return f"<m{message.pk}@test>"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    transport = Recorder()
    previous = transports.transport_for("email")
    transports.register(transport)
    yield transport
    transports.unregister("email")
    if previous is not None:
        transports.register(previous)


def reply(desk, channel: str = "email") -> Message:  # type: ignore[no-untyped-def]
    inbound = InboundMessage(
        channel=channel, identities=(("email", "ann@example.com"),), text="refund please"
    )
    ticket = receive(inbound, at=T0).ticket
    return reply_to_ticket(ticket, by=desk.alice, text="Refunded.", at=T0 + timedelta(minutes=1))
