"""The forecast: weekday x time-of-day profile with trend, holidays, back-test, margins."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson

from unidesk.wfm import forecast as fc
from unidesk.wfm.errors import StaffingInputError

MONDAY = date(2026, 1, 5)
K = 48  # half hours
FACTORS = np.array([1.3, 1.2, 1.1, 1.0, 1.0, 0.8, 0.6])
FACTORS = FACTORS / FACTORS.mean()
T = np.arange(K) / 2
OFFICE = np.exp(-((T - 11.5) ** 2) / 12) + 0.02
OFFICE = OFFICE / OFFICE.sum()
EVENING = np.exp(-((T - 19) ** 2) / 8) + 0.02
EVENING = EVENING / EVENING.sum()
SHAPES = np.array([OFFICE] * 5 + [EVENING] * 2)


def pattern(
    days: int,
    *,
    level: float = 200.0,
    slope: float = 3.0,
    start: date = MONDAY,
    shapes: np.ndarray = SHAPES,
) -> np.ndarray:
    """Contacts per day and half hour: (level + slope d) x weekday factor x weekday shape."""
    t = np.arange(days)
    wd = (start.weekday() + t) % 7
    daily = (level + slope * t) * FACTORS[wd]
    return daily[:, None] * shapes[wd]


SAME = np.array([OFFICE] * 7)


def test_it_recovers_a_weekly_pattern_with_trend_exactly() -> None:
    history = fc.DayGrid.of(start=MONDAY, counts=pattern(56, shapes=SAME))

    profile = fc.fit_weekly_profile(history)

    assert profile.has_trend
    assert profile.level == pytest.approx(200, rel=1e-9)
    assert profile.trend_per_day == pytest.approx(3, rel=1e-9)
    np.testing.assert_allclose(profile.weekday_factors, FACTORS, rtol=1e-9)
    np.testing.assert_allclose(profile.shapes, SAME, atol=1e-12)
    assert profile.daily_error == pytest.approx(0, abs=1e-9)
    next_week = fc.forecast_days(profile, start=MONDAY + timedelta(days=56), days=7)
    np.testing.assert_allclose(next_week, pattern(63, shapes=SAME)[56:], rtol=1e-9)
    assert profile.weekly_trend() == pytest.approx(21 / (200 + 3 * 55))


def test_each_weekday_keeps_its_own_intraday_shape() -> None:
    history = fc.DayGrid.of(start=MONDAY, counts=pattern(56))

    profile = fc.fit_weekly_profile(history)

    np.testing.assert_allclose(profile.weekday_factors, FACTORS, rtol=1e-9)
    # each weekday's own contacts, plus the prior of 40 contacts in the all-days shape
    counts = history.counts
    base = counts.sum(axis=0) / counts.sum()
    for w in range(7):
        own = counts[w::7].sum(axis=0)
        expected = (own + fc.SHAPE_PRIOR_CONTACTS * base) / (own.sum() + fc.SHAPE_PRIOR_CONTACTS)
        np.testing.assert_allclose(profile.shapes[w], expected, rtol=1e-12)
        np.testing.assert_allclose(profile.shapes[w], SHAPES[w], atol=0.0025)
    assert profile.shapes[6].argmax() == EVENING.argmax()
    assert profile.shapes[0].argmax() == OFFICE.argmax()


def test_a_quiet_weekday_borrows_the_shape_of_all_days() -> None:
    counts = pattern(28, shapes=SAME)
    counts[6::7] = 0
    counts[6::7, 0] = 1  # four contacts on Sundays, all just after midnight
    profile = fc.fit_weekly_profile(fc.DayGrid.of(start=MONDAY, counts=counts))

    k = fc.SHAPE_PRIOR_CONTACTS
    assert profile.shapes[6][0] == pytest.approx(
        (4 + k * profile.shapes[0][0] * 1) / (4 + k), rel=0.01
    )
    assert profile.shapes[6][1:].sum() > 0.85


def test_it_recovers_a_noisy_weekly_pattern_closely() -> None:
    rng = np.random.default_rng(7)
    truth = pattern(63, level=400, slope=2)
    history = fc.DayGrid.of(start=MONDAY, counts=rng.poisson(truth[:56]))

    profile = fc.fit_weekly_profile(history)
    predicted = fc.forecast_days(profile, start=MONDAY + timedelta(days=56), days=7)

    np.testing.assert_allclose(predicted.sum(axis=1), truth[56:].sum(axis=1), rtol=0.05)
    np.testing.assert_allclose(profile.weekday_factors, FACTORS, rtol=0.05)
    assert profile.has_trend
    assert profile.trend_per_day == pytest.approx(2, abs=0.6)
    # a day's count around its expectation spreads by about 1/sqrt(mean)
    assert 0.02 < profile.daily_error < 0.08


def test_it_keeps_the_level_flat_when_the_trend_is_only_noise() -> None:
    rng = np.random.default_rng(3)
    history = fc.DayGrid.of(start=MONDAY, counts=rng.poisson(pattern(28, slope=0)))

    profile = fc.fit_weekly_profile(history)

    assert not profile.has_trend
    assert profile.trend_per_day == 0
    assert profile.level == pytest.approx(200, rel=0.03)


def test_it_fits_no_trend_on_three_weeks_or_less_unless_asked() -> None:
    history = fc.DayGrid.of(start=MONDAY, counts=pattern(14))

    assert not fc.fit_weekly_profile(history).has_trend
    assert fc.fit_weekly_profile(history, trend=True).trend_per_day == pytest.approx(3)


def test_one_wild_day_barely_moves_the_profile() -> None:
    counts = pattern(56, slope=0)
    counts[30] *= 3  # a wave after an outage elsewhere
    profile = fc.fit_weekly_profile(fc.DayGrid.of(start=MONDAY, counts=counts))

    np.testing.assert_allclose(profile.weekday_factors, FACTORS, rtol=0.02)
    assert not profile.has_trend


def test_it_leaves_holidays_out_of_the_fit_and_learns_how_quiet_they_are() -> None:
    counts = pattern(56)
    holiday = MONDAY + timedelta(days=23)  # a Wednesday
    counts[23] *= 0.25
    history = fc.DayGrid.of(start=MONDAY, counts=counts, holidays={holiday, date(2020, 1, 1)})

    profile = fc.fit_weekly_profile(history)

    assert history.holidays.sum() == 1
    np.testing.assert_allclose(profile.weekday_factors, FACTORS, rtol=1e-9)
    assert profile.trend_per_day == pytest.approx(3, rel=1e-9)
    assert profile.holiday_factor == pytest.approx(0.25)
    future = MONDAY + timedelta(days=58)  # a Wednesday
    week = fc.forecast_days(profile, start=MONDAY + timedelta(days=56), days=7, holidays={future})
    expected_total = (200 + 3 * 58) * FACTORS[2] * 0.25
    assert week[2].sum() == pytest.approx(expected_total, rel=1e-9)
    np.testing.assert_allclose(week[2], expected_total * profile.shapes[6], rtol=1e-9)
    assert week[2].argmax() == EVENING.argmax()  # planned with Sunday's shape
    assert week[1].sum() == pytest.approx(pattern(63)[57].sum(), rel=1e-9)


def test_without_past_holidays_a_holiday_is_planned_like_a_sunday() -> None:
    profile = fc.fit_weekly_profile(fc.DayGrid.of(start=MONDAY, counts=pattern(56)))
    tuesday = MONDAY + timedelta(days=57)

    week = fc.forecast_days(profile, start=MONDAY + timedelta(days=56), days=7, holidays={tuesday})

    assert profile.holiday_factor is None
    assert week[1].sum() == pytest.approx((200 + 3 * 57) * FACTORS[6], rel=1e-9)
    np.testing.assert_allclose(week[1] / week[1].sum(), profile.shapes[6], rtol=1e-9)


def test_it_refuses_to_forecast_from_an_empty_history() -> None:
    empty = fc.DayGrid.of(start=MONDAY, counts=np.zeros((28, K)))

    with pytest.raises(StaffingInputError, match="no contacts"):
        fc.fit_weekly_profile(empty)
    with pytest.raises(StaffingInputError, match="no contacts"):
        fc.fit_weekly_profile(fc.DayGrid.of(start=MONDAY, counts=np.zeros((0, K))))
    assert fc.backtest(empty) is None
    assert empty.trim_leading_empty_days().days == 0


def test_it_drops_the_days_before_the_first_contact() -> None:
    counts = np.vstack([np.zeros((10, K)), pattern(20)])
    trimmed = fc.DayGrid.of(start=MONDAY, counts=counts).trim_leading_empty_days()

    assert trimmed.start == MONDAY + timedelta(days=10)
    assert trimmed.days == 20


@pytest.mark.parametrize("bad", [np.zeros(5), -np.ones((3, 4)), np.full((3, 4), np.nan)])
def test_it_rejects_counts_that_are_not_a_table_of_non_negative_numbers(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StaffingInputError):
        fc.DayGrid.of(start=MONDAY, counts=bad)


# ------------------------------------------------------------------------------ accuracy


def test_it_computes_the_errors_by_hand() -> None:
    actual = np.array([[0, 2, 4], [1, 1, 2]], dtype=float)
    forecast = np.array([[1, 1, 4], [1, 2, 3]], dtype=float)

    acc = fc.accuracy(actual=actual, forecast=forecast, start=MONDAY)

    # absolute errors 1, 1, 0, 0, 1, 1 = 4 over 10 actual contacts
    assert acc.wape == pytest.approx(0.4)
    # non-zero actuals: 1/2, 0/4, 0/1, 1/1, 1/2 -> mean of 0.5, 0, 0, 1, 0.5
    assert acc.mape == pytest.approx(0.4)
    assert acc.nonzero_intervals == 5
    # days: actual 6 and 4, forecast 6 and 6
    assert acc.daily_wape == pytest.approx(0.2)
    assert acc.daily_mape == pytest.approx(0.25)
    assert acc.bias == pytest.approx(0.2)
    assert acc.daily_relative_errors == pytest.approx((0.0, 4 / 6 - 1))
    expected_floor = (
        sum(sum(abs(x - m) * poisson.pmf(x, m) for x in range(60)) for m in forecast.ravel())
        / forecast.sum()
    )
    assert acc.chance_wape == pytest.approx(expected_floor)


def test_the_backtest_holds_out_the_last_weeks_and_scores_them() -> None:
    counts = pattern(28, slope=0, shapes=SAME)
    counts[14:] *= 2  # the last two weeks doubled: a flat forecast misses by half
    history = fc.DayGrid.of(start=MONDAY, counts=counts)

    acc = fc.backtest(history, holdout_weeks=2)

    assert acc is not None
    assert acc.start == MONDAY + timedelta(days=14)
    assert acc.days == 14
    assert acc.wape == pytest.approx(0.5)
    assert acc.daily_mape == pytest.approx(0.5)
    assert acc.bias == pytest.approx(-0.5)


def test_the_backtest_shrinks_the_holdout_to_leave_two_weeks_to_fit() -> None:
    history = fc.DayGrid.of(start=MONDAY, counts=pattern(21, slope=0, shapes=SAME))

    acc = fc.backtest(history, holdout_weeks=2)

    assert acc is not None and acc.days == 7
    assert acc.wape == pytest.approx(0, abs=1e-9)
    assert fc.backtest(history.head(20), holdout_weeks=1) is None


def test_poisson_mad_is_the_mean_absolute_deviation() -> None:
    for m in (0.2, 1.0, 2.5, 30.0):
        direct = sum(abs(x - m) * poisson.pmf(x, m) for x in range(200))
        assert fc.poisson_mad([m])[0] == pytest.approx(direct, rel=1e-9)
    assert fc.poisson_mad([0.0])[0] == 0


@settings(max_examples=30, deadline=None)
@given(scale=st.floats(0.1, 1000), seed=st.integers(0, 10_000))
def test_scaling_the_history_scales_the_forecast(scale: float, seed: int) -> None:
    """Level, trend and weekday factors scale with the counts (daily totals, that is: the
    shapes' prior is measured in contacts, on purpose)."""
    counts = np.random.default_rng(seed).poisson(pattern(42, level=50, slope=0.5)).astype(float)
    base = fc.fit_weekly_profile(fc.DayGrid.of(start=MONDAY, counts=counts))
    scaled = fc.fit_weekly_profile(fc.DayGrid.of(start=MONDAY, counts=counts * scale))
    start = MONDAY + timedelta(days=42)

    a = fc.forecast_days(base, start=start, days=7)
    b = fc.forecast_days(scaled, start=start, days=7)

    assert base.has_trend == scaled.has_trend
    assert np.all(a >= 0)
    np.testing.assert_allclose(b.sum(axis=1), a.sum(axis=1) * scale, rtol=1e-6)
    np.testing.assert_allclose(scaled.weekday_factors, base.weekday_factors, rtol=1e-6)


# ---------------------------------------------------------------------- manual profile


def test_a_manual_profile_spreads_a_typed_day_over_weekdays_and_hours() -> None:
    hourly = [0.0] * 24
    hourly[9], hourly[10] = 3.0, 1.0
    weights = [1, 1, 1, 1, 1, 0.5, 0]

    week = fc.manual_forecast(
        daily_volume=120,
        weekday_weights=weights,
        hourly_shape=hourly,
        start=MONDAY,
        days=7,
        intervals_per_day=48,
        holidays={MONDAY + timedelta(days=1)},
    )

    assert week.shape == (7, 48)
    assert week[0, 18] == week[0, 19] == 45  # 09:00 and 09:30: 3/4 of 120, halved
    assert week[0, 20] == week[0, 21] == 15
    assert week[0].sum() == 120
    assert week[1].sum() == 0  # a holiday, planned like the (closed) Sunday
    assert week[5].sum() == 60
    assert week[6].sum() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"daily_volume": -1}, "daily volume"),
        ({"weekday_weights": [1] * 6}, "7 numbers"),
        ({"hourly_shape": [1] * 23}, "24 hourly"),
        ({"hourly_shape": [0] * 24}, "not all zero"),
        ({"intervals_per_day": 20}, "divide the hour"),
    ],
)
def test_a_manual_profile_rejects_nonsense(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "daily_volume": 100,
        "weekday_weights": [1] * 7,
        "hourly_shape": fc.SHAPE_PRESETS["office"],
        "start": MONDAY,
        "days": 7,
        "intervals_per_day": 48,
    }
    with pytest.raises(StaffingInputError, match=message):
        fc.manual_forecast(**{**base, **kwargs})  # type: ignore[arg-type]


