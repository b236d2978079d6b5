"""Triage speed: messages/s through analyze() one at a time, topic-prediction latency.

    .venv/bin/python bench/triage_bench.py [--messages 3000] [--rounds 5] [--encoder e5]

Prints medians over rounds; the first call (building the lingua detector and loading the
morphology dictionaries) is timed separately.  Every figure is given as wall-clock time and
as CPU time of this process (``time.process_time``): on a shared, loaded machine only the
second says what one core does.  Messages are synthetic support lines in
several languages, some with PII, laughter or abuse.  They repeat a small vocabulary, so
the per-word caches (lemmas, abuse verdicts) are warm: a live desk with a wider vocabulary
will be somewhat slower until its caches fill.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unidesk.config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from unidesk.triage.analyze import analyze
from unidesk.triage.classifier import train
from unidesk.triage.encoder import get_encoder

BASE = [
    "Здравствуйте, у меня списали деньги дважды за заказ {n}, верните пожалуйста",
    "Моя карта 4111 1111 1111 1111 заблокирована, срочно помогите",
    "Приложение не работает уже третий день, вы идиоты что ли",
    "хахаха спасибо, всё получилось {n}",
    "My card was charged twice for order {n}, please refund",
    "I can't log in since yesterday, this is the third time I write",
    "Thanks a lot, great support! 😂",
    "Oi, meu pedido {n} não chegou ainda kkkkk",
    "Hola, quiero un reembolso de mi pedido {n}",
    "Call me at +7 912 345-67-89 about ticket {n}",
    "Добрий день, у мене проблема з карткою",
    "Merhaba, siparişim {n} nerede?",
    "ok",
    "с у к а, где мои деньги",
]
TOPIC_ROWS = [
    ("my card was charged twice", "payments"), ("refund my payment", "payments"),
    ("списали деньги дважды", "payments"), ("верните деньги", "payments"),
    ("where is my parcel", "delivery"), ("курьер не приехал", "delivery"),
    ("где моя посылка", "delivery"), ("the package never arrived", "delivery"),
    ("I cannot log in", "login"), ("не могу войти", "login"),
    ("reset my password", "login"), ("не приходит код", "login"),
]  # fmt: skip


def messages(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = ["", " please", " !!", " срочно", " again", " опять", " obrigado", " today"]
    return [
        rng.choice(BASE).format(n=rng.randint(10_000, 99_999)) + rng.choice(words)
        for _ in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--encoder", help="also time topic prediction with this encoder (e5)")
    args = parser.parse_args()
    print(f"load average at start: {load_average()}")

    started = time.perf_counter()
    analyze("Здравствуйте, hello")
    print(f"first analyze() call (builds detector, loads dictionaries): "
          f"{time.perf_counter() - started:.2f} s")  # fmt: skip

    rates = []
    cpu_rates = []
    latencies: list[float] = []
    for round_number in range(args.rounds):
        batch = messages(args.messages, seed=round_number)
        began, cpu = time.perf_counter(), time.process_time()
        for text in batch:
            one = time.perf_counter()
            analyze(text)
            latencies.append(time.perf_counter() - one)
        rates.append(len(batch) / (time.perf_counter() - began))
        cpu_rates.append(len(batch) / (time.process_time() - cpu))
    latencies.sort()
    cpu_rate = statistics.median(cpu_rates)
    print(f"analyze(): median {statistics.median(rates):,.0f} messages/s wall clock, "
          f"{cpu_rate:,.0f} per CPU-second of this process ({1e6 / cpu_rate:,.0f} us CPU "
          f"per message), over {args.rounds} rounds of {args.messages}; per message p50 "
          f"{1e3 * latencies[len(latencies) // 2]:.3f} ms, p99 "
          f"{1e3 * latencies[int(len(latencies) * 0.99)]:.3f} ms wall")  # fmt: skip

    rows = [(text + suffix, label) for text, label in TOPIC_ROWS for suffix in ("", " pls", "!")]
    texts = messages(1000, seed=99)
    for encoder in [None, *([args.encoder] if args.encoder else [])]:
        with tempfile.TemporaryDirectory() as directory:
            model, _ = train(rows * 4, out=directory, encoder=encoder)
        model.predict(texts[0])
        times = []
        cpu = time.process_time()
        for text in texts:
            one = time.perf_counter()
            model.predict(text)
            times.append(time.perf_counter() - one)
        cpu_ms = 1e3 * (time.process_time() - cpu) / len(texts)
        times.sort()
        name = f"TF-IDF + linear + encoder {encoder}" if encoder else "TF-IDF + linear, no encoder"
        print(f"topic predict() one at a time ({name}): median "
              f"{1e3 * statistics.median(times):.3f} ms, p99 "
              f"{1e3 * times[int(len(times) * 0.99)]:.3f} ms wall clock; "
              f"{cpu_ms:.3f} ms CPU per message")  # fmt: skip
    if args.encoder:
        encoder_alone(args.encoder, texts)
    print(f"load average at end: {load_average()}")


def load_average() -> str:
    """The 1-minute load average (the machine is shared: say how busy it was)."""
    try:
        with open("/proc/loadavg") as loadavg:
            return loadavg.read().split()[0]
    except OSError:
        return "unknown"


def encoder_alone(name: str, texts: list[str]) -> None:
    """The encoder without the cache of recent texts: distinct short lines, then long ones."""
    encoder = get_encoder(name)
    distinct = list(dict.fromkeys(texts))[:200]
    long = [" ".join(distinct[i : i + 20])[:1000] for i in range(0, 200, 20)]
    encoder.encode([distinct[0]])
    for label, batch in (("distinct short messages", distinct), ("1,000-character texts", long)):
        began, cpu = time.perf_counter(), time.process_time()
        for text in batch:
            encoder.encode([text])
        cpu_ms = 1e3 * (time.process_time() - cpu) / len(batch)
        wall_ms = 1e3 * (time.perf_counter() - began) / len(batch)
        print(f"encoder {name} alone, one at a time, no cache, {len(batch)} {label} "
              f"(mean {statistics.mean(len(t) for t in batch):.0f} characters): "
              f"{cpu_ms:.1f} ms CPU, {wall_ms:.1f} ms wall per message")  # fmt: skip


if __name__ == "__main__":
    main()
