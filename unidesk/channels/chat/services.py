"""Every write of the web chat: visitor sessions, their messages, typing, identification.

The WebSocket consumer and the HTTP fallback both call `handle_frame`, so the two
transports speak one protocol (docs/chat.md lists the frames). Visitor messages enter the
desk through `intake.receive` (channel "chat", external id `<visitor id>:<client uuid>`, so
a resend is harmless); agents' replies reach the visitor after commit through the
ticket's channel-layer group and, on reconnect, from the stored history.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext, override

from unidesk.accounts.models import Role, User
from unidesk.channels.chat.models import ChatSession, ChatWidget
from unidesk.core import live, presence
from unidesk.core.errors import DomainError
from unidesk.core.time import now
from unidesk.customers.models import Customer, Identity, IdentityKind
from unidesk.customers.services import merge_customers, normalise_identity
from unidesk.intake.inbound import InboundAttachment, InboundMessage
from unidesk.intake.receive import receive
from unidesk.queues.models import ChannelWeight
from unidesk.tickets import services as tickets
from unidesk.tickets.models import Message, MessageKind, Status

log = logging.getLogger(__name__)

CHANNEL = "chat"
TOKEN_SALT = "unidesk.chat.visitor"
#: A visitor token is good for a year: the widget's history survives reloads and visits.
TOKEN_MAX_AGE = timedelta(days=365)
MAX_TEXT = 10_000
HISTORY_LIMIT = 200
_CLIENT_ID = re.compile(r"^[0-9A-Za-z-]{8,64}$")
_VISIBLE = (MessageKind.CUSTOMER, MessageKind.REPLY)


class TooLarge(DomainError):
    status = 413


class UnsupportedType(DomainError):
    status = 415


# --- tokens and sessions -----------------------------------------------------------------


def issue_token(session: ChatSession) -> str:
    return signing.dumps({"w": session.widget.key, "v": str(session.visitor_id)}, salt=TOKEN_SALT)


def read_token(token: str, *, widget: ChatWidget) -> ChatSession | None:
    """The session a token names, if it is genuine, current and for this widget."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("w") != widget.key:
        return None
    try:
        visitor_id = uuid.UUID(str(data.get("v")))
    except ValueError:
        return None
    return (
        ChatSession.objects.select_related("widget", "ticket", "customer")
        .filter(widget=widget, visitor_id=visitor_id)
        .first()
    )


def open_session(
    widget: ChatWidget, *, token: str | None, user_agent: str = "", at: datetime | None = None
) -> tuple[ChatSession, str, bool]:
    """The visitor's session from their token, or a new one; returns (session, token, new)."""
    at = at or now()
    session = read_token(token, widget=widget) if token else None
    if session is not None:
        ChatSession.objects.filter(pk=session.pk).update(last_seen_at=at)
        return session, token or issue_token(session), False
    session = ChatSession.objects.create(
        widget=widget, user_agent=user_agent[:300], created_at=at, last_seen_at=at
    )
    session.widget = widget
    return session, issue_token(session), True


def get_widget(key: str) -> ChatWidget | None:
    return ChatWidget.objects.select_related("queue").filter(key=key, is_active=True).first()


# --- who is online -------------------------------------------------------------------------

_online: dict[int, tuple[float, bool]] = {}
_ONLINE_CACHE_SECONDS = 3.0


def _candidate_agents(widget: ChatWidget) -> list[int]:
    active = User.objects.filter(is_active=True)
    if widget.queue_id is None:
        return list(active.values_list("pk", flat=True))
    # Agents skilled for the queue, and leads/admins without skills (they work every queue).
    return list(
        active.filter(
            Q(skills=widget.queue_id)
            | (Q(Q(role__in=[Role.LEAD, Role.ADMIN]) | Q(is_superuser=True)) & Q(skills=None))
        )
        .distinct()
        .values_list("pk", flat=True)
    )


def agents_online(widget: ChatWidget) -> bool:
    """Whether an agent who can take this widget's chats has the workspace open.

    Checked per process at most every few seconds: every visitor's hello and poll asks.
    """
    hit = _online.get(widget.pk)
    clock = time.monotonic()
    if hit is not None and clock - hit[0] < _ONLINE_CACHE_SECONDS:
        return hit[1]
    online = bool(presence.online_user_ids(_candidate_agents(widget)))
    _online[widget.pk] = (clock, online)
    return online


