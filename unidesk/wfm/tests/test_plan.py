"""A channel's plan per interval agrees with the single-scenario models, interval by interval."""

from __future__ import annotations

import numpy as np
import pytest

from unidesk.wfm.backlog import email_fifo, email_workload
from unidesk.wfm.chat import chat_aht_divide, chat_slots
from unidesk.wfm.erlang_a import erlang_a_agents, evaluate_erlang_a
from unidesk.wfm.erlang_c import erlang_c_agents, evaluate_erlang_c
from unidesk.wfm.errors import StaffingInputError
from unidesk.wfm.exact import scheduled_agents
from unidesk.wfm.plan import ChannelSettings, plan_channel, productive_agents, with_overrides

INTERVAL = 1800
VOLUMES = np.array([0.0, 0.4, 3.0, 12.5, 40.0, 100.0, 61.3, 7.0])
ROSTER = np.array([-1, 0, 2, 5, 6, 25, 20, 3])

PHONE = ChannelSettings(
    channel="phone",
    model="erlang_c",
    aht_s=180,
    shrinkage=0.3,
    target_s=20,
    sl_target=0.8,
    max_occupancy=0.85,
)
PHONE_A = ChannelSettings(
    channel="phone",
    model="erlang_a",
    aht_s=180,
    shrinkage=0.3,
    target_s=20,
    sl_target=0.8,
    max_occupancy=0.85,
    patience_s=300,
    max_abandon=0.03,
)
CHAT = ChannelSettings(
    channel="chat",
    model="chat_slots",
    aht_s=600,
    shrinkage=0.25,
    target_s=60,
    sl_target=0.8,
    max_occupancy=0.85,
    concurrency=3,
)
CHAT_DIVIDE = ChannelSettings(
    channel="chat",
    model="chat_aht_divide",
    aht_s=600,
    shrinkage=0.25,
    target_s=60,
    sl_target=0.8,
    concurrency=3,
)
EMAIL = ChannelSettings(
    channel="email",
    model="email_workload",
    aht_s=420,
    shrinkage=0.3,
    target_s=4 * 3600,
    max_occupancy=0.85,
)


