"""The staffing API: the plan as JSON and CSV, the roster, for leads only."""

from __future__ import annotations

import pytest

from unidesk.wfm.erlang_c import erlang_c_agents, evaluate_erlang_c
from unidesk.wfm.exact import scheduled_agents
from unidesk.wfm.models import PlannedStaff
from unidesk.wfm.tests.factories import add_history, phone_settings, this_monday

pytestmark = pytest.mark.django_db

PLAN = "/api/v1/staffing/plan"


@pytest.fixture
def planned(desk):  # type: ignore[no-untyped-def]
    phone_settings()
    phone_settings(channel="chat", model="chat_slots", aht_seconds=600, concurrency=3,
                   target_seconds=60)  # fmt: skip
    add_history(channel="phone", weeks=4, per_slot={(d, 540): 10 for d in range(5)})
    PlannedStaff.objects.create(channel="phone", day=this_monday(), minute=540, agents=4)
    return desk


def test_a_lead_reads_the_weeks_plan(planned, api_as) -> None:  # type: ignore[no-untyped-def]
    response = api_as(planned.lead).get(PLAN, channel="phone")

    assert response.status_code == 200, response.content
    body = response.json()
    monday = this_monday()
    year, week, _ = monday.isocalendar()
    assert body["week"] == f"{year}-W{week:02}"
    assert body["start"] == monday.isoformat()
    assert (body["time_zone"], body["interval_minutes"]) == ("UTC", 30)
    (phone,) = body["channels"]
    assert phone["channel"] == "phone" and phone["model"] == "erlang_c"
    forecast = phone["forecast"]
    assert forecast["source"] == "history"
    assert forecast["history_contacts"] == 200
    assert forecast["backtest"]["wape"] == pytest.approx(0, abs=1e-9)
    assert len(phone["intervals"]) == 7 * 48
    nine = phone["intervals"][18]
    raw = erlang_c_agents(volume=10, interval_s=1800, aht_s=180, target_s=20, sl_target=0.8,
                          max_occupancy=0.85)  # fmt: skip
    at_plan = evaluate_erlang_c(agents=2, volume=10, interval_s=1800, aht_s=180, target_s=20)
    assert nine["date"] == monday.isoformat() and nine["start"] == "09:00"
    assert nine["contacts_forecast"] == 10
    assert nine["agents_required"] == raw
    assert nine["agents_scheduled"] == scheduled_agents(raw_agents=raw, shrinkage=0.3)
    assert nine["agents_planned"] == 4
    assert nine["gap"] == 4 - nine["agents_scheduled"]
    assert nine["service_level_planned"] == pytest.approx(at_plan.sl, abs=1e-4)  # 4 x 0.7 = 2
    assert nine["abandon_rate"] is None
    assert phone["intervals"][19]["agents_planned"] is None
    assert phone["totals"]["short_intervals"] == 1


def test_every_channel_without_a_channel_filter(planned, api_as) -> None:  # type: ignore[no-untyped-def]
    body = api_as(planned.lead).get(PLAN).json()

    assert [c["channel"] for c in body["channels"]] == ["chat", "phone"]  # position, name
    assert body["channels"][0]["forecast"]["source"] == "none"


def test_what_if_parameters_change_the_answer_not_the_settings(planned, api_as) -> None:  # type: ignore[no-untyped-def]
    client = api_as(planned.lead)

    body = client.get(PLAN, channel="phone", aht_s=720, margin=0.5).json()

    nine = body["channels"][0]["intervals"][18]
    assert nine["contacts_forecast"] == 15
    assert nine["agents_required"] == erlang_c_agents(
        volume=15, interval_s=1800, aht_s=720, target_s=20, sl_target=0.8, max_occupancy=0.85
    )
    again = client.get(PLAN, channel="phone").json()
    assert again["channels"][0]["intervals"][18]["contacts_forecast"] == 10


def test_the_plan_as_csv(planned, api_as) -> None:  # type: ignore[no-untyped-def]
    response = api_as(planned.lead).get(PLAN + ".csv", channel="phone")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert len(lines) == 1 + 7 * 48
    assert lines[19].split(",")[:4] == ["phone", "erlang_c", this_monday().isoformat(), "09:00"]


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({"week": "soon"}, 400, "soon is not a week"),
        ({"week": "2090-W01"}, 400, "one year ahead"),
        ({"channel": "fax"}, 404, "No staffing settings for channel 'fax'"),
        ({"aht_s": 300}, 400, "give channel as well"),
        ({"channel": "phone", "sl_target": 1}, 422, "sl_target"),
        ({"channel": "phone", "shrinkage": -0.1}, 422, "shrinkage"),
    ],
)
def test_bad_plan_requests_get_a_readable_error(
    planned, api_as, params: dict[str, object], status: int, detail: str
) -> None:  # type: ignore[no-untyped-def]
    response = api_as(planned.lead).get(PLAN, **params)

    assert response.status_code == status
    assert detail in response.json()["detail"]


def test_agents_get_403_and_change_nothing(planned, api_as) -> None:  # type: ignore[no-untyped-def]
    alice = api_as(planned.alice)

    assert alice.get(PLAN).status_code == 403
    assert alice.get(PLAN + ".csv").status_code == 403
    entries = [{"channel": "phone", "date": "2026-03-02", "start": "09:00", "agents": 9}]
    response = alice.client.put(
        "/api/v1/staffing/roster", {"entries": entries}, content_type="application/json"
    )
    assert response.status_code == 403
    assert list(PlannedStaff.objects.values_list("agents", flat=True)) == [4]


def test_a_lead_sets_the_roster_all_or_nothing(planned, api_as) -> None:  # type: ignore[no-untyped-def]
    client = api_as(planned.lead).client
    monday = this_monday().isoformat()
    good = [
        {"channel": "phone", "date": monday, "start": "09:00", "agents": 6},
        {"channel": "phone", "date": monday, "start": "9:30", "agents": 5},
    ]

    response = client.put("/api/v1/staffing/roster", {"entries": good},
                          content_type="application/json")  # fmt: skip

    assert response.status_code == 200, response.content
    assert response.json() == {"changed": 2}
    for bad, status in (
        ({"channel": "phone", "date": monday, "start": "09:15", "agents": 1}, 400),
        ({"channel": "fax", "date": monday, "start": "09:00", "agents": 1}, 400),
        ({"channel": "phone", "date": monday, "start": "24:00", "agents": 1}, 400),
        ({"channel": "phone", "date": monday, "start": "9am", "agents": 1}, 422),
        ({"channel": "phone", "date": monday, "start": "10:00", "agents": -1}, 422),
    ):
        entries = [{"channel": "phone", "date": monday, "start": "11:00", "agents": 3}, bad]
        answer = client.put("/api/v1/staffing/roster", {"entries": entries},
                            content_type="application/json")  # fmt: skip
        assert answer.status_code == status, (bad, answer.content)
        assert "detail" in answer.json()
    assert sorted(PlannedStaff.objects.values_list("minute", "agents")) == [(540, 6), (570, 5)]
