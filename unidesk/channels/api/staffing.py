"""Staffing endpoints (``/api/v1/staffing/...``), for leads: the week's plan as JSON or CSV,
and the roster. Thin: parse, call ``unidesk.wfm``, serialise."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from unidesk.accounts.models import User
from unidesk.channels.api.schemas import Error
from unidesk.core.errors import DomainError, NotFound
from unidesk.core.time import now
from unidesk.wfm import export, services
from unidesk.wfm.selectors import WeekPlan, WhatIf, access_staffing, get_week_plan

router = Router(tags=["staffing"])


def _lead(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    access_staffing(user)
    return user


class PlanQuery(Schema):
    week: str | None = Field(
        None, description="ISO week (2026-W10) or any date in it; empty: this week."
    )
    channel: str | None = Field(None, max_length=20, description="One channel; empty: all.")
    aht_s: float | None = Field(None, gt=0, le=86_400, description="What-if: handle time.")
    target_s: float | None = Field(None, ge=0, le=604_800, description="What-if: answer target.")
    sl_target: float | None = Field(None, gt=0, lt=1, description="What-if: 0.8 for 80%.")
    shrinkage: float | None = Field(None, ge=0, lt=1, description="What-if: 0.3 for 30%.")
    max_occupancy: float | None = Field(None, gt=0, le=1, description="What-if: 0.85.")
    margin: float | None = Field(None, ge=0, le=5, description="What-if: margin, 0.1 for 10%.")

    def what_if(self) -> WhatIf | None:
        change = WhatIf(
            aht_s=self.aht_s,
            target_s=self.target_s,
            sl_target=self.sl_target,
            shrinkage=self.shrinkage,
            max_occupancy=self.max_occupancy,
            margin_percent=self.margin,
        )
        return None if change.is_empty else change


class BacktestOut(Schema):
    start: date
    days: int
    wape: float | None = Field(description="Per interval: sum |forecast - actual| / sum actual.")
    mape: float | None = Field(description="Per interval, over intervals with contacts.")
    daily_wape: float | None
    daily_mape: float | None
    bias: float | None = Field(description="(forecast - actual) / actual; > 0 over-forecasts.")
    chance_wape: float | None = Field(description="The WAPE a perfect forecast would show.")
    actual_contacts: float
    forecast_contacts: float


class ForecastOut(Schema):
    source: str = Field(description="history, manual or none")
    history_days: int
    history_contacts: int
    weekly_trend: float | None
    holiday_factor: float | None
    volatility: float | None
    margin_kind: str
    margin: float
    notes: list[str]
    backtest: BacktestOut | None


class TotalsOut(Schema):
    contacts_forecast: float
    agent_hours_required: float
    agent_hours_planned: float | None
    peak_agents_scheduled: int
    short_intervals: int
    service_level: float | None
    service_level_planned: float | None
    worst_response_s: float | None
    backlog_at_end: float | None


class IntervalOut(Schema):
    date: date
    start: str
    starts_at: datetime
    contacts_forecast: float
    agents_required: int = Field(description="Productive agents needed (before shrinkage).")
    agents_scheduled: int = Field(description="People to schedule (after shrinkage).")
    agents_planned: int | None
    gap: int | None = Field(description="Planned minus scheduled; negative is short.")
    service_level: float | None
    asa_s: float | None
    abandon_rate: float | None
    occupancy: float | None
    service_level_planned: float | None
    abandon_rate_planned: float | None
    occupancy_planned: float | None


class ChannelPlanOut(Schema):
    channel: str
    model: str
    error: str | None
    forecast: ForecastOut
    totals: TotalsOut | None = None
    intervals: list[IntervalOut]


class HolidayOut(Schema):
    date: date
    name: str


class PlanOut(Schema):
    week: str
    start: date
    end: date
    time_zone: str
    interval_minutes: int
    holidays: list[HolidayOut]
    channels: list[ChannelPlanOut]


def _plan(query: PlanQuery) -> WeekPlan:
    if query.what_if() is not None and not query.channel:
        raise DomainError("What-if parameters change one channel: give channel as well.")
    plan = get_week_plan(
        week=query.week,
        at=now(),
        what_if=query.what_if() if query.channel else None,
        what_if_channel=query.channel,
    )
    if query.channel is not None and plan.channel(query.channel) is None:
        raise NotFound(f"No staffing settings for channel {query.channel!r}.")
    return plan


@router.get(
    "/plan",
    response={200: PlanOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="The week's staffing plan: forecast, agents required and planned per interval",
)
def get_plan(request: HttpRequest, query: Query[PlanQuery]) -> dict[str, Any]:
    """What-if parameters change one channel's settings for this answer only (nothing is
    saved); they need ``channel``."""
    _lead(request)
    plan = _plan(query)
    week = plan.week
    return {
        "week": week.label,
        "start": week.start,
        "end": week.end,
        "time_zone": week.time_zone,
        "interval_minutes": week.interval_minutes,
        "holidays": [{"date": d, "name": n} for d, n in sorted(plan.holidays.items())],
        "channels": [
            {
                **export.channel_summary(c),
                "intervals": list(export.interval_rows(plan, c)),
            }
            for c in plan.channels
            if query.channel is None or c.channel == query.channel
        ],
    }


@router.get(
    "/plan.csv",
    response={200: None, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="The week's staffing plan as CSV (one row per channel and interval)",
)
def get_plan_csv(request: HttpRequest, query: Query[PlanQuery]) -> HttpResponse:
    _lead(request)
    plan = _plan(query)
    response = HttpResponse(
        export.plan_csv(plan, channel=query.channel), content_type="text/csv; charset=utf-8"
    )
    name = f"staffing-{plan.week.label}{'-' + query.channel if query.channel else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class RosterEntryIn(Schema):
    channel: str = Field(max_length=20)
    date: date
    start: str = Field(pattern=r"^\d{1,2}:\d{2}$", description="Local time, 09:30.")
    agents: int | None = Field(ge=0, le=services.MAX_PLANNED, description="null clears it.")


class RosterIn(Schema):
    entries: list[RosterEntryIn] = Field(max_length=20_000)


class RosterOut(Schema):
    changed: int


@router.put(
    "/roster",
    response={200: RosterOut, 400: Error, 403: Error, 422: Error},
    summary="Set people planned per channel and interval (all entries or none)",
)
def put_roster(request: HttpRequest, payload: RosterIn) -> dict[str, int]:
    user = _lead(request)
    entries = []
    for e in payload.entries:
        hours, minutes = (int(p) for p in e.start.split(":"))
        if hours > 23 or minutes > 59:
            raise DomainError(f"{e.start} is not a time of day.")
        entries.append(
            services.RosterEntry(
                channel=e.channel, day=e.date, minute=hours * 60 + minutes, agents=e.agents
            )
        )
    return {"changed": services.set_planned_staff(entries, by=user)}