def test_erlang_c_intervals_match_direct_calls() -> None:
    plan = plan_channel(settings=PHONE, volume=VOLUMES, interval_s=INTERVAL, planned=ROSTER)

    for i, v in enumerate(VOLUMES):
        raw = erlang_c_agents(
            volume=float(v),
            interval_s=INTERVAL,
            aht_s=180,
            target_s=20,
            sl_target=0.8,
            max_occupancy=0.85,
        )
        assert plan.raw_required[i] == raw, i
        assert plan.scheduled_required[i] == scheduled_agents(raw_agents=raw, shrinkage=0.3)
        r = evaluate_erlang_c(
            agents=raw, volume=float(v), interval_s=INTERVAL, aht_s=180, target_s=20
        )
        assert plan.sl[i] == pytest.approx(r.sl)
        assert plan.occupancy[i] == pytest.approx(r.occupancy)
        if ROSTER[i] >= 0:
            productive = int(ROSTER[i] * 7 // 10)
            at = evaluate_erlang_c(
                agents=productive, volume=float(v), interval_s=INTERVAL, aht_s=180, target_s=20
            )
            assert plan.planned_sl[i] == pytest.approx(at.sl), i
        else:
            assert np.isnan(plan.planned_sl[i])
    assert np.isnan(plan.p_abandon).all()


def test_the_call_centre_helper_interval_needs_20_scheduled() -> None:
    plan = plan_channel(settings=PHONE, volume=[100], interval_s=1800, planned=[20])

    assert plan.raw_required.tolist() == [14]
    assert plan.scheduled_required.tolist() == [20]
    assert plan.gap.tolist() == [0]
    assert plan.planned_sl[0] == pytest.approx(0.88835, abs=1e-5)  # 20 x 0.7 = 14 on the phones


def test_erlang_a_intervals_match_direct_calls() -> None:
    plan = plan_channel(settings=PHONE_A, volume=VOLUMES, interval_s=INTERVAL, planned=ROSTER)

    for i, v in enumerate(VOLUMES):
        raw = erlang_a_agents(
            volume=float(v),
            interval_s=INTERVAL,
            aht_s=180,
            patience_s=300,
            target_s=20,
            sl_target=0.8,
            max_occupancy=0.85,
            max_abandon=0.03,
        )
        assert plan.raw_required[i] == raw, i
        r = evaluate_erlang_a(
            agents=raw, volume=float(v), interval_s=INTERVAL, aht_s=180, patience_s=300, target_s=20
        )
        assert plan.sl[i] == pytest.approx(r.sl_offered)
        assert plan.p_abandon[i] == pytest.approx(r.p_abandon)
        assert plan.occupancy[i] == pytest.approx(r.occupancy)
        if ROSTER[i] >= 0:
            at = evaluate_erlang_a(
                agents=int(ROSTER[i] * 7 // 10),
                volume=float(v),
                interval_s=INTERVAL,
                aht_s=180,
                patience_s=300,
                target_s=20,
            )
            assert plan.planned_p_abandon[i] == pytest.approx(at.p_abandon)
            assert plan.planned_sl[i] == pytest.approx(at.sl_offered)


def test_chat_slot_intervals_match_direct_calls() -> None:
    plan = plan_channel(settings=CHAT, volume=VOLUMES, interval_s=INTERVAL, planned=ROSTER)

    for i, v in enumerate(VOLUMES):
        r = chat_slots(
            volume=float(v),
            interval_s=INTERVAL,
            chat_aht_s=600,
            concurrency=3,
            target_s=60,
            sl_target=0.8,
            max_occupancy=0.85,
        )
        assert plan.raw_required[i] == r.raw_agents, i
        assert plan.scheduled_required[i] == scheduled_agents(
            raw_agents=r.raw_agents, shrinkage=0.25
        )
        if v > 0:
            assert plan.sl[i] == pytest.approx(r.queue.sl)
        if ROSTER[i] >= 0:
            people = int(ROSTER[i] * 3 // 4)
            at = chat_slots(
                volume=float(v),
                interval_s=INTERVAL,
                chat_aht_s=600,
                concurrency=3,
                agents=people,
                target_s=60,
            )
            assert plan.planned_sl[i] == pytest.approx(at.queue.sl), i


def test_chat_divide_intervals_use_call_centre_helpers_factor() -> None:
    plan = plan_channel(settings=CHAT_DIVIDE, volume=VOLUMES, interval_s=INTERVAL)

    for i, v in enumerate(VOLUMES):
        r = chat_aht_divide(
            volume=float(v),
            interval_s=INTERVAL,
            chat_aht_s=600,
            concurrency=3,
            factor_table="cch",
            target_s=60,
            sl_target=0.8,
        )
        assert plan.raw_required[i] == r.raw_agents, i
    explicit = with_overrides(CHAT_DIVIDE, factor=2.5)
    again = plan_channel(settings=explicit, volume=VOLUMES, interval_s=INTERVAL)
    assert again.raw_required.tolist() == plan.raw_required.tolist()


def test_email_intervals_use_workload_and_carry_the_backlog_over_the_horizon() -> None:
    plan = plan_channel(settings=EMAIL, volume=VOLUMES, interval_s=INTERVAL, planned=ROSTER)

    for i, v in enumerate(VOLUMES):
        r = email_workload(volume=float(v), interval_s=INTERVAL, aht_s=420, max_occupancy=0.85)
        assert plan.raw_required[i] == r.raw_agents, i
    crew = [float(p) if p >= 0 else float(raw) for p, raw in zip(
        productive_agents(planned=ROSTER, shrinkage=0.3), plan.raw_required, strict=True
    )]  # fmt: skip
    crew[0] = float(plan.raw_required[0])  # no roster in the first interval: required staff
    fifo = email_fifo(arrivals=VOLUMES.tolist(), staff=crew, interval_s=INTERVAL, aht_s=420)
    assert plan.worst_response_s == fifo.worst_response_s
    assert plan.backlog_at_end == fifo.backlog_items_at_interval_end[-1]
    assert np.isnan(plan.sl).all()


def test_an_email_target_shorter_than_the_interval_is_refused() -> None:
    with pytest.raises(StaffingInputError, match="use erlang_c"):
        plan_channel(settings=with_overrides(EMAIL, target_s=600), volume=[5], interval_s=1800)


def test_zero_volume_needs_nobody_in_every_model() -> None:
    for settings in (PHONE, PHONE_A, CHAT, CHAT_DIVIDE, EMAIL):
        plan = plan_channel(settings=settings, volume=np.zeros(4), interval_s=INTERVAL)
        assert plan.raw_required.tolist() == [0, 0, 0, 0], settings.model
        assert plan.scheduled_required.tolist() == [0, 0, 0, 0]


def test_gaps_hours_and_short_intervals_of_a_roster() -> None:
    plan = plan_channel(settings=PHONE, volume=[100, 100, 100, 0], interval_s=1800,
                        planned=[20, 18, -1, 2])  # fmt: skip

    assert plan.scheduled_required.tolist() == [20, 20, 20, 0]
    assert plan.gap.tolist() == [0, -2, 0, 2]
    assert plan.short_intervals() == 1
    assert plan.has_roster
    assert plan.staff_hours() == (30.0, 20.0)
    assert plan.weighted_sl() == pytest.approx(plan.sl[0])


def test_productive_agents_round_down_exactly() -> None:
    assert productive_agents(planned=[30, 20, 1, 0, -1], shrinkage=0.3).tolist() == [
        21,
        14,
        0,
        0,
        0,
    ]
    assert productive_agents(planned=[10], shrinkage=0).tolist() == [10]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": "erlang_b"}, "model must be one of"),
        ({"aht_s": 0}, "aht_s"),
        ({"shrinkage": 1}, "shrinkage"),
        ({"sl_target": 1}, "100%"),
        ({"target_s": None}, "needs target_s"),
        ({"max_occupancy": 85}, "fraction"),
        ({"model": "erlang_a"}, "patience_s"),
        ({"concurrency": 0}, "concurrency"),
        ({"sl_target": None, "max_occupancy": None}, "give a target"),
    ],
)
def test_it_refuses_settings_out_of_range(change: dict[str, object], message: str) -> None:
    from dataclasses import replace

    with pytest.raises(StaffingInputError, match=message):
        plan_channel(settings=replace(PHONE, **change), volume=[1], interval_s=1800)  # type: ignore[arg-type]


def test_it_refuses_a_roster_of_the_wrong_length_and_negative_volumes() -> None:
    with pytest.raises(StaffingInputError, match="one value per interval"):
        plan_channel(settings=PHONE, volume=[1, 2], interval_s=1800, planned=[1])
    with pytest.raises(StaffingInputError, match="volume"):
        plan_channel(settings=PHONE, volume=[1, -2], interval_s=1800)
