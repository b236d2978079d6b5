"""One channel's staffing plan over many intervals: volumes in, agents and service out.

Pure computation on top of the models (no database). For every interval:

- **required**: the fewest productive agents meeting every target (``raw_required``), and
  the headcount to schedule after shrinkage (``scheduled_required``, exact);
- the service at the required staffing: SL, ASA, P(abandon) (Erlang A), occupancy;
- with a roster (``planned``: people scheduled per interval), the service those people
  give: productive agents are ``floor(planned x (1 - shrinkage))``, exactly.

Models per channel kind: ``erlang_c`` and ``erlang_a`` for phone-like queues,
``chat_slots`` and ``chat_aht_divide`` for chat, ``email_workload`` for email (with the
FIFO backlog carried through the week to report the worst response time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from unidesk.wfm import inputs
from unidesk.wfm.backlog import email_fifo
from unidesk.wfm.chat import cch_factor
from unidesk.wfm.erlang_a import erlang_a_agents, erlang_a_metrics
from unidesk.wfm.erlang_c import erlang_c_metrics_array
from unidesk.wfm.errors import StaffingInputError
from unidesk.wfm.exact import scheduled_agents_array, to_fraction
from unidesk.wfm.intervals import chat_slot_intervals, voice_intervals, workload_intervals

PlanModel = Literal["erlang_c", "erlang_a", "chat_slots", "chat_aht_divide", "email_workload"]
PLAN_MODELS: tuple[PlanModel, ...] = (
    "erlang_c",
    "erlang_a",
    "chat_slots",
    "chat_aht_divide",
    "email_workload",
)


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """How one channel is staffed. Times in seconds, shares as fractions (0.8 for 80 %).

    ``aht_s`` is the handle time (for chat: one chat's duration at the concurrency for
    ``chat_slots``, one at a time for ``chat_aht_divide``). ``target_s`` is the answer
    target for queues (80 % within ``target_s``) and the response target for email.
    ``factor`` is the chat divide factor; None uses Call Centre Helper's table.
    """

    channel: str
    model: PlanModel
    aht_s: float
    shrinkage: float = 0.0
    target_s: float | None = None
    sl_target: float | None = None
    asa_target_s: float | None = None
    max_occupancy: float | None = None
    patience_s: float | None = None
    max_abandon: float | None = None
    concurrency: int = 1
    factor: float | None = None

    def checked(self) -> ChannelSettings:
        """Validated settings; raises StaffingInputError naming the first bad value."""
        if self.model not in PLAN_MODELS:
            raise StaffingInputError(f"model must be one of {', '.join(PLAN_MODELS)}")
        inputs.positive(self.aht_s, name="aht_s")
        inputs.shrinkage_fraction(self.shrinkage)
        if self.target_s is not None:
            inputs.non_negative(self.target_s, name="target_s")
        if self.sl_target is not None:
            inputs.target_probability(self.sl_target, name="sl_target")
            if self.target_s is None:
                raise StaffingInputError("sl_target needs target_s (answer within how many s)")
        if self.asa_target_s is not None:
            inputs.positive(self.asa_target_s, name="asa_target_s")
        if self.max_occupancy is not None:
            inputs.occupancy_cap(self.max_occupancy)
        inputs.whole(self.concurrency, name="concurrency", minimum=1)
        if self.model == "erlang_a":
            if self.patience_s is None:
                raise StaffingInputError("erlang_a needs patience_s (mean patience, seconds)")
            inputs.positive(self.patience_s, name="patience_s")
        if self.max_abandon is not None:
            inputs.target_probability(self.max_abandon, name="max_abandon")
        if self.model == "chat_aht_divide":
            self.divide_factor()
        if self.model != "email_workload" and not any(
            v is not None
            for v in (self.sl_target, self.asa_target_s, self.max_occupancy, self.max_abandon)
        ):
            raise StaffingInputError("give a target: service level, ASA or maximum occupancy")
        return self

    def divide_factor(self) -> Fraction:
        """The chat divide factor: explicit, or Call Centre Helper's for the concurrency."""
        if self.factor is None:
            return cch_factor(self.concurrency)
        f = to_fraction(inputs.positive(self.factor, name="factor"), name="factor")
        if f < 1 or f > self.concurrency:
            raise StaffingInputError("factor must be between 1 and the concurrency")
        return f


