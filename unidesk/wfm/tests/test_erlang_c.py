"""Erlang C: edges, stability, monotonicity, large loads, scalar and array paths agree."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unidesk.wfm.erlang_c import (
    erlang_b,
    erlang_c,
    erlang_c_agents,
    erlang_c_agents_array,
    erlang_c_metrics,
    erlang_c_metrics_array,
    evaluate_erlang_c,
)
from unidesk.wfm.errors import StaffingInputError

loads = st.floats(min_value=0.01, max_value=500, allow_nan=False)


def test_it_gives_zero_agents_for_zero_volume() -> None:
    assert erlang_c_agents(volume=0, interval_s=1800, aht_s=180, target_s=20, sl_target=0.8) == 0
    r = evaluate_erlang_c(agents=0, volume=0, interval_s=1800, aht_s=180, target_s=20)
    assert (r.p_wait, r.sl, r.asa_s, r.stable) == (0.0, 1.0, 0.0, True)


def test_it_reports_n_at_or_below_the_load_as_unstable() -> None:
    for agents in (5, 10):
        r = evaluate_erlang_c(agents=agents, volume=100, interval_s=1800, aht_s=180, target_s=20)
        assert not r.stable
        assert (r.p_wait, r.sl, r.asa_s) == (1.0, 0.0, math.inf)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sl_target": 1.0, "target_s": 20}, "100%"),
        ({"sl_target": 80, "target_s": 20}, "0.8 for 80%"),
        ({"sl_target": 0.8}, "needs target_s"),
        ({"asa_target_s": 0}, "asa_target_s"),
        ({"max_occupancy": 1.2}, "max_occupancy"),
        ({}, "no target"),
    ],
)
def test_it_rejects_impossible_or_out_of_range_targets(
    kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(StaffingInputError, match=message):
        erlang_c_agents(volume=100, interval_s=1800, aht_s=180, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"volume": -1, "interval_s": 1800, "aht_s": 180},
        {"volume": 10, "interval_s": 0, "aht_s": 180},
        {"volume": 10, "interval_s": 1800, "aht_s": -5},
        {"volume": float("nan"), "interval_s": 1800, "aht_s": 180},
        {"volume": True, "interval_s": 1800, "aht_s": 180},
    ],
)
def test_it_rejects_out_of_range_inputs(kwargs: dict[str, float]) -> None:
    with pytest.raises(StaffingInputError):
        erlang_c_agents(**kwargs, target_s=20, sl_target=0.8)


def test_it_meets_every_target_given_at_once() -> None:
    kw = {"volume": 100, "interval_s": 1800, "aht_s": 180}
    assert erlang_c_agents(**kw, asa_target_s=8) == 14
    assert erlang_c_agents(**kw, pw_target=0.2) == 14
    assert erlang_c_agents(**kw, asa_target_s=8, pw_target=0.05, target_s=20, sl_target=0.8) == 17


@given(load=loads, extra=st.integers(0, 40), t=st.floats(0, 600))
def test_it_never_lowers_service_level_when_adding_an_agent(
    load: float, extra: int, t: float
) -> None:
    n = math.floor(load) + 1 + extra
    now = erlang_c_metrics(agents=n, load_erlangs=load, aht_s=180, target_s=t)
    more = erlang_c_metrics(agents=n + 1, load_erlangs=load, aht_s=180, target_s=t)
    assert (more.sl or 0) >= (now.sl or 0) - 1e-12
    assert more.asa_s <= now.asa_s + 1e-12
    assert more.p_wait <= now.p_wait + 1e-12


@settings(max_examples=40, deadline=None)
@given(load=st.floats(min_value=1, max_value=10_000), sl=st.floats(0.5, 0.99))
def test_it_stays_finite_up_to_ten_thousand_erlangs(load: float, sl: float) -> None:
    n = erlang_c_agents(volume=load, interval_s=180, aht_s=180, target_s=20, sl_target=sl)
    r = erlang_c_metrics(agents=n, load_erlangs=load, aht_s=180, target_s=20)
    assert r.stable and n > load
    assert all(math.isfinite(v) for v in (r.p_wait, r.sl or 0, r.asa_s, r.occupancy))
    assert (r.sl or 0) >= sl
    below = erlang_c_metrics(agents=n - 1, load_erlangs=load, aht_s=180, target_s=20)
    assert not below.stable or (below.sl or 0) < sl


def test_it_computes_erlang_b_by_recursion_without_overflow() -> None:
    assert erlang_b(servers=0, load=5) == 1.0
    assert 0 < erlang_b(servers=10_000, load=9_900) < 1
    assert erlang_c(servers=20_000, load=19_500) < 1e-3
    assert erlang_b(servers=1, load=1) == pytest.approx(0.5)


@settings(max_examples=30, deadline=None)
@given(
    volumes=st.lists(st.floats(0, 400, allow_nan=False), min_size=1, max_size=20),
    aht=st.integers(30, 900),
    sl=st.floats(0.5, 0.95),
    occupancy=st.sampled_from([None, 0.8, 0.85, 0.9, 1.0]),
)
def test_it_gives_the_same_answers_for_arrays_as_for_single_intervals(
    volumes: list[float], aht: int, sl: float, occupancy: float | None
) -> None:
    kw = {"interval_s": 1800, "target_s": 20, "sl_target": sl, "max_occupancy": occupancy}
    array = erlang_c_agents_array(volume=volumes, aht_s=aht, **kw)
    single = [erlang_c_agents(volume=v, aht_s=aht, **kw) for v in volumes]
    assert array.tolist() == single
    metrics = erlang_c_metrics_array(
        agents=array, volume=volumes, interval_s=1800, aht_s=aht, target_s=20
    )
    for i, v in enumerate(volumes):
        r = evaluate_erlang_c(agents=single[i], volume=v, interval_s=1800, aht_s=aht, target_s=20)
        assert metrics.p_wait[i] == pytest.approx(r.p_wait, abs=1e-12)
        assert metrics.sl is not None and metrics.sl[i] == pytest.approx(r.sl, abs=1e-12)
        assert bool(metrics.stable[i]) == r.stable


def test_it_evaluates_planned_staff_below_the_load_per_interval() -> None:
    m = erlang_c_metrics_array(
        agents=[5, 14], volume=[100, 100], interval_s=1800, aht_s=180, target_s=20
    )
    assert m.stable.tolist() == [False, True]
    assert m.asa_s[0] == np.inf and m.sl is not None and m.sl[0] == 0.0
