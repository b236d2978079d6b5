"""Delivery status where agents and integrations see it: the ticket page and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from conftest import T0
from unidesk.outbox.models import Delivery, DeliveryStatus
from unidesk.outbox.services import deliver_due
from unidesk.outbox.tests.conftest import Recorder, reply
from unidesk.outbox.transports import ChannelError

pytestmark = pytest.mark.django_db


def failed_reply(desk, recorder: Recorder):  # type: ignore[no-untyped-def]
    message = reply(desk)
    recorder.failures = [ChannelError("550 5.1.1 mailbox unavailable", permanent=True)]
    deliver_due(at=T0 + timedelta(minutes=1))
    return message


def test_the_ticket_page_shows_a_failed_delivery_and_retries_it(desk, recorder) -> None:  # type: ignore[no-untyped-def]
    message = failed_reply(desk, recorder)
    client = Client()
    client.force_login(desk.alice)

    page = client.get(f"/tickets/{message.ticket_id}/").content.decode()
    assert "Not delivered" in page
    assert "550 5.1.1 mailbox unavailable" in page
    assert f"/tickets/{message.ticket_id}/messages/{message.pk}/retry/" in page

    response = client.post(f"/tickets/{message.ticket_id}/messages/{message.pk}/retry/")
    assert response.status_code == 302
    assert Delivery.objects.get(message=message).status == DeliveryStatus.QUEUED


def test_an_agent_outside_the_queue_cannot_retry(desk, recorder) -> None:  # type: ignore[no-untyped-def]
    message = failed_reply(desk, recorder)  # payments: bob works general only
    client = Client()
    client.force_login(desk.bob)
    response = client.post(f"/tickets/{message.ticket_id}/messages/{message.pk}/retry/")
    assert response.status_code == 403
    assert Delivery.objects.get(message=message).status == DeliveryStatus.FAILED


def test_the_api_reports_and_retries_delivery(desk, recorder, api_as) -> None:  # type: ignore[no-untyped-def]
    message = failed_reply(desk, recorder)
    api = api_as(desk.alice)

    listed = api.get(f"/api/v1/tickets/{message.ticket_id}/messages").json()
    out = next(m for m in listed if m["id"] == message.pk)
    assert out["delivery"]["status"] == "failed"
    assert out["delivery"]["last_error"] == "550 5.1.1 mailbox unavailable"
    assert next(m for m in listed if m["kind"] == "customer")["delivery"] is None

    path = f"/api/v1/tickets/{message.ticket_id}/messages/{message.pk}/retry-delivery"
    response = api.post(path)
    assert response.status_code == 200
    assert response.json()["delivery"]["status"] == "queued"
    again = api.post(path)
    assert again.status_code == 409
    assert "Only a failed delivery" in again.json()["detail"]
