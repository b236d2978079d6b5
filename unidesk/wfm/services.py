"""Writes of the staffing planner: settings, channel staffing and the roster (leads only)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from unidesk.accounts.models import User
from unidesk.core.errors import DomainError
from unidesk.wfm.errors import StaffingInputError
from unidesk.wfm.forecast import hourly_to_intervals
from unidesk.wfm.models import ChannelStaffing, PlannedStaff, StaffingSettings
from unidesk.wfm.selectors import Week, access_staffing

#: Most people a roster may put on one channel in one interval (a typo guard).
MAX_PLANNED = 10_000
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(str(m) for m in errors)}"
            for field, errors in exc.message_dict.items()
        )
    return " ".join(str(m) for m in exc.messages)


def check_channel_staffing(row: ChannelStaffing) -> None:
    """Field ranges, then the staffing maths' own checks; DomainError names the problem."""
    try:
        row.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise DomainError(_validation_message(exc)) from None
    try:
        row.to_settings().checked()
        weights = row.manual_weekday_weights
        if (
            not isinstance(weights, list)
            or len(weights) != 7
            or not all(isinstance(w, int | float) and not isinstance(w, bool) and w >= 0
                       for w in weights)
        ):  # fmt: skip
            raise StaffingInputError(_("weekday weights need 7 numbers >= 0, Monday first"))
        shape = row.manual_hourly_shape
        if not isinstance(shape, list) or not all(
            isinstance(w, int | float) and not isinstance(w, bool) for w in shape
        ):
            raise StaffingInputError(_("the intraday shape needs 24 hourly weights"))
        hourly_to_intervals(shape, 24)
    except StaffingInputError as exc:
        raise DomainError(str(exc)) from None


@transaction.atomic
def save_channel_staffing(
    row: ChannelStaffing, changes: Mapping[str, Any], *, by: User
) -> ChannelStaffing:
    """Apply ``changes`` (field name -> value) to ``row`` and save, or change nothing.

    A new row (no pk) is created; its channel must not be planned already. Renaming a
    channel takes its roster along.
    """
    access_staffing(by)
    old_name = row.channel if row.pk is not None else None
    unknown = set(changes) - {f.name for f in ChannelStaffing._meta.get_fields()}
    if unknown:
        raise DomainError(_("Unknown settings: %(names)s") % {"names": ", ".join(sorted(unknown))})
    for name, value in changes.items():
        setattr(row, name, value)
    row.channel = row.channel.strip().lower()
    if not row.channel:
        raise DomainError(_("Name the channel, as on tickets (email, chat, phone ...)."))
    clash = ChannelStaffing.objects.filter(channel=row.channel)
    if row.pk is not None:
        clash = clash.exclude(pk=row.pk)
    if clash.exists():
        raise DomainError(
            _("The channel %(channel)s is planned already.") % {"channel": row.channel}
        )
    check_channel_staffing(row)
    row.save()
    if old_name is not None and old_name != row.channel:
        PlannedStaff.objects.filter(channel=old_name).update(channel=row.channel)
    return row


@transaction.atomic
def save_staffing_settings(changes: Mapping[str, Any], *, by: User) -> StaffingSettings:
    """Change the planning grid (calendar, interval, weeks of history and held out)."""
    access_staffing(by)
    settings = StaffingSettings.load()
    allowed = {"calendar", "interval_minutes", "history_weeks", "holdout_weeks"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("Unknown settings: %(names)s") % {"names": ", ".join(sorted(unknown))})
    for name, value in changes.items():
        setattr(settings, name, value)
    try:
        settings.full_clean()
    except ValidationError as exc:
        raise DomainError(_validation_message(exc)) from None
    if settings.holdout_weeks >= settings.history_weeks:
        raise DomainError(_("Hold out fewer weeks than the history has."))
    settings.save()
    return settings


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """People planned for ``channel`` on ``day`` in the interval starting at ``minute``.

    ``agents`` None clears the interval.
    """

    channel: str
    day: date
    minute: int
    agents: int | None


def _check_entry(entry: RosterEntry, *, week: Week | None, interval_minutes: int) -> None:
    if not 0 <= entry.minute < 1440 or entry.minute % interval_minutes:
        raise DomainError(
            _("%(minute)s is not the start of a %(interval)d-minute interval.")
            % {"minute": f"{entry.minute // 60:02}:{entry.minute % 60:02}",
               "interval": interval_minutes}
        )  # fmt: skip
    if entry.agents is not None and not 0 <= entry.agents <= MAX_PLANNED:
        raise DomainError(_("People planned must be between 0 and %(max)d.") % {"max": MAX_PLANNED})
    if week is not None and not week.start <= entry.day <= week.end:
        raise DomainError(_("%(day)s is outside the week.") % {"day": entry.day.isoformat()})


