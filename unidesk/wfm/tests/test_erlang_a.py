"""Erlang A: closed forms against a direct birth-death sum, limits and monotonicity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import special

from unidesk.wfm.erlang_a import (
    calibrate_patience,
    erlang_a_agents,
    erlang_a_metrics,
    evaluate_erlang_a,
    log_k,
    patience_from_abandon_rate,
)
from unidesk.wfm.erlang_c import erlang_b, erlang_c_metrics
from unidesk.wfm.errors import StaffingInputError


def birth_death(n: int, a: float, aht: float, patience: float, t: float) -> dict[str, float]:
    """Independent oracle: the stationary distribution summed state by state (log space),
    with each waiting position's chance of an answer within t from its Beta law."""
    x, y = n * patience / aht, a * patience / aht
    b = erlang_b(servers=n, load=a)
    j = np.arange(200_000)
    log_t = j * math.log(y) - (special.gammaln(x + j + 1) - special.gammaln(x + 1))
    keep = log_t > log_t.max() - 60
    j, log_t = j[keep], log_t[keep]
    top = log_t.max()
    weights = np.exp(log_t - top)
    below = (1 / b - 1) * math.exp(-top)
    total = below + weights.sum()
    p = -math.expm1(-t / patience)
    served = x / (x + j + 1)
    served_by_t = served * special.betainc(j + 1, x + 1, p)
    return {
        "p_wait": weights.sum() / total,
        "p_abandon": (weights * (1 - served)).sum() / total,
        "sl_offered": (below + (weights * served_by_t).sum()) / total,
        "mean_queue": (weights * j).sum() / total,
    }


@pytest.mark.parametrize(
    ("n", "a", "aht", "patience", "t"),
    [
        (13, 10.0, 180, 300, 20),
        (8, 10.0, 180, 60, 30),
        (3, 10.0, 180, 600, 0),
        (120, 110.0, 300, 30, 60),
        (40, 60.0, 240, 2400, 120),
        (1, 0.3, 600, 900, 5),
    ],
)
def test_it_matches_a_direct_birth_death_sum(
    n: int, a: float, aht: float, patience: float, t: float
) -> None:
    r = erlang_a_metrics(agents=n, load_erlangs=a, aht_s=aht, patience_s=patience, target_s=t)
    oracle = birth_death(n, a, aht, patience, t)
    assert r.p_wait == pytest.approx(oracle["p_wait"], rel=1e-9)
    assert r.p_abandon == pytest.approx(oracle["p_abandon"], rel=1e-8)
    assert r.sl_offered == pytest.approx(oracle["sl_offered"], rel=1e-8, abs=1e-12)
    # Little's law: mean wait of all = mean queue / arrival rate.
    assert r.mean_wait_all_s == pytest.approx(oracle["mean_queue"] * aht / a, rel=1e-8)


def test_it_computes_log_k_in_every_regime() -> None:
    def series(x: float, y: float) -> float:
        j = np.arange(1, 400_000)
        return float(
            np.logaddexp.reduce(np.concatenate([[0.0], np.cumsum(np.log(y) - np.log(x + j))]))
        )

    for x, y in [(5, 3), (5, 30), (300, 301), (2e4, 1.9e4), (1e6, 1e6 + 5), (50, 0.1)]:
        assert log_k(x, y) == pytest.approx(series(x, y), rel=1e-9, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    load=st.floats(0.5, 300),
    extra=st.integers(0, 30),
    t=st.floats(0, 300),
)
def test_it_converges_to_erlang_c_as_patience_grows(load: float, extra: int, t: float) -> None:
    n = math.floor(load) + 1 + extra
    # A queue a hair from unstable (load 1.99999999999994 on 2 agents) relaxes over ages:
    # the patience "far beyond" that is out of any real range, and refused as such.
    assume(n - load > 1e-3)
    c = erlang_c_metrics(agents=n, load_erlangs=load, aht_s=180, target_s=t)
    # Abandonment matters on the queue's relaxation time, ~ AHT * load / (n - load)^2, and on
    # the mean wait: a patience far beyond both must give Erlang C. The gap shrinks like
    # 1/patience (first order in the abandonment rate): each hundredfold increase in
    # patience cuts it at least twentyfold.
    relax = 180 * max(1.0, load) / (n - load) ** 2 + 180 / (n - load)
    gaps = []
    for factor in (1e2, 1e4, 1e6):
        a = erlang_a_metrics(
            agents=n, load_erlangs=load, aht_s=180, patience_s=relax * factor, target_s=t
        )
        gaps.append(abs(a.p_wait - c.p_wait) + abs((a.sl_offered or 0) - (c.sl or 0)))
    assert gaps[1] <= gaps[0] / 20 + 1e-9
    assert gaps[2] <= gaps[1] / 20 + 1e-9
    assert gaps[2] < 1e-5
    assert a.asa_served_s == pytest.approx(c.asa_s, rel=1e-4, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    load=st.floats(0.2, 200),
    n=st.integers(1, 250),
    patience=st.floats(10, 3000),
    t=st.floats(0, 300),
)
def test_it_never_lowers_any_service_level_when_adding_an_agent(
    load: float, n: int, patience: float, t: float
) -> None:
    now = erlang_a_metrics(agents=n, load_erlangs=load, aht_s=180, patience_s=patience, target_s=t)
    more = erlang_a_metrics(
        agents=n + 1, load_erlangs=load, aht_s=180, patience_s=patience, target_s=t
    )
    for definition in ("offered", "answered", "wait_le_t", "excl_short_abandons"):
        assert (more.sl(definition) or 0) >= (now.sl(definition) or 0) - 1e-9, definition  # type: ignore[arg-type]
    assert more.p_abandon <= now.p_abandon + 1e-12
    assert more.asa_served_s <= now.asa_served_s * (1 + 1e-7) + 1e-9


