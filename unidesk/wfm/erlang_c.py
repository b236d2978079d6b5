"""Erlang C (M/M/n): voice and any queue where callers wait as long as it takes.

All times are in seconds; load is in Erlangs (``volume * aht_s / interval_s``).

Numerics: Erlang B comes from the forward recursion ``B(k) = a B(k-1) / (k + a B(k-1))``,
which stays in (0, 1] at any size (no factorials, no powers), and Erlang C from
``C = n B / (n - a (1 - B))``. With ``n <= a`` the queue grows without bound: the result
is marked unstable with P(wait) 1, SL 0 and ASA infinite instead of a meaningless number.

Two layers: scalar functions in plain floats (exact for one scenario, fast even at
10,000 Erlangs) and array functions (``*_array``) that staff every interval of a plan at
once with numpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray

from unidesk.wfm import inputs
from unidesk.wfm.errors import InfeasibleTargetError, StaffingInputError
from unidesk.wfm.exact import (
    Number,
    ceil_array,
    ceil_fraction,
    floor_array,
    offered_load,
    smallest_stable_agents,
    to_fraction,
)

#: How far above the stability bound the search may go before calling targets infeasible.
SEARCH_LIMIT = 1_000_000


@dataclass(frozen=True, slots=True)
class Targets:
    """What "enough agents" means; every given target must hold (all optional).

    ``sl_target`` is the share answered within ``target_s`` seconds (0.8 for 80%),
    ``asa_target_s`` the maximum average speed of answer in seconds, ``pw_target`` the
    maximum probability of waiting at all, ``max_occupancy`` the maximum share of time agents
    are busy (0.85 for 85%).
    """

    target_s: float | None = None
    sl_target: float | None = None
    asa_target_s: float | None = None
    pw_target: float | None = None
    max_occupancy: Fraction | None = None

    @classmethod
    def checked(
        cls,
        *,
        target_s: float | None = None,
        sl_target: float | None = None,
        asa_target_s: float | None = None,
        pw_target: float | None = None,
        max_occupancy: Number | None = None,
    ) -> Targets:
        """Validated targets; raises StaffingInputError for anything out of range."""
        t = None if target_s is None else inputs.non_negative(target_s, name="target_s")
        sl = None if sl_target is None else inputs.target_probability(sl_target, name="sl_target")
        if sl is not None and t is None:
            raise StaffingInputError("sl_target needs target_s (answer within how many seconds)")
        asa = None if asa_target_s is None else inputs.positive(asa_target_s, name="asa_target_s")
        pw = None if pw_target is None else inputs.target_probability(pw_target, name="pw_target")
        occ = None if max_occupancy is None else inputs.occupancy_cap(max_occupancy)
        return cls(target_s=t, sl_target=sl, asa_target_s=asa, pw_target=pw, max_occupancy=occ)

    def any_queue_target(self) -> bool:
        """True when a target other than occupancy is set."""
        return any(v is not None for v in (self.sl_target, self.asa_target_s, self.pw_target))


@dataclass(frozen=True, slots=True)
class ErlangCResult:
    """Erlang C figures for ``agents`` agents.

    ``p_wait``: probability a contact waits at all; ``sl``: probability of an answer within
    ``target_s`` seconds (None without ``target_s``); ``asa_s``: average speed of answer over
    all contacts, seconds (``inf`` if unstable); ``occupancy``: share of agent time busy.
    """

    agents: int
    load_erlangs: float
    p_wait: float
    sl: float | None
    asa_s: float
    occupancy: float
    stable: bool


def erlang_b(*, servers: int, load: float) -> float:
    """Erlang B blocking probability for ``servers`` servers and ``load`` Erlangs."""
    if servers < 0 or load < 0:
        raise StaffingInputError("servers and load must be >= 0")
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def _c_from_b(n: int, a: float, b: float) -> float:
    return n * b / (n - a * (1.0 - b))


def erlang_c(*, servers: int, load: float) -> float:
    """Probability of waiting (Erlang C); 1.0 when ``servers <= load`` (unstable)."""
    if load == 0:
        return 0.0
    if servers <= load:
        return 1.0
    return _c_from_b(servers, load, erlang_b(servers=servers, load=load))


def _metrics(n: int, a: float, b: float, aht_s: float, target_s: float | None) -> ErlangCResult:
    if a == 0:
        return ErlangCResult(n, 0.0, 0.0, None if target_s is None else 1.0, 0.0, 0.0, True)
    if n <= a:
        sl = None if target_s is None else 0.0
        return ErlangCResult(n, a, 1.0, sl, math.inf, 1.0, False)
    pw = _c_from_b(n, a, b)
    sl = None if target_s is None else 1.0 - pw * math.exp(-(n - a) * target_s / aht_s)
    return ErlangCResult(n, a, pw, sl, pw * aht_s / (n - a), a / n, True)


def erlang_c_metrics(
    *, agents: int, load_erlangs: Number, aht_s: float, target_s: float | None = None
) -> ErlangCResult:
    """Erlang C figures for ``agents`` agents facing ``load_erlangs`` (AHT in seconds)."""
    n = inputs.whole(agents, name="agents")
    a = float(to_fraction(load_erlangs, name="load_erlangs"))
    if a < 0:
        raise StaffingInputError("load_erlangs must be >= 0")
    aht = inputs.positive(aht_s, name="aht_s")
    t = None if target_s is None else inputs.non_negative(target_s, name="target_s")
    return _metrics(n, a, erlang_b(servers=n, load=a), aht, t)


def _meets(r: ErlangCResult, targets: Targets) -> bool:
    if targets.sl_target is not None and (r.sl is None or r.sl < targets.sl_target):
        return False
    if targets.asa_target_s is not None and r.asa_s > targets.asa_target_s:
        return False
    return targets.pw_target is None or r.p_wait <= targets.pw_target


def erlang_c_agents_for_load(*, load_erlangs: Number, aht_s: float, targets: Targets) -> int:
    """The fewest agents meeting every target for ``load_erlangs`` Erlangs.

    The search starts at the first stable staffing (``floor(load) + 1``, exactly) or the
    occupancy cap (``ceil(load / max_occupancy)``, exactly), whichever is higher, and walks
    up with the Erlang B recursion. Zero load needs zero agents.
    """
    load = to_fraction(load_erlangs, name="load_erlangs")
    if load < 0:
        raise StaffingInputError("load_erlangs must be >= 0")
    aht = inputs.positive(aht_s, name="aht_s")
    if load == 0:
        return 0
    start = smallest_stable_agents(load)
    if targets.max_occupancy is not None:
        start = max(start, ceil_fraction(load / targets.max_occupancy))
    a = float(load)
    b = 1.0
    for k in range(1, start + SEARCH_LIMIT):
        b = a * b / (k + a * b)
        if k >= start and _meets(_metrics(k, a, b, aht, targets.target_s), targets):
            return k
    raise InfeasibleTargetError("no staffing within the search limit meets the targets")


def erlang_c_agents(
    *,
    volume: Number,
    interval_s: Number,
    aht_s: Number,
    target_s: float | None = None,
    sl_target: float | None = None,
    asa_target_s: float | None = None,
    pw_target: float | None = None,
    max_occupancy: Number | None = None,
) -> int:
    """Raw agents (before shrinkage) for ``volume`` contacts per ``interval_s`` seconds.

    Example (Call Centre Helper): 100 calls in 1800 s, AHT 180 s, 80% in 20 s, max occupancy
    0.85 gives 14.
    """
    _check_volume(volume, interval_s, aht_s)
    targets = Targets.checked(
        target_s=target_s,
        sl_target=sl_target,
        asa_target_s=asa_target_s,
        pw_target=pw_target,
        max_occupancy=max_occupancy,
    )
    if not targets.any_queue_target() and targets.max_occupancy is None:
        raise StaffingInputError(
            "no target: give sl_target with target_s, asa_target_s, pw_target or max_occupancy"
        )
    load = offered_load(volume=volume, interval_s=interval_s, aht_s=aht_s)
    return erlang_c_agents_for_load(load_erlangs=load, aht_s=float(aht_s), targets=targets)


def evaluate_erlang_c(
    *,
    agents: int,
    volume: Number,
    interval_s: Number,
    aht_s: Number,
    target_s: float | None = None,
) -> ErlangCResult:
    """Erlang C figures for a given staffing (e.g. the staff actually planned)."""
    _check_volume(volume, interval_s, aht_s)
    load = offered_load(volume=volume, interval_s=interval_s, aht_s=aht_s)
    return erlang_c_metrics(agents=agents, load_erlangs=load, aht_s=float(aht_s), target_s=target_s)


def _check_volume(volume: Number, interval_s: Number, aht_s: Number) -> None:
    inputs.non_negative(volume, name="volume")
    inputs.positive(interval_s, name="interval_s")
    inputs.positive(aht_s, name="aht_s")


# --------------------------------------------------------------------------- arrays


@dataclass(frozen=True, slots=True)
class ErlangCArrays:
    """Erlang C figures per interval (arrays of equal shape; see ErlangCResult)."""

    agents: NDArray[np.int64]
    load_erlangs: NDArray[np.float64]
    p_wait: NDArray[np.float64]
    sl: NDArray[np.float64] | None
    asa_s: NDArray[np.float64]
    occupancy: NDArray[np.float64]
    stable: NDArray[np.bool_]


def _exact_load(
    vol: NDArray[np.float64], aht: NDArray[np.float64], interval: Fraction
) -> Callable[[int], Fraction]:
    def load(i: int) -> Fraction:
        return to_fraction(float(vol.flat[i])) * to_fraction(float(aht.flat[i])) / interval

    return load


def _check_arrays(
    volume: ArrayLike, interval_s: Number, aht_s: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], Fraction]:
    vol = np.asarray(volume, dtype=np.float64)
    aht = np.broadcast_to(np.asarray(aht_s, dtype=np.float64), vol.shape)
    if not (np.all(np.isfinite(vol)) and np.all(vol >= 0)):
        raise StaffingInputError("volume must be finite and >= 0 in every interval")
    if not (np.all(np.isfinite(aht)) and np.all(aht > 0)):
        raise StaffingInputError("aht_s must be finite and > 0 in every interval")
    interval = to_fraction(inputs.positive(interval_s, name="interval_s"))
    return vol, aht, interval


def erlang_c_agents_array(
    *,
    volume: ArrayLike,
    interval_s: Number,
    aht_s: ArrayLike,
    target_s: float | None = None,
    sl_target: float | None = None,
    asa_target_s: float | None = None,
    pw_target: float | None = None,
    max_occupancy: Number | None = None,
) -> NDArray[np.int64]:
    """Raw agents for every interval at once (volumes per interval, AHT scalar or per interval).

    Same answers as :func:`erlang_c_agents` element by element; one pass of the Erlang B
    recursion serves all intervals, so 96 intervals x 3 channels take about a millisecond.
    """
    vol, aht, interval = _check_arrays(volume, interval_s, aht_s)
    targets = Targets.checked(
        target_s=target_s,
        sl_target=sl_target,
        asa_target_s=asa_target_s,
        pw_target=pw_target,
        max_occupancy=max_occupancy,
    )
    if not targets.any_queue_target() and targets.max_occupancy is None:
        raise StaffingInputError(
            "no target: give sl_target with target_s, asa_target_s, pw_target or max_occupancy"
        )
    a = (vol * aht / float(interval)).ravel()
    aht_flat = aht.ravel()
    exact_load = _exact_load(vol, aht, interval)
    start = floor_array(a, exact_load) + 1
    if targets.max_occupancy is not None:
        cap = targets.max_occupancy
        start = np.maximum(start, ceil_array(a / float(cap), lambda i: exact_load(i) / cap))
    result = np.zeros(a.shape, dtype=np.int64)
    todo = vol.ravel() > 0
    if not todo.any():
        return result.reshape(vol.shape)
    b = np.ones_like(a)
    k_max = int(start[todo].max()) + SEARCH_LIMIT
    for k in range(1, k_max):
        b = a * b / (k + a * b)
        active = todo & (start <= k)
        if not active.any():
            continue
        ok = active.copy()
        if targets.any_queue_target():
            with np.errstate(divide="ignore", invalid="ignore"):
                gap = k - a
                pw = k * b / (gap + a * b)
                if targets.sl_target is not None and targets.target_s is not None:
                    sl = 1.0 - pw * np.exp(-gap * targets.target_s / aht_flat)
                    ok &= sl >= targets.sl_target
                if targets.asa_target_s is not None:
                    ok &= pw * aht_flat / gap <= targets.asa_target_s
                if targets.pw_target is not None:
                    ok &= pw <= targets.pw_target
        result[ok] = k
        todo &= ~ok
        if not todo.any():
            return result.reshape(vol.shape)
    raise InfeasibleTargetError("no staffing within the search limit meets the targets")


def erlang_c_metrics_array(
    *,
    agents: ArrayLike,
    volume: ArrayLike,
    interval_s: Number,
    aht_s: ArrayLike,
    target_s: float | None = None,
) -> ErlangCArrays:
    """Erlang C figures for given staffing in every interval (e.g. the planned staff)."""
    vol, aht, interval = _check_arrays(volume, interval_s, aht_s)
    n = np.broadcast_to(np.asarray(agents, dtype=np.int64), vol.shape).ravel()
    if np.any(n < 0):
        raise StaffingInputError("agents must be >= 0 in every interval")
    t = None if target_s is None else inputs.non_negative(target_s, name="target_s")
    a = (vol * aht / float(interval)).ravel()
    aht_flat = aht.ravel()
    b_at_n = np.ones_like(a)
    b = np.ones_like(a)
    for k in range(1, int(n.max(initial=0)) + 1):
        b = a * b / (k + a * b)
        b_at_n = np.where(n == k, b, b_at_n)
    exact_load = _exact_load(vol, aht, interval)
    stable = (n > floor_array(a, exact_load)) | (vol.ravel() == 0)
    idle = vol.ravel() == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = n - a
        pw = np.where(stable, n * b_at_n / (gap + a * b_at_n), 1.0)
        pw = np.where(idle, 0.0, pw)
        asa = np.where(stable, pw * aht_flat / gap, np.inf)
        asa = np.where(idle, 0.0, asa)
        occ = np.where(stable, a / n, 1.0)
        occ = np.where(idle, 0.0, occ)
        sl = None
        if t is not None:
            sl = np.where(stable, 1.0 - pw * np.exp(-gap * t / aht_flat), 0.0)
            sl = np.where(idle, 1.0, sl)
    shape = vol.shape
    return ErlangCArrays(
        agents=n.reshape(shape).copy(),
        load_erlangs=a.reshape(shape),
        p_wait=pw.reshape(shape),
        sl=None if sl is None else sl.reshape(shape),
        asa_s=asa.reshape(shape),
        occupancy=occ.reshape(shape),
        stable=stable.reshape(shape),
    )
