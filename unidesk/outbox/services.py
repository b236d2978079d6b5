"""Every write to the outbox: queue a reply for delivery, deliver what is due, retry.

Delivery is at least once: a delivery is claimed (status `sending`, with a lease) in one
short transaction, sent outside any transaction, and the outcome recorded in another. A
worker that dies mid-send leaves the row `sending`; when the lease ends it is due again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from unidesk.accounts.models import User
from unidesk.core import live
from unidesk.core.errors import Conflict
from unidesk.core.time import now
from unidesk.outbox.models import Delivery, DeliveryStatus
from unidesk.outbox.transports import ChannelError, transport_for
from unidesk.tickets import services as tickets
from unidesk.tickets.models import EventKind, Message

log = logging.getLogger(__name__)

#: How long a worker may take over one send before another worker may try again.
LEASE = timedelta(minutes=5)
#: The longest wait between two attempts.
MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, ... capped at an hour."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def enqueue_delivery(message: Message, *, at: datetime) -> Delivery | None:
    """Queue `message` for its channel's transport; None when the channel sends nothing
    (the API channel: integrations read replies through the API)."""
    if transport_for(message.channel) is None:
        return None
    return Delivery.objects.create(
        message=message,
        channel=message.channel,
        status=DeliveryStatus.QUEUED,
        next_attempt_at=at,
        created_at=at,
    )


def _claim(*, at: datetime, limit: int) -> list[Delivery]:
    due = Q(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING], next_attempt_at__lte=at)
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("next_attempt_at", "pk")[:limit]
        )
        if rows:
            Delivery.objects.filter(pk__in=[d.pk for d in rows]).update(
                status=DeliveryStatus.SENDING, next_attempt_at=at + LEASE
            )
    return rows


def deliver_due(*, at: datetime | None = None, limit: int = 100) -> int:
    """Send every delivery that is due (one pass of the worker); returns how many were tried."""
    at = at or now()
    rows = _claim(at=at, limit=limit)
    for delivery in rows:
        attempt_delivery(delivery, at=at)
    return len(rows)


def attempt_delivery(delivery: Delivery, *, at: datetime) -> None:
    """Send one claimed delivery through its channel and record the outcome."""
    message = Message.objects.select_related("ticket__customer", "ticket__queue", "author").get(
        pk=delivery.message_id
    )
    delivery.attempts += 1
    transport = transport_for(delivery.channel)
    try:
        if transport is None:
            raise ChannelError(f"No transport for the {delivery.channel} channel.")
        remote_id = transport.send(message)
    except ChannelError as exc:
        _failed(
            delivery,
            message,
            error=exc.message,
            permanent=exc.permanent,
            retry_after=exc.retry_after,
            at=at,
        )
    except Exception as exc:  # a bug or an unexpected library error: retry, and say so
        log.exception("delivery %s of message %s failed", delivery.pk, message.pk)
        _failed(
            delivery,
            message,
            error=f"{type(exc).__name__}: {exc}",
            permanent=False,
            retry_after=None,
            at=at,
        )
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = at
        delivery.next_attempt_at = None
        delivery.last_error = ""
        delivery.remote_id = (remote_id or "")[:500]
        with transaction.atomic():
            delivery.save()
            live.ticket_changed(message.ticket_id, kind="delivery")


def _failed(
    delivery: Delivery,
    message: Message,
    *,
    error: str,
    permanent: bool,
    retry_after: float | None,
    at: datetime,
) -> None:
    delivery.last_error = error[:2000]
    gave_up = permanent or delivery.attempts >= settings.UNIDESK_DELIVERY_MAX_ATTEMPTS
    with transaction.atomic():
        if gave_up:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            tickets.record_event(
                message.ticket,
                EventKind.DELIVERY_FAILED,
                at=at,
                message_id=message.pk,
                channel=delivery.channel,
                error=delivery.last_error[:300],
                attempts=delivery.attempts,
            )
        else:
            wait = timedelta(seconds=retry_after) if retry_after else backoff(delivery.attempts)
            delivery.status = DeliveryStatus.QUEUED
            delivery.next_attempt_at = at + wait
            live.ticket_changed(message.ticket_id, kind="delivery")
        delivery.save()
    log.warning(
        "delivery of message %s on %s %s: %s",
        message.pk,
        delivery.channel,
        "failed" if gave_up else f"will retry ({delivery.attempts})",
        error,
    )


@transaction.atomic
def retry_delivery(delivery: Delivery, *, by: User | None, at: datetime | None = None) -> None:
    """Queue a failed delivery again, with a fresh set of attempts."""
    at = at or now()
    delivery = (
        Delivery.objects.select_for_update().select_related("message__ticket").get(pk=delivery.pk)
    )
    if delivery.status != DeliveryStatus.FAILED:
        raise Conflict("Only a failed delivery can be retried.")
    delivery.status = DeliveryStatus.QUEUED
    delivery.attempts = 0
    delivery.next_attempt_at = at
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    tickets.record_event(
        delivery.message.ticket,
        EventKind.DELIVERY_RETRIED,
        at=at,
        by=by,
        message_id=delivery.message_id,
    )
