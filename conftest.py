"""Shared fixtures: a small playbook desk (queues, SLA, agents) built through the models."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from unidesk.accounts.models import ApiToken, Role, User
from unidesk.core.cache import clear_config_caches
from unidesk.queues.models import ChannelWeight, Queue, RoutingRule, Strategy, Urgency
from unidesk.sla.models import BusinessHours, Calendar, Priority, SlaPolicy, SlaTarget

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, 13:00 in Moscow


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(settings.VAR_DIR / "test-media")
    clear_config_caches()  # a test's desk is new: never serve the previous test's rules
    yield
    clear_config_caches()


class Desk:
    """A desk as a support lead would set it up: urgent FIFO payments, LIFO general."""

    def __init__(self) -> None:
        always = Calendar.objects.create(name="24/7", is_24x7=True)
        office = Calendar.objects.create(name="Moscow office", time_zone="Europe/Moscow")
        for day in range(5):
            BusinessHours.objects.create(
                calendar=office, weekday=day, start_minute=9 * 60, end_minute=18 * 60
            )
        self.urgent_policy = SlaPolicy.objects.create(name="Urgent", calendar=always)
        self.office_policy = SlaPolicy.objects.create(name="Office", calendar=office)
        for policy, (fr, nr, res) in (
            (self.urgent_policy, (15, 30, 240)),
            (self.office_policy, (60, 120, 480)),
        ):
            for prio in Priority.values:
                SlaTarget.objects.create(
                    policy=policy,
                    priority=prio,
                    first_response_minutes=fr,
                    next_response_minutes=nr,
                    resolution_minutes=res,
                )
        self.payments = Queue.objects.create(
            name="Payments",
            slug="payments",
            strategy=Strategy.FIFO,
            urgency=Urgency.URGENT,
            sla_policy=self.urgent_policy,
        )
        self.general = Queue.objects.create(
            name="General",
            slug="general",
            strategy=Strategy.LIFO,
            urgency=Urgency.NORMAL,
            sla_policy=self.office_policy,
            is_default=True,
        )
        RoutingRule.objects.create(
            name="Money",
            position=10,
            queue=self.payments,
            keywords=["payment", "refund", "оплата", "списали"],
            set_priority=Priority.HIGH,
        )
        ChannelWeight.objects.create(channel="chat", weight=3)
        ChannelWeight.objects.create(channel="email", weight=1)
        self.alice = make_user("alice", skills=[self.payments, self.general])
        self.bob = make_user("bob", skills=[self.general])
        self.lead = make_user("lena", role=Role.LEAD)


def make_user(username: str, *, role: str = Role.AGENT, skills: list[Queue] = ()) -> User:  # type: ignore[assignment]
    user = User.objects.create_user(username, f"{username}@example.test", "pw", role=role)
    for queue in skills:
        queue.agents.add(user)
    return user


@pytest.fixture
def desk(db) -> Desk:  # type: ignore[no-untyped-def]
    return Desk()


class ApiClient:
    """A Django test client that speaks JSON with a bearer token."""

    def __init__(self, user: User) -> None:
        _, self.token = ApiToken.issue(user)
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def get(self, path: str, **params):  # type: ignore[no-untyped-def]
        return self.client.get(path, params)

    def post(self, path: str, body: object = None):  # type: ignore[no-untyped-def]
        return self.client.post(path, body or {}, content_type="application/json")

    def patch(self, path: str, body: object):  # type: ignore[no-untyped-def]
        return self.client.patch(path, body, content_type="application/json")


@pytest.fixture
def api_as():  # type: ignore[no-untyped-def]
    return ApiClient
