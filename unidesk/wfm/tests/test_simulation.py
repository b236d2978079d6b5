"""Cross-check against a discrete-event simulation of a FIFO queue with n agents.

Simulation: Poisson arrivals, exponential handle times and patience, first come first served.
A contact takes the earliest free agent at ``max(arrival, free time)`` unless its patience
runs out first; a contact that hangs up never occupies an agent, so one heap of agents'
free times is an exact simulation of M/M/n (+M).

Tolerance: the run is split into 20 batches after a warm-up; batch means are nearly
independent, so their standard error estimates the simulation noise. A figure must lie
within 4.5 standard errors (plus 0.002 for residual correlation) of the exact value: a
correct formula fails that bound with probability well below 1e-4, a formula off by a
percentage point fails it for sure at this run length. The seed is fixed.
"""

from __future__ import annotations

import heapq
import math
import statistics

import numpy as np

from unidesk.wfm.erlang_a import erlang_a_metrics
from unidesk.wfm.erlang_c import erlang_c_metrics


def simulate(
    *,
    agents: int,
    load: float,
    aht: float,
    patience: float,
    target: float,
    contacts: int,
    seed: int,
) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(aht / load, contacts))
    service = rng.exponential(aht, contacts)
    patience_draws = rng.exponential(patience, contacts) if math.isfinite(patience) else None
    free = [0.0] * agents
    waited = np.zeros(contacts, dtype=bool)
    answered_in_t = np.zeros(contacts, dtype=bool)
    abandoned = np.zeros(contacts, dtype=bool)
    wait = np.zeros(contacts)
    for i in range(contacts):
        now = float(arrivals[i])
        start = max(now, free[0])
        delay = start - now
        waited[i] = delay > 0
        if patience_draws is not None and delay > patience_draws[i]:
            abandoned[i] = True
            continue
        wait[i] = delay
        answered_in_t[i] = delay <= target
        heapq.heapreplace(free, start + float(service[i]))
    warm = contacts // 10
    batches = np.array_split(np.arange(warm, contacts), 20)
    answered = ~abandoned
    return {
        "p_wait": [float(waited[b].mean()) for b in batches],
        "sl": [float(answered_in_t[b].mean()) for b in batches],
        "p_abandon": [float(abandoned[b].mean()) for b in batches],
        "asa": [float(wait[b][answered[b]].mean()) for b in batches],
    }


def assert_close(samples: list[float], exact: float) -> None:
    mean = statistics.fmean(samples)
    se = statistics.stdev(samples) / math.sqrt(len(samples))
    assert abs(mean - exact) <= 4.5 * se + 0.002 * max(1.0, abs(exact)), (mean, exact, se)


def test_it_agrees_with_a_simulated_erlang_c_queue() -> None:
    sim = simulate(
        agents=14, load=10.0, aht=180, patience=math.inf, target=20, contacts=150_000, seed=7
    )
    exact = erlang_c_metrics(agents=14, load_erlangs=10, aht_s=180, target_s=20)
    assert_close(sim["p_wait"], exact.p_wait)
    assert_close(sim["sl"], exact.sl or 0)
    assert_close(sim["asa"], exact.asa_s)


def test_it_agrees_with_a_simulated_queue_with_abandonment() -> None:
    sim = simulate(agents=9, load=10.0, aht=180, patience=120, target=20, contacts=150_000, seed=11)
    exact = erlang_a_metrics(agents=9, load_erlangs=10, aht_s=180, patience_s=120, target_s=20)
    assert_close(sim["p_wait"], exact.p_wait)
    assert_close(sim["p_abandon"], exact.p_abandon)
    assert_close(sim["sl"], exact.sl_offered or 0)
    assert_close(sim["asa"], exact.asa_served_s)
