"""Forecast contacts per interval: a weekday x time-of-day profile with a trend, pure numpy.

The model is the one a support lead would draw on a whiteboard, so every figure can be
explained:

    contacts(day d, interval i) = level(d) x weekday_factor(weekday d) x shape(weekday d, i)

- ``level(d) = level + trend_per_day * d`` is a straight line through the daily totals with
  the weekday effect taken out (the weekday-neutral volume of an average day);
- ``weekday_factor`` says how busy each weekday is relative to that level (they average 1);
- ``shape`` is each weekday's intraday profile: the share of the day's contacts that
  arrive in each interval (a row sums to 1). A weekday with little history borrows from the
  shape of all days (a weighted blend), so a quiet Sunday does not get a jagged profile.

Line and factors are fitted together by alternating least squares on the daily totals
(given the factors, the line is an ordinary least-squares fit of the deseasonalised totals;
given the line, each factor is a one-parameter least-squares fit), which recovers a
noise-free pattern exactly and needs no library beyond numpy.

Holidays: past holidays are left out of the fit (a quiet holiday would otherwise drag its
weekday down) and measured instead: ``holiday_factor`` is their volume over what the model
expected for them. A holiday in the forecast is planned like a Sunday (Sunday's intraday
shape); its volume is the day's usual volume times ``holiday_factor``, or Sunday's volume
when the history holds no holiday.

Accuracy: :func:`backtest` fits on the history without its last weeks, forecasts those weeks
and compares (WAPE and MAPE, per interval and per day). :func:`apply_margin` adds a buffer
for unpredictable load: a fixed percentage, or a volatility-based one sized from how far
daily volumes strayed from the forecast.

A history is a :class:`DayGrid`: counts per local day (rows) and interval (columns).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln
from scipy.stats import norm

from unidesk.wfm.errors import StaffingInputError

#: Days of history needed before a trend is fitted (shorter: a flat level).
TREND_MIN_DAYS = 21
#: Days of history needed to forecast from history at all.
MIN_HISTORY_DAYS = 14
#: Contacts a weekday's shape needs before it stands on its own (see ``_shapes``).
SHAPE_PRIOR_CONTACTS = 40.0
SUNDAY = 6
#: A day whose residual exceeds this many robust standard deviations weighs less (Huber).
HUBER_C = 2.0
#: A trend is used only when its slope is this many standard errors from zero.
TREND_MIN_T = 2.0
_ITERATIONS = 50

MarginKind = Literal["none", "percent", "volatility"]
MARGIN_KINDS: tuple[MarginKind, ...] = ("none", "percent", "volatility")

#: Intraday shapes a lead can start from when there is no history (24 hourly weights).
SHAPE_PRESETS: dict[str, tuple[float, ...]] = {
    # 9:00-18:00 with a dip at lunch
    "office": (0, 0, 0, 0, 0, 0, 0, 0, 2, 9, 11, 12, 10, 8, 10, 11, 10, 8, 5, 2, 1, 0, 0, 0),
    # 8:00-22:00, morning and evening humps (consumer services)
    "extended": (1, 0, 0, 0, 0, 0, 1, 3, 5, 7, 8, 8, 7, 7, 7, 7, 7, 7, 8, 8, 7, 5, 3, 2),
    # around the clock, busier by day
    "round_the_clock": (2, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 7, 7, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3),
    # even over 24 hours
    "flat": (1,) * 24,
}


@dataclass(frozen=True, slots=True)
class DayGrid:
    """Contacts per local day and interval, starting on ``start``.

    ``counts`` has one row per consecutive local day and ``intervals_per_day`` columns;
    ``holidays`` marks the rows that were holidays of the business calendar.
    """

    start: date
    counts: NDArray[np.float64]
    holidays: NDArray[np.bool_]

    @classmethod
    def of(cls, *, start: date, counts: ArrayLike, holidays: Collection[date] = ()) -> DayGrid:
        """A grid from counts (days x intervals) and holiday dates (others are ignored)."""
        grid = np.asarray(counts, dtype=np.float64)
        if grid.ndim != 2:
            raise StaffingInputError(
                "counts must be a table: one row per day, one column per interval"
            )
        if grid.size and not (np.all(np.isfinite(grid)) and np.all(grid >= 0)):
            raise StaffingInputError("counts must be finite and >= 0")
        days = grid.shape[0]
        mask = np.array(
            [(start + timedelta(days=d)) in holidays for d in range(days)], dtype=np.bool_
        )
        return cls(start=start, counts=grid, holidays=mask)

    @property
    def days(self) -> int:
        return int(self.counts.shape[0])

    @property
    def intervals_per_day(self) -> int:
        return int(self.counts.shape[1])

    @property
    def weekdays(self) -> NDArray[np.int64]:
        return (self.start.weekday() + np.arange(self.days)) % 7

    def head(self, days: int) -> DayGrid:
        """The first ``days`` days."""
        return DayGrid(self.start, self.counts[:days], self.holidays[:days])

    def tail(self, days: int) -> DayGrid:
        """The last ``days`` days."""
        start = self.start + timedelta(days=self.days - days)
        return DayGrid(start, self.counts[self.days - days :], self.holidays[self.days - days :])

    def trim_leading_empty_days(self) -> DayGrid:
        """Drop the days before the first contact (no data yet, not a quiet day)."""
        busy = np.flatnonzero(self.counts.sum(axis=1) > 0)
        if busy.size == 0:
            return self.head(0)
        first = int(busy[0])
        start = self.start + timedelta(days=first)
        return DayGrid(start, self.counts[first:], self.holidays[first:])


@dataclass(frozen=True, slots=True)
class WeeklyProfile:
    """A fitted weekday x time-of-day profile with a linear trend (see the module docstring).

    ``level`` is the weekday-neutral daily volume on ``origin``; ``trend_per_day`` its change
    per day. ``weekday_factors`` (Monday first) average 1; ``shapes[w]`` sums to 1 (or is all
    zero for a weekday without contacts). ``holiday_factor`` is None when the history had
    no holiday. ``daily_error`` is the relative spread (standard deviation) of the daily
    totals around the fitted line, in-sample.
    """

    origin: date
    intervals_per_day: int
    level: float
    trend_per_day: float
    weekday_factors: NDArray[np.float64]
    shapes: NDArray[np.float64]
    holiday_factor: float | None
    fitted_days: int
    has_trend: bool
    daily_error: float

    def level_on(self, day: date) -> float:
        """The weekday-neutral daily volume on ``day`` (never below zero)."""
        return max(0.0, self.level + self.trend_per_day * (day - self.origin).days)

    def weekly_trend(self) -> float:
        """Relative change of the level per week at the end of the history (0.02 = +2 %)."""
        end = self.level + self.trend_per_day * (self.fitted_days - 1)
        return 7 * self.trend_per_day / end if end > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Accuracy:
    """Forecast errors over held-out days (shares: 0.12 is 12 %).

    - ``wape``: sum of absolute errors over the sum of actual contacts, per interval (robust
      to quiet intervals; the headline figure);
    - ``mape``: mean absolute percentage error over the intervals that had contacts
      (``nonzero_intervals`` of them); inflated by chance when counts are small;
    - ``daily_wape`` and ``daily_mape``: the same on daily totals;
    - ``bias``: (forecast - actual) / actual in total: positive over-forecasts;
    - ``chance_wape``: the interval WAPE a perfect forecast would still show, because
      contacts arrive at random (Poisson) around any rate. At a few contacts per interval
      that floor is high (about 50 % at 2 per interval); compare ``wape`` with it.
    """

    days: int
    start: date
    actual_total: float
    forecast_total: float
    wape: float | None
    mape: float | None
    daily_wape: float | None
    daily_mape: float | None
    bias: float | None
    nonzero_intervals: int
    daily_relative_errors: tuple[float, ...]
    chance_wape: float | None = None


# ----------------------------------------------------------------------------- fitting


def fit_weekly_profile(history: DayGrid, *, trend: bool | None = None) -> WeeklyProfile:
    """Fit level, trend, weekday factors and shapes to a history (holidays left out).

    ``trend=None`` fits a trend when the history spans at least ``TREND_MIN_DAYS`` days.
    Raises StaffingInputError for a history without any contact on a regular day.
    """
    if history.intervals_per_day < 1:
        raise StaffingInputError("the history needs at least one interval per day")
    regular = ~history.holidays
    totals = history.counts.sum(axis=1)
    if history.days == 0 or totals[regular].sum() <= 0:
        raise StaffingInputError("no contacts in the history to forecast from")
    use_trend = history.days >= TREND_MIN_DAYS if trend is None else trend
    t = np.arange(history.days, dtype=np.float64)
    wd = history.weekdays
    level, slope, factors, use_trend = _fit_daily(
        totals[regular], t[regular], wd[regular], use_trend
    )
    expected = np.maximum(0.0, level + slope * t) * factors[wd]

    holiday_factor = None
    if history.holidays.any():
        want = expected[history.holidays].sum()
        holiday_factor = float(totals[history.holidays].sum() / want) if want > 0 else None

    fitted = expected[regular]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(fitted > 0, totals[regular] / fitted - 1.0, 0.0)
    dof = max(1, int(regular.sum()) - (2 if use_trend else 1) - 6)
    daily_error = float(math.sqrt(float(np.sum(rel**2)) / dof))

    return WeeklyProfile(
        origin=history.start,
        intervals_per_day=history.intervals_per_day,
        level=float(level),
        trend_per_day=float(slope),
        weekday_factors=factors,
        shapes=_shapes(history.counts[regular], wd[regular]),
        holiday_factor=holiday_factor,
        fitted_days=history.days,
        has_trend=use_trend,
        daily_error=daily_error,
    )


def _fit_daily(
    y: NDArray[np.float64], t: NDArray[np.float64], wd: NDArray[np.int64], use_trend: bool
) -> tuple[float, float, NDArray[np.float64], bool]:
    """``y ~ (level + slope t) * factor[wd]``, robustly; returns level, slope, factors, trend.

    Three rounds of reweighting make unusual days (a wave after an outage, a half-day
    outage of the channel) count less: a day whose residual exceeds ``HUBER_C`` robust
    standard deviations gets a proportionally smaller weight (Huber). The trend is kept
    only when the slope is at least ``TREND_MIN_T`` standard errors away from zero;
    otherwise the level is flat, so noise in a short history is not extrapolated.
    """
    robust = np.ones_like(y)
    level, slope, factors, se = _als(y, t, wd, use_trend, robust)
    for _ in range(3):
        resid = y - np.maximum(0.0, level + slope * t) * factors[wd]
        scale = 1.4826 * float(np.median(np.abs(resid - np.median(resid))))
        if scale <= 0:
            break
        robust = np.minimum(1.0, HUBER_C * scale / np.maximum(np.abs(resid), 1e-300))
        level, slope, factors, se = _als(y, t, wd, use_trend, robust)
    if use_trend and abs(slope) < TREND_MIN_T * se:
        level, slope, factors, se = _als(y, t, wd, False, robust)
        use_trend = False
    return level, slope, factors, use_trend


def _als(
    y: NDArray[np.float64],
    t: NDArray[np.float64],
    wd: NDArray[np.int64],
    use_trend: bool,
    robust: NDArray[np.float64],
) -> tuple[float, float, NDArray[np.float64], float]:
    """Alternating least squares (weights ``robust``); returns level, slope, factors, se."""
    present = np.bincount(wd, minlength=7) > 0
    sums = np.bincount(wd, weights=y * robust, minlength=7)
    weights = np.bincount(wd, weights=robust, minlength=7)
    factors = _normalise(np.where(weights > 0, sums / np.maximum(weights, 1e-300), 0.0), present)
    level = slope = se = 0.0
    for _ in range(_ITERATIONS):
        level, slope, se = _line(y, t, factors[wd], robust, use_trend)
        line = np.maximum(0.0, level + slope * t)
        num = np.bincount(wd, weights=robust * y * line, minlength=7)
        den = np.bincount(wd, weights=robust * line * line, minlength=7)
        new = _normalise(np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0), present)
        done = np.allclose(new, factors, rtol=1e-13, atol=1e-13)
        factors = new
        if done:
            break
    level, slope, se = _line(y, t, factors[wd], robust, use_trend)
    return level, slope, factors, se


def _line(
    y: NDArray[np.float64],
    t: NDArray[np.float64],
    f: NDArray[np.float64],
    robust: NDArray[np.float64],
    use_trend: bool,
) -> tuple[float, float, float]:
    """The line through the deseasonalised totals ``y / f``: level, slope, slope's se.

    Weighted by ``f^2`` (least squares on ``y`` itself) times the robust weights.
    """
    use = (f > 0) & (robust > 0)
    if not use.any():
        return 0.0, 0.0, 0.0
    z, w, tt = y[use] / f[use], f[use] ** 2 * robust[use], t[use]
    if not use_trend or np.unique(tt).size < 3:
        return float(np.sum(w * z) / np.sum(w)), 0.0, 0.0
    sw = float(np.sum(w))
    tm = float(np.sum(w * tt) / sw)
    zm = float(np.sum(w * z) / sw)
    sxx = float(np.sum(w * (tt - tm) ** 2))
    slope = float(np.sum(w * (tt - tm) * (z - zm)) / sxx)
    level = zm - slope * tm
    resid = z - (level + slope * tt)
    sigma2 = float(np.sum(w * resid**2)) / max(1, tt.size - 2)
    return level, slope, math.sqrt(sigma2 / sxx)


def _normalise(factors: NDArray[np.float64], present: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Scale the observed weekdays' factors to mean 1; unobserved weekdays get 1."""
    out = np.ones(7, dtype=np.float64)
    if present.any():
        mean = float(np.mean(factors[present]))
        out[present] = factors[present] / mean if mean > 0 else 0.0
    return out