def forget_online_cache() -> None:
    _online.clear()


def _visitor_key(session_id: int) -> str:
    return f"chat.visitor.{session_id}"


def mark_visitor_here(session: ChatSession, *, here: bool) -> None:
    """Whether the visitor has the page open (a heartbeat, like the agents')."""
    if here:
        cache.set(_visitor_key(session.pk), time.time(), presence.TTL)
    else:
        cache.delete(_visitor_key(session.pk))


def is_visitor_here(session: ChatSession) -> bool:
    return cache.get(_visitor_key(session.pk)) is not None


# --- what the visitor sees -------------------------------------------------------------------


def message_payload(message: Message) -> dict[str, Any]:
    """A message as the widget shows it (text only: the widget renders it as text)."""
    visitor = message.kind == MessageKind.CUSTOMER
    client_id = None
    if visitor and message.channel == CHANNEL and message.external_id:
        client_id = message.external_id.partition(":")[2] or None
    author = ""
    if not visitor and message.author is not None:
        author = message.author.first_name or message.author.username
    payload: dict[str, Any] = {
        "id": message.pk,
        "client_id": client_id,
        "from": "visitor" if visitor else "agent",
        "author": author,
        "text": message.text,
        "at": message.created_at.isoformat(),
        "files": [{"name": a.filename, "size": a.size} for a in message.attachments.all()],
    }
    if message.flags.get("attachments_too_large"):
        payload["files_refused"] = len(message.flags["attachments_too_large"])
    return payload


def history(session: ChatSession, *, since: int = 0) -> list[dict[str, Any]]:
    """The visitor's conversation (their messages and agents' replies, never notes)."""
    if session.ticket_id is None:
        return []
    rows = list(
        Message.objects.filter(ticket_id=session.ticket_id, kind__in=_VISIBLE, pk__gt=since)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("-pk")[:HISTORY_LIMIT]
    )
    return [message_payload(m) for m in reversed(rows)]


# --- what the visitor does --------------------------------------------------------------------


def _identities(session: ChatSession) -> tuple[tuple[str, str], ...]:
    # The e-mail first: it becomes the message's sender address, where replies may go.
    ids: list[tuple[str, str]] = []
    if session.email:
        ids.append((IdentityKind.EMAIL, session.email))
    ids.append(session.identity)
    return tuple(ids)


