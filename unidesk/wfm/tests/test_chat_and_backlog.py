"""Chat concurrency models and the email workload and FIFO backlog models."""

from __future__ import annotations

import pytest

from unidesk.wfm.backlog import email_fifo, email_workload
from unidesk.wfm.chat import CCH_FACTORS, chat_aht_divide, chat_slots
from unidesk.wfm.erlang_c import erlang_c_agents
from unidesk.wfm.errors import StaffingInputError

CHAT = {"volume": 100, "interval_s": 1800, "chat_aht_s": 600, "target_s": 60, "sl_target": 0.8}


def test_it_staffs_chat_as_slots_and_rounds_agents_up() -> None:
    r = chat_slots(**CHAT, concurrency=3)
    assert r.model == "chat_slots"
    assert r.slots_required == erlang_c_agents(
        volume=100, interval_s=1800, aht_s=600, target_s=60, sl_target=0.8
    )
    assert r.raw_agents == -(-r.slots_required // 3)
    assert r.queue.agents == r.raw_agents * 3


def test_it_divides_chat_handle_time_by_call_centre_helpers_factor() -> None:
    assert [float(CCH_FACTORS[c]) for c in range(1, 6)] == [1, 1.7, 2.5, 2.9, 3.5]
    r = chat_aht_divide(**CHAT, concurrency=3, factor_table="cch")
    assert r.model == "chat_aht_divide" and r.effective_aht_s == 240 and r.factor == 2.5
    assert r.raw_agents == erlang_c_agents(
        volume=100, interval_s=1800, aht_s=240, target_s=60, sl_target=0.8
    )
    assert chat_aht_divide(**CHAT, factor=1.7).effective_aht_s == pytest.approx(600 / 1.7)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"concurrency": 6, "factor_table": "cch"},
        {"factor_table": "cch"},
        {"concurrency": 2, "factor": 2.5},
        {"concurrency": 2},
        {"concurrency": 2, "factor": 1.7, "factor_table": "cch"},
    ],
)
def test_it_rejects_inconsistent_chat_factors(kwargs: dict[str, object]) -> None:
    with pytest.raises(StaffingInputError):
        chat_aht_divide(**CHAT, **kwargs)  # type: ignore[arg-type]


def test_it_staffs_email_by_workload_with_exact_ceilings() -> None:
    r = email_workload(volume=21, interval_s=3600, aht_s=600, max_occupancy=0.7)
    assert r.raw_agents == 5 and r.occupancy == pytest.approx(0.7)
    assert email_workload(volume=0, interval_s=3600, aht_s=600).raw_agents == 0
    with pytest.raises(StaffingInputError, match="at least one interval"):
        email_workload(volume=21, interval_s=3600, aht_s=600, target_s=60)


def test_it_carries_the_backlog_and_reports_the_worst_response() -> None:
    # 12 items in the first hour, 6 an hour capacity: the last arrival waits an hour.
    r = email_fifo(arrivals=[12, 0], staff=[1, 1], interval_s=3600, aht_s=600)
    assert r.backlog_items_at_interval_end == [6.0, 0.0]
    assert r.worst_response_s == pytest.approx(3600 + 600)
    quiet = email_fifo(arrivals=[3, 3], staff=[1, 1], interval_s=3600, aht_s=600)
    assert quiet.worst_response_s == pytest.approx(600) and not quiet.unfinished


def test_it_accounts_for_a_shift_with_nobody_on_it() -> None:
    r = email_fifo(arrivals=[6, 0, 0], staff=[0, 0, 2], interval_s=3600, aht_s=600)
    # The first item (arrived at 0) waits through the empty hours until 2 h; the last
    # (arrived at 1 h) is picked up at 2.5 h. Worst: 2 h plus one handle time.
    assert r.backlog_items_at_interval_end == [6.0, 6.0, 0.0]
    assert r.worst_response_s == pytest.approx(7200 + 600)


def test_it_says_when_the_horizon_ends_with_work_left() -> None:
    r = email_fifo(arrivals=[10, 10], staff=[1, 1], interval_s=3600, aht_s=600, shrinkage=0.5)
    assert r.unfinished and r.worst_response_s is None
    assert r.backlog_items_at_interval_end == [7.0, 14.0]


def test_it_rejects_mismatched_interval_lists() -> None:
    with pytest.raises(StaffingInputError):
        email_fifo(arrivals=[1, 2], staff=[1], interval_s=3600, aht_s=600)
