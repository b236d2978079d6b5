"""A chat widget on the test desk, and visitors who open it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from unidesk.channels.chat import services
from unidesk.channels.chat.models import ChatSession, ChatWidget


@pytest.fixture(autouse=True)
def _fresh_presence() -> Iterator[None]:
    cache.clear()
    services.forget_online_cache()
    yield
    cache.clear()
    services.forget_online_cache()


@pytest.fixture
def widget(desk) -> ChatWidget:  # type: ignore[no-untyped-def]
    return ChatWidget.objects.create(
        name="Shop",
        key="shop-key",
        allowed_origins="https://shop.example.com\nhttp://localhost:3000",
        queue=desk.general,
    )


def new_visitor(widget: ChatWidget, **fields: str) -> tuple[ChatSession, str]:
    session, token, _ = services.open_session(widget, token=None)
    if fields:
        services.identify(session, **fields)
    return session, token


class Socket:
    """A WebSocket client driven through the ASGI application in-process (asgiref's
    communicator; channels' own helper needs daphne, which the project does not use)."""

    def __init__(self, application, path: str, headers: list[tuple[bytes, bytes]]) -> None:  # type: ignore[no-untyped-def]
        from asgiref.testing import ApplicationCommunicator

        self.scope = {
            "type": "websocket",
            "path": path,
            "query_string": b"",
            "headers": headers,
            "subprotocols": [],
        }
        self.app = application
        self.communicator: ApplicationCommunicator | None = None

    async def connect(self, timeout: float = 5) -> tuple[bool, object]:
        from asgiref.testing import ApplicationCommunicator

        self.communicator = ApplicationCommunicator(self.app, self.scope)
        await self.communicator.send_input({"type": "websocket.connect"})
        response = await self.communicator.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        return True, None

    async def send_json_to(self, data: object) -> None:
        assert self.communicator is not None
        await self.communicator.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self, timeout: float = 5) -> dict:  # type: ignore[type-arg]
        assert self.communicator is not None
        response = await self.communicator.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])  # type: ignore[no-any-return]

    async def disconnect(self, timeout: float = 5) -> None:
        assert self.communicator is not None
        await self.communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.communicator.wait(timeout)
