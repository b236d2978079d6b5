"""The one shape every channel turns what arrived into."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class InboundMessage:
    """A customer message as a channel adapter hands it to `intake.receive`.

    `identities` are (kind, value) pairs, kinds from `customers.models.IdentityKind`.
    `external_id` is the channel's own message id (an e-mail's Message-ID, a Telegram
    update's chat:message id, an API client's id); intake is idempotent on it.
    `reply_to` is the external id of the message this one answers and `ticket_ref` a ticket
    number the customer quoted: both thread explicitly. `thread_by_sender` lets a channel
    whose messages have no explicit reference (chat, API) continue the customer's open
    ticket on that channel. `default_queue_id` and `reopens` are explained below.
    """

    channel: str
    identities: tuple[tuple[str, str], ...]
    external_id: str | None = None
    sender_name: str = ""
    subject: str = ""
    text: str = ""
    html: str = ""
    attachments: tuple[InboundAttachment, ...] = ()
    reply_to: str | None = None
    ticket_ref: int | None = None
    sent_at: datetime | None = None
    language: str = ""
    thread_by_sender: bool = True
    flags: Mapping[str, Any] = field(default_factory=dict)
    #: The channel's own queue (an e-mail mailbox's, a chat widget's, a Telegram bot's):
    #: where a new ticket goes when neither a rule nor the routing model places it; None for
    #: the desk's default queue (see queues.routing.route).
    default_queue_id: int | None = None
    #: False for machine-written messages (auto-replies, floods over a rate limit): stored
    #: on the ticket they thread into without reopening it or restarting its clocks.
    reopens: bool = True

    @property
    def sender_address(self) -> str:
        return self.identities[0][1] if self.identities else ""
