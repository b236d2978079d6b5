"""The demo gives the staffing page something to show: history, a manual channel, a roster."""

from __future__ import annotations

import pytest
from django.utils import timezone

from unidesk.ops import demo
from unidesk.tickets.models import Ticket
from unidesk.wfm.models import PlannedStaff
from unidesk.wfm.selectors import get_week_plan

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_weeks_of_history_settings_and_a_roster() -> None:
    demo.seed_config()
    at = timezone.now()

    created = demo.seed_staffing(at=at, weeks=3, scale=0.3)

    assert created == Ticket.objects.filter(channel__in=["phone", "chat", "email"]).count()
    assert created > 1000
    assert not Ticket.objects.filter(created_at__gte=at).exists()
    plan = get_week_plan(week=None, at=at)
    sources = {c.channel: c.forecast.source for c in plan.channels}
    assert sources == {"phone": "history", "chat": "history", "email": "history",
                       "telegram": "manual"}  # fmt: skip
    phone = plan.channel("phone")
    assert phone is not None and phone.plan is not None
    assert phone.forecast.accuracy is not None  # three weeks: two to fit, one held out
    assert phone.plan.has_roster and phone.plan.short_intervals() > 0
    assert phone.plan.scheduled_required.max() >= 3
    assert PlannedStaff.objects.filter(channel="telegram").count() == 0
    assert PlannedStaff.objects.filter(channel="phone").count() == 2 * 7 * 48
