"""Builders for staffing tests: channel settings and a history of tickets at known times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from unidesk.customers.models import Customer
from unidesk.queues.models import Queue
from unidesk.tickets.models import Status, Ticket
from unidesk.wfm.models import ChannelStaffing


def this_monday() -> date:
    """Monday of the current week in UTC (the plan's time zone without a calendar)."""
    today = timezone.now().astimezone(UTC).date()
    return today - timedelta(days=today.weekday())


def phone_settings(**changes: Any) -> ChannelStaffing:
    values: dict[str, Any] = {
        "channel": "phone",
        "model": "erlang_c",
        "aht_seconds": 180,
        "target_seconds": 20,
        "sl_target": Decimal("0.800"),
        "max_occupancy": Decimal("0.850"),
        "shrinkage": Decimal("0.300"),
        "margin_kind": "none",
        **changes,
    }
    return ChannelStaffing.objects.create(**values)


def add_history(
    *,
    channel: str,
    weeks: int,
    per_slot: dict[tuple[int, int], int],
    before: date | None = None,
    skip: set[date] = frozenset(),  # type: ignore[assignment]
) -> int:
    """Closed tickets for the ``weeks`` weeks before ``before`` (default: this Monday).

    ``per_slot[(weekday, minute)]`` tickets are created in the half hour starting at
    ``minute`` (UTC) of every such weekday; days in ``skip`` get none.
    """
    end = before or this_monday()
    customer = Customer.objects.create(name="History")
    queue = Queue.objects.get(is_default=True)
    rows = []
    for d in range(7 * weeks):
        day = end - timedelta(days=7 * weeks - d)
        if day in skip:
            continue
        for (weekday, minute), n in per_slot.items():
            if day.weekday() != weekday:
                continue
            start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minute)
            for i in range(n):
                rows.append(
                    Ticket(
                        customer=customer,
                        queue=queue,
                        channel=channel,
                        status=Status.CLOSED,
                        created_at=start + timedelta(seconds=(i * 1799) // max(n, 1)),
                    )
                )
    Ticket.objects.bulk_create(rows)
    return len(rows)
