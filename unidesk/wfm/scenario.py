"""The batch interface: one scenario (a JSON object) in, one result (a JSON object) out.

``run_scenario`` validates the keys of one scenario, calls the model and returns a plain
dict; ``run_lines`` does it for JSON lines, one result line per input line, an ``error`` key
on a line that is invalid or infeasible without stopping the others. Infinite values are
written as the string ``"inf"`` so every line is strict JSON.

Scenario keys (times in seconds, shares as fractions: 0.8 for 80%):

``model`` (required): ``erlang_c``, ``erlang_a``, ``chat_slots``, ``chat_aht_divide``,
``email_workload`` or ``email_fifo``; ``id`` (optional, echoed back); ``volume`` contacts per
interval; ``interval_s``; ``aht_s``; ``target_s``; ``sl_target``; ``asa_target_s``;
``pw_target``; ``max_occupancy``; ``shrinkage``; ``patience_s`` (or ``abandon_rate`` with
``mean_wait_s``, the observed mean wait of all contacts); ``max_abandon``;
``sl_definition``; ``concurrency``; ``chat_aht_s``; ``factor`` or ``factor_table`` (``"cch"``);
``agents`` (evaluate this staffing instead of solving); ``arrivals`` and ``staff`` (lists per
interval, ``email_fifo``) and ``initial_backlog``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from unidesk.wfm import backlog, chat, erlang_a, erlang_c, inputs
from unidesk.wfm.errors import StaffingInputError
from unidesk.wfm.exact import scheduled_agents

MODELS = (
    "erlang_c",
    "erlang_a",
    "chat_slots",
    "chat_aht_divide",
    "email_workload",
    "email_fifo",
)

_QUEUE_TARGETS = {"target_s", "sl_target", "asa_target_s", "pw_target", "max_occupancy"}
_COMMON = {"id", "model", "shrinkage"}
ALLOWED_KEYS: dict[str, frozenset[str]] = {
    "erlang_c": frozenset(_COMMON | _QUEUE_TARGETS | {"volume", "interval_s", "aht_s", "agents"}),
    "erlang_a": frozenset(
        _COMMON
        | _QUEUE_TARGETS
        | {"volume", "interval_s", "aht_s", "agents", "patience_s", "abandon_rate"}
        | {"mean_wait_s", "max_abandon", "sl_definition"}
    ),
    "chat_slots": frozenset(
        _COMMON
        | _QUEUE_TARGETS
        | {"volume", "interval_s", "chat_aht_s", "aht_s"}
        | {"concurrency", "agents"}
    ),
    "chat_aht_divide": frozenset(
        _COMMON
        | _QUEUE_TARGETS
        | {"volume", "interval_s", "chat_aht_s", "aht_s"}
        | {"concurrency", "agents", "factor", "factor_table"}
    ),
    "email_workload": frozenset(
        _COMMON | {"volume", "interval_s", "aht_s", "max_occupancy", "target_s", "agents"}
    ),
    "email_fifo": frozenset(
        _COMMON | {"arrivals", "staff", "interval_s", "aht_s", "initial_backlog"}
    ),
}


def run_scenario(scenario: Mapping[str, Any]) -> dict[str, Any]:
    """Solve or evaluate one scenario; raises StaffingInputError for invalid input."""
    model = scenario.get("model")
    if model not in MODELS:
        raise StaffingInputError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    unknown = sorted(set(scenario) - ALLOWED_KEYS[model])
    if unknown:
        raise StaffingInputError(f"{', '.join(unknown)} does not apply to model {model}")
    s = dict(scenario)
    shrinkage = s.get("shrinkage", 0)
    inputs.shrinkage_fraction(shrinkage)
    result: dict[str, Any] = {"model": model}
    if "id" in s:
        result = {"id": s["id"], **result}
    body = _DISPATCH[model](s)
    if "raw_agents" in body:
        body = {
            "raw_agents": body["raw_agents"],
            "scheduled_agents": scheduled_agents(
                raw_agents=body["raw_agents"], shrinkage=shrinkage
            ),
            **{k: v for k, v in body.items() if k != "raw_agents"},
        }
    result.update(body)
    return result


def _need(s: Mapping[str, Any], key: str) -> Any:
    if s.get(key) is None:
        raise StaffingInputError(f"{key} is required for model {s['model']}")
    return s[key]


def _targets(s: Mapping[str, Any]) -> dict[str, Any]:
    return {k: s.get(k) for k in sorted(_QUEUE_TARGETS)}


def _agents(s: Mapping[str, Any]) -> int | None:
    value = s.get("agents")
    return None if value is None else inputs.whole(value, name="agents")


def _erlang_c(s: Mapping[str, Any]) -> dict[str, Any]:
    common = {
        "volume": _need(s, "volume"),
        "interval_s": _need(s, "interval_s"),
        "aht_s": _need(s, "aht_s"),
    }
    agents = _agents(s)
    if agents is None:
        agents = erlang_c.erlang_c_agents(**common, **_targets(s))
    r = erlang_c.evaluate_erlang_c(agents=agents, target_s=s.get("target_s"), **common)
    return {
        "raw_agents": agents,
        "offered_load_erlangs": r.load_erlangs,
        "p_wait": r.p_wait,
        "sl": r.sl,
        "asa_s": r.asa_s,
        "occupancy": r.occupancy,
        "stable": r.stable,
    }


def _patience(s: Mapping[str, Any]) -> float:
    if s.get("patience_s") is not None:
        if s.get("abandon_rate") is not None:
            raise StaffingInputError("give patience_s or abandon_rate with mean_wait_s, not both")
        return inputs.positive(s["patience_s"], name="patience_s")
    if s.get("abandon_rate") is not None:
        if s.get("mean_wait_s") is None:
            raise StaffingInputError("abandon_rate needs mean_wait_s (observed mean wait of all)")
        return erlang_a.patience_from_abandon_rate(
            abandon_rate=s["abandon_rate"], mean_wait_s=s["mean_wait_s"]
        )
    raise StaffingInputError("erlang_a needs patience_s, or abandon_rate with mean_wait_s")


def _erlang_a(s: Mapping[str, Any]) -> dict[str, Any]:
    common = {
        "volume": _need(s, "volume"),
        "interval_s": _need(s, "interval_s"),
        "aht_s": _need(s, "aht_s"),
        "patience_s": _patience(s),
    }
    definition: erlang_a.SlDefinition = s.get("sl_definition") or "offered"
    if definition not in erlang_a.SL_DEFINITIONS:
        raise StaffingInputError(
            f"sl_definition must be one of {', '.join(erlang_a.SL_DEFINITIONS)}"
        )
    agents = _agents(s)
    if agents is None:
        agents = erlang_a.erlang_a_agents(
            **common, **_targets(s), sl_definition=definition, max_abandon=s.get("max_abandon")
        )
    r = erlang_a.evaluate_erlang_a(agents=agents, target_s=s.get("target_s"), **common)
    return {
        "raw_agents": agents,
        "offered_load_erlangs": r.load_erlangs,
        "patience_s": r.patience_s,
        "p_wait": r.p_wait,
        "sl": r.sl(definition),
        "sl_offered": r.sl_offered,
        "sl_answered": r.sl_answered,
        "sl_wait_le_t": r.sl_wait_le_t,
        "sl_excl_short_ab": r.sl_excl_short_ab,
        "asa_served_s": r.asa_served_s,
        "mean_wait_all_s": r.mean_wait_all_s,
        "p_abandon": r.p_abandon,
        "occupancy": r.occupancy,
        "stable": True,
    }


def _chat_aht(s: Mapping[str, Any]) -> Any:
    if s.get("chat_aht_s") is not None and s.get("aht_s") is not None:
        raise StaffingInputError("give chat_aht_s (or aht_s), not both")
    value = s.get("chat_aht_s", s.get("aht_s"))
    if value is None:
        raise StaffingInputError(f"chat_aht_s is required for model {s['model']}")
    return value


def _chat_body(r: chat.ChatResult) -> dict[str, Any]:
    body: dict[str, Any] = {
        "raw_agents": r.raw_agents,
        "offered_load_erlangs": r.queue.load_erlangs,
    }
    if r.model == "chat_slots":
        body["slots_required"] = r.slots_required
    else:
        body["effective_aht_s"] = r.effective_aht_s
    body.update(
        {
            "p_wait": r.queue.p_wait,
            "sl": r.queue.sl,
            "asa_s": r.queue.asa_s,
            "occupancy": r.queue.occupancy,
            "stable": r.queue.stable,
        }
    )
    return body


def _chat_slots(s: Mapping[str, Any]) -> dict[str, Any]:
    r = chat.chat_slots(
        volume=_need(s, "volume"),
        interval_s=_need(s, "interval_s"),
        chat_aht_s=_chat_aht(s),
        concurrency=_need(s, "concurrency"),
        agents=_agents(s),
        **_targets(s),
    )
    return _chat_body(r)


def _chat_divide(s: Mapping[str, Any]) -> dict[str, Any]:
    r = chat.chat_aht_divide(
        volume=_need(s, "volume"),
        interval_s=_need(s, "interval_s"),
        chat_aht_s=_chat_aht(s),
        concurrency=s.get("concurrency"),
        factor=s.get("factor"),
        factor_table=s.get("factor_table"),
        agents=_agents(s),
        **_targets(s),
    )
    return _chat_body(r)


def _email_workload(s: Mapping[str, Any]) -> dict[str, Any]:
    agents = _agents(s)
    r = backlog.email_workload(
        volume=_need(s, "volume"),
        interval_s=_need(s, "interval_s"),
        aht_s=_need(s, "aht_s"),
        max_occupancy=1 if s.get("max_occupancy") is None else s["max_occupancy"],
        target_s=s.get("target_s"),
    )
    raw = r.raw_agents if agents is None else agents
    occupancy = r.occupancy if agents is None else (r.load_erlangs / raw if raw else None)
    return {
        "raw_agents": raw,
        "offered_load_erlangs": r.load_erlangs,
        "occupancy": occupancy,
        "stable": raw >= r.load_erlangs,
    }


def _email_fifo(s: Mapping[str, Any]) -> dict[str, Any]:
    arrivals, staff = _need(s, "arrivals"), _need(s, "staff")
    if not isinstance(arrivals, list) or not isinstance(staff, list):
        raise StaffingInputError("arrivals and staff must be lists (one number per interval)")
    r = backlog.email_fifo(
        arrivals=arrivals,
        staff=staff,
        interval_s=_need(s, "interval_s"),
        aht_s=_need(s, "aht_s"),
        shrinkage=s.get("shrinkage", 0),
        initial_backlog=s.get("initial_backlog", 0),
    )
    return {
        "worst_response_s": r.worst_response_s,
        "backlog_items_at_interval_end": r.backlog_items_at_interval_end,
    }


_DISPATCH = {
    "erlang_c": _erlang_c,
    "erlang_a": _erlang_a,
    "chat_slots": _chat_slots,
    "chat_aht_divide": _chat_divide,
    "email_workload": _email_workload,
    "email_fifo": _email_fifo,
}


def jsonable(value: Any) -> Any:
    """Infinite floats as ``"inf"``/``"-inf"``, NaN as null, recursively."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def run_line(line: str) -> dict[str, Any]:
    """One JSON line in, one result dict out (with ``error`` instead of raising)."""
    try:
        scenario = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"invalid JSON: {exc.msg} at column {exc.colno}"}
    if not isinstance(scenario, dict):
        return {"error": "each line must be a JSON object (one scenario)"}
    head = {k: scenario[k] for k in ("id", "model") if k in scenario}
    try:
        return jsonable(run_scenario(scenario))  # type: ignore[no-any-return]
    except StaffingInputError as exc:
        return {**jsonable(head), "error": str(exc)}
    except (ValueError, TypeError, ArithmeticError) as exc:
        return {**jsonable(head), "error": f"invalid input: {exc}"}


def run_lines(lines: Iterable[str]) -> Iterator[str]:
    """Results as JSON lines; blank input lines are skipped."""
    for line in lines:
        if line.strip():
            yield json.dumps(run_line(line), allow_nan=False)
