"""The staffing page for leads: forecast, plan, roster and what-if.

Thin views: parse the request, call ``unidesk.wfm`` selectors and services, render. The
display rows for the templates are shaped by the small helpers below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import numpy as np
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from unidesk.accounts.models import User
from unidesk.core.errors import DomainError
from unidesk.core.time import now
from unidesk.wfm import export, services
from unidesk.wfm.models import ChannelStaffing, StaffingSettings
from unidesk.wfm.selectors import ChannelWeek, WeekPlan, WhatIf, access_staffing, get_week_plan
from unidesk.workspace import staffing_forms as forms
from unidesk.workspace.charts import ChartDay, staffing_chart
from unidesk.workspace.views import _errors, _is_htmx, agent_view

ALL = "all"


@dataclass(frozen=True, slots=True)
class Row:
    """One interval of the day table."""

    minute: int
    time: str
    volume: float
    raw: int
    scheduled: int
    planned: int | None
    gap: int | None
    sl: float | None
    asa: float | None
    abandon: float | None
    occupancy: float | None
    planned_sl: float | None
    planned_abandon: float | None
    planned_occupancy: float | None


def _f(value: float) -> float | None:
    return None if not math.isfinite(value) else float(value)


def _rows(week_plan: WeekPlan, channel: ChannelWeek, day: int) -> list[Row]:
    plan = channel.plan
    if plan is None:
        return []
    week = week_plan.week
    k = week.intervals_per_day
    rows = []
    for j, minute in enumerate(week.minutes):
        i = day * k + j
        planned = int(plan.planned[i])
        rows.append(
            Row(
                minute=minute,
                time=f"{minute // 60:02}:{minute % 60:02}",
                volume=float(plan.volume[i]),
                raw=int(plan.raw_required[i]),
                scheduled=int(plan.scheduled_required[i]),
                planned=planned if planned >= 0 else None,
                gap=int(plan.gap[i]) if planned >= 0 else None,
                sl=_f(plan.sl[i]),
                asa=_f(plan.asa_s[i]),
                abandon=_f(plan.p_abandon[i]),
                occupancy=_f(plan.occupancy[i]),
                planned_sl=_f(plan.planned_sl[i]),
                planned_abandon=_f(plan.planned_p_abandon[i]),
                planned_occupancy=_f(plan.planned_occupancy[i]),
            )
        )
    return rows


def _query(**params: Any) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _day_summary(week_plan: WeekPlan, channel: ChannelWeek | None) -> list[dict[str, Any]]:
    """Per day: contacts, peak required, agent-hours required and planned, short intervals."""
    week = week_plan.week
    k = week.intervals_per_day
    hours = week.interval_minutes / 60
    if channel is not None and channel.plan is not None:
        volume = channel.plan.volume
        need = channel.plan.scheduled_required
        have = channel.plan.planned
        rostered = channel.plan.has_roster
    else:
        need, have, left_out = week_plan.totals()
        rostered = bool(np.any(have >= 0))
        volume = np.zeros(need.shape, dtype=np.float64)
        for c in week_plan.channels:
            if c.plan is not None and c.channel not in left_out:
                volume += c.plan.volume
    out = []
    for d, day in enumerate(week.days):
        part = slice(d * k, (d + 1) * k)
        mine = have[part]
        out.append(
            {
                "day": day,
                "index": d,
                "holiday": week_plan.holidays.get(day),
                "contacts": float(volume[part].sum()),
                "peak": int(need[part].max(initial=0)),
                "required_hours": float(need[part].sum() * hours),
                "planned_hours": float(mine[mine >= 0].sum() * hours) if rostered else None,
                "short": int(((mine >= 0) & (mine < need[part])).sum()) if rostered else None,
            }
        )
    return out


def _chart(week_plan: WeekPlan, channel: ChannelWeek | None, day: int, base: dict[str, Any]) -> Any:
    week = week_plan.week
    if channel is not None:
        if channel.plan is None:
            return None
        need, have = channel.plan.scheduled_required, channel.plan.planned
        rostered = channel.plan.has_roster
        title = _("Staff required and planned for %(channel)s") % {"channel": channel.channel}
    else:
        need, have, _left_out = week_plan.totals()
        rostered = bool(np.any(have >= 0))
        title = _("Staff required and planned, all channels")
    days = [
        ChartDay(
            day=d,
            label=formats.date_format(d, "D j"),
            href=reverse("workspace:staffing") + _query(**base, day=i),
            is_holiday=d in week_plan.holidays,
            is_selected=i == day,
        )
        for i, d in enumerate(week.days)
    ]
    labels = [
        f"{formats.date_format(d, 'D')} {m // 60:02}:{m % 60:02}"
        for d in week.days
        for m in week.minutes
    ]
    now_index = None
    current = now()
    if week.start <= week_plan.today <= week.end:
        local = current.astimezone(week.starts_at(week.start, 0).tzinfo)
        minutes = (local.date() - week.start).days * 1440 + local.hour * 60 + local.minute
        now_index = minutes // week.interval_minutes
    return staffing_chart(
        required=need,
        planned=have if rostered else None,
        days=days,
        interval_labels=labels,
        now_index=now_index,
        title=title,
    )


def _selected_day(request: HttpRequest, week_plan: WeekPlan) -> int:
    raw = request.GET.get("day", "")
    if raw.isdigit() and int(raw) < 7:
        return int(raw)
    week = week_plan.week
    if week.start <= week_plan.today <= week.end:
        return (week_plan.today - week.start).days
    return 0


@agent_view
def staffing(request: HttpRequest, user: User) -> HttpResponse:
    """The plan of a week: ``?week=2026-W10&channel=phone&day=2`` plus what-if fields."""
    access_staffing(user)
    name = request.GET.get("channel", "")
    whatif_form = forms.WhatIfForm(request.GET if request.GET.get("whatif") else None)
    what_if: WhatIf | None = None
    if whatif_form.is_bound:
        if whatif_form.is_valid():
            what_if = whatif_form.what_if()
        else:
            messages.error(
                request, _("Not recomputed: %(errors)s") % {"errors": _errors(whatif_form)}
            )
    try:
        week_plan = get_week_plan(
            week=request.GET.get("week"), at=now(), what_if=what_if, what_if_channel=name
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        week_plan = get_week_plan(week=None, at=now())
    channel = week_plan.channel(name) if name != ALL else None
    if channel is None and name != ALL and week_plan.channels:
        channel = week_plan.channels[0]
    changed = (
        channel is not None
        and what_if is not None
        and channel.channel == name
        and whatif_form.differs_from(channel.staffing)
    )
    context = _context(request, week_plan, channel, whatif_form, changed)
    if _is_htmx(request) and request.GET.get("part") == "plan":
        return render(request, "workspace/_staffing_plan.html", context)
    return render(request, "workspace/staffing.html", context)


def _context(
    request: HttpRequest,
    week_plan: WeekPlan,
    channel: ChannelWeek | None,
    whatif_form: forms.WhatIfForm,
    what_if_changed: bool,
) -> dict[str, Any]:
    week = week_plan.week
    day = _selected_day(request, week_plan)
    name = channel.channel if channel is not None else ALL
    base = {"week": week.label, "channel": name}
    if channel is not None and not (whatif_form.is_bound and channel.channel == name):
        whatif_form = forms.WhatIfForm(
            initial=forms.WhatIfForm.initial_for(channel.staffing, margin=channel.forecast.margin)
        )
    settings_form = None
    if channel is not None:
        settings_form = forms.ChannelStaffingForm(
            initial=forms.ChannelStaffingForm.initial_for(channel.staffing),
            auto_id="cs_%s",
        )
    return {
        "nav": "staffing",
        "plan": week_plan,
        "week": week,
        "channel": channel,
        "channel_name": name,
        "summary": None if channel is None else export.channel_summary(channel),
        "summaries": [export.channel_summary(c) for c in week_plan.channels],
        "left_out": week_plan.totals()[2] if channel is None else [],
        "day": day,
        "day_date": week.days[day],
        "days": _day_summary(week_plan, channel),
        "rows": [] if channel is None else _rows(week_plan, channel, day),
        "chart": _chart(week_plan, channel, day, base),
        "whatif_form": whatif_form,
        "what_if_changed": what_if_changed,
        "settings_form": settings_form,
        "new_channel_form": forms.ChannelStaffingForm(
            initial={
                "model": "erlang_c",
                "is_active": True,
                "shrinkage": 30,
                "forecast_source": "auto",
                "margin_kind": "volatility",
                "margin_coverage": 90,
                "margin_percent": 10,
                "concurrency": 1,
                "aht_seconds": 300,
                "target_seconds": 20,
                "sl_target": 80,
                "max_occupancy": 85,
            },
            auto_id="new_%s",
        ),
        "grid_form": forms.StaffingSettingsForm(
            initial={
                "calendar": week_plan.settings.calendar_id,
                "interval_minutes": week_plan.settings.interval_minutes,
                "history_weeks": week_plan.settings.history_weeks,
                "holdout_weeks": week_plan.settings.holdout_weeks,
            }
        ),
        "base_query": _query(**base),
        "day_query": _query(**base, day=day),
        "prev_query": _query(week=_label(week.start - timedelta(days=7)), channel=name, day=day),
        "next_query": _query(week=_label(week.start + timedelta(days=7)), channel=name, day=day),
        "this_query": _query(channel=name),
        "is_this_week": week.start <= week_plan.today <= week.end,
    }


def _label(day: date) -> str:
    year, number, _weekday = day.isocalendar()
    return f"{year}-W{number:02}"


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not target.startswith("?"):
        target = ""
    return redirect(reverse("workspace:staffing") + target)


# --- writes ----------------------------------------------------------------------------


@require_POST
@agent_view
def channel_save(request: HttpRequest, user: User, channel: str | None = None) -> HttpResponse:
    """Save one channel's settings (or create a channel when ``channel`` is None)."""
    access_staffing(user)
    row = ChannelStaffing() if channel is None else ChannelStaffing.objects.filter(
        channel=channel
    ).first()  # fmt: skip
    if row is None:
        messages.error(request, _("No staffing settings for %(channel)s.") % {"channel": channel})
        return _back(request)
    form = forms.ChannelStaffingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing saved: %(errors)s") % {"errors": _errors(form)})
        return _back(request)
    try:
        services.save_channel_staffing(row, form.changes(), by=user)
    except DomainError as exc:
        messages.error(request, _("Nothing saved: %(error)s") % {"error": exc.message})
        return _back(request)
    messages.success(request, _("Settings for %(channel)s saved.") % {"channel": row.channel})
    if channel is None:
        return redirect(reverse("workspace:staffing") + _query(channel=row.channel))
    return _back(request)


