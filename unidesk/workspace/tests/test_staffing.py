"""The staffing page: leads only, a fixed number of queries, what-if without saving."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from unidesk.wfm.erlang_c import erlang_c_agents
from unidesk.wfm.models import ChannelStaffing, PlannedStaff, StaffingSettings
from unidesk.wfm.tests.factories import add_history, phone_settings, this_monday

pytestmark = pytest.mark.django_db

NINE = {(d, 540): 10 for d in range(5)}
URL = "/staffing/"


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def planned_desk(desk):  # type: ignore[no-untyped-def]
    phone_settings()
    phone_settings(channel="chat", model="chat_slots", aht_seconds=600, concurrency=3,
                   target_seconds=60)  # fmt: skip
    add_history(channel="phone", weeks=4, per_slot=NINE)
    add_history(channel="chat", weeks=4, per_slot={(d, 600): 6 for d in range(7)})
    PlannedStaff.objects.create(channel="phone", day=this_monday(), minute=540, agents=2)
    return desk


def row_of(page: str, time: str) -> str:
    match = re.search(rf"<tr[^>]*>\s*<td>{time}</td>.*?</tr>", page, re.S)
    assert match, time
    return match.group(0)


def test_agents_are_refused_every_staffing_page_and_change_nothing(planned_desk) -> None:  # type: ignore[no-untyped-def]
    alice = logged_in(planned_desk.alice)
    monday = this_monday().isoformat()

    assert alice.get(URL).status_code == 403
    assert alice.get(reverse("workspace:staffing-csv")).status_code == 403
    posts = {
        reverse("workspace:staffing-roster"): {"channel": "phone", "day": monday, "m540": "9"},
        reverse("workspace:staffing-fill"): {"channel": "phone"},
        reverse("workspace:staffing-channel", args=["phone"]): {"channel": "phone"},
        reverse("workspace:staffing-channel-new"): {"channel": "fax"},
        reverse("workspace:staffing-settings"): {"interval_minutes": "60"},
    }
    for url, data in posts.items():
        assert alice.post(url, data).status_code == 403, url
    upload = SimpleUploadedFile("r.csv", b"channel,date,start,agents\nphone,2026-03-02,09:00,9\n")
    assert alice.post(reverse("workspace:staffing-import"), {"file": upload}).status_code == 403
    assert list(PlannedStaff.objects.values_list("agents", flat=True)) == [2]
    assert ChannelStaffing.objects.count() == 2
    assert not StaffingSettings.objects.exists()
    assert "/staffing/" not in alice.get("/").content.decode()


def test_leads_see_the_plan_with_a_fixed_number_of_queries(
    planned_desk, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    lena = logged_in(planned_desk.lead)
    assert 'href="/staffing/"' in lena.get("/").content.decode()

    # session, user, settings, channels, history, roster, calendars for the grid form
    with django_assert_num_queries(7):
        response = lena.get(URL, {"channel": "phone", "day": 0})

    page = response.content.decode()
    assert response.status_code == 200
    assert '<svg class="chart"' in page
    assert "Back-test" in page and "WAPE" in page
    raw = erlang_c_agents(volume=10, interval_s=1800, aht_s=180, target_s=20, sl_target=0.8,
                          max_occupancy=0.85)  # fmt: skip
    nine = row_of(page, "09:00")
    assert f"{raw} → <b>5</b>" in nine
    assert 'name="m540" value="2"' in nine
    assert "-3" in nine  # 2 planned, 5 needed
    assert 'class="short"' in nine


def test_the_all_channels_view_sums_the_rostered_channels(planned_desk) -> None:  # type: ignore[no-untyped-def]
    page = logged_in(planned_desk.lead).get(URL, {"channel": "all"}).content.decode()

    assert "All channels" in page
    assert "left out: chat" in page
    assert '<svg class="chart"' in page


def test_the_what_if_form_recomputes_without_saving(planned_desk) -> None:  # type: ignore[no-untyped-def]
    lena = logged_in(planned_desk.lead)
    params = {
        "whatif": "1", "channel": "phone", "day": "0", "part": "plan", "aht_s": "720",
        "target_s": "20", "sl_target": "80", "shrinkage": "30", "max_occupancy": "85",
        "margin": "0", "margin_base": "0",
    }  # fmt: skip

    response = lena.get(URL, params, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page  # the partial only
    assert "What-if" in page
    raw = erlang_c_agents(volume=10, interval_s=1800, aht_s=720, target_s=20, sl_target=0.8,
                          max_occupancy=0.85)  # fmt: skip
    assert f"{raw} → <b>" in row_of(page, "09:00")
    assert ChannelStaffing.objects.get(channel="phone").aht_seconds == 180
    unchanged = lena.get(URL, {**params, "aht_s": "180"}, HTTP_HX_REQUEST="true")
    assert "What-if" not in unchanged.content.decode()


def test_a_bad_what_if_says_so_and_shows_the_saved_plan(planned_desk) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(planned_desk.lead).get(
        URL, {"whatif": "1", "channel": "phone", "sl_target": "100", "part": "plan"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip

    page = response.content.decode()
    assert response.status_code == 200
    assert "Not recomputed" in page
    assert "What-if:" not in page


def test_a_lead_saves_a_channels_settings_in_percent(planned_desk) -> None:  # type: ignore[no-untyped-def]
    form = {
        "channel": "phone", "is_active": "on", "model": "erlang_a", "aht_seconds": "240",
        "target_seconds": "30", "sl_target": "90", "max_occupancy": "85", "shrinkage": "35",
        "patience_seconds": "120", "max_abandon": "5", "concurrency": "1",
        "forecast_source": "auto", "margin_kind": "percent", "margin_percent": "12.5",
        "margin_coverage": "90", "shape_preset": "office", "manual_daily_volume": "300",
        "manual_weekday_weights": "1, 1, 1, 1, 1, 0.5, 0", "next": "?channel=phone",
    }  # fmt: skip

    response = logged_in(planned_desk.lead).post(
        reverse("workspace:staffing-channel", args=["phone"]), form
    )

    assert response.status_code == 302
    assert response["Location"] == "/staffing/?channel=phone"
    row = ChannelStaffing.objects.get(channel="phone")
    assert row.model == "erlang_a"
    assert row.sl_target == Decimal("0.900")
    assert row.shrinkage == Decimal("0.350")
    assert row.max_abandon == Decimal("0.050")
    assert row.margin_percent == Decimal("0.125")
    assert row.manual_weekday_weights == [1, 1, 1, 1, 1, 0.5, 0]
    assert row.manual_hourly_shape[9] > 0 and row.manual_hourly_shape[3] == 0


def test_settings_the_maths_refuses_are_not_saved(planned_desk) -> None:  # type: ignore[no-untyped-def]
    lena = logged_in(planned_desk.lead)
    before = ChannelStaffing.objects.filter(channel="phone").values().get()
    form = {
        "channel": "phone", "model": "erlang_a", "aht_seconds": "240", "target_seconds": "20",
        "sl_target": "80", "shrinkage": "30", "concurrency": "1", "forecast_source": "auto",
        "margin_kind": "none",
    }  # fmt: skip

    response = lena.post(reverse("workspace:staffing-channel", args=["phone"]), form,
                         follow=True)  # fmt: skip

    assert "Nothing saved" in response.content.decode()
    assert "patience" in response.content.decode()
    assert ChannelStaffing.objects.filter(channel="phone").values().get() == before


def test_a_lead_adds_a_channel_with_a_manual_profile(desk) -> None:  # type: ignore[no-untyped-def]
    form = {
        "channel": "telegram", "is_active": "on", "model": "chat_aht_divide",
        "aht_seconds": "420", "target_seconds": "120", "sl_target": "80", "shrinkage": "30",
        "concurrency": "2", "forecast_source": "manual", "manual_daily_volume": "70",
        "shape_preset": "extended", "margin_kind": "percent", "margin_percent": "15",
    }  # fmt: skip
    lena = logged_in(desk.lead)

    response = lena.post(reverse("workspace:staffing-channel-new"), form)

    assert response["Location"] == "/staffing/?channel=telegram"
    page = lena.get(response["Location"]).content.decode()
    assert "Manual profile: 70 contacts" in page
    assert "No history to forecast" not in page


def test_a_lead_saves_a_days_roster(planned_desk) -> None:  # type: ignore[no-untyped-def]
    monday = this_monday()
    data = {"channel": "phone", "day": monday.isoformat(), "m540": "6", "m570": "4",
            "next": "?channel=phone&day=0"}  # fmt: skip

    response = logged_in(planned_desk.lead).post(reverse("workspace:staffing-roster"), data)

    assert response["Location"] == "/staffing/?channel=phone&day=0"
    assert sorted(PlannedStaff.objects.values_list("minute", "agents")) == [(540, 6), (570, 4)]


def test_a_bad_roster_day_saves_nothing(planned_desk) -> None:  # type: ignore[no-untyped-def]
    data = {"channel": "phone", "day": this_monday().isoformat(), "m540": "6", "m570": "-4"}

    response = logged_in(planned_desk.lead).post(reverse("workspace:staffing-roster"), data,
                                                 follow=True)  # fmt: skip

    assert "Roster not saved" in response.content.decode()
    assert list(PlannedStaff.objects.values_list("agents", flat=True)) == [2]


def test_the_csv_export_and_import_round_trip(planned_desk) -> None:  # type: ignore[no-untyped-def]
    lena = logged_in(planned_desk.lead)

    exported = lena.get(reverse("workspace:staffing-csv"), {"channel": "phone"})

    assert exported.status_code == 200
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in exported["Content-Disposition"]
    lines = exported.content.decode().splitlines()
    assert len(lines) == 1 + 7 * 48
    assert lines[0].startswith("channel,model,date,start,starts_at,contacts_forecast")
    nine = lines[1 + 18].split(",")
    assert nine[:4] == ["phone", "erlang_c", this_monday().isoformat(), "09:00"]
    nine[8] = "8"
    upload = SimpleUploadedFile("roster.csv", "\n".join([lines[0], ",".join(nine)]).encode())
    response = lena.post(reverse("workspace:staffing-import"), {"file": upload}, follow=True)
    assert "Roster imported: 1 intervals changed." in response.content.decode()
    assert list(PlannedStaff.objects.values_list("agents", flat=True)) == [8]
    assert lena.get(reverse("workspace:staffing-csv"), {"channel": "fax"}).status_code == 404
    assert lena.get(reverse("workspace:staffing-csv"), {"week": "soon"}).status_code == 400


def test_filling_the_roster_from_the_page(planned_desk) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(planned_desk.lead).post(
        reverse("workspace:staffing-fill"), {"channel": "phone", "next": "?channel=phone"},
        follow=True,
    )  # fmt: skip

    assert "Roster filled with the required staff" in response.content.decode()
    assert PlannedStaff.objects.filter(channel="phone").count() == 7 * 48


def test_the_page_speaks_russian(planned_desk) -> None:  # type: ignore[no-untyped-def]
    planned_desk.lead.ui_language = "ru"
    planned_desk.lead.save()

    page = logged_in(planned_desk.lead).get(URL, {"channel": "phone"}).content.decode()

    assert "План персонала" in page
    assert "Что, если?" in page
    assert "Бэк-тест" in page


def test_a_bad_week_falls_back_to_this_week_with_a_message(planned_desk) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(planned_desk.lead).get(URL, {"week": "someday"})

    assert response.status_code == 200
    assert "someday is not a week" in response.content.decode()
