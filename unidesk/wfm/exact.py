"""Exact arithmetic for the integer steps of staffing: ceilings, caps and shrinkage.

Floating point gets these wrong at the boundaries: ``14 / (1 - 0.3)`` is
``20.000000000000004`` in binary floating point, so a naive ``ceil`` schedules 21 people
instead of 20. Every number a person types (``0.3``, ``0.85``, ``1800``) is a decimal, so it
is read here as the exact decimal it was written as (``Fraction(repr(x))``) and every
ceiling is taken on exact fractions.

The array versions take a fast floating-point path and fall back to exact fractions only
for the elements that lie within rounding distance of an integer, so they stay exact and
fast for a week of intervals.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from unidesk.wfm.errors import StaffingInputError

Number = int | float | Fraction | Decimal | str

_NEAR_INTEGER = 1e-9


def to_fraction(value: Number, *, name: str = "value") -> Fraction:
    """The exact decimal meaning of ``value``: ``0.7`` is ``7/10``, not the nearest double.

    Floats are read through their shortest round-trip representation (what was typed).
    Raises :class:`StaffingInputError` for booleans, NaN and infinities.
    """
    if isinstance(value, bool):
        raise StaffingInputError(f"{name} must be a number, not {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise StaffingInputError(f"{name} must be a finite number, not {value!r}")
        return Fraction(repr(float(value)))  # float(): numpy scalars repr as np.float64(...)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise StaffingInputError(f"{name} must be a finite number, not {value!r}")
        return Fraction(value)
    try:
        return Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise StaffingInputError(f"{name} must be a number, not {value!r}") from exc


def ceil_fraction(value: Fraction) -> int:
    """The smallest integer >= ``value``, exactly."""
    return -(-value.numerator // value.denominator)


def floor_fraction(value: Fraction) -> int:
    """The largest integer <= ``value``, exactly."""
    return value.numerator // value.denominator


def offered_load(*, volume: Number, interval_s: Number, aht_s: Number) -> Fraction:
    """Offered load in Erlangs, exactly: ``volume * aht_s / interval_s`` (both in seconds)."""
    interval = to_fraction(interval_s, name="interval_s")
    if interval <= 0:
        raise StaffingInputError("interval_s must be > 0 seconds")
    return to_fraction(volume, name="volume") * to_fraction(aht_s, name="aht_s") / interval


def smallest_stable_agents(load: Fraction) -> int:
    """The smallest integer number of agents strictly above the load (``floor(load) + 1``)."""
    return floor_fraction(load) + 1


def occupancy_cap_agents(*, load: Fraction, max_occupancy: Number) -> int:
    """The fewest agents whose occupancy ``load / agents`` stays <= ``max_occupancy``."""
    cap = to_fraction(max_occupancy, name="max_occupancy")
    if not 0 < cap <= 1:
        raise StaffingInputError("max_occupancy must be in (0, 1]: 0.85 for 85%")
    return ceil_fraction(load / cap)


def scheduled_agents(*, raw_agents: int, shrinkage: Number) -> int:
    """Agents to schedule so that ``raw_agents`` remain after shrinkage, exactly.

    Shrinkage is a divisor, not a markup: ``scheduled = ceil(raw / (1 - shrinkage))``, so
    21 agents at 30% shrinkage need 30 scheduled (``21 / 0.7``), not 31, and not
    ``21 * 1.3 = 27.3``.
    """
    s = to_fraction(shrinkage, name="shrinkage")
    if not 0 <= s < 1:
        raise StaffingInputError("shrinkage must be in [0, 1): 0.3 for 30%")
    if raw_agents < 0:
        raise StaffingInputError("raw_agents must be >= 0")
    return ceil_fraction(Fraction(raw_agents) / (1 - s))


def scheduled_agents_array(
    *, raw_agents: NDArray[np.int64], shrinkage: Number
) -> NDArray[np.int64]:
    """:func:`scheduled_agents` for an array of raw agent counts (integer arithmetic only)."""
    s = to_fraction(shrinkage, name="shrinkage")
    if not 0 <= s < 1:
        raise StaffingInputError("shrinkage must be in [0, 1): 0.3 for 30%")
    keep = 1 - s  # = p / q
    p, q = keep.numerator, keep.denominator
    raw = np.asarray(raw_agents, dtype=np.int64)
    if p < 2**31 and q < 2**31 and (raw.size == 0 or int(raw.max()) < 2**31):
        return (raw * q + (p - 1)) // p
    return np.array(
        [ceil_fraction(Fraction(int(r)) * q / p) for r in raw.ravel()], dtype=np.int64
    ).reshape(raw.shape)


def ceil_array(approx: NDArray[np.float64], exact: Callable[[int], Fraction]) -> NDArray[np.int64]:
    """Exact ceilings of an array whose element ``i`` is exactly ``exact(i)``.

    ``approx`` is the floating-point value; only elements within rounding distance of an
    integer are recomputed with :class:`~fractions.Fraction`.
    """
    flat = np.asarray(approx, dtype=np.float64).ravel()
    out = np.ceil(flat).astype(np.int64)
    near = np.abs(flat - np.rint(flat)) <= _NEAR_INTEGER * np.maximum(1.0, np.abs(flat))
    for i in np.flatnonzero(near):
        out[i] = ceil_fraction(exact(int(i)))
    return out.reshape(np.shape(approx))


def floor_array(approx: NDArray[np.float64], exact: Callable[[int], Fraction]) -> NDArray[np.int64]:
    """Exact floors of an array whose element ``i`` is exactly ``exact(i)`` (see ceil_array)."""
    flat = np.asarray(approx, dtype=np.float64).ravel()
    out = np.floor(flat).astype(np.int64)
    near = np.abs(flat - np.rint(flat)) <= _NEAR_INTEGER * np.maximum(1.0, np.abs(flat))
    for i in np.flatnonzero(near):
        out[i] = floor_fraction(exact(int(i)))
    return out.reshape(np.shape(approx))
