"""Erlang A (M/M/n+M): queues where waiting contacts abandon (exponential patience).

All times are in seconds. Notation: ``a`` offered load in Erlangs, ``n`` agents, AHT ``1/mu``,
mean patience ``1/theta``; ``x = n mu / theta`` and ``y = lambda / theta``.

Exact, not simulated. Relative to the probability of the state "n busy, nobody waiting",
the states with ``j`` waiting weigh ``t_j = y^j / ((x+1)...(x+j))`` and their sum is
``K(x, y) = x e^y y^-x gamma(x, y)`` (lower incomplete gamma). A contact arriving behind
``j`` others reaches an agent after the (j+1)-th of ``x + j`` exponential clocks, so its
offered wait ``V`` satisfies ``1 - exp(-theta V) ~ Beta(j+1, x)``; summing over ``j`` in
closed form gives every figure below through ``K`` at shifted arguments:

- P(wait)                 = K(x, y) / D, with ``D = 1/B - 1 + K(x, y)``, ``B`` Erlang B;
- P(abandon)              = P(wait) (1 - x/y) + (x/y) / D;
- answered within t       = (1/B - 1 + x/(x+1) [K(x+1, y) - K(x+1, y') e^(y-y'-(x+1) theta t)]) / D,
  with ``y' = y e^(-theta t)``;
- P(V > t)                = K(x, y') e^(y-y'-x theta t) / D, and P(min(V, patience) <= t)
  = 1 - e^(-theta t) P(V > t);
- mean wait of all        = P(abandon) / theta (Little's law on the queue);
- ASA of answered         = E[V; answered] / P(answered), one smooth one-dimensional integral.

``K`` is evaluated in log space (regularised incomplete gamma over a Poisson-type density
computed without cancellation), so loads of 10,000 Erlangs and very long patience stay
finite and accurate; Erlang B comes from the forward recursion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import integrate, optimize, special

from unidesk.wfm import inputs
from unidesk.wfm.erlang_c import erlang_b
from unidesk.wfm.errors import InfeasibleTargetError, StaffingInputError
from unidesk.wfm.exact import Number, offered_load, to_fraction

SlDefinition = Literal["offered", "answered", "wait_le_t", "excl_short_abandons"]

#: Service-level definitions, as named in the batch interface.
SL_DEFINITIONS: tuple[SlDefinition, ...] = (
    "offered",
    "answered",
    "wait_le_t",
    "excl_short_abandons",
)

_LOG_2PI = math.log(2 * math.pi)


@dataclass(frozen=True, slots=True)
class ErlangAResult:
    """Erlang A figures for ``agents`` agents.

    Service levels (probabilities, ``t`` = ``target_s``):

    - ``sl_offered``: answered within t / all offered contacts (the default);
    - ``sl_answered``: answered within t / answered contacts;
    - ``sl_wait_le_t``: contacts whose wait (to answer or to hanging up) was <= t / offered;
    - ``sl_excl_short_ab``: answered within t / (offered - abandoned within t).

    ``p_wait``: probability of waiting at all; ``p_abandon``: share of offered contacts that
    hang up; ``asa_served_s``: average wait of answered contacts (zero waits included),
    seconds; ``mean_wait_all_s``: average wait of every contact, seconds; ``occupancy``:
    share of agent time busy. The M/M/n+M queue is stable with any ``agents``.
    """

    agents: int
    load_erlangs: float
    patience_s: float
    p_wait: float
    p_abandon: float
    sl_offered: float | None
    sl_answered: float | None
    sl_wait_le_t: float | None
    sl_excl_short_ab: float | None
    asa_served_s: float
    mean_wait_all_s: float
    occupancy: float

    def sl(self, definition: SlDefinition = "offered") -> float | None:
        """The service level under ``definition``."""
        return {
            "offered": self.sl_offered,
            "answered": self.sl_answered,
            "wait_le_t": self.sl_wait_le_t,
            "excl_short_abandons": self.sl_excl_short_ab,
        }[definition]


# ----------------------------------------------------------------- special functions


def _log1pmx(d: float) -> float:
    """``d - log(1 + d)`` without cancellation near 0."""
    if abs(d) < 0.1:
        total, power = 0.0, d * d
        for k in range(2, 40):
            total += power / k if k % 2 == 0 else -power / k
            power *= d
        return total
    return d - math.log1p(d)


def _stirlerr(x: float) -> float:
    """``log Gamma(x+1) - ((x+0.5) log x - x + log(2 pi)/2)``."""
    if x < 10:
        return math.lgamma(x + 1) - ((x + 0.5) * math.log(x) - x + 0.5 * _LOG_2PI)
    x2 = x * x
    return (1 / 12 - (1 / 360 - (1 / 1260 - 1 / (1680 * x2)) / x2) / x2) / x


def _log_poisson_like(x: float, y: float) -> float:
    """``log(y^x e^-y / Gamma(x+1))`` for x > 0, y > 0, accurate for large x and y."""
    return -x * _log1pmx((y - x) / x) - 0.5 * (_LOG_2PI + math.log(x)) - _stirlerr(x)


def log_k(x: float, y: float) -> float:
    """``log K(x, y)``, ``K(x, y) = sum_j y^j / ((x+1)...(x+j)) = x e^y y^-x gamma(x, y)``.

    The closed form uses scipy's regularised incomplete gamma, which is accurate to about
    1e-10 up to ``x`` of a few 10^5 but degrades beyond (1e-3 relative near ``y = x`` at
    ``x = 3e6``); larger ``x`` (very long patience) is summed term by term instead.
    """
    if y <= 0:
        return 0.0
    if y < 0.5 * (x + 1):
        # every term is less than half the one before: a plain loop of at most ~60 steps
        total = term = 1.0
        j = 1
        while term > 1e-17 * total:
            term *= y / (x + j)
            total += term
            j += 1
        return math.log(total)
    if x <= _GAMMAINC_MAX_X:
        p = float(special.gammainc(x, y))
        if p > 1e-280:
            return math.log(p) - _log_poisson_like(x, y)
        return _log_k_series(x, y)
    drift = (x + 1 - y) / (x + 1)
    terms = max(0.0, y - x) + min(10 * math.sqrt(max(x, y)), 45 / drift if drift > 0 else math.inf)
    if terms <= 5e7:
        return _log_k_series(x, y)
    p = float(special.gammainc(x, y))  # pragma: no cover - extreme overload, huge patience
    if p <= 0:  # pragma: no cover
        raise StaffingInputError("patience is too long for Erlang A here: use Erlang C")
    return math.log(p) - _log_poisson_like(x, y)  # pragma: no cover


_GAMMAINC_MAX_X = 2e5
_BLOCK = 4096


def _log_k_series(x: float, y: float) -> float:
    """The defining series in log space, in growing blocks (terms decrease once ``j > y - x``).

    Blocks start small (a light load converges in a few dozen terms) and double up to
    ``_BLOCK``.
    """
    log_total, log_term, start, block = 0.0, 0.0, 1, 32
    far, log_y = y < 0.5 * (x + 1), math.log(y)
    while start < 200_000_000:
        j = np.arange(start, start + block, dtype=np.float64)
        # y / (x + j) near 1: log1p keeps the digits
        steps = log_y - np.log(x + j) if far else np.log1p((y - x - j) / (x + j))
        logs = log_term + np.cumsum(steps)
        top = float(logs.max())
        log_total = _logaddexp(log_total, top + math.log(float(np.exp(logs - top).sum())))
        log_term = float(logs[-1])
        start += block
        block = min(2 * block, _BLOCK)
        if y < x + start and log_term < log_total - 40:
            return log_total
    raise StaffingInputError("Erlang A series did not converge")  # pragma: no cover


# ----------------------------------------------------------------------- evaluation


def erlang_a_metrics(
    *,
    agents: int,
    load_erlangs: Number,
    aht_s: float,
    patience_s: float,
    target_s: float | None = None,
    with_asa: bool = True,
) -> ErlangAResult:
    """Erlang A figures for ``agents`` agents, ``load_erlangs`` Erlangs, mean patience in s."""
    n = inputs.whole(agents, name="agents")
    a = float(to_fraction(load_erlangs, name="load_erlangs"))
    if a < 0:
        raise StaffingInputError("load_erlangs must be >= 0")
    aht = inputs.positive(aht_s, name="aht_s")
    patience = inputs.positive(patience_s, name="patience_s")
    t = None if target_s is None else inputs.non_negative(target_s, name="target_s")
    return _metrics(n, a, aht, patience, t, erlang_b(servers=n, load=a), with_asa)


def _metrics(
    n: int, a: float, aht: float, patience: float, t: float | None, b: float, with_asa: bool
) -> ErlangAResult:
    some = None if t is None else 1.0
    if a == 0:
        return ErlangAResult(n, 0.0, patience, 0.0, 0.0, some, some, some, some, 0.0, 0.0, 0.0)
    if n == 0:
        none_ = None if t is None else 0.0
        wait_le_t = None if t is None else -math.expm1(-t / patience)
        return ErlangAResult(
            n, a, patience, 1.0, 1.0, none_, none_, wait_le_t, none_, math.inf, patience, 0.0
        )
    if b == 0.0:  # Erlang B underflows: nobody ever waits to double precision
        return ErlangAResult(n, a, patience, 0.0, 0.0, some, some, some, some, 0.0, 0.0, a / n)
    r = patience / aht
    x, y = n * r, a * r
    log_r = math.log1p(-b) - math.log(b)  # log(1/B - 1): states below n, relative to state n
    log_s = log_k(x, y)
    log_d = _logaddexp(log_r, log_s)
    p_wait = math.exp(log_s - log_d)
    p_abandon = min(1.0, max(0.0, p_wait * (1 - x / y) + (x / y) * math.exp(-log_d)))
    sl_offered = sl_answered = sl_wait_le_t = sl_excl = None
    if t is not None:
        theta_t = t / patience
        y_t = y * math.exp(-theta_t)
        shift = -y * math.expm1(-theta_t)  # y - y_t without cancellation
        served_all = math.exp(log_k(x + 1, y) - log_d)
        served_late = math.exp(log_k(x + 1, y_t) + shift - (x + 1) * theta_t - log_d)
        sl_offered = math.exp(log_r - log_d) + x / (x + 1) * max(0.0, served_all - served_late)
        sl_offered = min(1.0, sl_offered)
        v_tail = math.exp(log_k(x, y_t) + shift - x * theta_t - log_d)
        sl_wait_le_t = min(1.0, 1.0 - math.exp(-theta_t) * v_tail)
        abandoned_by_t = max(0.0, sl_wait_le_t - sl_offered)
        sl_answered = sl_offered / (1 - p_abandon) if p_abandon < 1 else 0.0
        sl_excl = sl_offered / (1 - abandoned_by_t) if abandoned_by_t < 1 else 0.0
    asa = _asa_served(x, y, patience, log_d, p_abandon) if with_asa else math.nan
    return ErlangAResult(
        agents=n,
        load_erlangs=a,
        patience_s=patience,
        p_wait=p_wait,
        p_abandon=p_abandon,
        sl_offered=sl_offered,
        sl_answered=sl_answered,
        sl_wait_le_t=sl_wait_le_t,
        sl_excl_short_ab=sl_excl,
        asa_served_s=asa,
        mean_wait_all_s=p_abandon * patience,
        occupancy=a * (1 - p_abandon) / n,
    )


def _logaddexp(u: float, v: float) -> float:
    if u == -math.inf:
        return v
    if v == -math.inf:
        return u
    hi = max(u, v)
    return hi + math.log1p(math.exp(-abs(u - v)))


def _asa_served(x: float, y: float, patience: float, log_d: float, p_abandon: float) -> float:
    """E[V; answered] / P(answered) with ``E[V; answered] = x patience int s e^phi(s) ds / D``.

    ``phi(s) = y (1 - e^-s) - (x + 1) s`` (``s = theta v``) is concave, so the integrand is
    unimodal: integrate over the window where ``phi`` is within 60 of its maximum.
    """
    if p_abandon >= 1:
        return math.inf

    def phi(s: float) -> float:
        return y * -math.expm1(-s) - (x + 1) * s

    peak = math.log(y / (x + 1)) if y > x + 1 else 0.0
    top = phi(peak)
    lo = 0.0
    if peak > 0 and phi(0.0) < top - 60:
        lo = optimize.brentq(lambda s: phi(s) - (top - 60), 0.0, peak)
    hi = peak + 1.0
    while phi(hi) > top - 60:
        hi = peak + 2 * (hi - peak)
    hi = optimize.brentq(lambda s: phi(s) - (top - 60), peak, hi)
    points = [peak] if lo < peak < hi else None
    value, _ = integrate.quad(
        lambda s: s * math.exp(phi(s) - top),
        lo,
        hi,
        points=points,
        epsabs=0,
        epsrel=1e-10,
        limit=200,
    )
    if value <= 0:
        return 0.0
    waited = math.exp(math.log(x * patience) + top + math.log(value) - log_d)
    return waited / (1 - p_abandon)


# --------------------------------------------------------------------------- solving


def _meets(
    r: ErlangAResult,
    *,
    sl_target: float | None,
    definition: SlDefinition,
    asa_target_s: float | None,
    pw_target: float | None,
    max_occupancy: float | None,
    max_abandon: float | None,
) -> bool:
    if sl_target is not None:
        sl = r.sl(definition)
        if sl is None or sl < sl_target:
            return False
    if pw_target is not None and r.p_wait > pw_target:
        return False
    if max_occupancy is not None and r.occupancy > max_occupancy:
        return False
    if max_abandon is not None and r.p_abandon > max_abandon:
        return False
    return asa_target_s is None or r.asa_served_s <= asa_target_s


def erlang_a_agents(
    *,
    volume: Number,
    interval_s: Number,
    aht_s: Number,
    patience_s: float,
    target_s: float | None = None,
    sl_target: float | None = None,
    sl_definition: SlDefinition = "offered",
    asa_target_s: float | None = None,
    pw_target: float | None = None,
    max_occupancy: Number | None = None,
    max_abandon: float | None = None,
) -> int:
    """Raw agents (before shrinkage) meeting every given target under Erlang A.

    Unlike Erlang C, the answer may be below the offered load: contacts that hang up free
    the queue. Always read ``p_abandon`` beside the service level. Every metric used as a
    target is monotone in the number of agents, so a bisection finds the fewest agents.

    Example (pyworkforce): 100 calls in 1800 s, AHT 180 s, patience 300 s, 80% in 20 s
    (offered), max occupancy 0.85 gives 13.
    """
    inputs.non_negative(volume, name="volume")
    inputs.positive(interval_s, name="interval_s")
    aht = inputs.positive(aht_s, name="aht_s")
    patience = inputs.positive(patience_s, name="patience_s")
    t = None if target_s is None else inputs.non_negative(target_s, name="target_s")
    sl = None if sl_target is None else inputs.target_probability(sl_target, name="sl_target")
    if sl is not None and t is None:
        raise StaffingInputError("sl_target needs target_s (answer within how many seconds)")
    if sl_definition not in SL_DEFINITIONS:
        raise StaffingInputError(f"sl_definition must be one of {', '.join(SL_DEFINITIONS)}")
    asa = None if asa_target_s is None else inputs.positive(asa_target_s, name="asa_target_s")
    pw = None if pw_target is None else inputs.target_probability(pw_target, name="pw_target")
    occ = None if max_occupancy is None else float(inputs.occupancy_cap(max_occupancy))
    ab = None if max_abandon is None else inputs.target_probability(max_abandon, name="max_abandon")
    if all(v is None for v in (sl, asa, pw, occ, ab)):
        raise StaffingInputError(
            "no target: give sl_target with target_s, asa_target_s, pw_target, max_occupancy "
            "or max_abandon"
        )
    load = offered_load(volume=volume, interval_s=interval_s, aht_s=aht_s)
    if load == 0:
        return 0
    a = float(load)
    table = _ErlangBTable(a)

    def ok(n: int) -> bool:
        r = _metrics(n, a, aht, patience, t, table.at(n), asa is not None)
        return _meets(
            r,
            sl_target=sl,
            definition=sl_definition,
            asa_target_s=asa,
            pw_target=pw,
            max_occupancy=occ,
            max_abandon=ab,
        )

    lo, hi = 0, max(1, math.ceil(a))  # ok(lo) is False: zero agents answer nobody
    limit = math.ceil(a) + 1_000_000
    while not ok(hi):
        lo, hi = hi, 2 * hi
        if hi > limit:
            raise InfeasibleTargetError("no staffing within the search limit meets the targets")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


class _ErlangBTable:
    """Erlang B values for one load, extended by the forward recursion as needed."""

    def __init__(self, load: float) -> None:
        self.load = load
        self.values = [1.0]

    def at(self, n: int) -> float:
        a = self.load
        values = self.values
        b = values[-1]
        for k in range(len(values), n + 1):
            b = a * b / (k + a * b)
            values.append(b)
        return values[n]


def evaluate_erlang_a(
    *,
    agents: int,
    volume: Number,
    interval_s: Number,
    aht_s: Number,
    patience_s: float,
    target_s: float | None = None,
) -> ErlangAResult:
    """Erlang A figures for a given staffing."""
    inputs.non_negative(volume, name="volume")
    inputs.positive(interval_s, name="interval_s")
    inputs.positive(aht_s, name="aht_s")
    load = offered_load(volume=volume, interval_s=interval_s, aht_s=aht_s)
    return erlang_a_metrics(
        agents=agents,
        load_erlangs=load,
        aht_s=float(aht_s),
        patience_s=patience_s,
        target_s=target_s,
    )


# ------------------------------------------------------------------------- patience


def patience_from_abandon_rate(*, abandon_rate: float, mean_wait_s: float) -> float:
    """Mean patience (s) from an observed abandon rate and mean wait of all contacts (s).

    In M/M/n+M every waiting contact abandons at rate ``1/patience``, so
    ``P(abandon) = mean wait / patience`` (Little's law on the queue) and
    ``patience = mean_wait_s / abandon_rate``. Use the mean wait over answered and abandoned
    contacts alike, from the same period as the abandon rate.
    """
    rate = inputs.target_probability(abandon_rate, name="abandon_rate")
    wait = inputs.positive(mean_wait_s, name="mean_wait_s")
    return wait / rate


def calibrate_patience(
    *,
    abandon_rate: float,
    agents: int,
    volume: Number,
    interval_s: Number,
    aht_s: Number,
) -> float:
    """Mean patience (s) at which Erlang A reproduces an observed abandon rate.

    ``agents`` is the staffing during the observation. The abandon rate falls as patience
    grows, so the root is unique; rates the model cannot produce at that staffing are
    rejected.
    """
    rate = inputs.target_probability(abandon_rate, name="abandon_rate")
    n = inputs.whole(agents, name="agents", minimum=1)
    inputs.positive(volume, name="volume")
    inputs.positive(interval_s, name="interval_s")
    aht = inputs.positive(aht_s, name="aht_s")
    a = float(offered_load(volume=volume, interval_s=interval_s, aht_s=aht_s))
    b = erlang_b(servers=n, load=a)

    def gap(log_patience: float) -> float:
        r = _metrics(n, a, aht, math.exp(log_patience), None, b, False)
        return r.p_abandon - rate

    lo, hi = math.log(aht * 1e-4), math.log(aht * 1e6)
    if gap(lo) < 0 or gap(hi) > 0:
        raise StaffingInputError(
            f"an abandon rate of {rate} is not reachable with {n} agents at this load"
        )
    return math.exp(optimize.brentq(gap, lo, hi, xtol=1e-12))
