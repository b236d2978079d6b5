"""Reads for the staffing planner: who may plan, the history of contacts, the week's plan.

``get_week_plan`` is the one entry point of the plan page, the API and the CSV export: it
reads the settings, the ticket history (one grouped query), the holidays and the roster, and
hands the numbers to the pure maths (``forecast``, ``plan``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import BigIntegerField, Count, Func
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from unidesk.accounts.models import User
from unidesk.core.errors import DomainError, PermissionDenied
from unidesk.sla.models import Holiday
from unidesk.tickets.models import Ticket
from unidesk.wfm import forecast as fc
from unidesk.wfm.errors import StaffingInputError
from unidesk.wfm.models import ChannelStaffing, PlannedStaff, StaffingSettings
from unidesk.wfm.plan import ChannelPlan, plan_channel, with_overrides

#: Contacts a channel's history needs (besides MIN_HISTORY_DAYS days) to be forecast from.
HISTORY_MIN_CONTACTS = 28

_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def access_staffing(user: User) -> None:
    """Leads and admins plan staffing; anyone else is refused."""
    if not user.sees_all_queues:
        raise PermissionDenied(_("Only leads plan staffing."))


def parse_week(text: str | None, *, today: date) -> date:
    """The Monday of the week named by ``text``: ``2026-W10`` or any date in the week.

    Empty means the week of ``today``. Raises DomainError for anything else.
    """
    value = (text or "").strip()
    if not value:
        return today - timedelta(days=today.weekday())
    match = _ISO_WEEK.match(value)
    try:
        if match:
            return date.fromisocalendar(int(match[1]), int(match[2]), 1)
        day = date.fromisoformat(value)
    except ValueError:
        raise DomainError(
            _("%(value)s is not a week: write 2026-W10 or a date such as 2026-03-02.")
            % {"value": value[:40]}
        ) from None
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class Week:
    """Seven local days from ``start`` (a Monday), cut into intervals of the plan's grid."""

    start: date
    time_zone: str
    interval_minutes: int

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=d) for d in range(7)]

    @property
    def end(self) -> date:
        """The last day (Sunday)."""
        return self.start + timedelta(days=6)

    @property
    def intervals_per_day(self) -> int:
        return 1440 // self.interval_minutes

    @property
    def interval_s(self) -> int:
        return self.interval_minutes * 60

    @property
    def minutes(self) -> list[int]:
        """Start of each interval of a day, in minutes after midnight."""
        return list(range(0, 1440, self.interval_minutes))

    @property
    def label(self) -> str:
        year, week, _day = self.start.isocalendar()
        return f"{year}-W{week:02}"

    def starts_at(self, day: date, minute: int) -> datetime:
        """The interval's start as an aware datetime in the plan's time zone."""
        hours, minutes = divmod(minute, 60)
        return datetime.combine(day, time(hours, minutes), tzinfo=ZoneInfo(self.time_zone))


@dataclass(frozen=True, slots=True)
class WhatIf:
    """Changes tried on one channel's settings without saving them (None: unchanged).

    ``margin_percent`` replaces the margin with a fixed percentage (0.1 for 10 %).
    """

    aht_s: float | None = None
    target_s: float | None = None
    sl_target: float | None = None
    shrinkage: float | None = None
    max_occupancy: float | None = None
    margin_percent: float | None = None

    @property
    def is_empty(self) -> bool:
        return all(
            v is None
            for v in (
                self.aht_s,
                self.target_s,
                self.sl_target,
                self.shrinkage,
                self.max_occupancy,
                self.margin_percent,
            )
        )


@dataclass(frozen=True, slots=True)
class ChannelForecast:
    """A channel's forecast for the week (days x intervals) and how it was made.

    ``source`` is ``history``, ``manual`` or ``none``; ``volume`` excludes the margin
    (``margin``, a fraction, is applied to the plan's volumes).
    """

    source: str
    volume: NDArray[np.float64]
    margin: float
    margin_kind: str
    accuracy: fc.Accuracy | None = None
    history_days: int = 0
    history_contacts: int = 0
    weekly_trend: float | None = None
    holiday_factor: float | None = None
    volatility: float | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChannelWeek:
    """One channel's week: its settings, forecast and plan (None when settings are invalid)."""

    staffing: ChannelStaffing
    forecast: ChannelForecast
    plan: ChannelPlan | None
    error: str | None = None

    @property
    def channel(self) -> str:
        return self.staffing.channel