@dataclass(frozen=True, slots=True)
class ChannelPlan:
    """Per-interval figures of one channel (arrays of one length; NaN where not defined).

    ``planned`` is -1 where no roster was given. ``gap`` is planned minus scheduled
    required (negative: short of people), 0 where no roster was given.
    ``worst_response_s`` (email) is the FIFO model's worst response over the horizon with
    the planned staff (required staff where no roster was given); None when work is left
    at the end (``backlog_at_end`` items).
    """

    settings: ChannelSettings
    interval_s: int
    volume: NDArray[np.float64]
    load_erlangs: NDArray[np.float64]
    raw_required: NDArray[np.int64]
    scheduled_required: NDArray[np.int64]
    sl: NDArray[np.float64]
    asa_s: NDArray[np.float64]
    p_abandon: NDArray[np.float64]
    occupancy: NDArray[np.float64]
    planned: NDArray[np.int64]
    planned_sl: NDArray[np.float64]
    planned_p_abandon: NDArray[np.float64]
    planned_occupancy: NDArray[np.float64]
    worst_response_s: float | None = None
    backlog_at_end: float | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def gap(self) -> NDArray[np.int64]:
        return np.where(self.planned >= 0, self.planned - self.scheduled_required, 0)

    @property
    def has_roster(self) -> bool:
        return bool(np.any(self.planned >= 0))

    def staff_hours(self) -> tuple[float, float]:
        """Scheduled agent-hours required and planned over the horizon."""
        hours = self.interval_s / 3600
        planned = np.where(self.planned >= 0, self.planned, 0)
        return float(self.scheduled_required.sum() * hours), float(planned.sum() * hours)

    def short_intervals(self) -> int:
        """Intervals whose roster has fewer people than required."""
        return int(np.sum((self.planned >= 0) & (self.planned < self.scheduled_required)))

    def weighted_sl(self, *, planned: bool = False) -> float | None:
        """Service level over the horizon, weighted by volume (None without contacts)."""
        sl = self.planned_sl if planned else self.sl
        ok = np.isfinite(sl) & (self.volume > 0)
        if planned:
            ok &= self.planned >= 0
        total = float(self.volume[ok].sum())
        return float(np.sum(sl[ok] * self.volume[ok]) / total) if total > 0 else None


