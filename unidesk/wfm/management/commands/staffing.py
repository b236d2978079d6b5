"""`unidesk staffing calc` (JSON lines in, JSON lines out) and human tables per model.

    unidesk staffing calc < scenarios.jsonl > results.jsonl
    unidesk staffing erlang-c --volume 100 --interval-s 1800 --aht-s 180 \
        --target-s 20 --sl-target 0.8 --max-occupancy 0.85 --shrinkage 0.3
    unidesk staffing erlang-a ... --patience-s 300
    unidesk staffing chat --model slots --chat-aht-s 600 --concurrency 3 ...
    unidesk staffing email --volume 40 --interval-s 3600 --aht-s 300
    unidesk staffing email --arrivals 40,60,10 --staff 3,3,3 --interval-s 3600 --aht-s 300

Pure computation: parse, call unidesk.wfm, print. No database access.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from unidesk.wfm.errors import StaffingInputError
from unidesk.wfm.scenario import run_lines, run_scenario

_TARGETS = (
    ("--target-s", "target_s", float, "answer within this many seconds (for --sl-target)"),
    ("--sl-target", "sl_target", float, "share answered within --target-s, 0.8 for 80%"),
    ("--asa-target-s", "asa_target_s", float, "maximum average speed of answer, seconds"),
    ("--pw-target", "pw_target", float, "maximum probability of waiting"),
    ("--max-occupancy", "max_occupancy", float, "maximum occupancy, 0.85 for 85%"),
)


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",") if v.strip()]


class Command(BaseCommand):
    help = "Staffing: agents required per interval (Erlang C, Erlang A, chat, email)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        calc = sub.add_parser("calc", help="Read JSON-lines scenarios, write JSON-lines results.")
        calc.add_argument("--input", help="Read scenarios from this file instead of stdin.")

        voice = sub.add_parser("erlang-c", help="Voice without abandonment (Erlang C).")
        self._common(voice)
        self._queue_targets(voice)

        patient = sub.add_parser("erlang-a", help="Voice with abandonment (Erlang A).")
        self._common(patient)
        self._queue_targets(patient)
        patient.add_argument("--patience-s", type=float, help="mean patience, seconds")
        patient.add_argument("--abandon-rate", type=float, help="observed abandon rate")
        patient.add_argument("--mean-wait-s", type=float, help="observed mean wait of all, s")
        patient.add_argument("--max-abandon", type=float, help="maximum abandon rate")
        patient.add_argument(
            "--sl-definition",
            default="offered",
            choices=["offered", "answered", "wait_le_t", "excl_short_abandons"],
        )

        talk = sub.add_parser("chat", help="Chat with concurrency (slots or divided AHT).")
        talk.add_argument("--model", choices=["slots", "divide"], default="slots")
        talk.add_argument("--volume", type=float, required=True, help="chats per interval")
        talk.add_argument("--interval-s", type=float, default=1800.0)
        talk.add_argument("--chat-aht-s", type=float, required=True, help="chat duration, s")
        talk.add_argument("--concurrency", type=int, help="chats per agent at once")
        talk.add_argument("--factor", type=float, help="divide model: explicit factor")
        talk.add_argument("--factor-table", choices=["cch"], help="divide model: CCH table")
        talk.add_argument("--agents", type=int, help="evaluate this staffing")
        talk.add_argument("--shrinkage", type=float, default=0.0)
        self._queue_targets(talk)

        mail = sub.add_parser("email", help="Email: workload staffing or a FIFO backlog.")
        mail.add_argument("--volume", type=float, help="items per interval (workload)")
        mail.add_argument("--arrivals", type=_floats, help="items per interval, comma-separated")
        mail.add_argument("--staff", type=_floats, help="agents per interval, comma-separated")
        mail.add_argument("--initial-backlog", type=float, default=0.0)
        mail.add_argument("--interval-s", type=float, default=3600.0)
        mail.add_argument("--aht-s", type=float, required=True)
        mail.add_argument("--max-occupancy", type=float)
        mail.add_argument("--target-s", type=float)
        mail.add_argument("--shrinkage", type=float, default=0.0)

    @staticmethod
    def _common(p: ArgumentParser) -> None:
        p.add_argument("--volume", type=float, required=True, help="contacts per interval")
        p.add_argument("--interval-s", type=float, default=1800.0, help="interval, seconds")
        p.add_argument("--aht-s", type=float, required=True, help="average handle time, s")
        p.add_argument("--shrinkage", type=float, default=0.0, help="0.3 for 30%%")
        p.add_argument("--agents", type=int, help="evaluate this staffing instead of solving")

    @staticmethod
    def _queue_targets(p: ArgumentParser) -> None:
        for flag, dest, kind, text in _TARGETS:
            p.add_argument(flag, dest=dest, type=kind, help=text)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "calc":
            self._calc(options)
            return
        try:
            if action == "email":
                self._email(options)
            else:
                self._queue_table(action, options)
        except StaffingInputError as exc:
            raise CommandError(str(exc)) from exc

    def _calc(self, options: dict[str, Any]) -> None:
        if options.get("input"):
            with open(options["input"], encoding="utf-8") as lines:
                for out in run_lines(lines):
                    self.stdout.write(out)
            return
        for out in run_lines(options.get("stdin") or sys.stdin):
            self.stdout.write(out)

    @staticmethod
    def _pick(options: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
        return {k: options[k] for k in keys if options.get(k) is not None}

    def _queue_table(self, action: str, options: dict[str, Any]) -> None:
        targets = tuple(dest for _, dest, _, _ in _TARGETS)
        if action == "erlang-c":
            model = "erlang_c"
            keys = ("volume", "interval_s", "aht_s", "shrinkage", "agents", *targets)
        elif action == "erlang-a":
            model = "erlang_a"
            keys = ("volume", "interval_s", "aht_s", "shrinkage", "agents", *targets)
            keys += ("patience_s", "abandon_rate", "mean_wait_s", "max_abandon", "sl_definition")
        else:
            model = "chat_slots" if options["model"] == "slots" else "chat_aht_divide"
            keys = ("volume", "interval_s", "chat_aht_s", "concurrency", "shrinkage", "agents")
            keys += targets
            if model == "chat_aht_divide":
                keys += ("factor", "factor_table")
        scenario = {"model": model, **self._pick(options, keys)}
        best = run_scenario(scenario)
        self._summary(best)
        lo = max(1, best["raw_agents"] - 3)
        rows = [run_scenario({**scenario, "agents": n}) for n in range(lo, best["raw_agents"] + 4)]
        self._table(rows, best["raw_agents"], abandon=model == "erlang_a")

    def _summary(self, r: dict[str, Any]) -> None:
        self.stdout.write(f"model               {r['model']}")
        self.stdout.write(f"offered load        {r['offered_load_erlangs']:.4f} Erlangs")
        if "slots_required" in r:
            self.stdout.write(f"slots required      {r['slots_required']}")
        if "effective_aht_s" in r:
            self.stdout.write(f"effective AHT       {r['effective_aht_s']:.1f} s")
        self.stdout.write(f"agents (raw)        {r['raw_agents']}")
        self.stdout.write(f"agents (scheduled)  {r['scheduled_agents']}  (after shrinkage)")
        self.stdout.write("")

    def _table(self, rows: list[dict[str, Any]], chosen: int, *, abandon: bool) -> None:
        head = f"{'agents':>6}  {'SL':>8}  {'ASA s':>9}  {'P(wait)':>8}  {'occupancy':>9}"
        if abandon:
            head += f"  {'P(abandon)':>10}"
        self.stdout.write(head)
        for r in rows:
            sl = "-" if r.get("sl") is None else f"{r['sl']:.4f}"
            asa = r.get("asa_s", r.get("asa_served_s"))
            asa_text = "inf" if asa in ("inf", float("inf")) else f"{asa:.2f}"
            line = (
                f"{r['raw_agents']:>6}  {sl:>8}  {asa_text:>9}  {r['p_wait']:>8.4f}"
                f"  {r['occupancy']:>9.4f}"
            )
            if abandon:
                line += f"  {r['p_abandon']:>10.4f}"
            if not r.get("stable", True):
                line += "  unstable"
            if r["raw_agents"] == chosen:
                line += "  <- required"
            self.stdout.write(line)

    def _email(self, options: dict[str, Any]) -> None:
        if options.get("arrivals") is not None:
            if options.get("volume") is not None:
                raise CommandError("give --volume (workload) or --arrivals/--staff (FIFO)")
            keys = ("arrivals", "staff", "interval_s", "aht_s", "shrinkage", "initial_backlog")
            r = run_scenario({"model": "email_fifo", **self._pick(options, keys)})
            self.stdout.write(f"{'interval':>8}  {'backlog at end':>14}")
            for i, left in enumerate(r["backlog_items_at_interval_end"], start=1):
                self.stdout.write(f"{i:>8}  {left:>14.2f}")
            worst = r["worst_response_s"]
            if worst is None:
                self.stdout.write("worst response      unknown: the horizon ends with work left")
            else:
                self.stdout.write(f"worst response      {worst:.0f} s ({worst / 3600:.2f} h)")
            return
        if options.get("volume") is None:
            raise CommandError("give --volume (workload) or --arrivals and --staff (FIFO)")
        keys = ("volume", "interval_s", "aht_s", "shrinkage", "max_occupancy", "target_s")
        r = run_scenario({"model": "email_workload", **self._pick(options, keys)})
        self._summary(r)
        self.stdout.write(f"occupancy           {r['occupancy']:.4f}")
