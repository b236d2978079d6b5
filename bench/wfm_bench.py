"""Staffing benchmarks: the maths alone, then the week's plan end to end from tickets.

Usage (from the repository root):
    .venv/bin/python bench/wfm_bench.py [--runs 50] [--db sqlite|postgres|none]

Maths (no database):
1. Agents required for 96 intervals x 3 channels (voice Erlang C, chat slots, email
   workload), vectorised: volumes -> raw agents only.
2. A one-week plan from given volumes (7 x 96 intervals x 3 channels): volumes -> raw
   agents -> scheduled agents (exact shrinkage) with SL, ASA and occupancy per interval.
3. The forecast of one channel from 8 weeks x 48 half hours: fit, back-test, next week.
4. One channel's week under Erlang A (336 half hours, scalar solver per interval).

End to end (a fresh database, var/wfm_bench.sqlite3 or the PostgreSQL database
`unidesk_wfm_bench` on 127.0.0.1): the demo's eight weeks of tickets on three channels
(about 21,600) plus a manual-profile channel, then `get_week_plan`: the grouped count of
the history (SQL), forecast with back-test per channel, plan with the roster (Erlang A
phone, chat slots, email workload + FIFO, chat divided AHT), and the staffing page
rendered through the Django test client.

Prints medians (and p90) in milliseconds; figures go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from unidesk.wfm import forecast as fc  # noqa: E402
from unidesk.wfm.erlang_c import erlang_c_agents_array  # noqa: E402
from unidesk.wfm.intervals import (  # noqa: E402
    chat_slot_intervals,
    voice_intervals,
    workload_intervals,
)
from unidesk.wfm.plan import ChannelSettings, plan_channel  # noqa: E402

INTERVAL_S = 900  # 15-minute intervals, 96 a day


def day_profile(peak: float, rng: np.random.Generator) -> np.ndarray:
    """A two-hump weekday profile with noise (contacts per 15 minutes)."""
    t = np.arange(96) / 4.0
    shape = np.exp(-((t - 11) ** 2) / 6) + 0.8 * np.exp(-((t - 15.5) ** 2) / 5) + 0.03
    return np.round(peak * shape / shape.max() * rng.uniform(0.9, 1.1, 96), 1)


def week(peak: float, rng: np.random.Generator) -> np.ndarray:
    return np.concatenate([day_profile(peak * (0.5 if d >= 5 else 1.0), rng) for d in range(7)])


def agents_only(voice: np.ndarray, chat: np.ndarray, email: np.ndarray) -> None:
    erlang_c_agents_array(
        volume=voice,
        interval_s=INTERVAL_S,
        aht_s=240,
        target_s=20,
        sl_target=0.8,
        max_occupancy=0.85,
    )
    slots = erlang_c_agents_array(
        volume=chat,
        interval_s=INTERVAL_S,
        aht_s=600,
        target_s=60,
        sl_target=0.8,
        max_occupancy=0.85,
    )
    _ = -(-slots // 3)
    workload_intervals(volume=email, interval_s=INTERVAL_S, aht_s=420, max_occupancy=0.85)


def plan(voice: np.ndarray, chat: np.ndarray, email: np.ndarray) -> int:
    v = voice_intervals(
        volume=voice,
        interval_s=INTERVAL_S,
        aht_s=240,
        target_s=20,
        sl_target=0.8,
        max_occupancy=0.85,
        shrinkage=0.32,
    )
    c = chat_slot_intervals(
        volume=chat,
        interval_s=INTERVAL_S,
        chat_aht_s=600,
        concurrency=3,
        target_s=60,
        sl_target=0.8,
        max_occupancy=0.85,
        shrinkage=0.32,
    )
    e = workload_intervals(
        volume=email, interval_s=INTERVAL_S, aht_s=420, max_occupancy=0.85, shrinkage=0.32
    )
    return int(v.scheduled_agents.sum() + c.scheduled_agents.sum() + e.scheduled_agents.sum())


def history_grid(rng: np.random.Generator) -> fc.DayGrid:
    """Eight weeks of Poisson half-hour counts: weekday factors, two humps, +2 % a week."""
    t = np.arange(48) / 2.0
    shape = np.exp(-((t - 11) ** 2) / 6) + 0.8 * np.exp(-((t - 15.5) ** 2) / 5) + 0.03
    shape /= shape.sum()
    weekdays = np.array([1.0, 0.95, 0.92, 0.9, 0.85, 0.45, 0.35])
    days = np.arange(56)
    daily = 300 * (1 + 0.02 * days / 7) * weekdays[days % 7]
    return fc.DayGrid.of(start=date(2026, 1, 5), counts=rng.poisson(daily[:, None] * shape))


def forecast_week(grid: fc.DayGrid) -> float:
    profile = fc.fit_weekly_profile(grid)
    fc.backtest(grid, holdout_weeks=2)
    return float(fc.forecast_days(profile, start=date(2026, 3, 2), days=7).sum())


PHONE_A = ChannelSettings(
    channel="phone",
    model="erlang_a",
    aht_s=240,
    shrinkage=0.3,
    target_s=20,
    sl_target=0.8,
    max_occupancy=0.85,
    patience_s=120,
    max_abandon=0.05,
)


def erlang_a_week(volumes: np.ndarray) -> int:
    plan = plan_channel(settings=PHONE_A, volume=volumes, interval_s=1800)
    return int(plan.scheduled_required.sum())


def prepare_database(kind: str) -> None:
    """A fresh database with the demo desk and its eight weeks of staffing history."""
    if kind == "sqlite":
        path = ROOT / "var" / "wfm_bench.sqlite3"
        path.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS unidesk_wfm_bench")
            c.execute("CREATE DATABASE unidesk_wfm_bench")
        url = "postgres://postgres@127.0.0.1:5432/unidesk_wfm_bench"
    os.environ.update(
        {
            "UNIDESK_DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "unidesk.config.settings",
            "UNIDESK_LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    from unidesk.ops import demo

    call_command("migrate", verbosity=0)
    demo.seed_config()
    started = time.perf_counter()
    created = demo.seed_staffing()
    if kind == "postgres":
        from django.db import connection

        with connection.cursor() as c:
            c.execute("ANALYZE")
    print(f"  seeded {created:,} history tickets in {time.perf_counter() - started:.1f} s")


def end_to_end(kind: str, runs: int) -> None:
    prepare_database(kind)
    from django.test import Client

    from unidesk.accounts.models import User
    from unidesk.core.time import now
    from unidesk.wfm.selectors import count_contacts, get_week_plan

    plan = get_week_plan(week=None, at=now())
    week = plan.week
    for c in plan.channels:
        acc = c.forecast.accuracy
        figures = (
            f"WAPE {acc.wape:.1%} (chance {acc.chance_wape:.1%}), daily MAPE {acc.daily_mape:.1%}"
            if acc and acc.wape is not None and acc.chance_wape is not None and acc.daily_mape
            else "no back-test"
        )
        print(f"  {c.channel:<9} {c.forecast.source:<8} {figures}")
    start = week.start - timedelta(days=56)
    measure(
        f"history counts, 8 weeks, grouped SQL ({kind})",
        lambda: count_contacts(start=start, days=56, time_zone=week.time_zone, interval_minutes=30),
        runs,
    )
    measure(
        f"one-week plan end to end, 4 channels ({kind})",
        lambda: get_week_plan(week=None, at=now()),
        runs,
    )
    client = Client()
    client.force_login(User.objects.get(username="lena"))
    measure(
        f"staffing page, phone, through Django ({kind})",
        lambda: client.get("/staffing/", {"channel": "phone"}),
        runs,
    )


def measure(name: str, fn: Callable[[], object], runs: int) -> None:
    """Median and p90 of wall-clock time, and the median CPU time of this process.

    On a shared machine the wall clock includes waiting for a core; the CPU time does not
    (but it misses work done by another process, such as the PostgreSQL server).
    """
    fn()  # warm-up
    samples, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    samples.sort()
    p90 = samples[min(len(samples) - 1, int(0.9 * len(samples)))]
    print(
        f"  {name:<58} median {statistics.median(samples):7.2f} ms   p90 {p90:7.2f} ms"
        f"   cpu {statistics.median(cpu):7.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--db", choices=["sqlite", "postgres", "none"], default="sqlite")
    args = parser.parse_args()
    runs = args.runs
    rng = np.random.default_rng(2026)
    voice, chat, email = week(180, rng), week(90, rng), week(60, rng)
    day = (voice[:96], chat[:96], email[:96])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"wfm bench: {runs} runs, numpy {np.__version__}, python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores, load average {load:.1f}"
    )
    print(f"  peak voice {voice.max():.0f}/15 min, chat {chat.max():.0f}, email {email.max():.0f}")
    measure(
        "agents required, 96 intervals x 3 channels (vectorised)", lambda: agents_only(*day), runs
    )
    measure(
        "one-week plan, 7 x 96 intervals x 3 channels, end to end",
        lambda: plan(voice, chat, email),
        runs,
    )
    print(f"  scheduled agent-intervals in the week: {plan(voice, chat, email)}")
    grid = history_grid(rng)
    measure(
        "forecast: fit + 2-week back-test + next week, 8 weeks x 48",
        lambda: forecast_week(grid),
        runs,
    )
    half_hours = voice.reshape(-1, 2).sum(axis=1) / 3
    measure("Erlang A week, 336 half hours, one channel", lambda: erlang_a_week(half_hours), runs)
    if args.db != "none":
        end_to_end(args.db, max(5, runs // 5))


if __name__ == "__main__":
    main()
