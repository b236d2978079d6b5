from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from conftest import T0
from unidesk.core.errors import Conflict
from unidesk.outbox.models import Delivery, DeliveryStatus
from unidesk.outbox.services import LEASE, backoff, deliver_due, retry_delivery
from unidesk.outbox.tests.conftest import reply
from unidesk.outbox.transports import ChannelError
from unidesk.tickets.models import EventKind
from unidesk.tickets.services import reply_to_ticket


@pytest.mark.django_db
class TestDelivery:
    def test_a_reply_is_queued_for_its_channel_and_sent_by_the_worker(self, desk, recorder) -> None:  # type: ignore[no-untyped-def]
        message = reply(desk)
        delivery = Delivery.objects.get(message=message)
        assert delivery.status == DeliveryStatus.QUEUED

        assert deliver_due(at=T0 + timedelta(minutes=1)) == 1

        delivery.refresh_from_db()
        assert recorder.sent == [message.pk]
        assert (delivery.status, delivery.attempts, delivery.remote_id) == (
            DeliveryStatus.SENT,
            1,
            f"<m{message.pk}@test>",
        )
        assert deliver_due(at=T0 + timedelta(hours=2)) == 0  # sent once only

    def test_notes_and_channels_without_a_transport_queue_nothing(self, desk, recorder) -> None:  # type: ignore[no-untyped-def]
        api_reply = reply(desk, channel="api")
        note = reply_to_ticket(api_reply.ticket, by=desk.alice, text="fyi", internal=True, at=T0)
        assert not Delivery.objects.filter(message__in=[api_reply, note]).exists()

    def test_a_transient_failure_is_retried_with_backoff(self, desk, recorder) -> None:  # type: ignore[no-untyped-def]
        message = reply(desk)
        recorder.failures = [ChannelError("451 try later")]
        at = T0 + timedelta(minutes=1)

        deliver_due(at=at)

        delivery = Delivery.objects.get(message=message)
        assert (delivery.status, delivery.attempts, delivery.last_error) == (
            DeliveryStatus.QUEUED,
            1,
            "451 try later",
        )
        assert delivery.next_attempt_at == at + backoff(1)
        assert deliver_due(at=at + backoff(1) - timedelta(seconds=1)) == 0  # not yet due
        deliver_due(at=at + backoff(1))
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SENT
        assert delivery.last_error == ""

    def test_a_rate_limit_waits_as_long_as_the_channel_asks(self, desk, recorder) -> None:  # type: ignore[no-untyped-def]
        message = reply(desk)
        recorder.failures = [ChannelError("429 Too Many Requests", retry_after=7)]
        at = T0 + timedelta(minutes=1)
        deliver_due(at=at)
        delivery = Delivery.objects.get(message=message)
        assert delivery.next_attempt_at == at + timedelta(seconds=7)

    def test_a_permanent_failure_fails_at_once_and_shows_on_the_timeline(
        self, desk, recorder
    ) -> None:  # type: ignore[no-untyped-def]
        message = reply(desk)
        recorder.failures = [ChannelError("550 no such user", permanent=True)]

        deliver_due(at=T0 + timedelta(minutes=1))

        delivery = Delivery.objects.get(message=message)
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
        event = message.ticket.events.get(kind=EventKind.DELIVERY_FAILED)
        assert event.data["error"] == "550 no such user"
        assert event.data["message_id"] == message.pk

    def test_it_gives_up_after_the_configured_attempts(self, desk, recorder, settings) -> None:  # type: ignore[no-untyped-def]
        settings.UNIDESK_DELIVERY_MAX_ATTEMPTS = 3
        message = reply(desk)
        recorder.failures = [RuntimeError("boom")] * 3
        at = T0 + timedelta(minutes=1)
        for _ in range(3):
            deliver_due(at=at)
            at += timedelta(hours=1)
        delivery = Delivery.objects.get(message=message)
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
        assert delivery.last_error == "RuntimeError: boom"
        assert recorder.sent == []

    def test_a_failed_delivery_can_be_retried_and_nothing_else_can(self, desk, recorder) -> None:  # type: ignore[no-untyped-def]
        message = reply(desk)
        delivery = Delivery.objects.get(message=message)
        with pytest.raises(Conflict):
            retry_delivery(delivery, by=desk.alice, at=T0)

        recorder.failures = [ChannelError("550", permanent=True)]
        deliver_due(at=T0 + timedelta(minutes=1))
        retry_delivery(delivery, by=desk.alice, at=T0 + timedelta(minutes=2))
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, 0)
        assert message.ticket.events.filter(kind=EventKind.DELIVERY_RETRIED).count() == 1
        deliver_due(at=T0 + timedelta(minutes=2))
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SENT

    def test_a_send_left_behind_by_a_crashed_worker_is_due_again_after_the_lease(
        self, desk, recorder
    ) -> None:  # type: ignore[no-untyped-def]
        message = reply(desk)
        at = T0 + timedelta(minutes=1)
        Delivery.objects.filter(message=message).update(
            status=DeliveryStatus.SENDING, next_attempt_at=at + LEASE
        )
        assert deliver_due(at=at) == 0  # another worker holds it
        assert deliver_due(at=at + LEASE) == 1
        assert recorder.sent == [message.pk]


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_each_reply_once(desk, recorder) -> None:  # type: ignore[no-untyped-def]
    """Real workers with their own connections: SKIP LOCKED on PostgreSQL, IMMEDIATE
    transactions on SQLite."""
    messages = [reply(desk) for _ in range(1)]
    ticket = messages[0].ticket
    messages += [
        reply_to_ticket(ticket, by=desk.alice, text=f"update {i}", status="open", at=T0)
        for i in range(29)
    ]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work() -> None:
        try:
            start.wait()
            while deliver_due(at=T0 + timedelta(minutes=5), limit=3):
                pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)

    assert errors == []
    assert sorted(recorder.sent) == sorted(m.pk for m in messages)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


@pytest.mark.django_db(transaction=True)  # the worker closes stale connections
def test_one_pass_of_the_worker_delivers_what_is_due(desk, recorder) -> None:  # type: ignore[no-untyped-def]
    message = reply(desk)  # due at T0 + 1 min, long past by now
    call_command("worker", "--once")
    assert recorder.sent == [message.pk]
    assert Delivery.objects.get(message=message).status == DeliveryStatus.SENT
