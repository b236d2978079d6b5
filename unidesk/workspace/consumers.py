"""The workspace's WebSocket: live notices for queues and tickets, who is viewing what, who
is online (the heartbeat chat widgets read), and who is typing a reply."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.cache import cache

from unidesk.accounts.models import User
from unidesk.core import live, presence
from unidesk.core.errors import DomainError
from unidesk.tickets.selectors import access_ticket

_PRESENCE_TTL = 3600


def _presence_key(ticket_id: int) -> str:
    return f"presence:{ticket_id}"


class DeskConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """One socket per open workspace page.

    The client may send `{"watch": <ticket id>}` to follow a ticket it may see; it then gets
    that ticket's notices and the list of other agents viewing it. `{"ping": 1}` every
    `presence.HEARTBEAT` seconds keeps the agent online; `{"typing": <ticket id>, "on":
    bool}` on the watched ticket tells the others there (and a chat visitor) a reply is
    being written.
    """

    watching: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user: User = user
        await self.channel_layer.group_add(live.QUEUES_GROUP, self.channel_name)
        await self.accept()
        await database_sync_to_async(presence.mark_online)(user.pk, self.channel_name)

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(live.QUEUES_GROUP, self.channel_name)
        user = getattr(self, "user", None)
        if user is None:
            return
        await database_sync_to_async(presence.mark_offline)(user.pk, self.channel_name)
        if self.watching is not None:
            await self._typing(self.watching, on=False)
            await self._leave(self.watching)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if "ping" in content:
            await database_sync_to_async(presence.mark_online)(self.user.pk, self.channel_name)
            return
        if "typing" in content:
            if content["typing"] == self.watching and self.watching is not None:
                await self._typing(self.watching, on=bool(content.get("on")))
            return
        ticket_id = content.get("watch")
        if not isinstance(ticket_id, int):
            return
        if not await database_sync_to_async(self._may_see)(ticket_id):
            await self.send_json({"event": "error", "detail": "not allowed"})
            return
        if self.watching is not None:
            await self._leave(self.watching)
        self.watching = ticket_id
        await self.channel_layer.group_add(live.ticket_group(ticket_id), self.channel_name)
        viewers = await database_sync_to_async(self._update_presence)(ticket_id, add=True)
        await database_sync_to_async(live.presence_changed)(ticket_id, viewers)

    async def _typing(self, ticket_id: int, *, on: bool) -> None:
        await database_sync_to_async(presence.set_agent_typing)(ticket_id, typing=on)
        payload = {
            "event": "typing",
            "ticket": ticket_id,
            "agent": self.user.username,
            "typing": on,
        }
        await self.channel_layer.group_send(
            live.ticket_group(ticket_id), {"type": "desk.notice", "payload": payload}
        )

    async def desk_notice(self, message: dict[str, Any]) -> None:
        await self.send_json(message["payload"])

    async def _leave(self, ticket_id: int) -> None:
        await self.channel_layer.group_discard(live.ticket_group(ticket_id), self.channel_name)
        viewers = await database_sync_to_async(self._update_presence)(ticket_id, add=False)
        await database_sync_to_async(live.presence_changed)(ticket_id, viewers)

    def _may_see(self, ticket_id: int) -> bool:
        try:
            access_ticket(self.user, ticket_id)
        except DomainError:
            return False
        return True

    def _update_presence(self, ticket_id: int, *, add: bool) -> list[str]:
        key = _presence_key(ticket_id)
        viewers: dict[str, list[str]] = cache.get(key) or {}
        channels = set(viewers.get(self.user.username, []))
        if add:
            channels.add(self.channel_name)
        else:
            channels.discard(self.channel_name)
        if channels:
            viewers[self.user.username] = sorted(channels)
        else:
            viewers.pop(self.user.username, None)
        cache.set(key, viewers, _PRESENCE_TTL)
        return sorted(viewers)
