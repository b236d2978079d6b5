"""Live chat under load: N open widget WebSockets held by one `unidesk web` process.

Usage (from the repository root):
    .venv/bin/python bench/chat_bench.py --sessions 1000 --rate 20 --duration 30
    .venv/bin/python bench/chat_bench.py --db postgres --sessions 1000

What it does, against a fresh database (var/chat-bench.sqlite3, or the PostgreSQL database
`unidesk_chat_bench` on 127.0.0.1) and a real `unidesk web` (uvicorn) on a free port:
1. opens N chat sockets the way the widget does (`hello` -> `welcome`), a few at a time;
2. for --duration seconds sends visitor messages at --rate per second, spread over the
   sessions; each message is timed from send to the desk's `ack` (the whole intake door:
   PII redaction, triage, customer, routing, SLA, the SQLite/PostgreSQL write);
3. an agent logged into the workspace answers --replies of those chats over HTTP; each
   reply is timed from the POST to the moment the visitor's socket receives it (commit,
   channel layer, the consumer reading it back);
4. reads the server's memory (VmRSS) when idle, with all sockets open, after the first
   message (the triage models load then), and at the end.
Every loop is bounded in count and time, and talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import websockets

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TEXTS = [
    "Hello, where is my order?",
    "Здравствуйте, не приходит код подтверждения",
    "Can I change the delivery address?",
    "Подскажите, как вернуть товар?",
    "Olá, meu pedido ainda não chegou",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(name: str, seconds: list[float]) -> dict[str, float]:
    if not seconds:
        print(f"  {name:<46} no samples")
        return {"n": 0}
    ms = [s * 1000 for s in seconds]
    row = {"p50_ms": statistics.median(ms), "p99_ms": percentile(ms, 99), "n": len(ms)}
    print(f"  {name:<46} p50 {row['p50_ms']:8.1f} ms   p99 {row['p99_ms']:8.1f} ms   (n={len(ms)})")
    return row


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url(kind: str) -> str:
    if kind == "sqlite":
        path = ROOT / "var" / "chat-bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS unidesk_chat_bench")
        c.execute("CREATE DATABASE unidesk_chat_bench")
    return "postgres://postgres@127.0.0.1:5432/unidesk_chat_bench"


SETUP = """
from unidesk.ops import demo
from unidesk.channels.chat.models import ChatWidget
demo.seed_config()
w = demo.seed_chat()
print(w.key)
"""


def prepare(env: dict[str, str]) -> str:
    subprocess.run([BIN / "unidesk", "migrate", "--no-input", "-v", "0"], env=env, check=True)
    out = subprocess.run(
        [BIN / "unidesk", "shell", "-c", SETUP], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


class Visitor:
    def __init__(self, url: str, origin: str) -> None:
        self.url, self.origin = url, origin
        self.ws: Any = None
        self.token = ""
        self.pending: dict[str, float] = {}
        self.ticket_known = False
        self.latencies: list[float] = []
        self.reply_waiters: dict[str, asyncio.Future[float]] = {}
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self.ws = await websockets.connect(
            self.url, origin=self.origin, open_timeout=30, ping_interval=None, max_queue=None
        )
        await self.ws.send(
            json.dumps({"type": "hello", "page": {"url": self.origin, "title": "bench"}})
        )
        welcome = json.loads(await asyncio.wait_for(self.ws.recv(), 30))
        self.token = welcome["token"]
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame.get("type") == "ack":
                    sent = self.pending.pop(frame["message"]["client_id"], None)
                    if sent is not None:
                        self.latencies.append(time.perf_counter() - sent)
                    self.ticket_known = True
                elif frame.get("type") == "message" and frame["message"]["from"] == "agent":
                    waiter = self.reply_waiters.pop(frame["message"]["text"], None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(time.perf_counter())
        except websockets.ConnectionClosed:
            pass

    async def say(self, text: str) -> None:
        client_id = str(uuid.uuid4())
        self.pending[client_id] = time.perf_counter()
        await self.ws.send(json.dumps({"type": "message", "id": client_id, "text": text}))


class Agent:
    """The workspace over plain HTTP: log in, find the chat's ticket, post a reply."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def login(self, username: str, password: str) -> None:
        self.opener.open(f"{self.base}/login/").read()
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf()}
        ).encode()
        self.opener.open(urllib.request.Request(f"{self.base}/login/", data=data)).read()

    def reply(self, ticket_id: int, text: str) -> None:
        data = urllib.parse.urlencode(
            {"text": text, "status": "", "csrfmiddlewaretoken": self.csrf()}
        ).encode()
        request = urllib.request.Request(
            f"{self.base}/tickets/{ticket_id}/reply/", data=data, headers={"Referer": self.base}
        )
        self.opener.open(request).read()