@require_POST
@agent_view
def settings_save(request: HttpRequest, user: User) -> HttpResponse:
    access_staffing(user)
    form = forms.StaffingSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing saved: %(errors)s") % {"errors": _errors(form)})
        return _back(request)
    try:
        services.save_staffing_settings(form.cleaned_data, by=user)
    except DomainError as exc:
        messages.error(request, _("Nothing saved: %(error)s") % {"error": exc.message})
        return _back(request)
    messages.success(request, _("Planning grid saved."))
    return _back(request)


@require_POST
@agent_view
def roster_save(request: HttpRequest, user: User) -> HttpResponse:
    """Save the people planned in each interval of one day of one channel."""
    access_staffing(user)
    interval = StaffingSettings.load().interval_minutes
    form = forms.RosterDayForm(request.POST, minutes=list(range(0, 1440, interval)))
    if not form.is_valid():
        messages.error(request, _("Roster not saved: %(errors)s") % {"errors": _errors(form)})
        return _back(request)
    try:
        changed = services.set_planned_staff(form.entries(), by=user)
    except DomainError as exc:
        messages.error(request, _("Roster not saved: %(error)s") % {"error": exc.message})
        return _back(request)
    messages.success(request, _("Roster saved: %(n)d intervals changed.") % {"n": changed})
    return _back(request)


