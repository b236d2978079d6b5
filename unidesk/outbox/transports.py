"""The outbound half of a channel: a `Transport` sends one stored reply to the customer.

Channels register their transport when their app is ready (`register(transport)`); the
outbox (`outbox.services`) calls `send()` from the worker, outside any transaction, and
turns what it raises into retries: `ChannelError(permanent=True)` fails the delivery at once
(a bad address, a blocked bot), anything else is retried with backoff, or after
`retry_after` seconds when the channel says so (a rate limit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from unidesk.tickets.models import Message


class ChannelError(Exception):
    """A send that did not go through; `permanent` says whether retrying can help."""

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after


class Transport(Protocol):
    #: The channel this transport answers on (`Ticket.channel`).
    channel: str

    def send(self, message: Message) -> str | None:
        """Deliver `message` (an agent reply); return the channel's id for it, if any.

        Called at least once per reply: after a crash between sending and recording, the
        delivery is retried, so a transport should make a repeat harmless where the channel
        allows it (a stable e-mail Message-ID, for instance).
        """
        ...


_transports: dict[str, Transport] = {}


def register(transport: Transport) -> None:
    _transports[transport.channel] = transport


def unregister(channel: str) -> None:
    _transports.pop(channel, None)


def transport_for(channel: str) -> Transport | None:
    return _transports.get(channel)
