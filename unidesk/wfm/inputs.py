"""Range checks shared by the staffing models; each failure is a StaffingInputError."""

from __future__ import annotations

import math
from fractions import Fraction

from unidesk.wfm.errors import StaffingInputError
from unidesk.wfm.exact import Number, to_fraction


def number(value: object, *, name: str) -> float:
    """``value`` as a finite float; booleans, strings and NaN are rejected."""
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
        raise StaffingInputError(f"{name} must be a number, not {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise StaffingInputError(f"{name} must be a finite number, not {value!r}")
    return result


def positive(value: object, *, name: str) -> float:
    """A finite number > 0."""
    result = number(value, name=name)
    if result <= 0:
        raise StaffingInputError(f"{name} must be > 0, got {value!r}")
    return result


def non_negative(value: object, *, name: str) -> float:
    """A finite number >= 0."""
    result = number(value, name=name)
    if result < 0:
        raise StaffingInputError(f"{name} must be >= 0, got {value!r}")
    return result


def whole(value: object, *, name: str, minimum: int = 0) -> int:
    """An integer >= ``minimum`` (``3.0`` is accepted as 3, ``3.5`` is not)."""
    result = number(value, name=name)
    if result != int(result):
        raise StaffingInputError(f"{name} must be a whole number, got {value!r}")
    if result < minimum:
        raise StaffingInputError(f"{name} must be >= {minimum}, got {value!r}")
    return int(result)


def target_probability(value: object, *, name: str) -> float:
    """A target probability strictly between 0 and 1.

    A 100% target is rejected: no finite staff gives every contact a zero-risk answer under
    random arrivals, so a tool that "meets" it is rounding. Values above 1 are most likely
    percentages, and the message says so.
    """
    result = number(value, name=name)
    if result == 1:
        raise StaffingInputError(
            f"{name} of 100% cannot be met by any finite number of agents; use e.g. 0.95"
        )
    if result > 1:
        raise StaffingInputError(f"{name} is a fraction: write 0.8 for 80%, got {value!r}")
    if result <= 0:
        raise StaffingInputError(f"{name} must be > 0, got {value!r}")
    return result


def occupancy_cap(value: object, *, name: str = "max_occupancy") -> Fraction:
    """A maximum occupancy in (0, 1], exactly."""
    number(value, name=name)
    cap = to_fraction(value, name=name)  # type: ignore[arg-type]
    if cap > 1:
        raise StaffingInputError(f"{name} is a fraction: write 0.85 for 85%, got {value!r}")
    if cap <= 0:
        raise StaffingInputError(f"{name} must be > 0, got {value!r}")
    return cap


def shrinkage_fraction(value: object, *, name: str = "shrinkage") -> Fraction:
    """A shrinkage in [0, 1), exactly (1 would mean nobody is ever available)."""
    number(value, name=name)
    s = to_fraction(value, name=name)  # type: ignore[arg-type]
    if s >= 1:
        raise StaffingInputError(f"{name} is a fraction below 1: write 0.3 for 30%, got {value!r}")
    if s < 0:
        raise StaffingInputError(f"{name} must be >= 0, got {value!r}")
    return s


def exact(value: Number, *, name: str) -> Fraction:
    """The exact decimal value of a validated number."""
    return to_fraction(value, name=name)