@dataclass(frozen=True, slots=True)
class WeekPlan:
    week: Week
    settings: StaffingSettings
    today: date
    holidays: dict[date, str]
    channels: list[ChannelWeek]
    unplanned: list[tuple[str, int]] = field(default_factory=list)
    what_if: WhatIf | None = None

    def channel(self, name: str) -> ChannelWeek | None:
        return next((c for c in self.channels if c.channel == name), None)

    def totals(self) -> tuple[NDArray[np.int64], NDArray[np.int64], list[str]]:
        """Scheduled required and planned people per interval, summed over channels.

        When any channel has a roster, only channels with a roster are summed (a channel
        nobody rostered would show as one long gap); the third value lists the channels
        left out. Without any roster, required is summed over every planned channel.
        """
        size = 7 * self.week.intervals_per_day
        required = np.zeros(size, dtype=np.int64)
        planned = np.zeros(size, dtype=np.int64)
        plans = [c for c in self.channels if c.plan is not None]
        rostered = [c for c in plans if c.plan is not None and c.plan.has_roster]
        for c in rostered or plans:
            assert c.plan is not None
            required += c.plan.scheduled_required
            planned += np.maximum(c.plan.planned, 0)
        left_out = [c.channel for c in plans if rostered and c not in rostered]
        if not rostered:
            planned[:] = -1
        return required, planned, left_out


# ---------------------------------------------------------------------------- reads


def list_channel_staffing(*, active_only: bool = True) -> list[ChannelStaffing]:
    qs = ChannelStaffing.objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


class _EpochBucket(Func):
    """``floor(unix seconds / size)`` of a timestamp, in the database's own C code.

    Django's time-zone-aware Trunc/Extract run in Python per row on SQLite (about 40 us a
    row); this keeps the grouped query of eight weeks of tickets in milliseconds.
    """

    output_field = BigIntegerField()

    def __init__(self, expression: str, *, size: int) -> None:
        super().__init__(expression)
        self.size = int(size)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template=f"(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) / {self.size})",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template=f"FLOOR(EXTRACT(EPOCH FROM %(expressions)s) / {self.size})::bigint",
            **extra,
        )