def post_message(
    session: ChatSession,
    *,
    client_id: str,
    text: str,
    attachments: Sequence[InboundAttachment] = (),
    flags: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Message:
    """Store a visitor message through the intake door and return it.

    The first message opens a ticket; later ones continue the session's ticket (an explicit
    reference, never "the customer's latest chat": an e-mail typed into the pre-chat form is
    not proof of who the visitor is). A resend with the same `client_id` changes nothing.
    """
    if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
        raise DomainError("A message needs an id: 8 to 64 letters, digits or dashes.")
    text = (text or "").strip() if isinstance(text, str) else ""
    if len(text) > MAX_TEXT:
        raise DomainError(f"A message is at most {MAX_TEXT} characters.")
    if not text and not attachments:
        raise DomainError("Write something first.")
    widget = session.widget
    inbound = InboundMessage(
        channel=CHANNEL,
        identities=_identities(session),
        external_id=f"{session.visitor_id}:{client_id}",
        sender_name=session.name,
        text=text,
        attachments=tuple(attachments),
        ticket_ref=session.ticket_id,
        thread_by_sender=False,
        default_queue_id=widget.queue_id,
        language="" if widget.language == "auto" else widget.language,
        flags={**({"page": session.page_url[:500]} if session.page_url else {}), **(flags or {})},
    )
    receipt = receive(inbound, at=at)
    ticket = receipt.ticket
    if (session.ticket_id, session.customer_id) != (ticket.pk, ticket.customer_id):
        ChatSession.objects.filter(pk=session.pk).update(
            ticket=ticket, customer_id=ticket.customer_id, last_seen_at=at or now()
        )
        session.ticket, session.customer_id = ticket, ticket.customer_id
        live.send_to_group(visitor_group(session.pk), {"event": "rejoin", "ticket": ticket.pk})
    return receipt.message


def visitor_group(session_id: int) -> str:
    return f"chat.visitor.{session_id}"


def _is_anonymous(customer: Customer) -> bool:
    """A profile the chat made for a visitor who has not said who they are."""
    return not customer.identities.exclude(
        kind=IdentityKind.EXTERNAL, value__startswith="chat:"
    ).exists()


@transaction.atomic
def identify(session: ChatSession, *, name: str = "", email: str = "") -> None:
    """The visitor gives a name and/or e-mail (pre-chat form, or later).

    The e-mail joins the visitor's customer profile. When it already belongs to another
    customer and the visitor's profile is only this anonymous chat, the chat's profile is
    merged into that customer (`customers.services.merge_customers`): the visitor is the
    same person who wrote by e-mail. A profile with other identities of its own is never
    merged automatically; agents merge by hand.
    """
    name = (name or "").strip()[:200] if isinstance(name, str) else ""
    email = (email or "").strip() if isinstance(email, str) else ""
    if email:
        email = normalise_identity(IdentityKind.EMAIL, email)
        if len(email) > 320:
            raise DomainError("That e-mail address is too long.")
    updates: dict[str, str] = {}
    if name:
        updates["name"] = session.name = name
    if email:
        updates["email"] = session.email = email
    if updates:
        ChatSession.objects.filter(pk=session.pk).update(**updates)
    customer = (
        Customer.objects.filter(pk=session.customer_id).first() if session.customer_id else None
    )
    if customer is None:
        return  # the first message carries them to the intake door
    if email:
        owner = Identity.objects.filter(kind=IdentityKind.EMAIL, value=email).first()
        if owner is None:
            Identity.objects.bulk_create(
                [Identity(customer=customer, kind=IdentityKind.EMAIL, value=email)],
                ignore_conflicts=True,
            )
        elif owner.customer_id != customer.pk and _is_anonymous(customer):
            target = merge_customers(customer, into=owner.customer)
            ChatSession.objects.filter(customer=customer).update(customer=target)
            session.customer_id = target.pk
            customer = target
    if name and not customer.name:
        Customer.objects.filter(pk=customer.pk).update(name=name)


def leave_email(
    session: ChatSession,
    *,
    email: str,
    name: str = "",
    text: str = "",
    client_id: str = "",
    at: datetime | None = None,
) -> Message | None:
    """Nobody is online: the visitor leaves an address and the chat becomes an e-mail ticket.

    The ticket is kept; its customer gets the e-mail identity, the ticket's channel becomes
    "email" (replies then go out through the e-mail channel's transport), and an internal
    note says so. Returns the visitor's message, if they wrote one.
    """
    at = at or now()
    if not (isinstance(email, str) and email.strip()):
        raise DomainError("An e-mail address is needed to answer you later.")
    identify(session, name=name, email=email)
    message = None
    if isinstance(text, str) and text.strip():
        message = post_message(
            session, client_id=client_id, text=text, flags={"left_email": True}, at=at
        )
    ticket = session.ticket
    if ticket is None:
        raise DomainError("Write your question, and we will answer by e-mail.")
    if ticket.channel == CHANNEL and ticket.status != Status.CLOSED:
        weight = (
            ChannelWeight.objects.filter(channel="email").values_list("weight", flat=True).first()
        )
        with override(settings.LANGUAGE_CODE):
            note = gettext(
                "The visitor left the chat while no agent was online and asked for an answer "
                "by e-mail to %(email)s. Replies on this ticket now go by e-mail."
            ) % {"email": session.email}
        tickets.continue_on_channel(ticket, "email", channel_weight=weight or 1, note=note, at=at)
    ChatSession.objects.filter(pk=session.pk).update(left_email=True)
    session.left_email = True
    return message


def set_page(session: ChatSession, *, url: str, title: str) -> None:
    """The page the visitor is on (shown to the agent); only http(s) URLs are kept."""
    url = url.strip()[:2000] if isinstance(url, str) else ""
    title = title.strip()[:300] if isinstance(title, str) else ""
    if not url.lower().startswith(("http://", "https://")):
        url = ""
    if (url, title) == (session.page_url, session.page_title):
        return
    ChatSession.objects.filter(pk=session.pk).update(page_url=url, page_title=title)
    session.page_url, session.page_title = url, title
    if session.ticket_id:
        live.visitor_changed(session.ticket_id)


def visitor_typing(session: ChatSession, *, typing: bool) -> None:
    if session.ticket_id:
        live.visitor_changed(session.ticket_id, typing=bool(typing))


# --- uploads -----------------------------------------------------------------------------------

_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}


