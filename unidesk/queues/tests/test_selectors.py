from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import T0
from unidesk.queues.selectors import list_queue_stats
from unidesk.queues.tests.test_engine import waiting
from unidesk.tickets.models import Status

pytestmark = pytest.mark.django_db


def test_queue_stats_count_waiting_breached_and_due_soon_tickets(desk) -> None:  # type: ignore[no-untyped-def]
    waiting(desk.payments, minutes_ago=30, due_in=None)  # no clock running
    waiting(desk.payments, minutes_ago=90, due_in=-5)  # breached
    waiting(desk.payments, minutes_ago=10, due_in=0)  # due this very moment: breached
    waiting(desk.payments, minutes_ago=5, due_in=30)  # due within the hour
    waiting(desk.payments, minutes_ago=1, due_in=60)  # due at the hour's end: soon
    waiting(desk.payments, minutes_ago=2, due_in=61)  # later
    taken = waiting(desk.payments, minutes_ago=500, due_in=-100)
    taken.assignee = desk.alice
    taken.save()
    solved = waiting(desk.payments, minutes_ago=600, due_in=-100)
    solved.status = Status.SOLVED
    solved.save()

    stats = {s.queue.slug: s for s in list_queue_stats(desk.lead, at=T0)}

    payments = stats["payments"]
    assert payments.waiting == 6
    assert payments.breached == 2
    assert payments.due_soon == 2
    assert payments.oldest_waiting_since == T0 - timedelta(minutes=90)
    general = stats["general"]
    assert (general.waiting, general.breached, general.due_soon) == (0, 0, 0)
    assert general.oldest_waiting_since is None
    assert next(s.queue.slug for s in list_queue_stats(desk.lead, at=T0)) == "payments"
