"""Errors raised by the staffing maths: bad input is a ValueError with a clear message."""

from __future__ import annotations


class StaffingInputError(ValueError):
    """An input is missing, out of range or inconsistent (e.g. a 100% service-level target)."""


class InfeasibleTargetError(StaffingInputError):
    """The targets cannot be met within the search limit for the number of agents."""
