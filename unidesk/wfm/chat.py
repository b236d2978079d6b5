"""Chat: agents who handle several conversations at once (concurrency).

Two models, always named in the result:

- ``chat_slots``: each agent is ``concurrency`` parallel servers (slots) in an Erlang C
  queue, with ``chat_aht_s`` measured *at that concurrency* (a chat lasts longer when the
  agent juggles several). Slots are solved first, agents are ``ceil(slots / concurrency)``.
- ``chat_aht_divide``: an agent is one server whose effective handle time is
  ``chat_aht_s / factor``. The factor is explicit, or Call Centre Helper's empirical table
  (1, 1.7, 2.5, 2.9, 3.5 for concurrency 1 to 5), which encodes that five chats at once are
  not five times the output of one.

All times in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from unidesk.wfm import inputs
from unidesk.wfm.erlang_c import (
    ErlangCResult,
    Targets,
    erlang_c_agents_for_load,
    erlang_c_metrics,
)
from unidesk.wfm.errors import StaffingInputError
from unidesk.wfm.exact import Number, ceil_fraction, offered_load, to_fraction

ChatModel = Literal["chat_slots", "chat_aht_divide"]

#: Call Centre Helper's productivity factors by concurrency (1 to 5 chats at once).
CCH_FACTORS: dict[int, Fraction] = {
    1: Fraction(1),
    2: Fraction(17, 10),
    3: Fraction(5, 2),
    4: Fraction(29, 10),
    5: Fraction(7, 2),
}


@dataclass(frozen=True, slots=True)
class ChatResult:
    """Chat staffing: ``raw_agents`` people (before shrinkage) and the queue figures.

    ``queue`` holds Erlang C figures for the servers of the model: slots for
    ``chat_slots`` (``raw_agents * concurrency`` of them), agents for ``chat_aht_divide``.
    ``slots_required`` is set for the slots model, ``effective_aht_s`` for the divide model.
    """

    model: ChatModel
    raw_agents: int
    concurrency: int
    slots_required: int | None
    effective_aht_s: float | None
    factor: float | None
    queue: ErlangCResult


def cch_factor(concurrency: int) -> Fraction:
    """Call Centre Helper's factor for 1 to 5 concurrent chats."""
    c = inputs.whole(concurrency, name="concurrency", minimum=1)
    if c not in CCH_FACTORS:
        raise StaffingInputError("the Call Centre Helper table covers concurrency 1 to 5")
    return CCH_FACTORS[c]


def _targets(kwargs: dict[str, object]) -> Targets:
    targets = Targets.checked(**kwargs)  # type: ignore[arg-type]
    if not targets.any_queue_target() and targets.max_occupancy is None:
        raise StaffingInputError(
            "no target: give sl_target with target_s, asa_target_s, pw_target or max_occupancy"
        )
    return targets


def chat_slots(
    *,
    volume: Number,
    interval_s: Number,
    chat_aht_s: Number,
    concurrency: int,
    agents: int | None = None,
    target_s: float | None = None,
    sl_target: float | None = None,
    asa_target_s: float | None = None,
    pw_target: float | None = None,
    max_occupancy: Number | None = None,
) -> ChatResult:
    """Agents for chat as ``concurrency`` slots each (``chat_aht_s`` measured at it).

    With ``agents`` given, evaluates that staffing instead of solving.
    """
    inputs.non_negative(volume, name="volume")
    aht = inputs.positive(chat_aht_s, name="chat_aht_s")
    c = inputs.whole(concurrency, name="concurrency", minimum=1)
    load = offered_load(volume=volume, interval_s=interval_s, aht_s=chat_aht_s)
    if agents is None:
        targets = _targets(
            {
                "target_s": target_s,
                "sl_target": sl_target,
                "asa_target_s": asa_target_s,
                "pw_target": pw_target,
                "max_occupancy": max_occupancy,
            }
        )
        slots = erlang_c_agents_for_load(load_erlangs=load, aht_s=aht, targets=targets)
        people = ceil_fraction(Fraction(slots, c))
    else:
        people = inputs.whole(agents, name="agents")
        slots = None
    queue = erlang_c_metrics(agents=people * c, load_erlangs=load, aht_s=aht, target_s=target_s)
    return ChatResult("chat_slots", people, c, slots, None, None, queue)


def chat_aht_divide(
    *,
    volume: Number,
    interval_s: Number,
    chat_aht_s: Number,
    concurrency: int | None = None,
    factor: Number | None = None,
    factor_table: Literal["cch"] | None = None,
    agents: int | None = None,
    target_s: float | None = None,
    sl_target: float | None = None,
    asa_target_s: float | None = None,
    pw_target: float | None = None,
    max_occupancy: Number | None = None,
) -> ChatResult:
    """Agents for chat by dividing the chat handle time by a concurrency factor.

    Give ``factor`` (e.g. 1.7), or ``factor_table="cch"`` with ``concurrency`` 1 to 5.
    """
    inputs.non_negative(volume, name="volume")
    inputs.positive(chat_aht_s, name="chat_aht_s")
    c = None if concurrency is None else inputs.whole(concurrency, name="concurrency", minimum=1)
    if (factor is None) == (factor_table is None):
        raise StaffingInputError("give exactly one of factor or factor_table ('cch')")
    if factor_table is not None:
        if factor_table != "cch":
            raise StaffingInputError("factor_table must be 'cch' (Call Centre Helper)")
        if c is None:
            raise StaffingInputError("factor_table 'cch' needs concurrency (1 to 5)")
        f = cch_factor(c)
    else:
        inputs.positive(factor, name="factor")
        f = to_fraction(factor, name="factor")  # type: ignore[arg-type]
        if f < 1:
            raise StaffingInputError("factor must be >= 1 (1 means one chat at a time)")
        if c is not None and f > c:
            raise StaffingInputError("factor cannot exceed the concurrency")
    effective = to_fraction(chat_aht_s, name="chat_aht_s") / f
    load = offered_load(volume=volume, interval_s=interval_s, aht_s=effective)
    if agents is None:
        targets = _targets(
            {
                "target_s": target_s,
                "sl_target": sl_target,
                "asa_target_s": asa_target_s,
                "pw_target": pw_target,
                "max_occupancy": max_occupancy,
            }
        )
        people = erlang_c_agents_for_load(
            load_erlangs=load, aht_s=float(effective), targets=targets
        )
    else:
        people = inputs.whole(agents, name="agents")
    queue = erlang_c_metrics(
        agents=people, load_erlangs=load, aht_s=float(effective), target_s=target_s
    )
    return ChatResult("chat_aht_divide", people, c or 1, None, float(effective), float(f), queue)
