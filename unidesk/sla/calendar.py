"""Business-time arithmetic for SLA clocks: opening hours, holidays and DST-correct addition."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "MAX_CLOSED_DAYS",
    "BusinessCalendar",
    "add_business_seconds",
    "business_seconds_between",
    "is_open",
    "next_open_at",
]

MINUTES_PER_DAY = 1440
#: Longest run of consecutive closed local days searched before giving up (about 10 years).
MAX_CLOSED_DAYS = 3653

_ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)
_ONE_WEEK = timedelta(days=7)
_MICROSECOND = timedelta(microseconds=1)
_FULL_DAY: tuple[tuple[int, int], ...] = ((0, MINUTES_PER_DAY),)
# Leave a margin below date.max so that "day + 1" and "the next midnight" never overflow.
_LAST_DAY = date(9999, 12, 1)
_LATEST = datetime.combine(_LAST_DAY, time(), tzinfo=UTC)

_Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening hours in a time zone, minus whole-day holidays.

    `hours` maps a weekday (0=Monday .. 6=Sunday) to its open intervals in minutes since
    local midnight, each ``[start, end)`` with ``0 <= start < end <= 1440``, sorted and
    non-overlapping (touching is allowed); 1440 means the next local midnight. A weekday
    that is absent (or maps to no interval) is closed. `holidays` are local dates closed
    all day. Wall-clock hours are interpreted in `time_zone` (an IANA name): a wall time
    that does not exist (spring-forward gap) means the first instant after the gap, an
    ambiguous one (fall-back) means its first occurrence (``fold=0``).

    The constructor validates and normalises its arguments (raising ValueError): `hours`
    becomes a plain ``dict`` of tuples without closed weekdays, `holidays` a frozenset.
    Treat both as read-only.
    """

    time_zone: str
    hours: Mapping[int, tuple[tuple[int, int], ...]]
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.time_zone, str) or not self.time_zone:
            raise ValueError(f"time_zone must be a non-empty IANA name, got {self.time_zone!r}")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc
        object.__setattr__(self, "hours", _normalise_hours(self.hours))
        object.__setattr__(self, "holidays", _normalise_holidays(self.holidays))
        self._rules  # noqa: B018 - build (and cache) the derived tables eagerly

    def __hash__(self) -> int:
        return hash((self.time_zone, tuple(sorted(self.hours.items())), self.holidays))

    @classmethod
    def always_open(cls, time_zone: str = "UTC") -> BusinessCalendar:
        """A 24/7 calendar without holidays: business time equals elapsed time."""
        return cls(time_zone=time_zone, hours=dict.fromkeys(range(7), _FULL_DAY))

    @property
    def is_24x7(self) -> bool:
        """True when every weekday is open ``[0, 1440)`` and there are no holidays."""
        return self._rules.always_open

    @cached_property
    def _rules(self) -> _Rules:
        return _Rules(self)


def is_open(calendar: BusinessCalendar, at: datetime) -> bool:
    """Whether the calendar is open at the instant `at` (aware); intervals are ``[open, close)``."""
    instant = _as_utc(at, "at")
    rules = calendar._rules
    if rules.always_open:
        return True
    day = rules.local_date(instant)
    for candidate in (rules.previous_day(day), day):
        for opens, closes in rules.spans(candidate):
            if opens <= instant < closes:
                return True
    return False


def next_open_at(calendar: BusinessCalendar, at: datetime) -> datetime:
    """`at` itself (in UTC) if the calendar is open then, else the next opening instant (UTC).

    Raises ValueError for a calendar without any hours, or when no opening is found within
    `MAX_CLOSED_DAYS` local days (e.g. everything is a holiday).
    """
    instant = _as_utc(at, "at")
    rules = calendar._rules
    if rules.always_open:
        return instant
    rules.require_open_time()
    first = day = rules.previous_day(rules.local_date(instant))
    while True:
        for opens, closes in rules.spans(day):
            if closes > instant:
                return max(opens, instant)
        day = rules.next_day(day)
        if (day - first).days > MAX_CLOSED_DAYS:
            raise ValueError(f"calendar is closed for more than {MAX_CLOSED_DAYS} days after {at}")


