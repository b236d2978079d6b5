"""The web chat in two real browsers: a visitor on the demo site and an agent in the desk."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from unidesk.channels.chat import services
from unidesk.channels.chat.models import ChatWidget
from unidesk.tickets.models import Message, Ticket

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:websockets.*"),
    pytest.mark.filterwarnings("ignore:The `websockets` implementation is deprecated"),
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]


@pytest.fixture
def widget(desk) -> ChatWidget:  # type: ignore[no-untyped-def]
    services.forget_online_cache()
    yield ChatWidget.objects.create(
        name="Example Shop", key="e2e-shop", queue=desk.general, colour="#7c3aed"
    )
    services.forget_online_cache()


def agent_is_live(page: Page) -> None:
    expect(page.locator("#live-status")).to_have_text("live")


def open_widget(visitor: Page) -> None:
    visitor.locator(".launcher").click()  # Playwright's CSS locators pierce the shadow root
    expect(visitor.locator(".panel")).to_be_visible()


def test_a_visitor_and_an_agent_chat_live_and_the_history_survives_a_reload(
    server, widget, new_page, login, screenshots: Path
) -> None:
    agent = new_page()
    login(agent, "alice")
    agent_is_live(agent)  # alice has the workspace open: the widget says someone is online

    visitor = new_page()
    visitor.goto("/chat/demo/?lang=en")
    open_widget(visitor)
    expect(visitor.locator("header .status")).to_have_text("We are online")
    visitor.get_by_placeholder("Your name").fill("Anna")
    visitor.get_by_role("button", name="Start the chat").click()
    composer = visitor.get_by_placeholder("Write a message…")
    composer.fill("Hello! My parcel has not arrived <b>yet</b>")
    composer.press("Enter")
    # The desk confirms it (the first message of a process also loads the triage models).
    expect(visitor.locator(".msg.visitor.pending")).to_have_count(0, timeout=30_000)
    expect(visitor.locator(".msg.visitor")).to_have_text(
        "Hello! My parcel has not arrived <b>yet</b>"
    )

    # The agent sees the chat arrive in the queue without reloading, and takes it.
    waiting = agent.locator("table.queues tr[data-queue=general] td.waiting")
    expect(waiting).to_have_text("1")
    agent.get_by_role("button", name="Next ticket").click()
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.queue_id) == ("chat", widget.queue_id)
    expect(agent).to_have_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    expect(agent.locator("#timeline li.msg.customer")).to_contain_text("has not arrived")
    expect(agent.locator("#visitor")).to_contain_text("Example Shop")  # the page they are on
    agent_is_live(agent)

    # Typing shows on both sides.
    composer.press_sequentially("One more thing", delay=20)
    expect(agent.locator("#visitor-typing")).to_be_visible()
    agent.locator("#reply-text").press_sequentially("Let me check", delay=20)
    expect(visitor.locator(".typing")).to_have_text("An agent is typing…")
    composer.press("Enter")
    expect(agent.locator("#timeline li.msg.customer")).to_have_count(2)

    # The reply reaches the visitor live, without a reload.
    visitor.evaluate("window.e2eMark = 'still here'")
    agent.locator("#reply-text").fill("Hi Anna, your parcel left the warehouse today.")
    agent.click(".reply button[type=submit]")
    expect(visitor.locator(".msg.agent").last).to_contain_text("your parcel left the warehouse")
    assert visitor.evaluate("window.e2eMark") == "still here"

    # A file, checked by the widget and by the desk, reaches the agent as an attachment.
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    visitor.locator("input[type=file]").set_input_files(
        {"name": "receipt.png", "mimeType": "image/png", "buffer": png}
    )
    expect(visitor.locator(".msg.visitor").last).to_contain_text("receipt.png")
    expect(visitor.locator(".msg.visitor.pending")).to_have_count(0)
    visitor.locator("input[type=file]").set_input_files(
        {"name": "tool.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ"}
    )
    expect(visitor.locator(".composer .error")).to_have_text("This kind of file is not accepted.")
    visitor.screenshot(path=str(screenshots / "chat-widget.png"))
    agent.goto(f"/tickets/{ticket.pk}/")
    agent_is_live(agent)
    expect(agent.locator("#timeline .files a[download]")).to_have_text("receipt.png")
    agent.screenshot(path=str(screenshots / "chat-workspace.png"))

    # After a reload the history is still there.
    visitor.reload()
    open_widget(visitor)
    expect(visitor.locator(".msg.visitor")).to_have_count(3)
    expect(visitor.locator(".msg.agent").last).to_contain_text("your parcel left the warehouse")
    assert visitor.evaluate("window.e2eMark") is None
    assert (screenshots / "chat-widget.png").stat().st_size > 10_000


def test_the_widget_falls_back_to_polling_when_websockets_fail(
    server, widget, new_page, login
) -> None:
    agent = new_page()
    login(agent, "alice")
    agent_is_live(agent)
    visitor = new_page()
    visitor.route_web_socket(re.compile(r".*/ws/chat/.*"), lambda ws: ws.close())
    visitor.goto("/chat/demo/")
    open_widget(visitor)
    visitor.get_by_role("button", name="Start the chat").click()
    composer = visitor.get_by_placeholder("Write a message…")
    composer.fill("Sent without a WebSocket")
    composer.press("Enter")
    expect(visitor.locator(".msg.visitor.pending")).to_have_count(0, timeout=30_000)
    message = Message.objects.get()
    assert message.text == "Sent without a WebSocket"

    from unidesk.tickets.services import reply_to_ticket

    server.call(
        reply_to_ticket, message.ticket, by=message.ticket.queue.agents.first(), text="Got it"
    )
    expect(visitor.locator(".msg.agent").last).to_contain_text("Got it")  # polled


def test_with_nobody_online_the_visitor_leaves_an_email(server, widget, new_page) -> None:
    visitor = new_page()
    visitor.goto("/chat/demo/?lang=ru")
    open_widget(visitor)
    expect(visitor.locator(".offline")).to_contain_text("Сейчас никого нет на связи")
    visitor.get_by_placeholder("Ваш e-mail *").fill("anna@example.com")
    visitor.get_by_placeholder("Ваш вопрос").fill("Когда придёт посылка?")
    visitor.get_by_role("button", name="Отправить").click()
    expect(visitor.locator(".offline")).to_contain_text("Мы ответим по почте на anna@example.com")

    ticket = Ticket.objects.get()
    assert ticket.channel == "email"
    assert ticket.customer.identities.filter(kind="email", value="anna@example.com").exists()
