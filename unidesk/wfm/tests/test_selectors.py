"""The plan's reads against a real database: history per interval, holidays, roster, plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from unidesk.core.errors import DomainError, PermissionDenied
from unidesk.customers.models import Customer
from unidesk.queues.models import Queue
from unidesk.sla.models import Calendar, Holiday
from unidesk.tickets.models import Ticket
from unidesk.wfm.erlang_c import erlang_c_agents, evaluate_erlang_c
from unidesk.wfm.exact import scheduled_agents
from unidesk.wfm.models import ChannelStaffing, PlannedStaff, StaffingSettings
from unidesk.wfm.selectors import (
    WhatIf,
    access_staffing,
    count_contacts,
    get_week_plan,
    parse_week,
)
from unidesk.wfm.tests.factories import add_history, phone_settings, this_monday

pytestmark = pytest.mark.django_db

NINE = 9 * 60
WEEKDAYS_AT_NINE = {(d, NINE): 10 for d in range(5)}


def ticket_at(moment: datetime, channel: str = "phone") -> Ticket:
    return Ticket.objects.create(
        customer=Customer.objects.get_or_create(name="T")[0],
        queue=Queue.objects.get(is_default=True),
        channel=channel,
        created_at=moment,
    )


def test_it_counts_tickets_per_local_day_and_interval(desk) -> None:  # type: ignore[no-untyped-def]
    start = date(2026, 3, 2)
    ticket_at(datetime(2026, 3, 2, 21, 30, tzinfo=UTC))  # Moscow: Tue 00:30
    ticket_at(datetime(2026, 3, 2, 20, 59, 59, tzinfo=UTC))  # Moscow: Mon 23:59:59
    ticket_at(datetime(2026, 3, 2, 6, 5, tzinfo=UTC), channel="chat")  # Moscow: Mon 09:05
    ticket_at(datetime(2026, 3, 1, 20, 59, tzinfo=UTC))  # Moscow: Sun 23:59, before the window
    ticket_at(datetime(2026, 3, 4, 21, 0, tzinfo=UTC))  # Moscow: Thu 00:00, after the window

    grids = count_contacts(start=start, days=3, time_zone="Europe/Moscow", interval_minutes=60)

    assert sorted(grids) == ["chat", "phone"]
    phone = grids["phone"]
    assert phone.shape == (3, 24)
    assert phone[1, 0] == 1
    assert phone[0, 23] == 1
    assert phone.sum() == 2
    assert grids["chat"][0, 9] == 1


def test_quarter_hour_offsets_land_in_the_right_interval(desk) -> None:  # type: ignore[no-untyped-def]
    ticket_at(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))  # Kathmandu (+05:45): 15:45
    ticket_at(datetime(2026, 3, 2, 10, 14, 59, tzinfo=UTC))  # 15:59:59

    grids = count_contacts(
        start=date(2026, 3, 2), days=1, time_zone="Asia/Kathmandu", interval_minutes=15
    )
    half_hours = count_contacts(
        start=date(2026, 3, 2), days=1, time_zone="Asia/Kathmandu", interval_minutes=30
    )

    assert grids["phone"][0, 63] == 2
    assert half_hours["phone"][0, 31] == 2


def test_the_plan_forecasts_from_history_and_staffs_like_direct_calls(desk) -> None:  # type: ignore[no-untyped-def]
    phone_settings()
    add_history(channel="phone", weeks=4, per_slot=WEEKDAYS_AT_NINE)

    plan = get_week_plan(week=None, at=timezone.now())

    assert plan.week.start == this_monday()
    (phone,) = plan.channels
    f = phone.forecast
    assert f.source == "history"
    assert f.history_contacts == 200
    assert f.history_days == 28  # from the first Monday with tickets to last Sunday
    assert f.accuracy is not None and f.accuracy.wape == pytest.approx(0, abs=1e-9)
    assert f.margin == 0
    assert phone.plan is not None
    monday_nine = NINE // 30
    assert phone.plan.volume[monday_nine] == pytest.approx(10)
    assert phone.plan.volume[7 * 48 - 1] == pytest.approx(0)
    raw = erlang_c_agents(
        volume=phone.plan.volume[monday_nine],
        interval_s=1800,
        aht_s=180,
        target_s=20,
        sl_target=0.8,
        max_occupancy=0.85,
    )
    assert phone.plan.raw_required[monday_nine] == raw == 3
    assert phone.plan.scheduled_required[monday_nine] == scheduled_agents(
        raw_agents=raw, shrinkage=0.3
    )
    expected = evaluate_erlang_c(agents=raw, volume=10, interval_s=1800, aht_s=180, target_s=20)
    assert phone.plan.sl[monday_nine] == pytest.approx(expected.sl)
    assert int(phone.plan.raw_required.sum()) == 5 * raw  # nine o'clock, Monday to Friday


def test_a_margin_raises_every_interval(desk) -> None:  # type: ignore[no-untyped-def]
    phone_settings(margin_kind="percent", margin_percent=Decimal("0.2"))
    add_history(channel="phone", weeks=4, per_slot=WEEKDAYS_AT_NINE)

    (phone,) = get_week_plan(week=None, at=timezone.now()).channels

    assert phone.forecast.margin == pytest.approx(0.2)
    assert phone.forecast.volume[0, NINE // 30] == pytest.approx(10)
    assert phone.plan is not None
    assert phone.plan.volume[NINE // 30] == pytest.approx(12)


def test_holidays_of_the_calendar_are_left_out_and_planned_like_sundays(desk) -> None:  # type: ignore[no-untyped-def]
    office = Calendar.objects.get(name="Moscow office")
    office.time_zone = "UTC"
    office.save()
    StaffingSettings.objects.create(pk=1, calendar=office)
    monday = this_monday()
    past_holiday = monday - timedelta(days=14)  # a Monday with no tickets at all
    coming = monday + timedelta(days=1)
    Holiday.objects.create(calendar=office, date=past_holiday, name="Spring day")
    Holiday.objects.create(calendar=office, date=coming, name="Founders' day")
    phone_settings()
    add_history(channel="phone", weeks=4, per_slot=WEEKDAYS_AT_NINE, skip={past_holiday})

    plan = get_week_plan(week=None, at=timezone.now())

    assert plan.holidays == {coming: "Founders' day"}
    (phone,) = plan.channels
    assert phone.forecast.holiday_factor == 0  # the past holiday was silent
    assert phone.forecast.accuracy is not None
    assert phone.forecast.accuracy.wape == pytest.approx(0, abs=1e-9)  # the holiday predicted
    assert phone.forecast.volume[0].sum() == pytest.approx(10)  # Monday unaffected
    assert phone.forecast.volume[1].sum() == 0  # Tuesday is a holiday


def test_without_history_the_manual_profile_is_used(desk) -> None:  # type: ignore[no-untyped-def]
    flat = [1.0] * 24
    phone_settings(manual_daily_volume=480, manual_hourly_shape=flat,
                   manual_weekday_weights=[1, 1, 1, 1, 1, 0, 0])  # fmt: skip

    (phone,) = get_week_plan(week=None, at=timezone.now()).channels

    assert phone.forecast.source == "manual"
    assert phone.forecast.accuracy is None
    np.testing.assert_allclose(phone.forecast.volume[0], 10.0)
    assert phone.forecast.volume[6].sum() == 0


def test_too_little_history_falls_back_to_the_manual_profile_with_a_note(desk) -> None:  # type: ignore[no-untyped-def]
    phone_settings(forecast_source="history", manual_daily_volume=100)
    add_history(channel="phone", weeks=1, per_slot=WEEKDAYS_AT_NINE)

    (phone,) = get_week_plan(week=None, at=timezone.now()).channels

    assert phone.forecast.source == "manual"
    assert any("days of history" in note for note in phone.forecast.notes)


def test_no_history_and_no_manual_profile_plans_zero_and_says_why(desk) -> None:  # type: ignore[no-untyped-def]
    phone_settings(margin_kind="volatility")

    (phone,) = get_week_plan(week=None, at=timezone.now()).channels

    assert phone.forecast.source == "none"
    assert phone.plan is not None and phone.plan.raw_required.sum() == 0
    assert any("typical day" in note for note in phone.forecast.notes)
    assert any("volatility margin needs history" in note for note in phone.forecast.notes)


def test_the_roster_is_read_per_interval_and_channels_without_settings_are_listed(desk) -> None:  # type: ignore[no-untyped-def]
    phone_settings()
    add_history(channel="phone", weeks=4, per_slot=WEEKDAYS_AT_NINE)
    add_history(channel="telegram", weeks=2, per_slot={(0, 600): 3})
    monday = this_monday()
    PlannedStaff.objects.create(channel="phone", day=monday, minute=NINE, agents=6)
    PlannedStaff.objects.create(channel="phone", day=monday + timedelta(days=7), minute=0,
                                agents=9)  # fmt: skip

    plan = get_week_plan(week=None, at=timezone.now())

    (phone,) = plan.channels
    assert phone.plan is not None
    assert phone.plan.planned[NINE // 30] == 6
    assert int((phone.plan.planned >= 0).sum()) == 1
    assert phone.plan.gap[NINE // 30] == 6 - phone.plan.scheduled_required[NINE // 30]
    assert plan.unplanned == [("telegram", 6)]


def test_a_coarser_grid_takes_the_fewest_people_of_the_rows_inside(desk) -> None:  # type: ignore[no-untyped-def]
    StaffingSettings.objects.create(pk=1, interval_minutes=60)
    phone_settings()
    monday = this_monday()
    PlannedStaff.objects.create(channel="phone", day=monday, minute=NINE, agents=6)
    PlannedStaff.objects.create(channel="phone", day=monday, minute=NINE + 30, agents=4)

    (phone,) = get_week_plan(week=None, at=timezone.now()).channels

    assert phone.plan is not None
    assert phone.plan.planned[9] == 4


def test_a_what_if_changes_one_channel_for_one_answer_only(desk) -> None:  # type: ignore[no-untyped-def]
    phone_settings()
    phone_settings(channel="chat2", model="erlang_c")
    add_history(channel="phone", weeks=4, per_slot=WEEKDAYS_AT_NINE)
    add_history(channel="chat2", weeks=4, per_slot=WEEKDAYS_AT_NINE)
    base = get_week_plan(week=None, at=timezone.now())

    tried = get_week_plan(
        week=None,
        at=timezone.now(),
        what_if=WhatIf(aht_s=360, shrinkage=0.5, margin_percent=0.1),
        what_if_channel="phone",
    )

    phone, chat = tried.channel("phone"), tried.channel("chat2")
    assert phone is not None and chat is not None
    assert phone.plan is not None and chat.plan is not None
    assert phone.plan.volume[NINE // 30] == pytest.approx(11)
    assert phone.plan.raw_required[NINE // 30] == erlang_c_agents(
        volume=phone.plan.volume[NINE // 30], interval_s=1800, aht_s=360, target_s=20,
        sl_target=0.8, max_occupancy=0.85,
    )  # fmt: skip
    assert chat.plan.raw_required.tolist() == base.channel("chat2").plan.raw_required.tolist()  # type: ignore[union-attr]
    row = ChannelStaffing.objects.get(channel="phone")
    assert (row.aht_seconds, row.shrinkage, row.margin_kind) == (180, Decimal("0.300"), "none")


def test_settings_the_maths_refuses_are_reported_not_raised(desk) -> None:  # type: ignore[no-untyped-def]
    ChannelStaffing.objects.create(
        channel="phone", model="erlang_a", target_seconds=20, patience_seconds=None
    )

    (phone,) = get_week_plan(week=None, at=timezone.now()).channels

    assert phone.plan is None
    assert "patience" in (phone.error or "")


@pytest.mark.parametrize(
    ("text", "monday"),
    [
        ("", date(2026, 3, 2)),
        ("2026-W10", date(2026, 3, 2)),
        ("2026w10", date(2026, 3, 2)),
        ("2026-03-05", date(2026, 3, 2)),
        ("2026-W01", date(2025, 12, 29)),
    ],
)
def test_it_reads_a_week_as_an_iso_week_or_a_date(text: str, monday: date) -> None:
    assert parse_week(text, today=date(2026, 3, 4)) == monday


@pytest.mark.parametrize("text", ["next", "2026-W54", "2026-02-30", "W10"])
def test_it_refuses_what_is_not_a_week(text: str) -> None:
    with pytest.raises(DomainError, match="not a week"):
        parse_week(text, today=date(2026, 3, 4))


def test_it_refuses_weeks_too_far_away(desk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError, match="one year ahead"):
        get_week_plan(week="2099-W01", at=timezone.now())


def test_only_leads_and_admins_plan(desk) -> None:  # type: ignore[no-untyped-def]
    access_staffing(desk.lead)
    with pytest.raises(PermissionDenied):
        access_staffing(desk.alice)


@pytest.mark.parametrize(
    ("zone", "interval", "bucket_minutes"),
    [
        ("Europe/Moscow", 30, 30),
        ("Europe/Moscow", 60, 60),
        ("UTC", 60, 60),
        ("Asia/Kolkata", 60, 30),
        ("Asia/Kathmandu", 30, 15),
        ("Australia/Adelaide", 60, 30),
    ],
)
def test_the_utc_bucket_never_straddles_a_local_interval(
    zone: str, interval: int, bucket_minutes: int
) -> None:
    from zoneinfo import ZoneInfo

    from unidesk.wfm.selectors import bucket_seconds

    size = bucket_seconds(
        tz=ZoneInfo(zone), start=date(2026, 3, 1), days=56, interval_minutes=interval
    )

    assert size == bucket_minutes * 60


def test_counts_stay_exact_across_a_daylight_saving_change(desk) -> None:  # type: ignore[no-untyped-def]
    # Berlin moves from +01:00 to +02:00 on 2026-03-29 at 02:00 local time
    ticket_at(datetime(2026, 3, 28, 8, 45, tzinfo=UTC))  # 09:45 CET
    ticket_at(datetime(2026, 3, 29, 7, 45, tzinfo=UTC))  # 09:45 CEST

    grids = count_contacts(
        start=date(2026, 3, 28), days=2, time_zone="Europe/Berlin", interval_minutes=30
    )

    assert grids["phone"][0, 19] == 1
    assert grids["phone"][1, 19] == 1
    assert grids["phone"].sum() == 2
