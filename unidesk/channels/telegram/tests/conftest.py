"""A local stand-in for Telegram's Bot API, the one mock the suite allows: Telegram's cloud
is unreachable from here. It is a real HTTP server on 127.0.0.1 that the real client library
(python-telegram-bot) talks to: it records every call, serves getFile and file downloads,
queues getUpdates results, and answers with the errors Telegram documents (429 with
`retry_after`, 403 for a blocked bot, 400 for a file that is too big) when told to.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from unidesk.channels.telegram import transport
from unidesk.channels.telegram.models import Mode, TelegramBot

TOKEN = "123456:TEST-token_for-the-stand-in"


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeBotApi:
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id -> (path, bytes)
    too_big: set[str] = field(default_factory=set)
    updates: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    down: bool = False
    next_message_id: int = 1000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, method: str, status: int, description: str, **parameters: Any) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.failures.setdefault(method, []).append((status, body))

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]


def _params(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    kind = handler.headers.get("Content-Type", "")
    if "json" in kind:
        return dict(json.loads(raw or b"{}"))
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    for key, value in params.items():
        with contextlib.suppress(ValueError):
            params[key] = json.loads(value)
    return params


def _handler(api: FakeBotApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, body: dict[str, Any]) -> None:
            self._send(status, json.dumps(body).encode())

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            if api.down:
                return self._send(502, b"bad gateway", "text/plain")
            prefix = f"/file/bot{TOKEN}/"
            if path.startswith(prefix):
                wanted = path[len(prefix) :]
                for stored_path, content in api.files.values():
                    if stored_path == wanted:
                        with api.lock:
                            api.calls.append(Call("download", {"path": wanted}))
                        return self._send(200, content, "application/octet-stream")
                return self._send(404, b"not found", "text/plain")
            return self.do_POST()

        def do_POST(self) -> None:
            path = unquote(urlsplit(self.path).path)
            params = _params(self)
            if api.down:
                return self._send(502, b"bad gateway", "text/plain")
            if not path.startswith(f"/bot{TOKEN}/"):
                return self._json(
                    401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                )
            method = path.rsplit("/", 1)[1]
            with api.lock:
                api.calls.append(Call(method, params))
                queued = api.failures.get(method)
                failure = queued.pop(0) if queued else None
            if failure is not None:
                return self._json(*failure)
            return self._json(200, {"ok": True, "result": self._result(method, params)})

        def _result(self, method: str, params: dict[str, Any]) -> Any:
            if method == "getMe":
                return {"id": 123456, "is_bot": True, "first_name": "Desk", "username": "desk_bot"}
            if method == "sendMessage":
                with api.lock:
                    api.next_message_id += 1
                    mid = api.next_message_id
                return {
                    "message_id": mid,
                    "date": 1767225600,
                    "chat": {"id": int(params["chat_id"]), "type": "private"},
                    "from": {"id": 123456, "is_bot": True, "first_name": "Desk"},
                    "text": params["text"],
                }
            if method == "getFile":
                file_id = params["file_id"]
                path, content = api.files[file_id]
                return {
                    "file_id": file_id,
                    "file_unique_id": f"u-{file_id}",
                    "file_size": len(content),
                    "file_path": path,
                }
            if method == "getUpdates":
                offset = int(params.get("offset") or 0)
                return [u for u in api.updates if u["update_id"] >= offset]
            if method in ("setWebhook", "deleteWebhook"):
                return True
            raise AssertionError(f"the stand-in does not know {method}")

        def handle_one_request(self) -> None:
            try:
                super().handle_one_request()
            except KeyError as exc:  # an unknown file id: Telegram answers 400
                self._json(
                    400,
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": f"Bad Request: invalid file_id {exc}",
                    },
                )

    return Handler


@pytest.fixture
def bot_api(settings) -> Iterator[FakeBotApi]:  # type: ignore[no-untyped-def]
    api = FakeBotApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.UNIDESK_TELEGRAM_API_URL = api.url
    yield api
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _no_pacing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Tests send faster than Telegram allows one chat; pacing is tested on its own."""
    monkeypatch.setattr(transport, "PER_CHAT_INTERVAL", 0.0)
    monkeypatch.setattr(transport, "PER_BOT_INTERVAL", 0.0)


@pytest.fixture
def bot(desk) -> TelegramBot:  # type: ignore[no-untyped-def]
    bot = TelegramBot(name="Support bot", mode=Mode.WEBHOOK, default_queue=desk.general)
    bot.set_token(TOKEN)
    bot.save()
    return bot