@settings(max_examples=25, deadline=None)
@given(load=st.floats(1, 10_000), ratio=st.floats(0.5, 1.3), patience=st.floats(5, 5000))
def test_it_stays_finite_up_to_ten_thousand_erlangs(
    load: float, ratio: float, patience: float
) -> None:
    n = max(1, round(load * ratio))
    r = erlang_a_metrics(agents=n, load_erlangs=load, aht_s=180, patience_s=patience, target_s=20)
    values = (
        r.p_wait,
        r.p_abandon,
        r.sl_offered,
        r.sl_answered,
        r.sl_wait_le_t,
        r.sl_excl_short_ab,
        r.asa_served_s,
        r.mean_wait_all_s,
        r.occupancy,
    )
    assert all(v is not None and math.isfinite(v) and v >= 0 for v in values)
    assert 0 <= r.p_abandon <= 1 and (r.sl_offered or 0) <= 1 - r.p_abandon + 1e-12


def test_it_may_recommend_fewer_agents_than_the_load_and_shows_abandonment() -> None:
    kw = {"volume": 100, "interval_s": 1800, "aht_s": 180, "patience_s": 60}
    n = erlang_a_agents(**kw, max_abandon=0.3)
    assert n == 8 < 10  # 10 Erlangs offered
    r = evaluate_erlang_a(agents=n, **kw)
    assert r.p_abandon <= 0.3 < evaluate_erlang_a(agents=n - 1, **kw).p_abandon


def test_it_solves_for_each_service_level_definition_and_abandon_target() -> None:
    kw = {"volume": 100, "interval_s": 1800, "aht_s": 180, "patience_s": 300, "target_s": 20}
    assert erlang_a_agents(**kw, sl_target=0.8, sl_definition="offered") == 13
    assert erlang_a_agents(**kw, sl_target=0.8, sl_definition="answered") == 12
    assert erlang_a_agents(**kw, sl_target=0.8, max_abandon=0.01) == 15
    assert (
        erlang_a_agents(volume=0, interval_s=1800, aht_s=180, patience_s=300, max_abandon=0.05) == 0
    )
    with pytest.raises(StaffingInputError, match="sl_definition"):
        erlang_a_agents(**kw, sl_target=0.8, sl_definition="served")  # type: ignore[arg-type]
    with pytest.raises(StaffingInputError, match="100%"):
        erlang_a_agents(**kw, sl_target=1)


def test_it_estimates_patience_from_an_abandon_rate() -> None:
    assert patience_from_abandon_rate(abandon_rate=0.05, mean_wait_s=15) == 300
    kw = {"volume": 100, "interval_s": 1800, "aht_s": 180}
    r = evaluate_erlang_a(agents=13, patience_s=300, **kw)
    assert calibrate_patience(abandon_rate=r.p_abandon, agents=13, **kw) == pytest.approx(300)
    assert patience_from_abandon_rate(
        abandon_rate=r.p_abandon, mean_wait_s=r.mean_wait_all_s
    ) == pytest.approx(300)
    with pytest.raises(StaffingInputError):
        calibrate_patience(abandon_rate=0.9, agents=13, **kw)
