from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import T0, make_user
from unidesk.customers.models import Customer
from unidesk.queues.engine import claim_next_ticket, peek_next_ticket
from unidesk.queues.models import Queue, Strategy, Urgency
from unidesk.sla.models import Priority
from unidesk.tickets.models import EventKind, Status, Ticket


def waiting(
    queue: Queue,
    *,
    minutes_ago: float,
    priority: int = Priority.NORMAL,
    channel: str = "email",
    weight: int = 1,
    due_in: float | None = None,
) -> Ticket:
    since = T0 - timedelta(minutes=minutes_ago)
    return Ticket.objects.create(
        customer=Customer.objects.create(),
        channel=channel,
        queue=queue,
        priority=priority,
        channel_weight=weight,
        created_at=since,
        waiting_since=since,
        sla_due_at=None if due_in is None else T0 + timedelta(minutes=due_in),
    )


@pytest.mark.django_db
class TestOrdering:
    def test_a_fifo_queue_gives_the_oldest_ticket(self, desk) -> None:  # type: ignore[no-untyped-def]
        waiting(desk.payments, minutes_ago=5)
        oldest = waiting(desk.payments, minutes_ago=50)
        waiting(desk.payments, minutes_ago=20)

        assert claim_next_ticket(desk.alice, at=T0) == oldest

    def test_a_lifo_queue_gives_the_freshest_ticket(self, desk) -> None:  # type: ignore[no-untyped-def]
        waiting(desk.general, minutes_ago=50)
        freshest = waiting(desk.general, minutes_ago=1)

        assert claim_next_ticket(desk.bob, at=T0) == freshest

    def test_an_sla_queue_gives_the_earliest_deadline(self, desk) -> None:  # type: ignore[no-untyped-def]
        desk.general.strategy = Strategy.SLA
        desk.general.save()
        waiting(desk.general, minutes_ago=50, due_in=90)
        soonest = waiting(desk.general, minutes_ago=5, due_in=10)

        assert claim_next_ticket(desk.bob, at=T0) == soonest

    def test_a_hybrid_queue_takes_fresh_first_unless_one_waited_past_the_cap(self, desk) -> None:  # type: ignore[no-untyped-def]
        desk.general.strategy = Strategy.HYBRID
        desk.general.hybrid_wait_cap_minutes = 60
        desk.general.save()
        waiting(desk.general, minutes_ago=30)
        fresh = waiting(desk.general, minutes_ago=2)
        assert peek_next_ticket(desk.bob, at=T0) == fresh

        overdue = waiting(desk.general, minutes_ago=61)
        waiting(desk.general, minutes_ago=70 + 1)  # older still: served first
        first = claim_next_ticket(desk.bob, at=T0)
        second = claim_next_ticket(desk.bob, at=T0)
        third = claim_next_ticket(desk.bob, at=T0)

        assert first is not None and first.waiting_since == T0 - timedelta(minutes=71)
        assert second == overdue
        assert third == fresh

    def test_urgent_queues_are_served_before_others_whatever_the_wait(self, desk) -> None:  # type: ignore[no-untyped-def]
        waiting(desk.general, minutes_ago=500, priority=Priority.URGENT)
        money = waiting(desk.payments, minutes_ago=1, priority=Priority.LOW)

        assert claim_next_ticket(desk.alice, at=T0) == money

    def test_chat_is_served_before_email_in_the_same_queue(self, desk) -> None:  # type: ignore[no-untyped-def]
        waiting(desk.payments, minutes_ago=60, channel="email", weight=1)
        chat = waiting(desk.payments, minutes_ago=1, channel="chat", weight=3)

        assert claim_next_ticket(desk.alice, at=T0) == chat

    def test_higher_priority_goes_first_within_a_queue(self, desk) -> None:  # type: ignore[no-untyped-def]
        waiting(desk.payments, minutes_ago=60)
        high = waiting(desk.payments, minutes_ago=1, priority=Priority.HIGH)

        assert claim_next_ticket(desk.alice, at=T0) == high

    def test_between_queues_of_one_class_the_earlier_deadline_wins(self, desk) -> None:  # type: ignore[no-untyped-def]
        other = Queue.objects.create(
            name="Other", slug="other", urgency=Urgency.NORMAL, strategy=Strategy.FIFO
        )
        other.agents.add(desk.bob)
        waiting(desk.general, minutes_ago=5, due_in=100)
        pressing = waiting(other, minutes_ago=5, due_in=5)

        assert claim_next_ticket(desk.bob, at=T0) == pressing

    def test_an_agent_gets_only_tickets_of_queues_they_are_skilled_for(self, desk) -> None:  # type: ignore[no-untyped-def]
        waiting(desk.payments, minutes_ago=5)

        assert claim_next_ticket(desk.bob, at=T0) is None

    def test_a_change_of_skills_counts_at_the_next_ticket(self, desk) -> None:  # type: ignore[no-untyped-def]
        ticket = waiting(desk.payments, minutes_ago=5)
        assert peek_next_ticket(desk.bob, at=T0) is None  # bob's queues are now cached

        desk.payments.agents.add(desk.bob)
        assert peek_next_ticket(desk.bob, at=T0) == ticket

        desk.bob.skills.remove(desk.payments)
        assert claim_next_ticket(desk.bob, at=T0) is None

    def test_claiming_assigns_opens_and_records_it(self, desk) -> None:  # type: ignore[no-untyped-def]
        ticket = waiting(desk.payments, minutes_ago=5)

        claimed = claim_next_ticket(desk.alice, at=T0)
        ticket.refresh_from_db()

        assert claimed == ticket
        assert (ticket.assignee, ticket.status) == (desk.alice, Status.OPEN)
        event = ticket.events.get()
        assert (event.kind, event.actor, event.data["via"]) == (
            EventKind.ASSIGNED,
            desk.alice,
            "next_ticket",
        )
        assert claim_next_ticket(desk.alice, at=T0) is None

    def test_solved_pending_and_assigned_tickets_do_not_wait(self, desk) -> None:  # type: ignore[no-untyped-def]
        for status in (Status.PENDING, Status.SOLVED, Status.ON_HOLD):
            t = waiting(desk.payments, minutes_ago=5)
            Ticket.objects.filter(pk=t.pk).update(status=status)
        t = waiting(desk.payments, minutes_ago=5)
        Ticket.objects.filter(pk=t.pk).update(assignee=desk.bob)

        assert claim_next_ticket(desk.alice, at=T0) is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_agents_never_get_the_same_ticket(desk) -> None:  # type: ignore[no-untyped-def]
    """Real concurrent workers, each with its own database connection."""
    tickets = [waiting(desk.payments, minutes_ago=i) for i in range(40)]
    agents = [make_user(f"agent{i}", skills=[desk.payments]) for i in range(6)]
    claimed: dict[str, list[int]] = {a.username: [] for a in agents}
    errors: list[BaseException] = []
    start = threading.Barrier(len(agents))

    def work(agent) -> None:  # type: ignore[no-untyped-def]
        try:
            start.wait()
            while (ticket := claim_next_ticket(agent, at=T0)) is not None:
                claimed[agent.username].append(ticket.pk)
        except BaseException as exc:  # surface in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(a,)) for a in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    everything = [pk for pks in claimed.values() for pk in pks]
    assert sorted(everything) == sorted(t.pk for t in tickets)  # each exactly once
    assert Ticket.objects.filter(assignee__isnull=True).count() == 0
    for agent in agents:
        assert set(Ticket.objects.filter(assignee=agent).values_list("pk", flat=True)) == set(
            claimed[agent.username]
        )


