"""SLA targets for a ticket: which policy applies and when each clock runs out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from unidesk.core.cache import ConfigCache
from unidesk.sla.calendar import BusinessCalendar, add_business_seconds, business_seconds_between
from unidesk.sla.models import SlaTarget


@dataclass(frozen=True)
class Targets:
    """The targets of one (policy, priority), in business seconds of `calendar`."""

    calendar: BusinessCalendar
    first_response_s: int
    next_response_s: int
    resolution_s: int

    def due(self, start: datetime, seconds: float) -> datetime:
        return add_business_seconds(self.calendar, start, seconds)

    def remaining(self, start: datetime, due: datetime) -> float:
        """Business seconds left on a clock at `start` (0 when already due)."""
        return business_seconds_between(self.calendar, start, due)


_targets: ConfigCache[Targets | None] = ConfigCache("SLA targets")


def load_targets(policy_id: int | None, priority: int) -> Targets | None:
    """The targets for a queue's policy and a ticket's priority, or None (no SLA)."""
    if policy_id is None:
        return None
    return _targets.get((policy_id, priority), lambda: _load_targets(policy_id, priority))


def _load_targets(policy_id: int, priority: int) -> Targets | None:
    target = (
        SlaTarget.objects.select_related("policy__calendar")
        .filter(policy_id=policy_id, priority=priority)
        .first()
    )
    if target is None:
        # A policy without a row for this priority falls back to the nearest lower one.
        target = (
            SlaTarget.objects.select_related("policy__calendar")
            .filter(policy_id=policy_id)
            .order_by("-priority")
            .filter(priority__lte=priority)
            .first()
        )
    if target is None:
        return None
    return Targets(
        calendar=target.policy.calendar.to_business_calendar(),
        first_response_s=target.first_response_minutes * 60,
        next_response_s=target.next_response_minutes * 60,
        resolution_s=target.resolution_minutes * 60,
    )
