"""The widget's WebSocket, through the project's ASGI application (routing, Origin check)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from unidesk.channels.chat.models import ChatSession
from unidesk.channels.chat.tests.conftest import Socket
from unidesk.config.asgi import application
from unidesk.tickets.models import Message, Ticket
from unidesk.tickets.services import reply_to_ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
SHOP = "https://shop.example.com"


def chat_socket(widget, origin: str = SHOP) -> Socket:  # type: ignore[no-untyped-def]
    return Socket(
        application,
        f"/ws/chat/{widget.key}/",
        headers=[(b"origin", origin.encode()), (b"host", b"desk.example.com")],
    )


def run(coro_fn: Any) -> Any:
    return async_to_sync(coro_fn)()


def test_a_visitor_chats_and_gets_the_agents_reply_live(desk, widget) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> dict[str, Any]:
        socket = chat_socket(widget)
        connected, _ = await socket.connect()
        assert connected
        await socket.send_json_to(
            {"type": "hello", "token": None, "page": {"url": f"{SHOP}/", "title": "Shop"}}
        )
        welcome = await socket.receive_json_from(timeout=30)
        assert welcome["type"] == "welcome" and welcome["messages"] == []
        client_id = str(uuid.uuid4())
        await socket.send_json_to(
            {"type": "message", "id": client_id, "text": "Hello, I need help"}
        )
        ack = await socket.receive_json_from(timeout=30)
        assert ack["type"] == "ack" and ack["message"]["client_id"] == client_id
        # The visitor's own message also comes back as a ticket notice: skip it.
        echo = await socket.receive_json_from(timeout=30)
        assert echo["message"]["id"] == ack["message"]["id"]

        ticket = await sync_to_async(Ticket.objects.get)()
        await sync_to_async(reply_to_ticket)(ticket, by=desk.alice, text="Hi, Alice here")
        pushed = await socket.receive_json_from(timeout=30)
        await socket.disconnect()
        return {"welcome": welcome, "pushed": pushed}

    result = run(scenario)

    assert result["pushed"]["type"] == "message"
    assert result["pushed"]["message"]["text"] == "Hi, Alice here"
    assert result["pushed"]["message"]["from"] == "agent"
    session = ChatSession.objects.get()
    assert session.page_url == f"{SHOP}/"


def test_a_reconnect_with_the_token_brings_the_history(desk, widget) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> list[dict[str, Any]]:
        first = chat_socket(widget)
        await first.connect()
        await first.send_json_to({"type": "hello"})
        token = (await first.receive_json_from(timeout=30))["token"]
        await first.send_json_to({"type": "message", "id": str(uuid.uuid4()), "text": "one"})
        await first.receive_json_from(timeout=30)
        await first.disconnect()

        second = chat_socket(widget)
        await second.connect()
        await second.send_json_to({"type": "hello", "token": token})
        welcome = await second.receive_json_from(timeout=30)
        await second.disconnect()
        return welcome["messages"]  # type: ignore[no-any-return]

    assert [m["text"] for m in run(scenario)] == ["one"]


def test_a_page_of_another_site_cannot_open_the_socket(widget) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> tuple[bool, Any]:
        socket = chat_socket(widget, origin="https://evil.test")
        connected, code = await socket.connect()
        return connected, code

    connected, code = run(scenario)
    assert connected is False
    assert code == 4403


def test_the_desks_own_site_may_use_any_widget(widget) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> bool:
        socket = chat_socket(widget, origin="http://desk.example.com")
        connected, _ = await socket.connect()
        await socket.disconnect()
        return bool(connected)

    assert run(scenario) is True


def test_frames_before_hello_and_bad_frames_are_refused(widget) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> list[dict[str, Any]]:
        socket = chat_socket(widget)
        await socket.connect()
        answers = []
        await socket.send_json_to({"type": "message", "id": str(uuid.uuid4()), "text": "hi"})
        answers.append(await socket.receive_json_from(timeout=30))
        await socket.send_json_to({"type": "hello"})
        await socket.receive_json_from(timeout=30)
        await socket.send_json_to({"type": "message", "id": "no", "text": "hi"})
        answers.append(await socket.receive_json_from(timeout=30))
        await socket.disconnect()
        return answers

    before, bad = run(scenario)
    assert before["error"] == "hello_first"
    assert bad["error"] == "refused"
    assert Message.objects.count() == 0


def test_typing_goes_both_ways(desk, widget) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        visitor = chat_socket(widget)
        await visitor.connect()
        await visitor.send_json_to({"type": "hello"})
        await visitor.receive_json_from(timeout=30)
        await visitor.send_json_to({"type": "message", "id": str(uuid.uuid4()), "text": "hi"})
        await visitor.receive_json_from(timeout=30)  # ack
        await visitor.receive_json_from(timeout=30)  # echo
        ticket = await sync_to_async(Ticket.objects.get)()

        agent = Socket(
            application, "/ws/desk/", [(b"origin", b"http://testserver"), (b"host", b"testserver")]
        )
        agent.scope["user"] = desk.alice
        connected, _ = await agent.connect()
        assert connected
        await agent.send_json_to({"watch": ticket.pk})
        await agent.receive_json_from(timeout=30)  # presence

        await visitor.send_json_to({"type": "typing", "typing": True})
        seen_by_agent = await agent.receive_json_from(timeout=30)
        await agent.send_json_to({"typing": ticket.pk, "on": True})
        seen_by_visitor = await visitor.receive_json_from(timeout=30)
        await agent.disconnect()
        await visitor.disconnect()
        return seen_by_agent, seen_by_visitor

    seen_by_agent, seen_by_visitor = run(scenario)
    ticket = Ticket.objects.get()
    assert seen_by_agent == {"event": "visitor", "ticket": ticket.pk, "typing": True}
    assert seen_by_visitor == {"type": "typing", "typing": True}


def test_an_agent_with_the_workspace_open_makes_the_widget_online(desk, widget) -> None:  # type: ignore[no-untyped-def]
    from unidesk.channels.chat import services

    async def scenario() -> tuple[bool, bool, bool]:
        agent = Socket(
            application, "/ws/desk/", [(b"origin", b"http://testserver"), (b"host", b"testserver")]
        )
        agent.scope["user"] = desk.alice
        before = await sync_to_async(services.agents_online)(widget)
        await agent.connect()
        await agent.send_json_to({"ping": 1})
        services.forget_online_cache()
        during = await sync_to_async(services.agents_online)(widget)
        await agent.disconnect()
        services.forget_online_cache()
        after = await sync_to_async(services.agents_online)(widget)
        return before, during, after

    assert run(scenario) == (False, True, False)


def test_a_failure_inside_the_desk_keeps_the_socket_and_the_resend_is_stored(
    widget, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from unidesk.channels.chat import services

    real = services.post_message
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "post_message", flaky)
    client_id = str(uuid.uuid4())

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        socket = chat_socket(widget)
        await socket.connect()
        await socket.send_json_to({"type": "hello"})
        await socket.receive_json_from(timeout=30)
        await socket.send_json_to({"type": "message", "id": client_id, "text": "hello"})
        failed = await socket.receive_json_from(timeout=30)
        await socket.send_json_to({"type": "message", "id": client_id, "text": "hello"})
        ack = await socket.receive_json_from(timeout=30)
        await socket.disconnect()
        return failed, ack

    failed, ack = run(scenario)
    assert (failed["error"], failed["id"]) == ("server", client_id)
    assert ack["type"] == "ack" and ack["message"]["client_id"] == client_id
    assert Message.objects.count() == 1