def _shapes(counts: NDArray[np.float64], wd: NDArray[np.int64]) -> NDArray[np.float64]:
    """Each weekday's share of contacts per interval, blended with the all-days shape.

    ``shape_w = (contacts_w + K * shape_all) / (total_w + K)`` with K =
    ``SHAPE_PRIOR_CONTACTS``: a weekday with few contacts leans on the shape of all days, a
    busy one stands on its own.
    """
    k = counts.shape[1]
    overall = counts.sum(axis=0)
    total = float(overall.sum())
    base = overall / total if total > 0 else np.full(k, 1.0 / k)
    shapes = np.zeros((7, k), dtype=np.float64)
    for w in range(7):
        rows = counts[wd == w].sum(axis=0)
        n = float(rows.sum())
        shapes[w] = (rows + SHAPE_PRIOR_CONTACTS * base) / (n + SHAPE_PRIOR_CONTACTS)
    return shapes


# ---------------------------------------------------------------------------- forecasting


def forecast_days(
    profile: WeeklyProfile, *, start: date, days: int, holidays: Collection[date] = ()
) -> NDArray[np.float64]:
    """Expected contacts for ``days`` days from ``start`` (days x intervals)."""
    out = np.zeros((days, profile.intervals_per_day), dtype=np.float64)
    for d in range(days):
        day = start + timedelta(days=d)
        level = profile.level_on(day)
        wd = day.weekday()
        if day in holidays:
            if profile.holiday_factor is not None:
                total = level * profile.weekday_factors[wd] * profile.holiday_factor
            else:
                total = level * profile.weekday_factors[SUNDAY]
            out[d] = total * profile.shapes[SUNDAY]
        else:
            out[d] = level * profile.weekday_factors[wd] * profile.shapes[wd]
    return out


