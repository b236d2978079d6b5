"""The HTTP API, version 1: thin handlers that parse, call a service or selector, serialise."""

from __future__ import annotations

import base64
import binascii

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Router
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from unidesk.accounts.models import User
from unidesk.channels.api import schemas as s
from unidesk.channels.api.auth import BearerAuth
from unidesk.channels.api.staffing import router as staffing_router
from unidesk.channels.email import files
from unidesk.core.errors import DomainError, NotFound, PermissionDenied
from unidesk.core.time import now
from unidesk.customers.models import Customer
from unidesk.intake.inbound import InboundMessage
from unidesk.intake.receive import KNOWN_CHANNELS, Receipt, check, receive
from unidesk.outbox.services import retry_delivery
from unidesk.queues import engine
from unidesk.queues.models import Queue, Urgency
from unidesk.queues.selectors import list_queue_stats
from unidesk.tickets import selectors, services
from unidesk.tickets.models import Message, Ticket

api = NinjaAPI(
    title="Unidesk API",
    version="1",
    description="Tickets, messages, queues and customers of a Unidesk desk.",
    auth=[BearerAuth(), django_auth],
    urls_namespace="api",
)
v1 = Router()


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    problems: list[str] = []
    for error in exc.errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "payload"))
        message = str(error.get("msg", "invalid"))
        problems.append(f"{where}: {message}" if where else message)
    return api.create_response(
        request,
        {"detail": "; ".join(problems) or "Invalid input.", "errors": exc.errors},
        status=422,
    )


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# --- serialisers --------------------------------------------------------------------------


def ticket_out(ticket: Ticket) -> dict[str, object]:
    at = now()
    return {
        "id": ticket.pk,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": s.PRIORITY_NAME[ticket.priority],
        "channel": ticket.channel,
        "language": ticket.language,
        "queue": {"id": ticket.queue.pk, "slug": ticket.queue.slug, "name": ticket.queue.name},
        "assignee": (
            {"id": ticket.assignee.pk, "username": ticket.assignee.username}
            if ticket.assignee
            else None
        ),
        "customer": {
            "id": ticket.customer.pk,
            "name": ticket.customer.name,
            "tier": ticket.customer.tier,
        },
        "tags": sorted(t.name for t in ticket.tags.all()),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "waiting_since": ticket.waiting_since,
        "first_response_at": ticket.first_response_at,
        "first_response_due_at": ticket.first_response_due_at,
        "next_response_due_at": ticket.next_response_due_at,
        "resolution_due_at": ticket.resolution_due_at,
        "sla_due_at": ticket.sla_due_at,
        "sla_paused": ticket.sla_paused_at is not None,
        "sla_breached": ticket.is_breached(at),
        "sla_breached_at": ticket.sla_breached_at,
        "sentiment": ticket.sentiment,
        "urgency": ticket.urgency,
        "has_abuse": ticket.has_abuse,
        "topic": _topic_out(ticket),
    }


def _topic_out(ticket: Ticket) -> dict[str, object] | None:
    topic = getattr(ticket, "topic", None)  # absent when no model was active at intake
    if topic is None:
        return None
    return {
        "queue_id": topic.queue_id,
        "name": topic.label,
        "confidence": topic.confidence,
        "routed": topic.routed,
        "model_version": topic.model_version,
    }


def message_out(message: Message) -> dict[str, object]:
    return {
        "id": message.pk,
        "ticket_id": message.ticket_id,
        "kind": message.kind,
        "channel": message.channel,
        "external_id": message.external_id,
        "author": (
            {"id": message.author.pk, "username": message.author.username}
            if message.author
            else None
        ),
        "sender_name": message.sender_name,
        "sender_address": message.sender_address,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "attachments": [
            {
                "id": a.pk,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "url": f"/api/v1/attachments/{a.pk}",
            }
            for a in message.attachments.all()
        ],
        "flags": message.flags,
        "is_auto_reply": bool(message.flags.get("auto_reply")),
        "is_bounce": bool(message.flags.get("bounce")),
        "is_unparseable": bool(message.flags.get("unparseable")),
        "email": _email_out(message),
        "pii": message.pii,
        "language": message.language,
        "sentiment": message.sentiment,
        "is_abusive": message.is_abusive,
        "created_at": message.created_at,
        "delivery": _delivery_out(message),
    }


