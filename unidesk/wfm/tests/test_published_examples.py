"""The published worked examples of issue 7, reproduced to the digits given."""

from __future__ import annotations

import pytest

from unidesk.wfm.erlang_a import erlang_a_agents, evaluate_erlang_a
from unidesk.wfm.erlang_c import erlang_c_agents, evaluate_erlang_c
from unidesk.wfm.exact import scheduled_agents
from unidesk.wfm.scenario import run_scenario

CCH = {"volume": 100, "interval_s": 1800, "aht_s": 180}
CCT = {"volume": 1000, "interval_s": 3600, "aht_s": 120}
TARGETS = {"target_s": 20, "sl_target": 0.8, "max_occupancy": 0.85}


def test_it_reproduces_call_centre_helpers_worked_example() -> None:
    agents = erlang_c_agents(**CCH, **TARGETS)
    r = evaluate_erlang_c(agents=agents, target_s=20, **CCH)
    assert agents == 14
    assert round(r.p_wait, 7) == 0.1741319
    assert round(r.sl or 0, 5) == 0.88835
    assert round(r.asa_s, 4) == 7.8359
    assert round(r.occupancy, 7) == 0.7142857
    assert scheduled_agents(raw_agents=agents, shrinkage=0.3) == 20


def test_it_reproduces_the_call_center_tools_example_where_occupancy_binds() -> None:
    agents = erlang_c_agents(**CCT, **TARGETS)
    r = evaluate_erlang_c(agents=agents, target_s=20, **CCT)
    assert agents == 40
    assert erlang_c_agents(**CCT, target_s=20, sl_target=0.8) == 38
    assert scheduled_agents(raw_agents=agents, shrinkage=0.3) == 58
    assert round(r.p_wait, 6) == 0.190737
    assert round(r.sl or 0, 6) == 0.937211
    assert round(r.asa_s, 4) == 3.4333


def test_it_reproduces_pyworkforces_erlang_a_example() -> None:
    agents = erlang_a_agents(**CCH, **TARGETS, patience_s=300)
    r = evaluate_erlang_a(agents=agents, target_s=20, patience_s=300, **CCH)
    assert agents == 13
    assert scheduled_agents(raw_agents=agents, shrinkage=0.3) == 19
    assert round(r.p_abandon, 6) == 0.024963
    assert round(r.sl_offered or 0, 6) == 0.858178
    assert round(r.p_wait, 6) == 0.225797


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (
            {"model": "erlang_c", **CCH, **TARGETS, "shrinkage": 0.3},
            {"raw_agents": 14, "scheduled_agents": 20, "p_wait": 0.1741319, "sl": 0.88835},
        ),
        (
            {"model": "erlang_c", **CCT, **TARGETS, "shrinkage": 0.3},
            {"raw_agents": 40, "scheduled_agents": 58, "p_wait": 0.190737, "sl": 0.937211},
        ),
        (
            {"model": "erlang_a", **CCH, **TARGETS, "shrinkage": 0.3, "patience_s": 300},
            {"raw_agents": 13, "scheduled_agents": 19, "p_abandon": 0.024963},
        ),
    ],
)
def test_it_gives_the_same_figures_through_the_batch_interface(
    scenario: dict[str, object], expected: dict[str, float]
) -> None:
    result = run_scenario(scenario)
    for key, value in expected.items():
        digits = len(str(value).split(".")[1]) if isinstance(value, float) else 0
        assert round(result[key], digits) == value, key