@pytest.mark.django_db
class TestChatCapacity:
    """Agents hold at most `capacity` live chats; next ticket then serves other channels."""

    def holding(self, agent, queue, n: int, *, status: str = Status.OPEN) -> None:  # type: ignore[no-untyped-def]
        for _ in range(n):
            t = waiting(queue, minutes_ago=90, channel="chat", weight=3)
            Ticket.objects.filter(pk=t.pk).update(assignee=agent, status=status)

    def test_an_agent_below_capacity_gets_the_chat_first(self, desk) -> None:  # type: ignore[no-untyped-def]
        self.holding(desk.alice, desk.payments, 2)
        waiting(desk.payments, minutes_ago=60, channel="email", weight=1)
        chat = waiting(desk.payments, minutes_ago=1, channel="chat", weight=3)

        assert claim_next_ticket(desk.alice, at=T0) == chat

    def test_an_agent_at_capacity_gets_the_best_ticket_of_another_channel(self, desk) -> None:  # type: ignore[no-untyped-def]
        self.holding(desk.alice, desk.payments, 3)
        waiting(desk.payments, minutes_ago=1, channel="chat", weight=3)
        email = waiting(desk.payments, minutes_ago=60, channel="email", weight=1)
        waiting(desk.payments, minutes_ago=5, channel="email", weight=1)

        assert peek_next_ticket(desk.alice, at=T0) == email
        assert claim_next_ticket(desk.alice, at=T0) == email

    def test_an_agent_at_capacity_with_only_chats_waiting_gets_nothing(self, desk) -> None:  # type: ignore[no-untyped-def]
        self.holding(desk.alice, desk.payments, 3)
        chat = waiting(desk.payments, minutes_ago=1, channel="chat", weight=3)

        assert claim_next_ticket(desk.alice, at=T0) is None
        chat.refresh_from_db()
        assert (chat.assignee, chat.status) == (None, Status.NEW)
        assert claim_next_ticket(desk.bob, at=T0) is None  # not skilled for payments
        other = make_user("olga", skills=[desk.payments])
        assert claim_next_ticket(other, at=T0) == chat  # a free colleague takes it

    def test_the_limit_is_each_agents_own(self, desk) -> None:  # type: ignore[no-untyped-def]
        desk.alice.capacity = 1
        desk.alice.save()
        self.holding(desk.alice, desk.payments, 1)
        waiting(desk.payments, minutes_ago=1, channel="chat", weight=3)

        assert claim_next_ticket(desk.alice, at=T0) is None

    def test_solved_and_on_hold_chats_and_other_channels_do_not_count(self, desk) -> None:  # type: ignore[no-untyped-def]
        self.holding(desk.alice, desk.payments, 2, status=Status.SOLVED)
        self.holding(desk.alice, desk.payments, 2, status=Status.ON_HOLD)
        self.holding(desk.alice, desk.payments, 2)
        for _ in range(3):
            t = waiting(desk.payments, minutes_ago=90, channel="email")
            Ticket.objects.filter(pk=t.pk).update(assignee=desk.alice, status=Status.OPEN)
        chat = waiting(desk.payments, minutes_ago=1, channel="chat", weight=3)

        assert claim_next_ticket(desk.alice, at=T0) == chat

    def test_pending_chats_count_they_wait_on_a_live_visitor(self, desk) -> None:  # type: ignore[no-untyped-def]
        self.holding(desk.alice, desk.payments, 3, status=Status.PENDING)
        waiting(desk.payments, minutes_ago=1, channel="chat", weight=3)

        assert claim_next_ticket(desk.alice, at=T0) is None

    def test_a_hybrid_queue_skips_an_overdue_chat_at_capacity(self, desk) -> None:  # type: ignore[no-untyped-def]
        desk.general.strategy = Strategy.HYBRID
        desk.general.hybrid_wait_cap_minutes = 60
        desk.general.save()
        self.holding(desk.bob, desk.general, 3)
        waiting(desk.general, minutes_ago=120, channel="chat", weight=3)
        email = waiting(desk.general, minutes_ago=90, channel="email")
        waiting(desk.general, minutes_ago=2, channel="email")

        assert claim_next_ticket(desk.bob, at=T0) == email

    def test_the_capacity_check_costs_queries_only_when_a_chat_is_next(  # type: ignore[no-untyped-def]
        self, desk, django_assert_num_queries
    ) -> None:
        email = waiting(desk.payments, minutes_ago=5, channel="email")
        # The agent's queues (then kept with the configuration), every head in one round
        # trip, the chosen ticket.
        with django_assert_num_queries(3):
            assert peek_next_ticket(desk.alice, at=T0) == email
        with django_assert_num_queries(2):
            assert peek_next_ticket(desk.alice, at=T0) == email

        chat = waiting(desk.payments, minutes_ago=1, channel="chat", weight=3)
        with django_assert_num_queries(2 + 1):  # + counting the agent's chats
            assert peek_next_ticket(desk.alice, at=T0) == chat

        self.holding(desk.alice, desk.payments, 3)
        with django_assert_num_queries(2 + 2):  # + the count, + the heads without chats
            assert peek_next_ticket(desk.alice, at=T0) == email


def test_a_claim_costs_three_statements_and_returns_the_whole_ticket(desk) -> None:  # type: ignore[no-untyped-def]
    email = waiting(desk.payments, minutes_ago=5, channel="email", weight=2)
    peek_next_ticket(desk.alice, at=T0)  # her queues are now kept with the configuration

    with CaptureQueriesContext(connection) as captured:
        claimed = claim_next_ticket(desk.alice, at=T0)

    # Every head in one round trip, the claim (UPDATE ... RETURNING the row), the
    # "assigned" event; no second read of the ticket. (Transaction control aside.)
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    assert [s for s in statements if s not in ("SAVEPOINT", "RELEASE", "BEGIN")] == [
        "SELECT", "UPDATE", "INSERT",
    ]  # fmt: skip
    stored = Ticket.objects.get(pk=email.pk)
    assert claimed == stored
    for field in Ticket._meta.concrete_fields:
        assert getattr(claimed, field.attname) == getattr(stored, field.attname), field.name
    assert claimed.assignee == desk.alice and claimed.queue == desk.payments
    assert claimed.status == Status.OPEN and claimed.waiting_flag == 0
