"""Writes of the planner: settings checked by the maths, rosters all or nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from unidesk.core.errors import DomainError, PermissionDenied
from unidesk.wfm import services
from unidesk.wfm.models import ChannelStaffing, PlannedStaff, StaffingSettings
from unidesk.wfm.services import RosterEntry
from unidesk.wfm.tests.factories import add_history, phone_settings, this_monday

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 2)


def roster() -> list[tuple[str, date, int, int]]:
    return list(PlannedStaff.objects.values_list("channel", "day", "minute", "agents"))


def test_a_lead_creates_and_changes_a_channel(desk) -> None:  # type: ignore[no-untyped-def]
    row = services.save_channel_staffing(
        ChannelStaffing(),
        {"channel": " Chat ", "model": "chat_slots", "aht_seconds": 600, "concurrency": 3,
         "target_seconds": 60},
        by=desk.lead,
    )  # fmt: skip

    assert row.channel == "chat"
    services.save_channel_staffing(row, {"shrinkage": Decimal("0.25")}, by=desk.lead)
    row.refresh_from_db()
    assert (row.model, row.concurrency, row.shrinkage) == ("chat_slots", 3, Decimal("0.250"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sl_target": Decimal("1")}, "100%"),
        ({"target_seconds": None}, "needs target_s"),
        ({"model": "erlang_a"}, "patience"),
        ({"shrinkage": Decimal("1")}, "shrinkage"),
        ({"manual_weekday_weights": [1, 1, 1]}, "7 numbers"),
        ({"manual_hourly_shape": [0] * 24}, "not all zero"),
        ({"channel": ""}, "Name the channel"),
        ({"colour": "red"}, "Unknown settings"),
    ],
)
def test_it_refuses_settings_the_maths_would_refuse_and_changes_nothing(
    desk, changes: dict[str, object], message: str
) -> None:  # type: ignore[no-untyped-def]
    row = phone_settings()
    before = ChannelStaffing.objects.filter(pk=row.pk).values().get()

    with pytest.raises(DomainError, match=message):
        services.save_channel_staffing(row, changes, by=desk.lead)

    assert ChannelStaffing.objects.filter(pk=row.pk).values().get() == before


def test_renaming_a_channel_takes_its_roster_along(desk) -> None:  # type: ignore[no-untyped-def]
    row = phone_settings()
    PlannedStaff.objects.create(channel="phone", day=DAY, minute=540, agents=3)

    services.save_channel_staffing(row, {"channel": "voice"}, by=desk.lead)

    assert roster() == [("voice", DAY, 540, 3)]


def test_a_channel_is_planned_once(desk) -> None:  # type: ignore[no-untyped-def]
    phone_settings()
    with pytest.raises(DomainError, match="planned already"):
        services.save_channel_staffing(
            ChannelStaffing(), {"channel": "phone", "target_seconds": 20}, by=desk.lead
        )
    assert ChannelStaffing.objects.count() == 1


def test_agents_change_no_staffing(desk) -> None:  # type: ignore[no-untyped-def]
    row = phone_settings()
    with pytest.raises(PermissionDenied):
        services.save_channel_staffing(row, {"aht_seconds": 1}, by=desk.alice)
    with pytest.raises(PermissionDenied):
        services.set_planned_staff([RosterEntry("phone", DAY, 0, 1)], by=desk.alice)
    assert ChannelStaffing.objects.get().aht_seconds == 180
    assert roster() == []


def test_the_planning_grid_keeps_a_holdout_shorter_than_the_history(desk) -> None:  # type: ignore[no-untyped-def]
    services.save_staffing_settings({"interval_minutes": 60, "history_weeks": 6}, by=desk.lead)
    assert StaffingSettings.load().interval_minutes == 60

    with pytest.raises(DomainError, match="fewer weeks"):
        services.save_staffing_settings({"holdout_weeks": 6}, by=desk.lead)
    with pytest.raises(DomainError):
        services.save_staffing_settings({"interval_minutes": 45}, by=desk.lead)
    settings = StaffingSettings.load()
    assert (settings.interval_minutes, settings.history_weeks, settings.holdout_weeks) == (60, 6, 2)


def test_a_roster_is_written_updated_and_cleared(desk) -> None:  # type: ignore[no-untyped-def]
    phone_settings()
    entries = [RosterEntry("phone", DAY, 540, 5), RosterEntry("phone", DAY, 570, 6)]
    assert services.set_planned_staff(entries, by=desk.lead) == 2

    changed = services.set_planned_staff(
        [
            RosterEntry("phone", DAY, 540, 5),  # unchanged
            RosterEntry("phone", DAY, 570, None),  # cleared
            RosterEntry("phone", DAY, 600, 2),  # new
        ],
        by=desk.lead,
    )

    assert changed == 2
    assert roster() == [("phone", DAY, 540, 5), ("phone", DAY, 600, 2)]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (RosterEntry("fax", DAY, 540, 1), "no staffing settings"),
        (RosterEntry("phone", DAY, 545, 1), "not the start"),
        (RosterEntry("phone", DAY, 1440, 1), "not the start"),
        (RosterEntry("phone", DAY, 540, 10_001), "between 0 and"),
    ],
)
def test_one_bad_roster_entry_writes_nothing(desk, bad: RosterEntry, message: str) -> None:  # type: ignore[no-untyped-def]
    phone_settings()
    with pytest.raises(DomainError, match=message):
        services.set_planned_staff([RosterEntry("phone", DAY, 0, 3), bad], by=desk.lead)
    assert roster() == []


def test_a_roster_csv_is_read_with_its_line_numbers(desk) -> None:  # type: ignore[no-untyped-def]
    phone_settings()
    text = "\ufeffchannel,date,start,agents\nphone,2026-03-02,09:00,4\nPHONE,2026-03-02,9:30,\n"

    assert services.parse_roster_csv(text) == [
        RosterEntry("phone", DAY, 540, 4),
        RosterEntry("phone", DAY, 570, None),
    ]
    assert services.import_roster_csv(text, by=desk.lead) == 1
    assert roster() == [("phone", DAY, 540, 4)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("channel,date,agents\nphone,2026-03-02,4\n", "missing: start"),
        ("channel,date,start,agents\nphone,2026-03-02,09:00,4\nphone,2026-13-02,09:30,4\n",
         "Line 3: 2026-13-02 is not a date"),
        ("channel,date,start,agents\nphone,2026-03-02,25:00,4\n", "Line 2: 25:00 is not a time"),
        ("channel,date,start,agents\nphone,2026-03-02,09:00,four\n",
         "Line 2: four is not a whole number"),
        ("channel,date,start,agents\nphone,2026-03-02,09:00,-1\n", "Line 2: -1 is not a whole"),
    ],
)  # fmt: skip
def test_a_bad_roster_csv_imports_nothing(desk, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    phone_settings()
    with pytest.raises(DomainError, match=message):
        services.import_roster_csv(text, by=desk.lead)
    assert roster() == []


def test_the_plans_own_csv_imports_back_as_the_roster(desk) -> None:  # type: ignore[no-untyped-def]
    from unidesk.wfm.export import plan_csv
    from unidesk.wfm.selectors import get_week_plan

    phone_settings()
    add_history(channel="phone", weeks=4, per_slot={(d, 540): 10 for d in range(5)})
    exported = plan_csv(get_week_plan(week=None, at=timezone.now()))
    lines = exported.splitlines()
    header = lines[0].split(",")
    row = lines[1 + 18].split(",")  # Monday 09:00
    row[header.index("agents_planned")] = "7"
    edited = "\n".join([lines[0], ",".join(row)])

    assert services.import_roster_csv(edited, by=desk.lead) == 1
    assert roster() == [("phone", this_monday(), 540, 7)]


def test_filling_the_roster_puts_the_required_staff_where_none_is_planned(desk) -> None:  # type: ignore[no-untyped-def]
    phone_settings()
    add_history(channel="phone", weeks=4, per_slot={(d, 540): 10 for d in range(5)})
    monday = this_monday()
    PlannedStaff.objects.create(channel="phone", day=monday, minute=540, agents=1)

    changed = services.fill_roster_with_required(
        channel="phone", week=None, at=timezone.now(), by=desk.lead
    )

    assert changed == 7 * 48 - 1
    assert PlannedStaff.objects.get(day=monday, minute=540).agents == 1  # left alone
    assert PlannedStaff.objects.get(day=monday + timedelta(days=1), minute=540).agents == 5
    assert PlannedStaff.objects.get(day=monday, minute=600).agents == 0
    with pytest.raises(DomainError, match="no staffing settings"):
        services.fill_roster_with_required(
            channel="fax", week=None, at=timezone.now(), by=desk.lead
        )
