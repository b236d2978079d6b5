"""The routing model learned from the desk's own tickets: history, training, intake, schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from conftest import T0
from unidesk.core.cache import clear_config_caches
from unidesk.core.errors import DomainError
from unidesk.intake.inbound import InboundMessage
from unidesk.intake.receive import receive
from unidesk.queues.models import Queue, RoutingRule, Strategy
from unidesk.tickets.models import Event, EventKind, Status, Ticket
from unidesk.tickets.services import move_ticket, reply_to_ticket, set_status
from unidesk.triage import desk as routing_model
from unidesk.triage.classifier import TextClassifier
from unidesk.triage.models import ModelStatus, TicketTopic, TopicModel, Trigger

pytestmark = pytest.mark.django_db

TOPICS = {
    "delivery": [
        "Where is my parcel {n}?",
        "The courier did not come with order {n}",
        "My package {n} is late, no delivery yet",
        "Когда приедет курьер с заказом {n}?",
        "Посылка {n} не доставлена, где курьер",
        "Tracking shows parcel {n} stuck in delivery",
    ],
    "payments": [
        "I was charged twice for order {n}",
        "Double charge on my card for {n}",
        "Money taken twice from my card, receipt {n}",
        "Деньги списали с карты дважды, чек {n}",
        "Card charged two times for {n}",
        "Двойное списание с карты за заказ {n}",
    ],
    "general": [
        "How do I change the name in my profile {n}?",
        "Question about my profile settings {n}",
        "Как поменять имя в профиле {n}",
        "Where are the settings to edit my profile photo {n}",
        "Can I rename my profile, account {n}",
        "Как сменить фото профиля {n}",
    ],
}


@pytest.fixture(autouse=True)
def _small_desk_settings(settings):  # type: ignore[no-untyped-def]
    settings.UNIDESK_TRIAGE_MIN_EXAMPLES = 20
    settings.UNIDESK_TRIAGE_MIN_PER_QUEUE = 5
    settings.UNIDESK_TRIAGE_TARGET_PRECISION = 80
    settings.UNIDESK_TRIAGE_RETRAIN_DAYS = 7
    settings.UNIDESK_TRIAGE_ROUTING = True
    settings.UNIDESK_TRIAGE_ENCODER = "none"
    settings.UNIDESK_TRIAGE_KEEP_MODELS = 5


@pytest.fixture
def delivery(desk):  # type: ignore[no-untyped-def]
    queue = Queue.objects.create(name="Delivery", slug="delivery", strategy=Strategy.FIFO)
    queue.agents.add(desk.alice)
    return queue


def write(text: str, *, who: str, at, external_id: str | None = None) -> Ticket:  # type: ignore[no-untyped-def]
    inbound = InboundMessage(
        channel="email", identities=(("email", who),), text=text, external_id=external_id
    )
    return receive(inbound, at=at).ticket


def build_history(desk, delivery, *, rounds: int = 2, start=None) -> dict[str, list[Ticket]]:  # type: ignore[no-untyped-def]
    """Tickets as agents worked them: corrected by moves, confirmed by replies, then solved."""
    queues = {"delivery": delivery, "payments": desk.payments, "general": desk.general}
    start = start or T0 - timedelta(days=30)
    made: dict[str, list[Ticket]] = {name: [] for name in TOPICS}
    step = 0
    for round_number in range(rounds):
        for index in range(6):
            for name, templates in TOPICS.items():
                step += 1
                at = start + timedelta(hours=step)
                text = templates[index].format(n=1000 + 37 * step + round_number)
                ticket = write(text, who=f"c{step}@example.com", at=at)
                if ticket.queue_id != queues[name].pk:
                    move_ticket(ticket, queues[name], by=desk.lead, at=at)
                reply_to_ticket(ticket, by=desk.lead, text="Done", at=at + timedelta(minutes=5))
                set_status(ticket, Status.SOLVED, by=desk.lead, at=at + timedelta(minutes=6))
                made[name].append(ticket)
    return made


def set_threshold(row: TopicModel, threshold: float) -> None:
    model = TextClassifier.loads(bytes(TopicModel.objects.get(pk=row.pk).blob))
    model.threshold = threshold
    TopicModel.objects.filter(pk=row.pk).update(blob=model.dumps(), threshold=threshold)
    clear_config_caches()


# --- history --------------------------------------------------------------------------


def test_history_labels_agent_confirmed_tickets_with_their_final_queue(desk, delivery) -> None:  # type: ignore[no-untyped-def]
    moved = write("Where is my parcel?", who="a@x.io", at=T0)
    move_ticket(moved, delivery, by=desk.alice, at=T0)
    set_status(moved, Status.SOLVED, by=desk.alice, at=T0)
    answered = write("How do I change my name?", who="b@x.io", at=T0)
    reply_to_ticket(answered, by=desk.alice, text="Like this", at=T0, status=Status.SOLVED)
    ignored = write("BUY CHEAP WATCHES", who="spam@x.io", at=T0)
    set_status(ignored, Status.SOLVED, by=desk.alice, at=T0)  # closed, never answered
    still_open = write("Another question", who="c@x.io", at=T0)
    reply_to_ticket(still_open, by=desk.alice, text="Looking", at=T0)

    examples = routing_model.desk_history(since=T0 - timedelta(days=1))

    assert [(e.ticket_id, e.queue_id, e.text) for e in examples] == [
        (moved.pk, delivery.pk, "Where is my parcel?"),
        (answered.pk, desk.general.pk, "How do I change my name?"),
    ]


def test_history_reads_the_first_customer_message_with_its_subject(desk) -> None:  # type: ignore[no-untyped-def]
    inbound = InboundMessage(
        channel="chat", identities=(("email", "a@x.io"),), subject="Card", text="charged twice"
    )
    ticket = receive(inbound, at=T0).ticket
    receive(
        InboundMessage(channel="chat", identities=(("email", "a@x.io"),), text="hello?"),
        at=T0 + timedelta(minutes=1),
    )
    reply_to_ticket(ticket, by=desk.alice, text="Refunded", at=T0, status=Status.SOLVED)

    [example] = routing_model.desk_history(since=T0 - timedelta(days=1))

    assert example.text == "Card\ncharged twice"


# --- training ---------------------------------------------------------------------------


def test_training_on_the_history_stores_an_evaluated_active_version(desk, delivery) -> None:  # type: ignore[no-untyped-def]
    build_history(desk, delivery)

    row = routing_model.train_desk_model(by=desk.lead, at=T0)

    assert row.status == ModelStatus.READY, row.note
    assert (row.version, row.is_active, row.trained_by) == (1, True, desk.lead)
    assert row.examples == 36 and row.held_out == 7
    assert sorted(row.labels) == sorted(str(q.pk) for q in (delivery, desk.payments, desk.general))
    metrics = row.metrics
    assert 0.0 < row.threshold <= 1.0
    assert metrics["routed_share"] > 0
    assert metrics["routed_precision"] >= 0.8
    assert set(metrics["recall"]) == set(row.labels)
    assert sum(map(sum, metrics["confusion"])) == 7
    assert metrics["label_names"][str(delivery.pk)] == "Delivery"
    assert row.size_bytes == len(bytes(TopicModel.objects.get(pk=row.pk).blob))
    report = routing_model.report_rows(row)
    assert sorted(q["name"] for q in report["queues"]) == ["Delivery", "General", "Payments"]
    assert sum(q["train"] for q in report["queues"]) == 29


def test_too_little_history_is_a_failed_version_with_the_reason(desk, delivery) -> None:  # type: ignore[no-untyped-def]
    build_history(desk, delivery, rounds=1)  # 18 tickets, 20 needed

    row = routing_model.train_desk_model(at=T0)

    assert row.status == ModelStatus.FAILED
    assert row.is_active is False and row.blob is None
    assert "Not enough history: 18 confirmed tickets in 3 queues" in row.note


def test_queues_with_too_few_tickets_are_left_out_and_named(desk, delivery, settings) -> None:  # type: ignore[no-untyped-def]
    build_history(desk, delivery)
    rare = Queue.objects.create(name="Legal", slug="legal")
    ticket = write("I will sue you", who="law@x.io", at=T0 - timedelta(days=2))
    move_ticket(ticket, rare, by=desk.lead, at=T0 - timedelta(days=2))
    set_status(ticket, Status.SOLVED, by=desk.lead, at=T0 - timedelta(days=2))

    row = routing_model.train_desk_model(at=T0)

    assert row.status == ModelStatus.READY
    assert str(rare.pk) not in row.labels
    assert "fewer than 5 confirmed tickets were left out: Legal." in row.note


def test_a_model_never_right_on_recent_tickets_is_kept_but_not_activated(desk, delivery) -> None:  # type: ignore[no-untyped-def]
    build_history(desk, delivery)
    # Lately agents put everything in a new queue the older tickets never mention.
    newcomer = Queue.objects.create(name="Newcomer", slug="newcomer")
    for step in range(10):
        at = T0 - timedelta(hours=10 - step)
        ticket = write(f"Where is my parcel {step}?", who=f"n{step}@x.io", at=at)
        move_ticket(ticket, newcomer, by=desk.lead, at=at)
        set_status(ticket, Status.SOLVED, by=desk.lead, at=at)

    row = routing_model.train_desk_model(at=T0)

    assert row.status == ModelStatus.READY
    assert (row.examples, row.held_out) == (46, 9)
    assert row.metrics["top1_accuracy"] == 0.0
    assert row.metrics["routed_share"] == 0.0 and row.metrics["routed_precision"] is None
    assert row.is_active is False
    assert row.note.startswith("Not activated")


def test_versions_count_up_and_one_is_active(desk, delivery) -> None:  # type: ignore[no-untyped-def]
    build_history(desk, delivery)
    first = routing_model.train_desk_model(at=T0)
    second = routing_model.train_desk_model(at=T0, activate="no")
    third = routing_model.train_desk_model(at=T0)

    assert [first.version, second.version, third.version] == [1, 2, 3]
    assert list(TopicModel.objects.filter(is_active=True).values_list("version", flat=True)) == [3]
    routing_model.activate_model(second)
    assert list(TopicModel.objects.filter(is_active=True).values_list("version", flat=True)) == [2]
    assert routing_model.deactivate_models() == 1
    assert not TopicModel.objects.filter(is_active=True).exists()


def test_a_failed_version_cannot_be_activated_and_nothing_changes(desk, delivery) -> None:  # type: ignore[no-untyped-def]
    build_history(desk, delivery)
    good = routing_model.train_desk_model(at=T0)
    failed = TopicModel.objects.create(
        version=9, status=ModelStatus.FAILED, trigger=Trigger.COMMAND, created_at=T0
    )

    with pytest.raises(DomainError):
        routing_model.activate_model(failed)

    good.refresh_from_db()
    failed.refresh_from_db()
    assert (good.is_active, failed.is_active) == (True, False)


def test_old_model_files_are_pruned_but_their_figures_kept(desk, delivery, settings) -> None:  # type: ignore[no-untyped-def]
    settings.UNIDESK_TRIAGE_KEEP_MODELS = 1
    build_history(desk, delivery)
    for _ in range(3):
        routing_model.train_desk_model(at=T0, activate="no")
    routing_model.activate_model(TopicModel.objects.get(version=3))
    routing_model.train_desk_model(at=T0, activate="no")

    stored = sorted(TopicModel.objects.filter(blob__isnull=False).values_list("version", flat=True))
    assert stored == [3, 4]  # the active one and the newest
    pruned = TopicModel.objects.filter(size_bytes=0).order_by("version")
    assert list(pruned.values_list("version", flat=True)) == [1, 2]
    assert all(m.metrics["top1_accuracy"] is not None for m in TopicModel.objects.all())


# --- intake -----------------------------------------------------------------------------


@pytest.fixture
def trained(desk, delivery):  # type: ignore[no-untyped-def]
    build_history(desk, delivery)
    row = routing_model.train_desk_model(at=T0)
    assert row.is_active
    return row


def test_a_confident_model_routes_a_new_ticket_and_says_so(desk, delivery, trained) -> None:  # type: ignore[no-untyped-def]
    set_threshold(trained, 0.0)

    ticket = write("Hello, where is my parcel 777? The courier never came", who="z@x.io", at=T0)

    assert ticket.queue == delivery
    topic = TicketTopic.objects.get(ticket=ticket)
    assert (topic.queue, topic.label, topic.routed, topic.model_version) == (
        delivery,
        "Delivery",
        True,
        1,
    )
    assert 0 < topic.confidence <= 1
    routed = Event.objects.get(ticket=ticket, kind=EventKind.ROUTED)
    assert routed.data["by_model"] is True and routed.data["model_version"] == 1
    assert routed.data["queue"] == "Delivery" and routed.data["rule"] is None


def test_below_the_threshold_the_rules_and_default_queue_route(desk, delivery, trained) -> None:  # type: ignore[no-untyped-def]
    set_threshold(trained, 0.9999)

    ticket = write("Hello, where is my parcel 777? The courier never came", who="z@x.io", at=T0)

    assert ticket.queue == desk.general  # the default queue
    topic = TicketTopic.objects.get(ticket=ticket)
    assert (topic.label, topic.routed) == ("Delivery", False)  # the guess is still shown
    routed = Event.objects.get(ticket=ticket, kind=EventKind.ROUTED)
    assert routed.data["by_model"] is False


def test_a_matching_rule_with_conditions_wins_over_the_model(desk, delivery, trained) -> None:  # type: ignore[no-untyped-def]
    set_threshold(trained, 0.0)

    ticket = write("Where is my parcel? I want a refund", who="z@x.io", at=T0)

    assert ticket.queue == desk.payments  # the "Money" keyword rule
    assert TicketTopic.objects.get(ticket=ticket).routed is False
    assert Event.objects.get(ticket=ticket, kind=EventKind.ROUTED).data["rule"] == "Money"


def test_the_model_goes_before_a_catch_all_rule(desk, delivery, trained) -> None:  # type: ignore[no-untyped-def]
    set_threshold(trained, 0.0)
    RoutingRule.objects.create(name="Everything", position=1, queue=desk.general)

    ticket = write("Where is my parcel 12? The courier never came", who="z@x.io", at=T0)

    assert ticket.queue == delivery


def test_routing_by_model_can_be_switched_off(desk, delivery, trained, settings) -> None:  # type: ignore[no-untyped-def]
    set_threshold(trained, 0.0)
    settings.UNIDESK_TRIAGE_ROUTING = False

    ticket = write("Where is my parcel 12? The courier never came", who="z@x.io", at=T0)

    assert ticket.queue == desk.general
    assert not TicketTopic.objects.filter(ticket=ticket).exists()


def test_a_model_that_cannot_be_loaded_leaves_routing_to_the_rules(desk, delivery, trained) -> None:  # type: ignore[no-untyped-def]
    TopicModel.objects.filter(pk=trained.pk).update(blob=b"not a model")
    clear_config_caches()

    ticket = write("Where is my parcel 12? The courier never came", who="z@x.io", at=T0)

    assert ticket.queue == desk.general
    assert not TicketTopic.objects.filter(ticket=ticket).exists()


def test_a_reply_on_an_existing_ticket_is_not_rerouted(desk, delivery, trained) -> None:  # type: ignore[no-untyped-def]
    set_threshold(trained, 0.0)
    ticket = write("How do I change my profile name?", who="z@x.io", at=T0)
    again = write("Also where is my parcel 5, courier?", who="z@x.io", at=T0)

    assert again.pk == ticket.pk
    assert TicketTopic.objects.filter(ticket=ticket).count() == 1


# --- schedule ----------------------------------------------------------------------------


def test_the_schedule_trains_when_due_and_not_before(desk, delivery, settings) -> None:  # type: ignore[no-untyped-def]
    build_history(desk, delivery)

    first = routing_model.run_pending_training(at=T0)
    assert first is not None and first.trigger == Trigger.SCHEDULE
    assert first.status == ModelStatus.READY
    assert routing_model.run_pending_training(at=T0 + timedelta(days=6)) is None
    second = routing_model.run_pending_training(at=T0 + timedelta(days=7, minutes=1))
    assert second is not None and second.version == 2

    settings.UNIDESK_TRIAGE_RETRAIN_DAYS = 0
    assert routing_model.run_pending_training(at=T0 + timedelta(days=30)) is None


def test_a_request_from_the_workspace_is_trained_by_the_worker(desk, delivery, settings) -> None:  # type: ignore[no-untyped-def]
    settings.UNIDESK_TRIAGE_RETRAIN_DAYS = 0
    build_history(desk, delivery)

    queued = routing_model.request_training(by=desk.lead, at=T0)
    assert routing_model.request_training(by=desk.alice, at=T0) == queued  # one at a time
    assert queued.status == ModelStatus.QUEUED

    done = routing_model.run_pending_training(at=T0)

    assert done is not None and done.pk == queued.pk
    assert (done.status, done.trained_by, done.trigger) == (
        ModelStatus.READY,
        desk.lead,
        Trigger.WORKSPACE,
    )
    assert routing_model.run_pending_training(at=T0) is None


@pytest.mark.django_db(transaction=True)  # the worker closes stale connections
def test_one_pass_of_the_worker_finishes_the_training_it_starts(desk, delivery, settings) -> None:  # type: ignore[no-untyped-def]
    """`worker --once` trains in its own thread of control: nothing is left running after it."""
    settings.UNIDESK_TRIAGE_RETRAIN_DAYS = 0
    build_history(desk, delivery)
    queued = routing_model.request_training(by=desk.lead, at=T0)

    call_command("worker", "--once")

    queued.refresh_from_db()
    assert queued.status in (ModelStatus.READY, ModelStatus.FAILED)
    assert queued.finished_at is not None


def test_a_training_run_that_died_is_marked_failed_and_does_not_block(desk, delivery) -> None:  # type: ignore[no-untyped-def]
    build_history(desk, delivery)
    dead = TopicModel.objects.create(
        version=1,
        status=ModelStatus.TRAINING,
        trigger=Trigger.SCHEDULE,
        created_at=T0 - timedelta(days=1),
        started_at=T0 - timedelta(hours=7),
    )

    fresh = routing_model.run_pending_training(at=T0 + timedelta(days=8))

    dead.refresh_from_db()
    assert dead.status == ModelStatus.FAILED
    assert fresh is not None and fresh.version == 2
