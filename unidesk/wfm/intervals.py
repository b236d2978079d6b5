"""Staffing for every interval of a plan at once (numpy arrays, one channel per call).

These are the building blocks of the weekly plan: volumes per interval in, raw agents,
scheduled agents (exact shrinkage) and the service figures per interval out. Volumes may be
fractional forecasts; AHT may vary by interval. All times in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray

from unidesk.wfm import inputs
from unidesk.wfm.erlang_c import erlang_c_agents_array, erlang_c_metrics_array
from unidesk.wfm.exact import Number, ceil_array, scheduled_agents_array, to_fraction


@dataclass(frozen=True, slots=True)
class IntervalStaffing:
    """Per-interval staffing of one channel (arrays of the volumes' shape).

    ``sl`` is the probability of an answer within the target (None without one);
    ``occupancy`` the share of agent (or slot) time busy.
    """

    raw_agents: NDArray[np.int64]
    scheduled_agents: NDArray[np.int64]
    load_erlangs: NDArray[np.float64]
    sl: NDArray[np.float64] | None
    asa_s: NDArray[np.float64] | None
    occupancy: NDArray[np.float64]


def voice_intervals(
    *,
    volume: ArrayLike,
    interval_s: Number,
    aht_s: ArrayLike,
    shrinkage: Number = 0,
    target_s: float | None = None,
    sl_target: float | None = None,
    asa_target_s: float | None = None,
    pw_target: float | None = None,
    max_occupancy: Number | None = None,
) -> IntervalStaffing:
    """Erlang C staffing for every interval (voice, or any queue without abandonment)."""
    raw = erlang_c_agents_array(
        volume=volume,
        interval_s=interval_s,
        aht_s=aht_s,
        target_s=target_s,
        sl_target=sl_target,
        asa_target_s=asa_target_s,
        pw_target=pw_target,
        max_occupancy=max_occupancy,
    )
    m = erlang_c_metrics_array(
        agents=raw, volume=volume, interval_s=interval_s, aht_s=aht_s, target_s=target_s
    )
    return IntervalStaffing(
        raw_agents=raw,
        scheduled_agents=scheduled_agents_array(raw_agents=raw, shrinkage=shrinkage),
        load_erlangs=m.load_erlangs,
        sl=m.sl,
        asa_s=m.asa_s,
        occupancy=m.occupancy,
    )


def chat_slot_intervals(
    *,
    volume: ArrayLike,
    interval_s: Number,
    chat_aht_s: ArrayLike,
    concurrency: int,
    shrinkage: Number = 0,
    target_s: float | None = None,
    sl_target: float | None = None,
    asa_target_s: float | None = None,
    pw_target: float | None = None,
    max_occupancy: Number | None = None,
) -> IntervalStaffing:
    """Chat as ``concurrency`` slots per agent, every interval (see ``chat.chat_slots``)."""
    c = inputs.whole(concurrency, name="concurrency", minimum=1)
    slots = erlang_c_agents_array(
        volume=volume,
        interval_s=interval_s,
        aht_s=chat_aht_s,
        target_s=target_s,
        sl_target=sl_target,
        asa_target_s=asa_target_s,
        pw_target=pw_target,
        max_occupancy=max_occupancy,
    )
    raw = -(-slots // c)
    m = erlang_c_metrics_array(
        agents=raw * c, volume=volume, interval_s=interval_s, aht_s=chat_aht_s, target_s=target_s
    )
    return IntervalStaffing(
        raw_agents=raw,
        scheduled_agents=scheduled_agents_array(raw_agents=raw, shrinkage=shrinkage),
        load_erlangs=m.load_erlangs,
        sl=m.sl,
        asa_s=m.asa_s,
        occupancy=m.occupancy,
    )


def workload_intervals(
    *,
    volume: ArrayLike,
    interval_s: Number,
    aht_s: Number,
    shrinkage: Number = 0,
    max_occupancy: Number = 1,
) -> IntervalStaffing:
    """Workload staffing (email with long targets): ``ceil(load / max_occupancy)``, exactly."""
    vol = np.asarray(volume, dtype=np.float64)
    if not (np.all(np.isfinite(vol)) and np.all(vol >= 0)):
        inputs.non_negative(float("nan"), name="volume")
    interval = to_fraction(inputs.positive(interval_s, name="interval_s"))
    aht = to_fraction(inputs.positive(aht_s, name="aht_s"))
    cap = inputs.occupancy_cap(max_occupancy)
    load = vol * float(aht / interval)

    def exact(i: int) -> Fraction:
        return to_fraction(float(vol.flat[i])) * aht / interval / cap

    raw = ceil_array(load / float(cap), exact)
    with np.errstate(divide="ignore", invalid="ignore"):
        occupancy = np.where(raw > 0, load / raw, 0.0)
    return IntervalStaffing(
        raw_agents=raw,
        scheduled_agents=scheduled_agents_array(raw_agents=raw, shrinkage=shrinkage),
        load_erlangs=load,
        sl=None,
        asa_s=None,
        occupancy=occupancy,
    )