@require_POST
@agent_view
def roster_fill(request: HttpRequest, user: User) -> HttpResponse:
    """Put the required headcount on the roster where the week has none yet."""
    access_staffing(user)
    try:
        changed = services.fill_roster_with_required(
            channel=request.POST.get("channel", ""),
            week=request.POST.get("week") or None,
            at=now(),
            by=user,
        )
    except DomainError as exc:
        messages.error(request, _("Roster not filled: %(error)s") % {"error": exc.message})
        return _back(request)
    messages.success(
        request, _("Roster filled with the required staff: %(n)d intervals.") % {"n": changed}
    )
    return _back(request)


@require_POST
@agent_view
def roster_import(request: HttpRequest, user: User) -> HttpResponse:
    access_staffing(user)
    form = forms.RosterImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Nothing imported: %(errors)s") % {"errors": _errors(form)})
        return _back(request)
    try:
        changed = services.import_roster_csv(form.cleaned_data["file"], by=user)
    except DomainError as exc:
        messages.error(request, _("Nothing imported: %(error)s") % {"error": exc.message})
        return _back(request)
    messages.success(request, _("Roster imported: %(n)d intervals changed.") % {"n": changed})
    return _back(request)


@agent_view
def staffing_csv(request: HttpRequest, user: User) -> HttpResponse:
    """The week's plan as CSV (``?week=...&channel=...``; every channel without one)."""
    access_staffing(user)
    try:
        week_plan = get_week_plan(week=request.GET.get("week"), at=now())
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    name = request.GET.get("channel") or None
    if name == ALL:
        name = None
    if name is not None and week_plan.channel(name) is None:
        message = _("No staffing settings for %(channel)s.") % {"channel": name}
        return HttpResponse(message, status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(
        export.plan_csv(week_plan, channel=name), content_type="text/csv; charset=utf-8"
    )
    filename = f"staffing-{week_plan.week.label}{'-' + name if name else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