def _email_out(message: Message) -> dict[str, object] | None:
    try:
        email = message.email
    except ObjectDoesNotExist:
        return None

    def split(value: str) -> list[str]:
        return [a.strip() for a in value.replace(",", " ").split() if a.strip()]

    return {
        "message_id": email.mail_id,
        "in_reply_to": email.in_reply_to,
        "references": email.references.split(),
        "to": split(email.to),
        "cc": split(email.cc),
        "reply_address": email.reply_address,
        "quoted_text": email.quoted_text,
        "signature": email.signature,
        "original_url": f"/api/v1/messages/{message.pk}/original" if email.raw else None,
    }


def _delivery_out(message: Message) -> dict[str, object] | None:
    try:
        delivery = message.delivery
    except ObjectDoesNotExist:
        return None
    return {
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at,
        "sent_at": delivery.sent_at,
    }


def _reload(ticket_id: int) -> Ticket:
    return selectors.list_tickets_all().get(pk=ticket_id)


# --- intake -----------------------------------------------------------------------------


@v1.post(
    "/messages/inbound",
    response={200: s.InboundOut, 201: s.InboundOut, 400: s.Error, 422: s.Error},
    summary="Receive a customer message through the API channel",
)
def post_inbound(request: HttpRequest, payload: s.InboundIn) -> tuple[int, dict[str, object]]:
    receipt = receive(_inbound(payload))
    return (201 if receipt.created else 200), _receipt_out(receipt)


@v1.post(
    "/messages/inbound/batch",
    response={200: s.InboundBatchOut, 400: s.Error, 422: s.Error},
    summary="Receive up to 100 customer messages in one call",
)
def post_inbound_batch(request: HttpRequest, payload: s.InboundBatchIn) -> dict[str, object]:
    """Each message is received as by `POST /messages/inbound`, in order, each in its own
    transaction. All are checked first: one refused message refuses the batch, and nothing
    is stored."""
    inbounds = [_inbound(item) for item in payload.messages]
    for index, inbound in enumerate(inbounds):
        try:
            check(inbound)
        except DomainError as exc:
            raise DomainError(f"messages.{index}: {exc.message}") from exc
    receipts = [receive(inbound) for inbound in inbounds]
    return {
        "results": [_receipt_out(receipt) for receipt in receipts],
        "created": sum(receipt.created for receipt in receipts),
    }


def _inbound(payload: s.InboundIn) -> InboundMessage:
    return InboundMessage(
        channel="api",
        external_id=payload.external_id,
        identities=payload.customer.identities(),
        sender_name=payload.customer.name,
        subject=payload.subject,
        text=payload.text,
        ticket_ref=payload.ticket_id,
        language=payload.language,
    )


def _receipt_out(receipt: Receipt) -> dict[str, object]:
    return {
        "ticket_id": receipt.ticket.pk,
        "message_id": receipt.message.pk,
        "created": receipt.created,
    }


@v1.get("/messages", response={200: list[s.MessageOut]}, summary="Find messages by external id")
def find_messages(request: HttpRequest, external_id: str) -> list[dict[str, object]]:
    user = _user(request)
    # An e-mail's Message-ID matches with or without its angle brackets.
    bare = external_id.strip().strip("<>")
    found = (
        # Naming every channel lets the unique (channel, external id) index serve the
        # search; by external id alone it read the whole message table.
        Message.objects.filter(
            channel__in=KNOWN_CHANNELS, external_id__in={external_id, bare, f"<{bare}>"}
        )
        .select_related("ticket__queue", "author", "delivery", "email")
        .prefetch_related("attachments")
    )
    return [message_out(m) for m in found if selectors.can_work(user, m.ticket)]


