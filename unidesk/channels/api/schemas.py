"""JSON shapes of the HTTP API (pydantic v2 through django-ninja)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, field_validator, model_validator

from unidesk.sla.models import Priority

PriorityName = Literal["low", "normal", "high", "urgent"]
StatusName = Literal["new", "open", "pending", "on_hold", "solved", "closed"]

PRIORITY_BY_NAME = {p.name.lower(): p.value for p in Priority}
PRIORITY_NAME = {value: name for name, value in PRIORITY_BY_NAME.items()}


class Error(Schema):
    detail: str


class CustomerRef(Schema):
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=64)
    telegram_id: str | None = Field(None, max_length=64)
    external_id: str | None = Field(None, max_length=320)
    name: str = Field("", max_length=200)

    @model_validator(mode="after")
    def needs_an_identity(self) -> CustomerRef:
        if not any((self.email, self.phone, self.telegram_id, self.external_id)):
            raise ValueError("customer needs one of email, phone, telegram_id or external_id")
        return self

    def identities(self) -> tuple[tuple[str, str], ...]:
        pairs = (
            ("email", self.email),
            ("phone", self.phone),
            ("telegram", self.telegram_id),
            ("external", self.external_id),
        )
        return tuple((kind, value) for kind, value in pairs if value)


class InboundIn(Schema):
    external_id: str | None = Field(None, min_length=1, max_length=500)
    customer: CustomerRef
    subject: str = Field("", max_length=500)
    text: str = Field(..., max_length=100_000)
    ticket_id: int | None = Field(None, description="Continue this ticket of the same customer.")
    language: str = Field("", max_length=16)

    @field_validator("text")
    @classmethod
    def text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be empty")
        return value


class InboundOut(Schema):
    ticket_id: int
    message_id: int
    created: bool


BATCH_LIMIT = 100


class InboundBatchIn(Schema):
    messages: list[InboundIn] = Field(..., min_length=1, max_length=BATCH_LIMIT)

    @field_validator("messages")
    @classmethod
    def each_has_an_external_id(cls, messages: list[InboundIn]) -> list[InboundIn]:
        # A batch cut short (a timeout, a restart) is simply sent again: the ids make the
        # messages already stored repeats, so nothing is stored twice.
        missing = [str(index) for index, m in enumerate(messages) if m.external_id is None]
        if missing:
            raise ValueError(
                "every message of a batch needs an external_id (missing in messages "
                f"{', '.join(missing[:10])})"
            )
        return messages


class InboundBatchOut(Schema):
    results: list[InboundOut] = Field(description="One per message, in the order sent.")
    created: int = Field(description="How many of them were new.")


class QueueRef(Schema):
    id: int
    slug: str
    name: str


class UserRef(Schema):
    id: int
    username: str


class CustomerBrief(Schema):
    id: int
    name: str
    tier: str


class TopicOut(Schema):
    queue_id: int | None
    name: str
    confidence: float
    routed: bool
    model_version: int


class TicketOut(Schema):
    id: int
    subject: str
    status: StatusName
    priority: PriorityName
    channel: str
    language: str
    queue: QueueRef
    assignee: UserRef | None
    customer: CustomerBrief
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    waiting_since: datetime | None
    first_response_at: datetime | None
    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    sla_due_at: datetime | None
    sla_paused: bool
    sla_breached: bool
    sla_breached_at: datetime | None
    sentiment: str
    urgency: str
    has_abuse: bool
    topic: TopicOut | None


class TicketFilters(Schema):
    status: StatusName | None = None
    queue: str | None = None
    assignee: str | None = None
    customer: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class TicketPatch(Schema):
    status: StatusName | None = None
    priority: PriorityName | None = None
    queue: str | int | None = Field(None, description="Queue id or slug.")
    assignee: str | int | None = Field(
        None, description='Username or id; null or "" to unassign when given explicitly.'
    )
    tags: list[str] | None = None


class ReplyIn(Schema):
    text: str = Field(..., min_length=1, max_length=100_000)
    internal: bool = False
    status: StatusName | None = Field(
        None, description="Status after the reply; a reply defaults to pending, a note keeps it."
    )


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str = Field(description="Download (the same permission check as the ticket).")


class EmailOut(Schema):
    """What only e-mail messages have."""

    message_id: str = Field(description="The Message-ID header (also `external_id`).")
    in_reply_to: str
    references: list[str]
    to: list[str]
    cc: list[str]
    reply_address: str = Field(description="Where a reply goes: Reply-To, else From.")
    quoted_text: str = Field(description="History the sender's client quoted below the text.")
    signature: str
    original_url: str | None = Field(description="The raw .eml as received or sent.")


class DeliveryOut(Schema):
    status: Literal["queued", "sending", "sent", "failed"]
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None


class MessageOut(Schema):
    id: int
    ticket_id: int
    kind: Literal["customer", "reply", "note"]
    channel: str
    external_id: str | None
    author: UserRef | None
    sender_name: str
    sender_address: str
    subject: str
    text: str
    html: str
    attachments: list[AttachmentOut]
    flags: dict[str, object]
    is_auto_reply: bool = Field(description="Written by a machine (vacation, auto-responder).")
    is_bounce: bool = Field(description="A delivery failure notice.")
    is_unparseable: bool = Field(
        description="Could not be read; the original is attached for a human."
    )
    email: EmailOut | None = Field(None, description="For e-mail: threading ids, quote.")
    pii: list[dict[str, object]]
    language: str
    sentiment: str
    is_abusive: bool
    created_at: datetime
    delivery: DeliveryOut | None = Field(
        None, description="For replies a channel carries (email, Telegram): where it stands."
    )


class QueueOut(Schema):
    id: int
    slug: str
    name: str
    strategy: str
    urgency: Literal["background", "normal", "urgent"]
    waiting: int
    oldest_waiting_since: datetime | None
    oldest_wait_seconds: int | None
    breached: int
    due_soon: int


class IdentityOut(Schema):
    kind: str
    value: str


class CustomerTicket(Schema):
    id: int
    subject: str
    status: str
    channel: str
    created_at: datetime


class CustomerOut(Schema):
    id: int
    name: str
    tier: str
    language: str
    merged_into: int | None
    identities: list[IdentityOut]
    tickets: list[CustomerTicket]
