"""Staffing maths benchmarks: a day of intervals and a week-long plan, end to end.

Usage (from the repository root):
    .venv/bin/python bench/wfm_bench.py [--runs 50]

1. Agents required for 96 intervals x 3 channels (voice Erlang C, chat slots, email
   workload), vectorised: volumes -> raw agents only.
2. A one-week plan (7 x 96 intervals x 3 channels) end to end: volumes -> raw agents ->
   scheduled agents (exact shrinkage) with SL, ASA and occupancy per interval.
Prints medians (and p90) in milliseconds; figures go to bench/RESULTS.md. No database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from unidesk.wfm.erlang_c import erlang_c_agents_array
from unidesk.wfm.intervals import (
    chat_slot_intervals,
    voice_intervals,
    workload_intervals,
)

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


def measure(name: str, fn: Callable[[], object], runs: int) -> None:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p90 = samples[min(len(samples) - 1, int(0.9 * len(samples)))]
    print(f"  {name:<58} median {statistics.median(samples):7.2f} ms   p90 {p90:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    runs = parser.parse_args().runs
    rng = np.random.default_rng(2026)
    voice, chat, email = week(180, rng), week(90, rng), week(60, rng)
    day = (voice[:96], chat[:96], email[:96])
    print(f"wfm bench: {runs} runs, numpy {np.__version__}, python {sys.version.split()[0]}")
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


if __name__ == "__main__":
    main()