def bucket_seconds(*, tz: ZoneInfo, start: date, days: int, interval_minutes: int) -> int:
    """The longest UTC bucket that never straddles a local interval boundary.

    A local interval starts where UTC time plus the zone's offset is a multiple of the
    interval, so a UTC bucket of ``gcd(interval, every offset in the window)`` minutes
    falls in exactly one local interval: 30 minutes for Moscow's 30-minute grid, 15 for
    Kathmandu (+05:45). Every real offset is a multiple of 15 minutes.
    """
    size = interval_minutes
    for d in range(0, days + 1):
        for hour in (0, 12):
            offset = tz.utcoffset(datetime.combine(start + timedelta(days=d), time(hour)))
            size = math.gcd(size, int((offset or timedelta()).total_seconds()) // 60)
    return max(1, size) * 60


def count_contacts(
    *, start: date, days: int, time_zone: str, interval_minutes: int
) -> dict[str, NDArray[np.float64]]:
    """New tickets per channel, local day and interval (one grouped query).

    Returns a (days x intervals) table per channel that had tickets in the window.
    """
    tz = ZoneInfo(time_zone)
    k = 1440 // interval_minutes
    size = bucket_seconds(tz=tz, start=start, days=days, interval_minutes=interval_minutes)
    rows = (
        Ticket.objects.filter(
            created_at__gte=_local_midnight(start, tz),
            created_at__lt=_local_midnight(start + timedelta(days=days), tz),
        )
        .annotate(bucket=_EpochBucket("created_at", size=size))
        .values_list("channel", "bucket")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[str, NDArray[np.float64]] = {}
    local: dict[int, tuple[int, int]] = {}
    for channel, bucket, n in rows:
        key = int(bucket)
        if key not in local:
            moment = datetime.fromtimestamp(key * size, tz)
            local[key] = (
                (moment.date() - start).days,
                (moment.hour * 60 + moment.minute) // interval_minutes,
            )
        d, slot = local[key]
        if 0 <= d < days and 0 <= slot < k:
            grid = out.setdefault(channel, np.zeros((days, k), dtype=np.float64))
            grid[d, slot] += n
    return out


def list_holidays(settings: StaffingSettings, *, start: date, end: date) -> dict[date, str]:
    """Holidays of the planning calendar between ``start`` and ``end`` (inclusive)."""
    if settings.calendar_id is None:
        return {}
    return dict(
        Holiday.objects.filter(
            calendar_id=settings.calendar_id, date__gte=start, date__lte=end
        ).values_list("date", "name")
    )


def planned_staff(*, channels: list[str], week: Week) -> dict[str, NDArray[np.int64]]:
    """The roster per channel, one value per interval of the week (-1 where none).

    An interval longer than the roster's rows takes the fewest people of the rows inside it
    (the staffing it can count on throughout).
    """
    k = week.intervals_per_day
    out = {c: np.full(7 * k, -1, dtype=np.int64) for c in channels}
    rows = PlannedStaff.objects.filter(
        channel__in=channels, day__gte=week.start, day__lte=week.end
    ).values_list("channel", "day", "minute", "agents")
    for channel, day, minute, agents in rows:
        i = (day - week.start).days * k + minute // week.interval_minutes
        current = out[channel][i]
        out[channel][i] = agents if current < 0 else min(current, agents)
    return out


# ---------------------------------------------------------------------------- the plan


def get_week_plan(
    *,
    week: str | date | None,
    at: datetime,
    what_if: WhatIf | None = None,
    what_if_channel: str | None = None,
) -> WeekPlan:
    """Forecast and plan every active channel for a week (see ``parse_week``; a date
    stands for its week; None is the week of ``at``), days local to the plan's time zone.

    History ends at the earlier of the week's start and today (whole local days only) and
    reaches back the configured number of weeks. ``what_if`` changes the settings of
    ``what_if_channel`` for this computation only. Raises DomainError for a bad week.
    """
    settings = StaffingSettings.load()
    today = at.astimezone(ZoneInfo(settings.time_zone)).date()
    week_start = (
        week - timedelta(days=week.weekday())
        if isinstance(week, date)
        else parse_week(week, today=today)
    )
    if not today - timedelta(days=5 * 366) <= week_start <= today + timedelta(days=366):
        raise DomainError(_("Plan a week from five years back to one year ahead."))
    plan_week = Week(
        start=week_start,
        time_zone=settings.time_zone,
        interval_minutes=settings.interval_minutes,
    )
    return _week_plan(settings, plan_week, today, what_if, what_if_channel)


def _week_plan(
    settings: StaffingSettings,
    week: Week,
    today: date,
    what_if: WhatIf | None,
    what_if_channel: str | None,
) -> WeekPlan:
    staffing = list_channel_staffing()
    history_end = min(week.start, today)
    history_days = 7 * settings.history_weeks
    history_start = history_end - timedelta(days=history_days)
    counts = count_contacts(
        start=history_start,
        days=history_days,
        time_zone=week.time_zone,
        interval_minutes=week.interval_minutes,
    )
    all_holidays = list_holidays(settings, start=history_start, end=week.end)
    week_holidays = {d: n for d, n in all_holidays.items() if week.start <= d <= week.end}
    roster = planned_staff(channels=[s.channel for s in staffing], week=week)
    channels: list[ChannelWeek] = []
    for row in staffing:
        change = what_if if what_if is not None and row.channel == what_if_channel else None
        grid = fc.DayGrid.of(
            start=history_start,
            counts=counts.get(row.channel, np.zeros((history_days, week.intervals_per_day))),
            holidays=set(all_holidays),
        )
        forecast = forecast_channel(
            row,
            history=grid,
            week=week,
            holidays=set(week_holidays),
            holdout_weeks=settings.holdout_weeks,
            what_if=change,
        )
        channels.append(_plan(row, forecast, week, roster[row.channel], change))
    known = {s.channel for s in staffing}
    unplanned = sorted(
        ((c, int(g.sum())) for c, g in counts.items() if c not in known),
        key=lambda item: -item[1],
    )
    return WeekPlan(week, settings, today, week_holidays, channels, unplanned, what_if)


def forecast_channel(
    row: ChannelStaffing,
    *,
    history: fc.DayGrid,
    week: Week,
    holidays: set[date],
    holdout_weeks: int,
    what_if: WhatIf | None = None,
) -> ChannelForecast:
    """The week's forecast for one channel, from history or from the manual profile."""
    notes: list[str] = []
    trimmed = history.trim_leading_empty_days()
    contacts = int(trimmed.counts.sum())
    enough = trimmed.days >= fc.MIN_HISTORY_DAYS and contacts >= HISTORY_MIN_CONTACTS
    use_history = row.forecast_source == "history" or (row.forecast_source == "auto" and enough)
    if use_history and trimmed.days < fc.MIN_HISTORY_DAYS:
        notes.append(
            _("Only %(days)d days of history (%(need)d needed): using the manual profile.")
            % {"days": trimmed.days, "need": fc.MIN_HISTORY_DAYS}
        )
        use_history = False
    source, accuracy, profile = "none", None, None
    volume = np.zeros((7, week.intervals_per_day), dtype=np.float64)
    trend = holiday_factor = None
    if use_history:
        try:
            profile = fc.fit_weekly_profile(trimmed)
        except StaffingInputError as exc:
            notes.append(str(exc))
        else:
            source = "history"
            volume = fc.forecast_days(profile, start=week.start, days=7, holidays=holidays)
            accuracy = fc.backtest(trimmed, holdout_weeks=holdout_weeks)
            trend = profile.weekly_trend() if profile.has_trend else None
            holiday_factor = profile.holiday_factor
            if accuracy is None:
                notes.append(
                    _("Too little history for a back-test: it needs %(days)d days or more.")
                    % {"days": fc.MIN_HISTORY_DAYS + 7}
                )
    if source == "none":
        if row.manual_daily_volume is not None:
            try:
                volume = fc.manual_forecast(
                    daily_volume=float(row.manual_daily_volume),
                    weekday_weights=row.manual_weekday_weights,
                    hourly_shape=row.manual_hourly_shape,
                    start=week.start,
                    days=7,
                    intervals_per_day=week.intervals_per_day,
                    holidays=holidays,
                )
                source = "manual"
            except StaffingInputError as exc:
                notes.append(str(exc))
        else:
            notes.append(
                _("No history to forecast from yet: type a typical day's volume in the settings.")
            )
    vol_error = fc.volatility(accuracy_=accuracy, profile=profile)
    kind = row.margin_kind
    percent = float(row.margin_percent)
    if what_if is not None and what_if.margin_percent is not None:
        kind, percent = "percent", what_if.margin_percent
    margin = fc.margin_fraction(
        kind=kind,  # type: ignore[arg-type]
        percent=percent,
        coverage=float(row.margin_coverage),
        relative_error=vol_error,
    )
    if kind == "volatility" and vol_error is None:
        notes.append(_("The volatility margin needs history; no margin is added."))
    return ChannelForecast(
        source=source,
        volume=volume,
        margin=margin,
        margin_kind=kind,
        accuracy=accuracy,
        history_days=trimmed.days,
        history_contacts=contacts,
        weekly_trend=trend,
        holiday_factor=holiday_factor,
        volatility=vol_error,
        notes=tuple(notes),
    )


def _plan(
    row: ChannelStaffing,
    forecast: ChannelForecast,
    week: Week,
    roster: NDArray[np.int64],
    what_if: WhatIf | None,
) -> ChannelWeek:
    settings = row.to_settings()
    if what_if is not None:
        settings = with_overrides(
            settings,
            aht_s=what_if.aht_s,
            target_s=what_if.target_s,
            sl_target=what_if.sl_target,
            shrinkage=what_if.shrinkage,
            max_occupancy=what_if.max_occupancy,
        )
    try:
        plan = plan_channel(
            settings=settings,
            volume=fc.apply_margin(forecast.volume, forecast.margin).ravel(),
            interval_s=week.interval_s,
            planned=roster,
        )
    except StaffingInputError as exc:
        return ChannelWeek(row, forecast, None, str(exc))
    return ChannelWeek(row, forecast, plan)
