"""The widget's WebSocket (`/ws/chat/<widget key>/`): one socket per open widget.

The page's Origin must be one the widget allows (or the desk's own). The first frame is
`{"type": "hello", "token": ...}`; the answer is a `welcome` with the visitor token and the
history. The socket then joins the ticket's group, so agent replies (announced after
commit as ticket notices) are read from the database and pushed, with agents' typing.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import SyncToAsync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import connections

from unidesk.channels.chat import services
from unidesk.channels.chat.models import ChatSession, ChatWidget
from unidesk.core import live
from unidesk.core.errors import DomainError

log = logging.getLogger(__name__)


def _drop_broken_connections() -> None:
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and conn.errors_occurred and not conn.is_usable():
            conn.close()


class _KeepConnection(SyncToAsync[..., Any]):
    """Like channels' `database_sync_to_async`, but the sync thread keeps its database
    connection between frames (broken ones are still dropped).

    With `CONN_MAX_AGE = 0` channels' helper closes the connection after every call, and
    SQLite checkpoints its write-ahead log whenever the last connection closes: a visitor
    message cost 80 ms instead of 31 ms (bench/RESULTS.md). Chat sockets make many small
    calls, all on the one thread-sensitive sync thread, so they share one connection.
    """

    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        _drop_broken_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)  # type: ignore[no-untyped-call]
        finally:
            _drop_broken_connections()


def database_sync_to_async(func: Any) -> Any:
    return _KeepConnection(func, thread_sensitive=True)


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def own_origin(scope: dict[str, Any]) -> str:
    """The desk's own origin as the browser reached it (the Host header)."""
    secure = scope.get("scheme") in ("wss", "https")
    return f"{'https' if secure else 'http'}://{_header(scope, b'host')}"


class ChatConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    widget: ChatWidget | None = None
    session: ChatSession | None = None
    ticket_id: int | None = None
    last_id: int = 0

    async def connect(self) -> None:
        key = self.scope["url_route"]["kwargs"]["key"]
        widget = await database_sync_to_async(services.get_widget)(key)
        origin = _header(self.scope, b"origin")
        if widget is None or not widget.allows_origin(origin, own=own_origin(self.scope)):
            await self.close(code=4403)
            return
        self.widget = widget
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.session is not None:
            await self.channel_layer.group_discard(
                services.visitor_group(self.session.pk), self.channel_name
            )
            await database_sync_to_async(self._left)()
        if self.ticket_id is not None:
            await self.channel_layer.group_discard(
                live.ticket_group(self.ticket_id), self.channel_name
            )

    def _left(self) -> None:
        assert self.session is not None
        services.mark_visitor_here(self.session, here=False)
        if self.session.ticket_id:
            services.visitor_typing(self.session, typing=False)
            live.visitor_changed(self.session.ticket_id)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "error": "bad_frame", "detail": "Not a frame."})
            return
        kind = content.get("type")
        if kind == "ping":
            if self.session is not None:
                await database_sync_to_async(services.mark_visitor_here)(self.session, here=True)
            await self.send_json({"type": "pong"})
            return
        if kind == "hello":
            await self._hello(content)
            return
        if self.session is None:
            await self.send_json({"type": "error", "error": "hello_first", "detail": "Say hello."})
            return
        try:
            result = await database_sync_to_async(services.handle_frame)(self.session, content)
        except DomainError as exc:
            await self.send_json(
                {
                    "type": "error",
                    "error": "refused",
                    "detail": exc.message,
                    "id": content.get("id"),
                }
            )
            return
        except Exception:  # the database went away, a bug: keep the socket, say so
            log.exception("chat frame %r failed", kind)
            await self.send_json(
                {
                    "type": "error",
                    "error": "server",
                    "detail": "Not stored yet; it will be sent again.",
                    "id": content.get("id"),
                }
            )
            return
        if result.join_ticket is not None:
            await self._join(result.join_ticket)
        if result.reply is not None:
            await self.send_json(result.reply)

    async def _hello(self, content: dict[str, Any]) -> None:
        assert self.widget is not None
        token = content.get("token") if isinstance(content.get("token"), str) else None
        since: int = content["since"] if isinstance(content.get("since"), int) else 0

        def start() -> tuple[ChatSession, dict[str, Any]]:
            assert self.widget is not None
            session, fresh_token, _ = services.open_session(
                self.widget, token=token, user_agent=_header(self.scope, b"user-agent")
            )
            services.mark_visitor_here(session, here=True)
            page = content.get("page")
            if isinstance(page, dict):
                services.set_page(session, url=page.get("url", ""), title=page.get("title", ""))
            return session, services.welcome(session, fresh_token, since=since)

        if self.session is not None:
            await self.channel_layer.group_discard(
                services.visitor_group(self.session.pk), self.channel_name
            )
        self.session, answer = await database_sync_to_async(start)()
        await self.channel_layer.group_add(
            services.visitor_group(self.session.pk), self.channel_name
        )
        if self.session.ticket_id:
            await self._join(self.session.ticket_id)
        self.last_id = max([since, *(m["id"] for m in answer["messages"])])
        await self.send_json(answer)

    async def _join(self, ticket_id: int) -> None:
        if self.ticket_id == ticket_id:
            return
        if self.ticket_id is not None:
            await self.channel_layer.group_discard(
                live.ticket_group(self.ticket_id), self.channel_name
            )
        self.ticket_id = ticket_id
        await self.channel_layer.group_add(live.ticket_group(ticket_id), self.channel_name)

    async def desk_notice(self, message: dict[str, Any]) -> None:
        """Notices of the ticket's group and the visitor's own group."""
        payload = message["payload"]
        event = payload.get("event")
        if event == "typing" and payload.get("ticket") == self.ticket_id:
            await self.send_json({"type": "typing", "typing": bool(payload.get("typing"))})
        elif event == "ticket" and payload.get("ticket") == self.ticket_id:
            await self._push_new()
        elif event == "rejoin" and isinstance(payload.get("ticket"), int):
            await self._join(payload["ticket"])
            await self._push_new()

    async def _push_new(self) -> None:
        if self.session is None:
            return
        session = self.session

        def fetch() -> list[dict[str, Any]]:
            session.refresh_from_db(fields=["ticket"])
            return services.history(session, since=self.last_id)

        messages = await database_sync_to_async(fetch)()
        for item in messages:
            self.last_id = max(self.last_id, item["id"])
            await self.send_json({"type": "message", "message": item})