def hourly_to_intervals(hourly: Sequence[float], intervals_per_day: int) -> NDArray[np.float64]:
    """A 24-hour shape spread over the day's intervals, normalised to sum 1.

    ``intervals_per_day`` must be a multiple of 24 (60, 30 or 15 minutes); each hour's
    weight is split evenly over its intervals.
    """
    weights = np.asarray(hourly, dtype=np.float64)
    if weights.shape != (24,):
        raise StaffingInputError("the intraday shape needs 24 hourly weights")
    if not (np.all(np.isfinite(weights)) and np.all(weights >= 0)) or weights.sum() <= 0:
        raise StaffingInputError("hourly weights must be >= 0 and not all zero")
    if intervals_per_day % 24:
        raise StaffingInputError("intervals must divide the hour (60, 30 or 15 minutes)")
    per_hour = intervals_per_day // 24
    spread = np.repeat(weights / per_hour, per_hour)
    return np.asarray(spread / spread.sum(), dtype=np.float64)


def manual_forecast(
    *,
    daily_volume: float,
    weekday_weights: Sequence[float],
    hourly_shape: Sequence[float],
    start: date,
    days: int,
    intervals_per_day: int,
    holidays: Collection[date] = (),
) -> NDArray[np.float64]:
    """A forecast typed in by a lead: a day's volume, weekday weights and an intraday shape.

    ``daily_volume`` is a day of weight 1; ``weekday_weights`` (Monday first) scale it, so
    ``(1, 1, 1, 1, 1, 0.5, 0.3)`` means a half-busy Saturday. Holidays are planned like a
    Sunday.
    """
    if not math.isfinite(daily_volume) or daily_volume < 0:
        raise StaffingInputError("daily volume must be a number >= 0")
    weights = np.asarray(weekday_weights, dtype=np.float64)
    if weights.shape != (7,) or not (np.all(np.isfinite(weights)) and np.all(weights >= 0)):
        raise StaffingInputError("weekday weights need 7 numbers >= 0, Monday first")
    shape = hourly_to_intervals(hourly_shape, intervals_per_day)
    out = np.zeros((days, intervals_per_day), dtype=np.float64)
    for d in range(days):
        day = start + timedelta(days=d)
        weight = weights[SUNDAY] if day in holidays else weights[day.weekday()]
        out[d] = daily_volume * weight * shape
    return out