def test_every_shape_preset_has_24_hours() -> None:
    for name, hourly in fc.SHAPE_PRESETS.items():
        assert len(hourly) == 24, name
        assert fc.hourly_to_intervals(hourly, 96).sum() == pytest.approx(1)


# ------------------------------------------------------------------------------ margin


def test_a_percentage_margin_is_added_as_given() -> None:
    assert fc.margin_fraction(kind="percent", percent=0.15) == 0.15
    np.testing.assert_allclose(fc.apply_margin([10, 0, 4], 0.15), [11.5, 0, 4.6])
    assert fc.margin_fraction(kind="none", percent=0.15) == 0


def test_a_volatility_margin_covers_the_chosen_share_of_days() -> None:
    margin = fc.margin_fraction(kind="volatility", coverage=0.9, relative_error=0.08)

    assert margin == pytest.approx(1.2815516 * 0.08, rel=1e-6)
    assert fc.margin_fraction(kind="volatility", coverage=0.9, relative_error=None) == 0


def test_the_volatility_comes_from_the_held_out_days_when_there_are_enough() -> None:
    acc = fc.accuracy(
        actual=np.array([[11.0], [9.0], [10.0], [12.0], [8.0]]),
        forecast=np.full((5, 1), 10.0),
        start=MONDAY,
    )
    profile = fc.fit_weekly_profile(fc.DayGrid.of(start=MONDAY, counts=pattern(14)))

    assert fc.volatility(accuracy_=acc, profile=profile) == pytest.approx(math.sqrt(0.02))
    assert fc.volatility(accuracy_=None, profile=profile) == profile.daily_error
    assert fc.volatility(accuracy_=None, profile=None) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "sometimes"},
        {"kind": "percent", "percent": -0.1},
        {"kind": "percent", "percent": 10},
        {"kind": "volatility", "coverage": 1.0, "relative_error": 0.1},
    ],
)
def test_it_rejects_a_margin_out_of_range(kwargs: dict[str, object]) -> None:
    with pytest.raises(StaffingInputError):
        fc.margin_fraction(**kwargs)  # type: ignore[arg-type]