def _looks_like(content_type: str, content: bytes) -> bool:
    if content_type == "image/webp":
        return content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    if content_type == "text/plain":
        if b"\x00" in content:
            return False
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    signatures = _SIGNATURES.get(content_type)
    return signatures is None or content.startswith(signatures)


def check_upload(
    widget: ChatWidget, *, filename: str, content_type: str, content: bytes
) -> InboundAttachment:
    """An uploaded file the widget accepts, or a refusal saying why (413, 415, 400)."""
    accepted = widget.accepted_types
    if not accepted:
        raise UnsupportedType("This chat does not take files.")
    limit = min(widget.max_upload_bytes, settings.UNIDESK_MAX_ATTACHMENT_BYTES)
    if len(content) > limit:
        raise TooLarge(f"The file is larger than {limit // 1024} KB.")
    if not content:
        raise DomainError("The file is empty.")
    filename = (filename or "file").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    declared = (content_type or "").split(";")[0].strip().lower()
    guessed = (mimetypes.guess_type(filename)[0] or "").lower()
    if declared not in accepted or guessed != declared or not _looks_like(declared, content):
        raise UnsupportedType("This kind of file is not accepted: " + ", ".join(accepted) + ".")
    return InboundAttachment(filename=filename, content_type=declared, content=content)


# --- one protocol for the WebSocket and the HTTP fallback -----------------------------------


@dataclass
class FrameResult:
    """What to answer the visitor, and what the socket should do next."""

    reply: dict[str, Any] | None = None
    join_ticket: int | None = None
    extra: list[dict[str, Any]] = field(default_factory=list)


def welcome(session: ChatSession, token: str, *, since: int = 0) -> dict[str, Any]:
    widget = session.widget
    return {
        "type": "welcome",
        "token": token,
        "online": agents_online(widget),
        "visitor": {"name": session.name, "email": session.email},
        "left_email": session.left_email,
        "messages": history(session, since=since),
        "agent_typing": bool(session.ticket_id and presence.is_agent_typing(session.ticket_id)),
    }


def handle_frame(session: ChatSession, frame: dict[str, Any]) -> FrameResult:
    """Act on one frame from the widget (WebSocket or HTTP); DomainError for a bad one."""
    kind = frame.get("type")
    before = session.ticket_id
    if kind == "message":
        message = post_message(session, client_id=frame.get("id", ""), text=frame.get("text", ""))
        result = FrameResult(reply={"type": "ack", "message": message_payload(message)})
    elif kind == "typing":
        visitor_typing(session, typing=bool(frame.get("typing")))
        result = FrameResult()
    elif kind == "page":
        set_page(session, url=frame.get("url", ""), title=frame.get("title", ""))
        result = FrameResult()
    elif kind == "identify":
        identify(session, name=frame.get("name", ""), email=frame.get("email", ""))
        result = FrameResult(
            reply={"type": "identified", "visitor": {"name": session.name, "email": session.email}}
        )
    elif kind == "leave_email":
        left = leave_email(
            session,
            email=frame.get("email", ""),
            name=frame.get("name", ""),
            text=frame.get("text", ""),
            client_id=frame.get("id", ""),
        )
        result = FrameResult(
            reply={
                "type": "left_email",
                "email": session.email,
                "message": message_payload(left) if left else None,
            }
        )
    elif kind == "sync":
        since = frame.get("since")
        result = FrameResult(
            reply={
                "type": "history",
                "messages": history(session, since=since if isinstance(since, int) else 0),
            }
        )
    else:
        raise DomainError(f"Unknown frame type {kind!r}.")
    if session.ticket_id != before:
        result.join_ticket = session.ticket_id
    return result