# ---------------------------------------------------------------------------- accuracy


def accuracy(*, actual: ArrayLike, forecast: ArrayLike, start: date) -> Accuracy:
    """Errors of ``forecast`` against ``actual`` (both days x intervals)."""
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    if a.shape != f.shape or a.ndim != 2:
        raise StaffingInputError("actual and forecast must be tables of the same shape")
    total = float(a.sum())
    err = np.abs(f - a)
    nonzero = a > 0
    daily_a, daily_f = a.sum(axis=1), f.sum(axis=1)
    busy_days = daily_a > 0
    rel = tuple(float(v) for v in (daily_a[busy_days] / daily_f[busy_days] - 1.0)
                if daily_f[busy_days].all()) if busy_days.any() else ()  # fmt: skip
    return Accuracy(
        days=int(a.shape[0]),
        start=start,
        actual_total=total,
        forecast_total=float(f.sum()),
        wape=float(err.sum() / total) if total > 0 else None,
        mape=float(np.mean(err[nonzero] / a[nonzero])) if nonzero.any() else None,
        daily_wape=float(np.abs(daily_f - daily_a).sum() / total) if total > 0 else None,
        daily_mape=(
            float(np.mean(np.abs(daily_f - daily_a)[busy_days] / daily_a[busy_days]))
            if busy_days.any()
            else None
        ),
        bias=float((f.sum() - total) / total) if total > 0 else None,
        nonzero_intervals=int(nonzero.sum()),
        daily_relative_errors=rel,
        chance_wape=float(poisson_mad(f).sum() / f.sum()) if f.sum() > 0 else None,
    )


