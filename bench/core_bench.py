"""Core desk benchmarks: intake throughput, next-ticket and list latency at scale.

Usage (from the repository root):
    .venv/bin/python bench/core_bench.py --db sqlite   --tickets 100000
    .venv/bin/python bench/core_bench.py --db postgres --tickets 1000000

Each run builds a fresh database (var/bench.sqlite3, or the PostgreSQL database
`unidesk_bench` on 127.0.0.1), loads 50 queues and the waiting tickets in bulk, then prints
medians and p99s. Figures are recorded in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def database_url(kind: str) -> str:
    if kind == "sqlite":
        path = ROOT / "var" / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(
        PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
    ) as c:
        c.execute("DROP DATABASE IF EXISTS unidesk_bench")
        c.execute("CREATE DATABASE unidesk_bench")
    return "postgres://postgres@127.0.0.1:5432/unidesk_bench"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(name: str, samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    row = {"p50_ms": statistics.median(ms), "p99_ms": percentile(ms, 99), "n": len(ms)}
    print(f"  {name:<44} p50 {row['p50_ms']:8.2f} ms   p99 {row['p99_ms']:8.2f} ms   (n={len(ms)})")
    return row


def setup_desk(queue_count: int) -> None:
    from unidesk.accounts.models import Role, User
    from unidesk.ops import demo
    from unidesk.queues.models import Queue, Strategy, Urgency

    demo.seed_config()
    strategies = [Strategy.FIFO, Strategy.LIFO, Strategy.SLA, Strategy.HYBRID]
    base = list(Queue.objects.all())
    for i in range(queue_count - len(base)):
        Queue.objects.create(
            name=f"Bench queue {i}",
            slug=f"bench-{i}",
            strategy=strategies[i % 4],
            urgency=[Urgency.URGENT, Urgency.NORMAL, Urgency.NORMAL, Urgency.BACKGROUND][i % 4],
            sla_policy=base[0].sla_policy,
        )
    queues = list(Queue.objects.all())
    for n in range(4):
        agent = User.objects.create_user(f"bench{n}", password="x", role=Role.AGENT)
        # each agent works 10 queues of mixed urgency; the last one works all 50
        agent.skills.set(queues if n == 3 else queues[n * 10 : n * 10 + 10])


def bench_intake(count: int) -> float:
    from unidesk.intake.inbound import InboundMessage
    from unidesk.intake.receive import receive

    def one(i: int) -> None:
        receive(
            InboundMessage(
                channel="api",
                external_id=f"bench-intake-{i}",
                identities=(("email", f"customer{i % 500}@example.com"),),
                subject="Payment question",
                text=f"I paid for order {i} twice, please refund.",
                thread_by_sender=False,
            )
        )

    for i in range(count, count + 20):  # warm up: triage models load on first use
        one(i)
    started = time.perf_counter()
    for i in range(count):
        one(i)
    return count / (time.perf_counter() - started)


def bench_next_ticket(rounds: int) -> dict[str, dict[str, float]]:
    from unidesk.accounts.models import User
    from unidesk.queues.engine import claim_next_ticket, peek_next_ticket
    from unidesk.tickets.models import Status, Ticket

    results = {}
    for username, label in (("bench0", "10 queues"), ("bench3", "50 queues")):
        agent = User.objects.get(username=username)
        peeks, claims = [], []
        for _ in range(rounds):
            t = time.perf_counter()
            peek_next_ticket(agent)
            peeks.append(time.perf_counter() - t)
        for _ in range(rounds):
            t = time.perf_counter()
            claimed = claim_next_ticket(agent)
            claims.append(time.perf_counter() - t)
            # The agent works it before the next one (untimed): without this, an agent
            # taking 300 tickets in a row sits at chat capacity from the third chat on.
            if claimed is not None:
                Ticket.objects.filter(pk=claimed.pk).update(status=Status.SOLVED)
        results[f"peek {label}"] = report(f"next-ticket peek, agent with {label}", peeks)
        results[f"claim {label}"] = report(f"next-ticket claim, agent with {label}", claims)
    return results


def bench_pages(rounds: int) -> None:
    """Workspace pages through the whole Django stack (middleware, session, templates)."""
    from django.test import Client

    from unidesk.accounts.models import User
    from unidesk.queues.engine import claim_next_ticket

    lead, agent = User.objects.get(username="lena"), User.objects.get(username="bench0")
    ticket = claim_next_ticket(agent)
    assert ticket is not None
    pages = [
        (agent, "/", "queues overview (agent, 10 queues)"),
        (agent, f"/inbox/?view=queue&queue={ticket.queue.slug}", "inbox: one queue in its order"),
        (agent, "/inbox/?view=mine", "inbox: mine"),
        (lead, "/inbox/?view=all", "inbox: all open (lead)"),
        (agent, f"/tickets/{ticket.pk}/", "ticket page"),
    ]
    for user, url, label in pages:
        client = Client()
        client.force_login(user)
        for _ in range(5):
            assert client.get(url).status_code == 200, url
        samples = []
        for _ in range(rounds):
            t = time.perf_counter()
            client.get(url)
            samples.append(time.perf_counter() - t)
        report(label, samples)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def in_parallel(jobs: list[Callable[[], object]]) -> float:
    """Run each job in its own thread (an HTTP client); the seconds until all finished."""
    started = time.perf_counter()
    threads = [threading.Thread(target=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def bench_http(env: dict[str, str], *, messages: int, list_rounds: int) -> dict[str, float]:
    from unidesk.accounts.models import ApiToken, User

    _, token = ApiToken.issue(User.objects.get(username="lena"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "unidesk.cli", "web", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(ROOT / "var" / "bench-web.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/api/openapi.json", timeout=1)
                break
            except OSError:
                time.sleep(0.2)

        def post(i: int) -> None:
            body = json.dumps(
                {
                    "external_id": f"http-{i}",
                    "customer": {"email": f"h{i % 300}@x.io"},
                    "subject": "Order",
                    "text": f"Where is my order {i}?",
                }
            ).encode()
            req = urllib.request.Request(f"{base}/api/v1/messages/inbound", body, headers)
            with urllib.request.urlopen(req, timeout=30) as r:
                assert r.status in (200, 201)

        workers, per = 8, messages // 8
        warm = [threading.Thread(target=post, args=(10**6 + w,)) for w in range(8)]
        for t in warm:  # each server process loads the triage models on first use
            t.start()
        for t in warm:
            t.join()
        elapsed = in_parallel(
            [lambda w=w: [post(w * per + j) for j in range(per)] for w in range(workers)]
        )
        rate = workers * per / elapsed
        print(f"  {'API intake (8 clients, 2 server processes)':<44} {rate:8.0f} messages/s")

        def post_batch(first: int, size: int) -> None:
            body = json.dumps(
                {
                    "messages": [
                        {
                            "external_id": f"http-batch-{i}",
                            "customer": {"email": f"h{i % 300}@x.io"},
                            "subject": "Order",
                            "text": f"Where is my order {i}?",
                        }
                        for i in range(first, first + size)
                    ]
                }
            ).encode()
            url = f"{base}/api/v1/messages/inbound/batch"
            with urllib.request.urlopen(urllib.request.Request(url, body, headers)) as r:
                assert r.status == 200

        size, clients = 50, 4
        batches = max(clients, messages // size // clients * clients)
        try:
            post_batch(10**7, 1)
        except urllib.error.HTTPError as error:  # code from before the batch endpoint
            print(f"  API intake in batches: not measured ({error.code})")
            batches = 0
        elapsed = in_parallel(
            [
                lambda c=c: [post_batch((c + k) * size, size) for k in range(0, batches, clients)]
                for c in range(clients)
            ]
        )
        batch_rate = batches * size / elapsed
        if batches:
            label = f"API intake, batches of {size} ({clients} clients)"
            print(f"  {label:<44} {batch_rate:8.0f} messages/s")

        samples = []
        for _ in range(list_rounds):
            req = urllib.request.Request(f"{base}/api/v1/tickets?limit=50", headers=headers)
            t = time.perf_counter()
            urllib.request.urlopen(req, timeout=30).read()
            samples.append(time.perf_counter() - t)
        listing = report("GET /api/v1/tickets?limit=50 (HTTP)", samples)
        return {
            "api_intake_per_s": rate,
            "api_batch_intake_per_s": batch_rate,
            **{f"list_{k}": v for k, v in listing.items()},
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--intake", type=int, default=1000)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    args = parser.parse_args()

    env = {
        **os.environ,
        "UNIDESK_DATABASE_URL": database_url(args.db),
        "DJANGO_SETTINGS_MODULE": "unidesk.config.settings",
        "UNIDESK_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from unidesk.ops.demo import load_bulk_tickets

    call_command("migrate", verbosity=0)
    setup_desk(args.queues)
    print(f"Unidesk core bench: {args.db}, {args.queues} queues, {args.tickets:,} waiting tickets")
    started = time.perf_counter()
    load_bulk_tickets(args.tickets)
    if args.db == "postgres":
        from django.db import connection

        with connection.cursor() as c:
            # What autovacuum does on a live desk: statistics, and the visibility map that
            # lets the queue counts be index-only (a freshly COPYed table has none).
            c.execute("VACUUM ANALYZE")
    print(f"  {'bulk load':<44} {time.perf_counter() - started:8.1f} s")
    print(f"  {'load average (1, 5, 15 min)':<44} {os.getloadavg()}")
    rate = bench_intake(args.intake)
    print(f"  {'intake through receive() (one process)':<44} {rate:8.0f} messages/s")
    bench_next_ticket(args.rounds)
    if not args.skip_pages:
        bench_pages(args.rounds)
    if not args.skip_http:
        bench_http(env, messages=args.intake, list_rounds=args.rounds)


if __name__ == "__main__":
    main()
