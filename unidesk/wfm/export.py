"""The week's plan as rows: CSV for spreadsheets and plain dicts for the API.

One row per channel and interval; times are local to the plan's time zone (``date`` and
``start``, plus ``starts_at`` with its offset). Figures that do not apply to a model are
empty (CSV) or null (JSON). The CSV's ``agents_planned`` column can be edited and imported
back as the roster.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from typing import Any

from unidesk.wfm.selectors import ChannelWeek, WeekPlan

CSV_COLUMNS = (
    "channel",
    "model",
    "date",
    "start",
    "starts_at",
    "contacts_forecast",
    "agents_required",
    "agents_scheduled",
    "agents_planned",
    "gap",
    "service_level",
    "asa_s",
    "abandon_rate",
    "occupancy",
    "service_level_planned",
    "abandon_rate_planned",
    "occupancy_planned",
)


def _num(value: float, digits: int) -> float | None:
    return None if not math.isfinite(value) else round(float(value), digits)


def interval_rows(week_plan: WeekPlan, channel: ChannelWeek) -> Iterator[dict[str, Any]]:
    """One dict per interval of the week for a planned channel (CSV_COLUMNS keys)."""
    plan = channel.plan
    if plan is None:
        return
    week = week_plan.week
    k = week.intervals_per_day
    for i in range(7 * k):
        day = week.days[i // k]
        minute = (i % k) * week.interval_minutes
        planned = int(plan.planned[i])
        yield {
            "channel": channel.channel,
            "model": plan.settings.model,
            "date": day.isoformat(),
            "start": f"{minute // 60:02}:{minute % 60:02}",
            "starts_at": week.starts_at(day, minute).isoformat(),
            "contacts_forecast": round(float(plan.volume[i]), 2),
            "agents_required": int(plan.raw_required[i]),
            "agents_scheduled": int(plan.scheduled_required[i]),
            "agents_planned": planned if planned >= 0 else None,
            "gap": int(plan.gap[i]) if planned >= 0 else None,
            "service_level": _num(plan.sl[i], 4),
            "asa_s": _num(plan.asa_s[i], 1),
            "abandon_rate": _num(plan.p_abandon[i], 4),
            "occupancy": _num(plan.occupancy[i], 4),
            "service_level_planned": _num(plan.planned_sl[i], 4),
            "abandon_rate_planned": _num(plan.planned_p_abandon[i], 4),
            "occupancy_planned": _num(plan.planned_occupancy[i], 4),
        }


def plan_csv(week_plan: WeekPlan, *, channel: str | None = None) -> str:
    """The plan as CSV text (all planned channels, or one)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for c in week_plan.channels:
        if channel is None or c.channel == channel:
            for row in interval_rows(week_plan, c):
                writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def channel_summary(channel: ChannelWeek) -> dict[str, Any]:
    """A channel's settings, forecast and totals as plain values."""
    f = channel.forecast
    acc = f.accuracy
    plan = channel.plan
    summary: dict[str, Any] = {
        "channel": channel.channel,
        "model": channel.staffing.model,
        "error": channel.error,
        "forecast": {
            "source": f.source,
            "history_days": f.history_days,
            "history_contacts": f.history_contacts,
            "weekly_trend": f.weekly_trend,
            "holiday_factor": f.holiday_factor,
            "volatility": f.volatility,
            "margin_kind": f.margin_kind,
            "margin": round(f.margin, 4),
            "notes": list(f.notes),
            "backtest": None
            if acc is None
            else {
                "start": acc.start.isoformat(),
                "days": acc.days,
                "wape": acc.wape,
                "mape": acc.mape,
                "daily_wape": acc.daily_wape,
                "daily_mape": acc.daily_mape,
                "bias": acc.bias,
                "chance_wape": acc.chance_wape,
                "actual_contacts": acc.actual_total,
                "forecast_contacts": round(acc.forecast_total, 2),
            },
        },
    }
    if plan is not None:
        required_h, planned_h = plan.staff_hours()
        summary["totals"] = {
            "contacts_forecast": round(float(plan.volume.sum()), 2),
            "agent_hours_required": required_h,
            "agent_hours_planned": planned_h if plan.has_roster else None,
            "peak_agents_scheduled": int(plan.scheduled_required.max(initial=0)),
            "short_intervals": plan.short_intervals(),
            "service_level": plan.weighted_sl(),
            "service_level_planned": plan.weighted_sl(planned=True) if plan.has_roster else None,
            "worst_response_s": plan.worst_response_s,
            "backlog_at_end": plan.backlog_at_end,
        }
    return summary