def poisson_mad(rate: ArrayLike) -> NDArray[np.float64]:
    """Mean absolute deviation of a Poisson count from its mean, element-wise.

    ``E|X - m| = 2 e^-m m^(k+1) / k!`` with ``k = floor(m)``; computed in log space.
    """
    m = np.asarray(rate, dtype=np.float64)
    out = np.zeros(m.shape, dtype=np.float64)
    pos = m > 0
    k = np.floor(m[pos])
    log = math.log(2) - m[pos] + (k + 1) * np.log(m[pos]) - gammaln(k + 1)
    out[pos] = np.exp(log)
    return out


def backtest(history: DayGrid, *, holdout_weeks: int = 2) -> Accuracy | None:
    """Fit on the history without its last ``holdout_weeks`` weeks and score those weeks.

    Returns None when what is left to fit on is shorter than ``MIN_HISTORY_DAYS`` days; the
    holdout shrinks to one week first if that leaves enough.
    """
    for weeks in range(max(1, holdout_weeks), 0, -1):
        hold = 7 * weeks
        if history.days - hold >= MIN_HISTORY_DAYS:
            train = history.head(history.days - hold)
            test = history.tail(hold)
            try:
                profile = fit_weekly_profile(train)
            except StaffingInputError:
                return None
            holidays = {test.start + timedelta(days=int(d)) for d in np.flatnonzero(test.holidays)}
            predicted = forecast_days(profile, start=test.start, days=hold, holidays=holidays)
            return accuracy(actual=test.counts, forecast=predicted, start=test.start)
    return None


