"""E-mail intake throughput: SMTP clients pushing mail to a running `unidesk smtpd`.

Usage (from the repository root):
    .venv/bin/python bench/email_bench.py --db sqlite   --mails 600
    .venv/bin/python bench/email_bench.py --db postgres --mails 600

Each run builds a fresh database (var/bench-email.sqlite3, or the PostgreSQL database
`wt_email_bench`), seeds the demo desk (which has the mailbox support@demo.unidesk.local),
starts `unidesk smtpd` on a free port and lets --clients SMTP connections send --mails
mails (a mix of the samples in unidesk/channels/email/tests/samples, each with its own
sender and Message-ID). The receiver answers 250 only once a mail is stored on a ticket
(parsed, PII-redacted, triaged, routed, SLA-stamped, original kept), so the time until
the last 250 is the time to stored tickets. Prints messages per second and per-mail
latency; figures go to bench/RESULTS.md under "## Email".
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "unidesk" / "channels" / "email" / "tests" / "samples"
MAILBOX = "support@demo.unidesk.local"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
MIX = [
    "ru_koi8r.eml",
    "outlook_html.eml",
    "ios_reply_ru.eml",
    "nameless_attachment.eml",
    "utf8_raw_headers.eml",
    "ru_cp1251_raw_headers.eml",
    "name_as_comment.eml",
]


def database_url(kind: str) -> str:
    if kind == "sqlite":
        path = ROOT / "var" / "bench-email.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS wt_email_bench")
        c.execute("CREATE DATABASE wt_email_bench")
    return "postgres://postgres@127.0.0.1:5432/wt_email_bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mails(count: int) -> list[tuple[str, bytes]]:
    """(envelope sender, raw mail) with a distinct sender and Message-ID each."""
    out = []
    templates = [(SAMPLES / name).read_bytes() for name in MIX]
    for i in range(count):
        raw = templates[i % len(templates)]
        sender = f"customer{i}@bench.example"
        lines = raw.split(b"\n")
        body_start = lines.index(b"") if b"" in lines else len(lines)
        head = [
            line
            for line in lines[:body_start]
            if not line.lower().startswith((b"message-id:", b"from:"))
        ]
        head = [
            f"From: Customer {i} <{sender}>".encode(),
            f"Message-ID: <bench-{i}-{time.time_ns()}@bench.example>".encode(),
            *head,
        ]
        raw = b"\n".join(head + lines[body_start:]).replace(b"\r\n", b"\n")
        out.append((sender, raw.replace(b"\n", b"\r\n")))  # SMTP wants CRLF
    return out


def send_all(port: int, batch: list[tuple[str, bytes]], latencies: list[float]) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
        for sender, raw in batch:
            started = time.perf_counter()
            client.sendmail(sender, [MAILBOX], raw)
            latencies.append(time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--mails", type=int, default=600)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="receiver database threads")
    args = parser.parse_args()

    env = {**os.environ, "UNIDESK_DATABASE_URL": database_url(args.db)}
    env["UNIDESK_EMAIL_RATE_LIMIT"] = "1000000"
    cli = [sys.executable, "-m", "unidesk.cli"]
    subprocess.run([*cli, "migrate", "--no-input", "-v", "0"], env=env, check=True)
    subprocess.run([*cli, "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen(
        [*cli, "smtpd", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        send_all(port, mails(20), [])  # warm up: triage models load on first use
        batch = mails(args.mails)
        shares = [batch[i :: args.clients] for i in range(args.clients)]
        latencies: list[float] = []
        threads = [
            threading.Thread(target=send_all, args=(port, share, latencies)) for share in shares
        ]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    print(
        f"{args.db}: {len(ms)} mails by {args.clients} SMTP clients in {elapsed:.1f} s = "
        f"{len(ms) / elapsed:.1f} msgs/s stored; per mail p50 {statistics.median(ms):.0f} ms, "
        f"p99 {p99:.0f} ms"
    )


if __name__ == "__main__":
    main()