def productive_agents(*, planned: ArrayLike, shrinkage: float) -> NDArray[np.int64]:
    """People on the roster who are actually available: ``floor(planned x (1 - s))``, exact."""
    s = inputs.shrinkage_fraction(shrinkage)
    keep = 1 - s
    p, q = keep.numerator, keep.denominator
    people = np.asarray(planned, dtype=np.int64)
    return np.where(people > 0, (np.maximum(people, 0) * p) // q, 0)


def plan_channel(
    *,
    settings: ChannelSettings,
    volume: ArrayLike,
    interval_s: int,
    planned: ArrayLike | None = None,
) -> ChannelPlan:
    """Required agents and service per interval for one channel (see the module docstring).

    ``volume`` is the forecast (margin included) per interval; ``planned`` the people
    scheduled per interval, -1 where none was planned.
    """
    s = settings.checked()
    vol = np.asarray(volume, dtype=np.float64).ravel()
    if not (np.all(np.isfinite(vol)) and np.all(vol >= 0)):
        raise StaffingInputError("volume must be finite and >= 0 in every interval")
    inputs.positive(interval_s, name="interval_s")
    roster = (
        np.full(vol.shape, -1, dtype=np.int64)
        if planned is None
        else np.asarray(planned, dtype=np.int64).ravel()
    )
    if roster.shape != vol.shape:
        raise StaffingInputError("planned staff needs one value per interval")
    productive = productive_agents(planned=roster, shrinkage=s.shrinkage)
    nan = np.full(vol.shape, np.nan)
    if s.model == "erlang_a":
        return _erlang_a_plan(s, vol, interval_s, roster, productive)
    if s.model == "email_workload":
        return _email_plan(s, vol, interval_s, roster, productive)
    targets = {
        "target_s": s.target_s,
        "sl_target": s.sl_target,
        "asa_target_s": s.asa_target_s,
        "max_occupancy": s.max_occupancy,
    }
    if s.model == "chat_slots":
        staffing = chat_slot_intervals(
            volume=vol,
            interval_s=interval_s,
            chat_aht_s=s.aht_s,
            concurrency=s.concurrency,
            shrinkage=s.shrinkage,
            **targets,
        )
        servers, aht = productive * s.concurrency, s.aht_s
    else:
        aht = s.aht_s if s.model == "erlang_c" else float(to_fraction(s.aht_s) / s.divide_factor())
        staffing = voice_intervals(
            volume=vol, interval_s=interval_s, aht_s=aht, shrinkage=s.shrinkage, **targets
        )
        servers = productive
    at_plan = erlang_c_metrics_array(
        agents=np.maximum(servers, 0),
        volume=vol,
        interval_s=interval_s,
        aht_s=aht,
        target_s=s.target_s,
    )
    has = roster >= 0
    return ChannelPlan(
        settings=s,
        interval_s=interval_s,
        volume=vol,
        load_erlangs=staffing.load_erlangs,
        raw_required=staffing.raw_agents,
        scheduled_required=staffing.scheduled_agents,
        sl=nan if staffing.sl is None else staffing.sl,
        asa_s=nan if staffing.asa_s is None else staffing.asa_s,
        p_abandon=nan,
        occupancy=staffing.occupancy,
        planned=roster,
        planned_sl=np.where(has, at_plan.sl, np.nan) if at_plan.sl is not None else nan,
        planned_p_abandon=nan,
        planned_occupancy=np.where(has, at_plan.occupancy, np.nan),
    )


def _erlang_a_plan(
    s: ChannelSettings,
    vol: NDArray[np.float64],
    interval_s: int,
    roster: NDArray[np.int64],
    productive: NDArray[np.int64],
) -> ChannelPlan:
    """Erlang A per interval (scalar solver; intervals of equal volume are solved once)."""
    assert s.patience_s is not None
    n = vol.size
    raw = np.zeros(n, dtype=np.int64)
    sl, asa, ab, occ = (np.full(n, np.nan) for _ in range(4))
    psl, pab, pocc = (np.full(n, np.nan) for _ in range(3))
    load = vol * s.aht_s / interval_s
    solved: dict[float, int] = {}
    figures: dict[tuple[float, int], tuple[float, float, float, float]] = {}

    def evaluate(v: float, agents: int) -> tuple[float, float, float, float]:
        key = (v, agents)
        if key not in figures:
            r = erlang_a_metrics(
                agents=agents,
                load_erlangs=v * s.aht_s / interval_s,
                aht_s=s.aht_s,
                patience_s=float(s.patience_s or 0),
                target_s=s.target_s,
                with_asa=s.asa_target_s is not None,
            )
            figures[key] = (
                math.nan if r.sl_offered is None else r.sl_offered,
                r.asa_served_s,
                r.p_abandon,
                r.occupancy,
            )
        return figures[key]

    for i in range(n):
        v = float(vol[i])
        if v not in solved:
            solved[v] = erlang_a_agents(
                volume=v,
                interval_s=interval_s,
                aht_s=s.aht_s,
                patience_s=float(s.patience_s),
                target_s=s.target_s,
                sl_target=s.sl_target,
                asa_target_s=s.asa_target_s,
                max_occupancy=s.max_occupancy,
                max_abandon=s.max_abandon,
            )
        raw[i] = solved[v]
        sl[i], asa[i], ab[i], occ[i] = evaluate(v, int(raw[i]))
        if roster[i] >= 0:
            psl[i], _, pab[i], pocc[i] = evaluate(v, int(productive[i]))
    return ChannelPlan(
        settings=s,
        interval_s=interval_s,
        volume=vol,
        load_erlangs=load,
        raw_required=raw,
        scheduled_required=scheduled_agents_array(raw_agents=raw, shrinkage=s.shrinkage),
        sl=sl,
        asa_s=asa,
        p_abandon=ab,
        occupancy=occ,
        planned=roster,
        planned_sl=psl,
        planned_p_abandon=pab,
        planned_occupancy=pocc,
    )


def _email_plan(
    s: ChannelSettings,
    vol: NDArray[np.float64],
    interval_s: int,
    roster: NDArray[np.int64],
    productive: NDArray[np.int64],
) -> ChannelPlan:
    """Workload per interval; the FIFO backlog over the horizon for the response time."""
    if s.target_s is not None and s.target_s < interval_s:
        raise StaffingInputError(
            "an email response target shorter than the interval is a queueing target: "
            "use erlang_c for this channel"
        )
    staffing = workload_intervals(
        volume=vol,
        interval_s=interval_s,
        aht_s=s.aht_s,
        shrinkage=s.shrinkage,
        max_occupancy=1 if s.max_occupancy is None else s.max_occupancy,
    )
    has = roster >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        pocc = np.where(
            has & (productive > 0), np.minimum(1.0, staffing.load_erlangs / productive), np.nan
        )
        pocc = np.where(has & (productive == 0) & (vol > 0), 1.0, pocc)
        pocc = np.where(has & (vol == 0), 0.0, pocc)
    crew = np.where(has, productive, staffing.raw_agents).astype(np.float64)
    worst: float | None = None
    left: float | None = None
    if vol.size:
        fifo = email_fifo(
            arrivals=[float(v) for v in vol],
            staff=[float(c) for c in crew],
            interval_s=interval_s,
            aht_s=s.aht_s,
        )
        worst = fifo.worst_response_s
        left = fifo.backlog_items_at_interval_end[-1]
    nan = np.full(vol.shape, np.nan)
    return ChannelPlan(
        settings=s,
        interval_s=interval_s,
        volume=vol,
        load_erlangs=staffing.load_erlangs,
        raw_required=staffing.raw_agents,
        scheduled_required=staffing.scheduled_agents,
        sl=nan,
        asa_s=nan,
        p_abandon=nan,
        occupancy=staffing.occupancy,
        planned=roster,
        planned_sl=nan,
        planned_p_abandon=nan,
        planned_occupancy=pocc,
        worst_response_s=worst,
        backlog_at_end=left,
    )


def with_overrides(settings: ChannelSettings, **changes: object) -> ChannelSettings:
    """A copy of ``settings`` with the given fields changed (None values are ignored)."""
    given = {k: v for k, v in changes.items() if v is not None}
    return replace(settings, **given)  # type: ignore[arg-type]