async def run(args: argparse.Namespace, base: str, key: str, pid: int) -> dict[str, Any]:
    origin = base
    url = base.replace("http", "ws") + f"/ws/chat/{key}/"
    results: dict[str, Any] = {"rss_idle_mb": round(rss_mb(pid), 1)}
    visitors = [Visitor(url, origin) for _ in range(args.sessions)]
    errors = {"connect": 0, "unacked": 0, "reply_timeout": 0}

    started = time.perf_counter()
    batch = 50
    for i in range(0, len(visitors), batch):
        outcomes = await asyncio.gather(
            *(v.open() for v in visitors[i : i + batch]), return_exceptions=True
        )
        errors["connect"] += sum(isinstance(o, BaseException) for o in outcomes)
    live = [v for v in visitors if v.reader is not None]
    results["connect_s"] = round(time.perf_counter() - started, 1)
    results["open_sessions"] = len(live)
    await asyncio.sleep(2)
    results["rss_open_mb"] = round(rss_mb(pid), 1)
    print(
        f"  {len(live)} sessions open in {results['connect_s']} s; RSS {results['rss_open_mb']} MB"
    )
    # Warm up the intake door (the triage models load on first use), outside the figures.
    for _ in range(5):
        await live[0].say("warm-up")
    for _ in range(600):
        if not live[0].pending:
            break
        await asyncio.sleep(0.1)
    live[0].latencies.clear()
    results["rss_warm_mb"] = round(rss_mb(pid), 1)

    # Messages at a steady rate, spread over the sessions, for a bounded time.
    rng = random.Random(7)
    interval = 1 / args.rate
    deadline = time.perf_counter() + args.duration
    sent = 0
    next_at = time.perf_counter()
    while time.perf_counter() < deadline and live:
        await rng.choice(live).say(rng.choice(TEXTS))
        sent += 1
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    sending_took = time.perf_counter() - (deadline - args.duration)
    # Wait (bounded) for the desk to store what it was sent; whatever is left is lost.
    drain_until = time.perf_counter() + args.drain
    while time.perf_counter() < drain_until and any(v.pending for v in live):
        await asyncio.sleep(0.2)
    drained = time.perf_counter() - (deadline - args.duration)
    latencies = [s for v in live for s in v.latencies]
    errors["unacked"] = sum(len(v.pending) for v in live)
    results["messages_sent"] = sent
    results["send_rate_per_s"] = round(sent / sending_took, 1)
    results["stored_per_s"] = round(len(latencies) / drained, 1)
    print(
        f"  sent {sent} in {sending_took:.0f} s; stored {len(latencies)} in {drained:.0f} s "
        f"({results['stored_per_s']}/s)"
    )
    results["send_to_ack"] = summary("visitor message -> ack (stored)", latencies)

    # Agent replies over HTTP, timed until the visitor's socket has them.
    agent = Agent(base)
    await asyncio.to_thread(agent.login, "lena", "demo")
    chatting = [v for v in live if v.ticket_known][: args.replies]
    tickets = await asyncio.to_thread(ticket_ids, [v.token for v in chatting])
    reply_latencies: list[float] = []
    for n, visitor in enumerate(chatting):
        ticket_id = tickets.get(visitor.token)
        if ticket_id is None:
            errors["reply_timeout"] += 1
            continue
        text = f"Reply {n}: we are on it."
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        visitor.reply_waiters[text] = waiter
        t0 = time.perf_counter()
        await asyncio.to_thread(agent.reply, ticket_id, text)
        try:
            arrived = await asyncio.wait_for(waiter, 30)
            reply_latencies.append(arrived - t0)
        except TimeoutError:
            errors["reply_timeout"] += 1
    results["reply_to_visitor"] = summary("agent reply POST -> visitor socket", reply_latencies)
    results["rss_end_mb"] = round(rss_mb(pid), 1)
    results["errors"] = errors
    for v in live:
        await v.ws.close()
    return results


def ticket_ids(tokens: list[str]) -> dict[str, int]:
    """Each visitor's ticket, read from the bench database (the bench's own bookkeeping)."""
    from django.core import signing

    from unidesk.channels.chat.models import ChatSession
    from unidesk.channels.chat.services import TOKEN_SALT

    visitor_ids = {signing.loads(t, salt=TOKEN_SALT)["v"]: t for t in tokens}
    rows = ChatSession.objects.filter(visitor_id__in=list(visitor_ids), ticket__isnull=False)
    return {visitor_ids[str(r.visitor_id)]: int(r.ticket_id) for r in rows}  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20, help="visitor messages per second")
    parser.add_argument("--duration", type=float, default=30, help="seconds of messages")
    parser.add_argument("--replies", type=int, default=50)
    parser.add_argument("--drain", type=float, default=180, help="longest wait for acks")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    (ROOT / "var").mkdir(exist_ok=True)
    env = {
        **os.environ,
        "UNIDESK_DATABASE_URL": database_url(args.db),
        "UNIDESK_LOG_LEVEL": "WARNING",
        "UNIDESK_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    key = prepare(env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unidesk.config.settings")
    import django

    django.setup()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(ROOT / "var" / "chat-bench-server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [BIN / "unidesk", "web", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/chat/widget.js", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        print(
            f"Chat bench: {args.sessions} sessions, {args.rate}/s for {args.duration} s, {args.db}"
        )
        results = asyncio.run(run(args, base, key, server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    results.update(
        db=args.db, sessions=args.sessions, rate=args.rate, duration=args.duration,
        cpus=os.cpu_count(), python=sys.version.split()[0],
    )  # fmt: skip
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
