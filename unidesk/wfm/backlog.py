"""Email and other backlog work: long response targets, work carried between intervals.

Two models (all times in seconds, volumes in items):

- ``email_workload``: when the response target is long (hours), queueing delay is
  negligible and the staff needed is the work arriving per interval,
  ``ceil(volume * aht_s / interval_s / max_occupancy)``, exactly.
- ``email_fifo``: a fluid first-in-first-out backlog over a horizon of intervals. Each
  interval adds its arrivals (spread evenly over the interval) and its staff work at
  ``staff * (1 - shrinkage) / aht_s`` items per second; the backlog is carried to the next
  interval. The result gives the backlog at each interval end and the worst response time:
  the longest time from an item's arrival until an agent picks it up, plus one handle time
  for the reply itself. When the horizon ends with work left, the worst response time is
  unknown (``None``) and the last backlog figure says how much is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from unidesk.wfm import inputs
from unidesk.wfm.errors import StaffingInputError
from unidesk.wfm.exact import Number, ceil_fraction, offered_load, to_fraction


@dataclass(frozen=True, slots=True)
class WorkloadResult:
    """Workload staffing: ``raw_agents`` before shrinkage, the load and the occupancy."""

    raw_agents: int
    load_erlangs: float
    occupancy: float


@dataclass(frozen=True, slots=True)
class FifoResult:
    """Backlog at each interval end (items) and the worst response time in seconds.

    ``worst_response_s`` is None when the horizon ends with work left (``unfinished``).
    """

    backlog_items_at_interval_end: list[float]
    worst_response_s: float | None
    unfinished: bool


def email_workload(
    *,
    volume: Number,
    interval_s: Number,
    aht_s: Number,
    max_occupancy: Number = 1,
    target_s: float | None = None,
) -> WorkloadResult:
    """Agents to keep up with ``volume`` items per ``interval_s`` seconds at ``aht_s`` each.

    ``target_s``, when given, must be at least the interval: a shorter target is a queueing
    question (use Erlang C or the FIFO model).
    """
    inputs.non_negative(volume, name="volume")
    interval = inputs.positive(interval_s, name="interval_s")
    inputs.positive(aht_s, name="aht_s")
    cap = inputs.occupancy_cap(max_occupancy)
    if target_s is not None and inputs.non_negative(target_s, name="target_s") < interval:
        raise StaffingInputError(
            "email_workload is for targets of at least one interval; use erlang_c or email_fifo"
        )
    load = offered_load(volume=volume, interval_s=interval_s, aht_s=aht_s)
    raw = ceil_fraction(load / cap)
    return WorkloadResult(raw, float(load), float(load / raw) if raw else 0.0)


def email_fifo(
    *,
    arrivals: Sequence[Number],
    staff: Sequence[Number],
    interval_s: Number,
    aht_s: Number,
    shrinkage: Number = 0,
    initial_backlog: Number = 0,
) -> FifoResult:
    """Carry a FIFO backlog through the intervals (see the module docstring).

    ``arrivals[i]`` items arrive during interval ``i``, ``staff[i]`` agents are on shift in
    it (before shrinkage); ``initial_backlog`` items wait at the start (counted as arriving
    at time 0).
    """
    if len(arrivals) != len(staff):
        raise StaffingInputError("arrivals and staff must have one entry per interval each")
    if not arrivals:
        raise StaffingInputError("arrivals and staff need at least one interval")
    interval = inputs.positive(interval_s, name="interval_s")
    aht = inputs.positive(aht_s, name="aht_s")
    keep = 1 - inputs.shrinkage_fraction(shrinkage)
    arr = [inputs.non_negative(v, name="arrivals") for v in arrivals]
    crew = [inputs.non_negative(v, name="staff") for v in staff]
    start = inputs.non_negative(initial_backlog, name="initial_backlog")
    per_agent = float(Fraction(1) * keep * to_fraction(interval) / to_fraction(aht))

    # Breakpoints (time, cumulative arrivals) and (time, cumulative picked up).
    a_pts: list[tuple[float, float]] = [(0.0, start)]
    d_pts: list[tuple[float, float]] = [(0.0, 0.0)]
    backlog_end: list[float] = []
    cum_a, cum_d, backlog = start, 0.0, start
    for i, (items, people) in enumerate(zip(arr, crew, strict=True)):
        t0 = i * interval
        capacity = people * per_agent
        if backlog > 0 and capacity > items:
            empty_after = backlog / ((capacity - items) / interval)
            if empty_after < interval:  # backlog runs dry inside the interval
                d_pts.append((t0 + empty_after, cum_d + capacity * empty_after / interval))
        new_backlog = max(0.0, backlog + items - capacity)
        cum_a += items
        cum_d = cum_a - new_backlog
        backlog = new_backlog
        a_pts.append((t0 + interval, cum_a))
        d_pts.append((t0 + interval, cum_d))
        backlog_end.append(backlog)
    scale = max(1.0, cum_a)
    if backlog > 1e-9 * scale:
        return FifoResult(backlog_end, None, True)
    backlog_end = [0.0 if b <= 1e-9 * scale else b for b in backlog_end]
    if cum_a <= 0:
        return FifoResult(backlog_end, 0.0, False)
    a_t, a_v = np.array([p[0] for p in a_pts]), np.array([p[1] for p in a_pts])
    d_t, d_v = np.array([p[0] for p in d_pts]), np.array([p[1] for p in d_pts])
    d_v = np.minimum(np.maximum.accumulate(d_v), cum_a)
    d_v[-1] = cum_a
    levels = np.unique(np.concatenate([a_v, d_v]))
    worst = 0.0
    for level in levels:
        if level > 0:
            worst = max(
                worst,
                _inverse(d_t, d_v, level, strict=False) - _inverse(a_t, a_v, level, strict=False),
            )
        if level < cum_a:
            worst = max(
                worst,
                _inverse(d_t, d_v, level, strict=True) - _inverse(a_t, a_v, level, strict=True),
            )
    return FifoResult(backlog_end, worst + aht, False)


def _inverse(t: np.ndarray, v: np.ndarray, level: float, *, strict: bool) -> float:
    """First time the piecewise-linear curve reaches ``level`` (exceeds it if ``strict``)."""
    k = int(np.searchsorted(v, level, side="right" if strict else "left"))
    if k == 0:
        return float(t[0])
    k = min(k, len(v) - 1)
    v0, v1 = float(v[k - 1]), float(v[k])
    if v1 <= v0:
        return float(t[k])
    return float(t[k - 1] + (level - v0) / (v1 - v0) * (t[k] - t[k - 1]))