# ------------------------------------------------------------------------------ margin


def volatility(*, accuracy_: Accuracy | None, profile: WeeklyProfile | None) -> float | None:
    """Relative spread of daily volume around the forecast (0.08 = 8 %).

    From the back-test's held-out days when there are at least five, else from the fit's
    in-sample residuals; None without history.
    """
    if accuracy_ is not None and len(accuracy_.daily_relative_errors) >= 5:
        errors = np.asarray(accuracy_.daily_relative_errors)
        return float(math.sqrt(float(np.mean(errors**2))))
    if profile is not None:
        return profile.daily_error
    return None


def margin_fraction(
    *,
    kind: MarginKind,
    percent: float = 0.0,
    coverage: float = 0.9,
    relative_error: float | None = None,
) -> float:
    """The buffer added to every interval's forecast, as a fraction (0.1 adds 10 %).

    - ``percent``: ``percent`` as given (0.1 for 10 %);
    - ``volatility``: ``z(coverage) * relative_error``, the normal quantile of the coverage
      times the daily volume's relative spread around the forecast. With a spread of 8 % and
      90 % coverage that is 1.28 x 8 % = 10.3 %: enough for 9 days in 10. Without a known
      spread (no history) the buffer is zero.
    """
    if kind not in MARGIN_KINDS:
        raise StaffingInputError(f"margin kind must be one of {', '.join(MARGIN_KINDS)}")
    if kind == "none":
        return 0.0
    if kind == "percent":
        if not math.isfinite(percent) or percent < 0 or percent > 5:
            raise StaffingInputError("margin percent must be between 0 and 5 (0.1 for 10%)")
        return float(percent)
    if not 0.5 <= coverage < 1:
        raise StaffingInputError("coverage must be in [0.5, 1): 0.9 for 9 days in 10")
    if relative_error is None:
        return 0.0
    return float(norm.ppf(coverage) * relative_error)


def apply_margin(volume: ArrayLike, fraction: float) -> NDArray[np.float64]:
    """Volumes raised by ``fraction`` (0.1 adds 10 %)."""
    return np.asarray(volume, dtype=np.float64) * (1.0 + fraction)