def add_business_seconds(calendar: BusinessCalendar, start: datetime, seconds: float) -> datetime:
    """The earliest instant (UTC) by which `seconds` of business time have elapsed after `start`.

    `seconds` (>= 0, finite; ValueError otherwise) is rounded to whole microseconds.
    Zero (after rounding) returns the instant `start` itself, converted to UTC, even when
    the calendar is closed then. A positive amount first waits for the next opening, and
    when it runs out exactly at a closing instant that closing instant is returned (not
    the next opening): the calendar is open during the microsecond just before the result.

    Raises ValueError for a calendar without any hours, when a stretch of more than
    `MAX_CLOSED_DAYS` closed local days is met, or when the result is beyond year 9999.
    A 24/7 calendar takes a fast path: ``start + timedelta(seconds=seconds)`` computed in
    UTC (elapsed time, not wall-clock time; 25 hours pass on a fall-back day).
    """
    instant = _as_utc(start, "start")
    remaining = _as_duration(seconds)
    if not remaining:
        return instant
    rules = calendar._rules
    if rules.always_open:
        try:
            return instant + remaining
        except OverflowError as exc:
            raise ValueError("result is beyond year 9999") from exc
    rules.require_open_time()
    # Any 7 local days hold at most week_time + 1 day of business time (offset changes in
    # a week never exceed a day), which bounds the result from below without walking.
    if _ONE_WEEK * (remaining // (rules.week_time + _ONE_DAY)) > _LATEST - instant:
        raise ValueError("result is beyond year 9999")

    cursor = instant  # business time before `cursor` is already accounted for
    start_day = rules.local_date(instant)  # days after it start after `instant`
    day = last_open_day = rules.previous_day(start_day)
    while True:
        if day > start_day and remaining > rules.week_time:
            wanted = (remaining - _MICROSECOND) // rules.week_time  # strictly less than remaining
            weeks = rules.skippable_weeks(day, wanted)
            if weeks:
                remaining -= rules.week_time * weeks
                day += _ONE_WEEK * weeks
                last_open_day = day
                continue
        for opens, closes in rules.spans(day):
            if closes <= cursor:
                continue
            begin = max(opens, cursor)
            available = closes - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
            cursor = closes
            last_open_day = day
        day = rules.next_day(day)
        if (day - last_open_day).days > MAX_CLOSED_DAYS:
            raise ValueError(
                f"calendar is closed for more than {MAX_CLOSED_DAYS} days after {start}"
            )


def business_seconds_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Business seconds (float, microsecond precision) in ``[start, end)``; 0.0 if end <= start.

    A calendar without hours yields 0.0. Additive: between(a, b) + between(b, c) ==
    between(a, c) for a <= b <= c, and between(s, add_business_seconds(s, d)) == d.
    """
    lower = _as_utc(start, "start")
    upper = _as_utc(end, "end")
    if upper <= lower:
        return 0.0
    rules = calendar._rules
    if rules.always_open:
        return (upper - lower).total_seconds()
    if not rules.week_time:
        return 0.0

    total = _ZERO
    first_day = rules.local_date(lower)  # days after it start after `lower`
    last_day = rules.local_date(upper)  # days after it start after `upper`
    day = rules.previous_day(first_day)
    while day <= last_day:
        if day > first_day and upper - lower > _ONE_WEEK:
            day_start = rules.to_utc(day, 0)
            wanted = (upper - day_start) // _ONE_WEEK  # exact while the UTC offset is constant
            weeks = rules.skippable_weeks(day, wanted)
            if weeks:
                total += rules.week_time * weeks
                day += _ONE_WEEK * weeks
                continue
        for opens, closes in rules.spans(day):
            begin = max(opens, lower)
            finish = min(closes, upper)
            if finish > begin:
                total += finish - begin
        day = rules.next_day(day)
    return total.total_seconds()


class _Rules:
    """Derived lookup tables of a calendar (time zone object, weekly totals, sorted holidays)."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.tz = ZoneInfo(calendar.time_zone)
        self.week_hours: tuple[tuple[tuple[int, int], ...], ...] = tuple(
            calendar.hours.get(weekday, ()) for weekday in range(7)
        )
        self.holidays = calendar.holidays
        self.sorted_holidays: tuple[date, ...] = tuple(sorted(calendar.holidays))
        minutes = sum(end - start for spans in self.week_hours for start, end in spans)
        #: Business time of seven consecutive holiday-free local days without an offset change.
        self.week_time = timedelta(minutes=minutes)
        self.always_open = not self.holidays and all(s == _FULL_DAY for s in self.week_hours)

    def require_open_time(self) -> None:
        if not self.week_time:
            raise ValueError("calendar has no business hours at all")

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    @staticmethod
    def previous_day(day: date) -> date:
        return day if day == date.min else day - _ONE_DAY

    @staticmethod
    def next_day(day: date) -> date:
        if day >= _LAST_DAY:
            raise ValueError("result is beyond year 9999")
        return day + _ONE_DAY

    def offset(self, day: date) -> timedelta:
        """UTC offset in force at local midnight of `day` (fold=0)."""
        offset = datetime.combine(day, time(), tzinfo=self.tz).utcoffset()
        assert offset is not None
        return offset

    def to_utc(self, day: date, minute: int) -> datetime:
        """The UTC instant of local wall time `minute` (0..1440) on `day`; gaps map to their end."""
        if minute == MINUTES_PER_DAY:
            day, minute = day + _ONE_DAY, 0
        wall = datetime.combine(day, time(minute // 60, minute % 60))
        instant = wall.replace(tzinfo=self.tz).astimezone(UTC)  # fold=0: first occurrence
        if instant.astimezone(self.tz).replace(tzinfo=None) == wall:
            return instant
        return self._gap_end(wall)

    def _gap_end(self, wall: datetime) -> datetime:
        """First instant whose local wall time is after the nonexistent `wall`."""
        # fold=1 applies the offset after the transition, fold=0 the one before: the
        # transition lies in (low, high]; tz transitions fall on whole seconds.
        low = int(wall.replace(tzinfo=self.tz, fold=1).astimezone(UTC).timestamp())
        high = int(wall.replace(tzinfo=self.tz, fold=0).astimezone(UTC).timestamp())
        while high - low > 1:
            middle = (low + high) // 2
            local = datetime.fromtimestamp(middle, UTC).astimezone(self.tz).replace(tzinfo=None)
            if local > wall:
                high = middle
            else:
                low = middle
        return datetime.fromtimestamp(high, UTC)

    def spans(self, day: date) -> list[_Span]:
        """Open ``[opens, closes)`` UTC intervals of local `day`, sorted, empty ones dropped."""
        if day in self.holidays:
            return []
        intervals = self.week_hours[day.weekday()]
        if not intervals:
            return []
        offset = self.offset(day)
        if offset == self.offset(day + _ONE_DAY):
            # No offset change during the day: wall minutes map linearly to UTC.
            base = datetime.combine(day, time(), tzinfo=UTC) - offset
            return [
                (base + timedelta(minutes=start), base + timedelta(minutes=end))
                for start, end in intervals
            ]
        result: list[_Span] = []
        for start, end in intervals:
            opens, closes = self.to_utc(day, start), self.to_utc(day, end)
            if closes > opens:
                result.append((opens, closes))
        return result

    def skippable_weeks(self, day: date, wanted: int) -> int:
        """How many of the `wanted` whole weeks from `day` are regular (each worth `week_time`).

        A run of 7*k days is regular when it holds no holiday and the UTC offset at each of
        its local midnights (and the one after it) is the same.
        """
        wanted = min(wanted, (_LAST_DAY - day).days // 7 - 1)
        index = bisect_left(self.sorted_holidays, day)
        if index < len(self.sorted_holidays):
            wanted = min(wanted, (self.sorted_holidays[index] - day).days // 7)
        if wanted <= 0:
            return 0
        midnight = datetime.combine(day, time())
        offset = midnight.replace(tzinfo=self.tz).utcoffset()
        for days in range(1, 7 * wanted + 1):
            midnight += _ONE_DAY
            if midnight.replace(tzinfo=self.tz).utcoffset() != offset:
                return (days - 1) // 7
        return wanted


def _normalise_hours(hours: object) -> dict[int, tuple[tuple[int, int], ...]]:
    if not isinstance(hours, Mapping):
        raise ValueError(f"hours must be a mapping of weekday -> intervals, got {hours!r}")
    result: dict[int, tuple[tuple[int, int], ...]] = {}
    for weekday, raw in hours.items():
        if not _is_int(weekday) or not 0 <= weekday <= 6:
            raise ValueError(
                f"hours: weekday must be an int 0 (Monday) .. 6 (Sunday), got {weekday!r}"
            )
        if not isinstance(raw, Iterable) or isinstance(raw, str | bytes):
            raise ValueError(f"hours[{weekday}]: expected a sequence of (start, end), got {raw!r}")
        intervals: list[tuple[int, int]] = []
        for interval in raw:
            try:
                start, end = interval
            except (TypeError, ValueError):
                raise ValueError(
                    f"hours[{weekday}]: interval must be a (start, end) pair, got {interval!r}"
                ) from None
            if not (_is_int(start) and _is_int(end)):
                raise ValueError(f"hours[{weekday}]: minutes must be ints, got {interval!r}")
            if not 0 <= start < end <= MINUTES_PER_DAY:
                raise ValueError(
                    f"hours[{weekday}]: interval ({start}, {end}) must satisfy "
                    f"0 <= start < end <= {MINUTES_PER_DAY} (minutes since local midnight)"
                )
            if intervals and start < intervals[-1][1]:
                raise ValueError(
                    f"hours[{weekday}]: intervals must be sorted and non-overlapping, "
                    f"({start}, {end}) starts before {intervals[-1]} ends"
                )
            intervals.append((int(start), int(end)))
        if intervals:
            result[int(weekday)] = tuple(intervals)
    return dict(sorted(result.items()))


def _normalise_holidays(holidays: object) -> frozenset[date]:
    if not isinstance(holidays, Iterable) or isinstance(holidays, str | bytes):
        raise ValueError(f"holidays must be a set of dates, got {holidays!r}")
    result = frozenset(holidays)
    for day in result:
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ValueError(f"holidays must contain dates (not datetimes), got {day!r}")
    return result


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)


def _as_duration(seconds: float) -> timedelta:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError(f"seconds must be a number, got {seconds!r}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"seconds must be finite and >= 0, got {seconds!r}")
    try:
        return timedelta(seconds=seconds)
    except OverflowError as exc:
        raise ValueError(f"seconds is too large: {seconds!r}") from exc
