"""The routing model where people see it: leads' pages, the ticket page, the API, the CLI."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from conftest import T0
from unidesk.triage import desk as routing_model
from unidesk.triage.models import ModelStatus, TopicModel, Trigger
from unidesk.triage.tests.test_desk import (  # noqa: F401  (fixtures)
    _small_desk_settings,
    build_history,
    delivery,
    set_threshold,
    write,
)

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def trained(desk, delivery):  # type: ignore[no-untyped-def]  # noqa: F811
    build_history(desk, delivery)
    return routing_model.train_desk_model(by=desk.lead, at=T0)


def test_leads_see_the_versions_with_their_figures(desk, trained) -> None:  # type: ignore[no-untyped-def]
    TopicModel.objects.create(
        version=2, status=ModelStatus.FAILED, trigger=Trigger.SCHEDULE, created_at=T0,
        note="Not enough history: 3 confirmed tickets",
    )  # fmt: skip

    page = logged_in(desk.lead).get(reverse("workspace:topic_models")).content.decode()

    assert "Version 1 routes new tickets." in page
    assert 'href="/routing/v1/"' in page
    assert "Not enough history: 3 confirmed tickets" in page
    accuracy = f"{100 * trained.metrics['top1_accuracy']:.1f}%"
    assert accuracy in page


def test_agents_may_not_see_or_change_the_routing_model(desk, trained) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(desk.alice)

    assert client.get(reverse("workspace:topic_models")).status_code == 403
    assert client.get(reverse("workspace:topic_model", args=[1])).status_code == 403
    assert client.post(reverse("workspace:topic_model_train")).status_code == 403
    assert client.post(reverse("workspace:topic_model_deactivate")).status_code == 403
    assert TopicModel.objects.count() == 1
    assert TopicModel.objects.get().is_active is True


def test_the_report_shows_recall_per_queue_and_the_confusion(desk, trained) -> None:  # type: ignore[no-untyped-def]
    page = logged_in(desk.lead).get(reverse("workspace:topic_model", args=[1])).content.decode()

    assert "Routing model v1" in page
    for name in ("Delivery", "Payments", "General"):
        assert f"<td>{name}</td>" in page and f"<th>{name}</th>" in page
    assert "left to rules" in page
    assert logged_in(desk.lead).get(reverse("workspace:topic_model", args=[42])).status_code == 404
    assert "Read by the sentence encoder" not in page  # trained without one


def test_the_report_says_how_many_messages_needed_the_encoder(desk, trained) -> None:  # type: ignore[no-untyped-def]
    trained.metrics = {**trained.metrics, "encoder_share": 0.379}
    trained.save(update_fields=["metrics"])

    page = logged_in(desk.lead).get(reverse("workspace:topic_model", args=[1])).content.decode()

    assert "Read by the sentence encoder" in page and "37.9%" in page


def test_a_lead_queues_training_and_the_page_says_so(desk, delivery) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client = logged_in(desk.lead)

    response = client.post(reverse("workspace:topic_model_train"), follow=True)

    row = TopicModel.objects.get()
    assert (row.status, row.trigger, row.trained_by) == ("queued", "workspace", desk.lead)
    assert "Training v1 is queued" in response.content.decode()
    assert "Training queued…" in response.content.decode()
    assert client.get(reverse("workspace:topic_models")).status_code == 200


def test_a_lead_switches_versions_and_routing_off(desk, trained) -> None:  # type: ignore[no-untyped-def]
    second = routing_model.train_desk_model(at=T0, activate="no")
    client = logged_in(desk.lead)

    client.post(reverse("workspace:topic_model_activate", args=[second.version]))
    assert TopicModel.objects.get(is_active=True).version == 2

    failed = TopicModel.objects.create(
        version=3, status=ModelStatus.FAILED, trigger=Trigger.COMMAND, created_at=T0
    )
    response = client.post(
        reverse("workspace:topic_model_activate", args=[failed.version]), follow=True
    )
    assert "Nothing changed" in response.content.decode()
    assert TopicModel.objects.get(is_active=True).version == 2

    client.post(reverse("workspace:topic_model_deactivate"))
    assert not TopicModel.objects.filter(is_active=True).exists()


def test_the_ticket_page_and_the_api_show_the_topic_and_confidence(desk, trained, api_as) -> None:  # type: ignore[no-untyped-def]
    set_threshold(trained, 0.0)
    ticket = write("Where is my parcel 55? The courier never came", who="z@x.io", at=T0)
    topic = ticket.topic

    page = logged_in(desk.lead).get(reverse("workspace:ticket", args=[ticket.pk])).content
    assert f"topic: Delivery {100 * topic.confidence:.0f}%" in page.decode()
    assert "routed by model" in page.decode()

    body = api_as(desk.lead).get(f"/api/v1/tickets/{ticket.pk}").json()
    assert body["topic"] == {
        "queue_id": topic.queue_id,
        "name": "Delivery",
        "confidence": topic.confidence,
        "routed": True,
        "model_version": 1,
    }
    listed = api_as(desk.lead).get("/api/v1/tickets").json()["items"]
    assert [t["topic"]["name"] if t["topic"] else None for t in listed if t["id"] == ticket.pk] == [
        "Delivery"
    ]


def test_a_ticket_without_a_model_has_no_topic(desk, api_as) -> None:  # type: ignore[no-untyped-def]
    ticket = write("Where is my parcel?", who="z@x.io", at=T0)

    assert api_as(desk.lead).get(f"/api/v1/tickets/{ticket.pk}").json()["topic"] is None
    page = logged_in(desk.lead).get(reverse("workspace:ticket", args=[ticket.pk])).content
    assert "topic:" not in page.decode()


def test_the_command_line_trains_lists_and_switches_versions(desk, delivery) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    with pytest.raises(CommandError, match="Not enough history"):
        call_command("triage", "train-desk", stdout=io.StringIO())
    build_history(desk, delivery)
    out = io.StringIO()

    call_command("triage", "train-desk", "--activate", "no", stdout=out)

    summary = json.loads(out.getvalue())
    assert (summary["version"], summary["status"], summary["active"]) == (2, "ready", False)
    assert summary["examples"] == 36 and summary["held_out"] == 7
    call_command("triage", "activate", "2", stdout=io.StringIO())
    assert TopicModel.objects.get(is_active=True).version == 2
    listing = io.StringIO()
    call_command("triage", "models", stdout=listing)
    rows = [json.loads(line) for line in listing.getvalue().splitlines()]
    assert [(r["version"], r["status"], r["active"]) for r in rows] == [
        (2, "ready", True),
        (1, "failed", False),
    ]
    with pytest.raises(CommandError, match="Only a trained version"):
        call_command("triage", "activate", "1", stdout=io.StringIO())
    call_command("triage", "deactivate", stdout=io.StringIO())
    assert not TopicModel.objects.filter(is_active=True).exists()


def test_admins_see_versions_and_their_report_in_the_admin(desk, trained) -> None:  # type: ignore[no-untyped-def]
    from unidesk.accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.test", "pw")
    client = logged_in(admin)

    listing = client.get("/admin/triage/topicmodel/")
    detail = client.get(f"/admin/triage/topicmodel/{trained.pk}/change/")

    assert listing.status_code == 200 and detail.status_code == 200
    assert f"{100 * trained.accuracy:.1f}%" in listing.content.decode()
    assert "Full report with the confusion matrix" in detail.content.decode()
    assert client.post(f"/admin/triage/topicmodel/{trained.pk}/delete/").status_code == 403
    assert TopicModel.objects.filter(pk=trained.pk).exists()
