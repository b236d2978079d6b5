"""Per-interval (plan) staffing agrees with the single-scenario functions."""

from __future__ import annotations

from unidesk.wfm.backlog import email_workload
from unidesk.wfm.chat import chat_slots
from unidesk.wfm.erlang_c import erlang_c_agents
from unidesk.wfm.exact import scheduled_agents
from unidesk.wfm.intervals import chat_slot_intervals, voice_intervals, workload_intervals

VOLUMES = [0, 12.5, 77, 100, 250]


def test_it_staffs_each_interval_like_a_single_scenario() -> None:
    kw = {"interval_s": 1800, "target_s": 20, "sl_target": 0.8, "max_occupancy": 0.85}
    v = voice_intervals(volume=VOLUMES, aht_s=180, shrinkage=0.3, **kw)
    raw = [erlang_c_agents(volume=x, aht_s=180, **kw) for x in VOLUMES]
    assert v.raw_agents.tolist() == raw
    assert v.scheduled_agents.tolist() == [
        scheduled_agents(raw_agents=r, shrinkage=0.3) for r in raw
    ]
    c = chat_slot_intervals(volume=VOLUMES, chat_aht_s=600, concurrency=3, **kw)
    assert c.raw_agents.tolist() == [
        chat_slots(volume=x, chat_aht_s=600, concurrency=3, **kw).raw_agents for x in VOLUMES
    ]
    e = workload_intervals(volume=VOLUMES, interval_s=1800, aht_s=630, max_occupancy=0.7)
    assert e.raw_agents.tolist() == [
        email_workload(volume=x, interval_s=1800, aht_s=630, max_occupancy=0.7).raw_agents
        for x in VOLUMES
    ]
