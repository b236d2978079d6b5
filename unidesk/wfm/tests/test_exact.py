"""Ceilings, caps and shrinkage in exact arithmetic."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from unidesk.wfm.erlang_c import erlang_c_agents, erlang_c_agents_array
from unidesk.wfm.errors import StaffingInputError
from unidesk.wfm.exact import (
    ceil_array,
    occupancy_cap_agents,
    offered_load,
    scheduled_agents,
    scheduled_agents_array,
    to_fraction,
)


def test_it_schedules_30_not_31_for_21_agents_at_30_percent_shrinkage() -> None:
    assert 21 / 0.7 > 30  # the floating-point trap
    assert scheduled_agents(raw_agents=21, shrinkage=0.3) == 30
    assert scheduled_agents(raw_agents=14, shrinkage=0.3) == 20


def test_it_reads_typed_decimals_as_the_decimals_typed() -> None:
    assert to_fraction(0.7) == Fraction(7, 10)
    assert to_fraction("0.85") == Fraction(17, 20)
    with pytest.raises(StaffingInputError):
        to_fraction(True)


def test_it_caps_occupancy_exactly_at_a_boundary() -> None:
    load = offered_load(volume=77, interval_s=1800, aht_s=180)  # 7.7 Erlangs
    assert 7.7 / 0.7 > 11  # floating point would say 12
    assert occupancy_cap_agents(load=load, max_occupancy=0.7) == 11
    assert erlang_c_agents(volume=77, interval_s=1800, aht_s=180, max_occupancy=0.7) == 11
    array = erlang_c_agents_array(volume=[77, 57], interval_s=1800, aht_s=180, max_occupancy=0.7)
    assert array.tolist() == [11, 9]


def test_it_starts_the_search_at_the_first_stable_staffing_for_long_targets() -> None:
    # 10.5 Erlangs, answer within an hour: 11 agents already give > 99% (the stable minimum).
    assert (
        erlang_c_agents(volume=105, interval_s=1800, aht_s=180, target_s=3600, sl_target=0.8) == 11
    )


def test_it_rejects_shrinkage_of_100_percent_and_above() -> None:
    for bad in (1, 1.0, 30, -0.1):
        with pytest.raises(StaffingInputError):
            scheduled_agents(raw_agents=10, shrinkage=bad)


@given(raw=st.integers(0, 100_000), percent=st.integers(0, 99), basis=st.integers(0, 99))
def test_it_schedules_the_smallest_staff_that_covers_shrinkage(
    raw: int, percent: int, basis: int
) -> None:
    shrinkage = float(f"0.{percent:02d}{basis:02d}")
    keep = 1 - Fraction(f"0.{percent:02d}{basis:02d}")
    scheduled = scheduled_agents(raw_agents=raw, shrinkage=shrinkage)
    assert scheduled * keep >= raw
    assert (scheduled - 1) * keep < raw or scheduled == 0
    array = scheduled_agents_array(raw_agents=np.array([raw]), shrinkage=shrinkage)
    assert int(array[0]) == scheduled


@given(volume=st.integers(0, 5000), aht=st.integers(1, 1800), cap=st.integers(50, 100))
def test_it_takes_exact_ceilings_of_load_over_occupancy(volume: int, aht: int, cap: int) -> None:
    load = Fraction(volume * aht, 1800)
    exact = load / Fraction(cap, 100)
    expected = -(-exact.numerator // exact.denominator)
    got = ceil_array(np.array([float(exact)]), lambda i: exact)
    assert int(got[0]) == expected
    assert occupancy_cap_agents(load=load, max_occupancy=cap / 100) == expected


def test_it_reads_numpy_scalars_like_the_floats_they_are() -> None:
    assert to_fraction(np.float64(0.7)) == Fraction(7, 10)
    assert scheduled_agents(raw_agents=21, shrinkage=np.float64(0.3)) == 30