@transaction.atomic
def set_planned_staff(entries: Iterable[RosterEntry], *, by: User, week: Week | None = None) -> int:
    """Write roster entries (all or nothing); returns how many intervals changed.

    Every channel must be planned (have staffing settings); minutes must start an interval
    of the planning grid; with ``week`` every day must lie in it.
    """
    access_staffing(by)
    items = list(entries)
    interval = StaffingSettings.load().interval_minutes
    known = set(ChannelStaffing.objects.values_list("channel", flat=True))
    for entry in items:
        if entry.channel not in known:
            raise DomainError(
                _("The channel %(channel)s has no staffing settings.") % {"channel": entry.channel}
            )
        _check_entry(entry, week=week, interval_minutes=interval)
    keys = {(e.channel, e.day, e.minute): e.agents for e in items}
    if not keys:
        return 0
    days = {d for _c, d, _m in keys}
    existing = {
        (p.channel, p.day, p.minute): p
        for p in PlannedStaff.objects.select_for_update().filter(
            channel__in={c for c, _d, _m in keys}, day__in=days
        )
    }
    create: list[PlannedStaff] = []
    update: list[PlannedStaff] = []
    delete: list[int] = []
    for (channel, day, minute), agents in keys.items():
        row = existing.get((channel, day, minute))
        if agents is None:
            if row is not None:
                delete.append(row.pk)
        elif row is None:
            create.append(PlannedStaff(channel=channel, day=day, minute=minute, agents=agents))
        elif row.agents != agents:
            row.agents = agents
            update.append(row)
    PlannedStaff.objects.filter(pk__in=delete).delete()
    PlannedStaff.objects.bulk_create(create)
    PlannedStaff.objects.bulk_update(update, ["agents"])
    return len(create) + len(update) + len(delete)


def parse_roster_csv(text: str) -> list[RosterEntry]:
    """Roster rows from CSV with the columns ``channel``, ``date``, ``start`` and either
    ``agents`` or ``agents_planned`` (the plan's own CSV export is accepted as it is).

    An empty ``agents`` cell clears the interval. Raises DomainError naming the line.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = {f.strip() for f in reader.fieldnames or []}
    column = "agents" if "agents" in fields else "agents_planned"
    missing = {"channel", "date", "start", column} - fields
    if missing:
        raise DomainError(
            _("The CSV needs the columns channel, date, start and agents (missing: %(cols)s).")
            % {"cols": ", ".join(sorted(missing))}
        )
    entries: list[RosterEntry] = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        try:
            day = date.fromisoformat(row["date"])
        except ValueError:
            raise DomainError(
                _("Line %(line)d: %(value)s is not a date (2026-03-02).")
                % {"line": line, "value": row["date"][:20]}
            ) from None
        match = _TIME.match(row["start"])
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            raise DomainError(
                _("Line %(line)d: %(value)s is not a time (09:30).")
                % {"line": line, "value": row["start"][:20]}
            )
        value = row[column]
        agents: int | None = None
        if value:
            if not value.isdigit():
                raise DomainError(
                    _("Line %(line)d: %(value)s is not a whole number of people.")
                    % {"line": line, "value": value[:20]}
                )
            agents = int(value)
        entries.append(
            RosterEntry(
                channel=row["channel"].lower(),
                day=day,
                minute=int(match[1]) * 60 + int(match[2]),
                agents=agents,
            )
        )
    return entries


def import_roster_csv(text: str, *, by: User) -> int:
    """Parse and write a roster CSV, all lines or none; returns intervals changed."""
    access_staffing(by)
    return set_planned_staff(parse_roster_csv(text), by=by)


def fill_roster_with_required(
    *, channel: str, week: str | date | None, at: datetime, by: User, only_empty: bool = True
) -> int:
    """Put the required headcount on the roster for every interval of the week.

    A starting point a lead then edits. With ``only_empty`` intervals that already have a
    roster are left alone. Returns how many intervals changed.
    """
    from unidesk.wfm.selectors import get_week_plan

    access_staffing(by)
    week_plan = get_week_plan(week=week, at=at)
    found = week_plan.channel(channel)
    if found is None:
        raise DomainError(
            _("The channel %(channel)s has no staffing settings.") % {"channel": channel}
        )
    if found.plan is None:
        raise DomainError(found.error or _("This channel cannot be planned."))
    grid = week_plan.week
    k = grid.intervals_per_day
    entries = [
        RosterEntry(
            channel=channel,
            day=grid.days[i // k],
            minute=(i % k) * grid.interval_minutes,
            agents=int(found.plan.scheduled_required[i]),
        )
        for i in range(7 * k)
        if not (only_empty and found.plan.planned[i] >= 0)
    ]
    return set_planned_staff(entries, by=by, week=grid)