# --- tickets ------------------------------------------------------------------------------


def _decode_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError("cursor is not one this API gave out.") from None


def _encode_cursor(ticket_id: int) -> str:
    return base64.urlsafe_b64encode(str(ticket_id).encode()).decode().rstrip("=")


@v1.get("/tickets", response=s.TicketPage, summary="List tickets, newest first")
def list_tickets(request: HttpRequest, filters: Query[s.TicketFilters]) -> dict[str, object]:
    user = _user(request)
    qs = selectors.list_tickets(user).order_by("-id")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.queue:
        qs = qs.filter(queue=_find_queue(filters.queue))
    if filters.assignee:
        if filters.assignee == "none":
            qs = qs.filter(assignee__isnull=True)
        elif filters.assignee == "me":
            qs = qs.filter(assignee=user)
        else:
            qs = qs.filter(assignee=_find_user(filters.assignee))
    if filters.customer is not None:
        qs = qs.filter(customer_id=filters.customer)
    if filters.cursor:
        qs = qs.filter(id__lt=_decode_cursor(filters.cursor))
    page = list(qs[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {
        "items": [ticket_out(t) for t in page],
        "next_cursor": _encode_cursor(page[-1].pk) if more else None,
    }


@v1.get("/tickets/{ticket_id}", response={200: s.TicketOut, 403: s.Error, 404: s.Error})
def get_ticket(request: HttpRequest, ticket_id: int) -> dict[str, object]:
    selectors.access_ticket(_user(request), ticket_id)
    return ticket_out(_reload(ticket_id))


def _find_queue(ref: str | int) -> Queue:
    queue = (
        Queue.objects.filter(pk=int(ref)).first()
        if str(ref).isdigit()
        else Queue.objects.filter(slug=ref).first()
    )
    if queue is None:
        raise DomainError(f"No queue {ref!r}.")
    return queue


def _find_user(ref: str | int) -> User:
    user = (
        User.objects.filter(pk=int(ref)).first()
        if str(ref).isdigit()
        else User.objects.filter(username=ref).first()
    )
    if user is None:
        raise DomainError(f"No agent {ref!r}.")
    return user


@v1.patch(
    "/tickets/{ticket_id}",
    response={200: s.TicketOut, 400: s.Error, 403: s.Error, 404: s.Error, 422: s.Error},
)
def patch_ticket(request: HttpRequest, ticket_id: int, payload: s.TicketPatch) -> dict[str, object]:
    user = _user(request)
    given = payload.model_fields_set
    with transaction.atomic():
        ticket = selectors.access_ticket(user, ticket_id, for_update=True)
        changes = services.TicketChanges(
            status=payload.status,
            priority=s.PRIORITY_BY_NAME[payload.priority] if payload.priority else None,
            queue=_find_queue(payload.queue) if payload.queue not in (None, "") else None,
            assignee=_find_user(payload.assignee) if payload.assignee not in (None, "") else None,
            unassign="assignee" in given and payload.assignee in (None, ""),
            tags=payload.tags,
        )
        services.update_ticket(ticket, changes, by=user)
    return ticket_out(_reload(ticket_id))


@v1.post(
    "/tickets/{ticket_id}/replies",
    response={201: s.MessageOut, 400: s.Error, 403: s.Error, 404: s.Error, 422: s.Error},
)
def post_reply(
    request: HttpRequest, ticket_id: int, payload: s.ReplyIn
) -> tuple[int, dict[str, object]]:
    user = _user(request)
    with transaction.atomic():
        ticket = selectors.access_ticket(user, ticket_id, for_update=True)
        message = services.reply_to_ticket(
            ticket, by=user, text=payload.text, internal=payload.internal, status=payload.status
        )
    return 201, message_out(message)


@v1.get(
    "/tickets/{ticket_id}/messages",
    response={200: list[s.MessageOut], 403: s.Error, 404: s.Error},
)
def list_messages(request: HttpRequest, ticket_id: int) -> list[dict[str, object]]:
    ticket = selectors.access_ticket(_user(request), ticket_id)
    return [message_out(m) for m in selectors.list_messages(ticket)]


@v1.post(
    "/tickets/{ticket_id}/messages/{message_id}/retry-delivery",
    response={200: s.MessageOut, 403: s.Error, 404: s.Error, 409: s.Error},
)
def retry_message_delivery(
    request: HttpRequest, ticket_id: int, message_id: int
) -> dict[str, object]:
    """Queue a reply whose delivery failed for another round of attempts."""
    ticket = selectors.access_ticket(_user(request), ticket_id)
    message = selectors.list_messages(ticket).filter(pk=message_id).first()
    if message is None or not hasattr(message, "delivery"):
        raise NotFound(f"Message {message_id} of ticket {ticket_id} has no delivery.")
    retry_delivery(message.delivery, by=_user(request))
    message.delivery.refresh_from_db()
    return message_out(message)


@v1.get(
    "/attachments/{attachment_id}",
    response={200: None, 403: s.Error, 404: s.Error},
    summary="Download an attachment",
)
def get_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = selectors.access_attachment(_user(request), attachment_id)
    return files.attachment_response(attachment, inline=False)


@v1.get(
    "/messages/{message_id}/original",
    response={200: None, 403: s.Error, 404: s.Error},
    summary="Download the original of an e-mail message (.eml)",
)
def get_original(request: HttpRequest, message_id: int) -> FileResponse:
    message = selectors.access_message(_user(request), message_id)
    return files.original_response(message)


@v1.post("/next-ticket", response={200: s.TicketOut, 204: None})
def next_ticket(request: HttpRequest) -> tuple[int, dict[str, object] | None]:
    ticket = engine.claim_next_ticket(_user(request))
    if ticket is None:
        return 204, None
    return 200, ticket_out(_reload(ticket.pk))


# --- queues and customers -----------------------------------------------------------------


@v1.get("/queues", response=list[s.QueueOut])
def list_queues(request: HttpRequest) -> list[dict[str, object]]:
    at = now()
    return [
        {
            "id": st.queue.pk,
            "slug": st.queue.slug,
            "name": st.queue.name,
            "strategy": st.queue.strategy,
            "urgency": Urgency(st.queue.urgency).name.lower(),
            "waiting": st.waiting,
            "oldest_waiting_since": st.oldest_waiting_since,
            "oldest_wait_seconds": st.oldest_wait_seconds(at),
            "breached": st.breached,
            "due_soon": st.due_soon,
        }
        for st in list_queue_stats(_user(request), at=at)
    ]


@v1.get("/customers/{customer_id}", response={200: s.CustomerOut, 403: s.Error, 404: s.Error})
def get_customer(request: HttpRequest, customer_id: int) -> dict[str, object]:
    user = _user(request)
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    tickets = list(selectors.list_tickets(user).filter(customer=customer).order_by("-created_at"))
    if not user.sees_all_queues and not tickets:
        raise PermissionDenied("None of this customer's tickets is in your queues.")
    return {
        "id": customer.pk,
        "name": customer.name,
        "tier": customer.tier,
        "language": customer.language,
        "merged_into": customer.merged_into_id,
        "identities": [{"kind": i.kind, "value": i.value} for i in customer.identities.all()],
        "tickets": [
            {
                "id": t.pk,
                "subject": t.subject,
                "status": t.status,
                "channel": t.channel,
                "created_at": t.created_at,
            }
            for t in tickets
        ],
    }


v1.add_router("/staffing", staffing_router)
api.add_router("/v1", v1)
