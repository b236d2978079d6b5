"""Replies through the outbox to the Bot API stand-in: delivery, rate limits, blocked bots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from conftest import T0
from unidesk.channels.telegram import client, transport
from unidesk.channels.telegram.models import TelegramBot
from unidesk.channels.telegram.services import handle_update
from unidesk.channels.telegram.tests import updates
from unidesk.channels.telegram.tests.conftest import TOKEN
from unidesk.core.errors import DomainError
from unidesk.outbox.models import DeliveryStatus
from unidesk.outbox.services import deliver_due
from unidesk.tickets.models import EventKind
from unidesk.tickets.services import reply_to_ticket

pytestmark = pytest.mark.django_db


def a_reply(desk, bot, text: str = "Иван, здравствуйте! Вернули второй платёж."):  # type: ignore[no-untyped-def]
    ticket = handle_update(bot, updates.text()).ticket  # type: ignore[union-attr]
    return reply_to_ticket(ticket, by=desk.alice, text=text, at=T0)


def test_a_reply_is_sent_to_the_customers_chat(desk, bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    reply = a_reply(desk, bot)
    assert reply.delivery.status == DeliveryStatus.QUEUED

    assert deliver_due(at=T0) == 1

    assert bot_api.called("sendMessage") == [
        {"chat_id": 5123456789, "text": "Иван, здравствуйте! Вернули второй платёж."}
    ]
    reply.delivery.refresh_from_db()
    assert reply.delivery.status == DeliveryStatus.SENT
    assert reply.delivery.remote_id == "5123456789:1001"


def test_a_long_reply_goes_out_in_pieces(desk, bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    text = ("Очень подробный ответ. " * 400).strip()
    a_reply(desk, bot, text)

    deliver_due(at=T0)

    sent = [c["text"] for c in bot_api.called("sendMessage")]
    assert len(sent) == 3
    assert all(len(piece) <= client.MAX_TEXT for piece in sent)
    assert " ".join(sent) == text


def test_a_429_waits_as_long_as_telegram_says(desk, bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    reply = a_reply(desk, bot)
    bot_api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)

    deliver_due(at=T0)

    delivery = reply.delivery
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, 1)
    assert delivery.next_attempt_at == T0 + timedelta(seconds=7)
    assert "retry after 7" in delivery.last_error
    assert deliver_due(at=T0 + timedelta(seconds=6)) == 0
    assert deliver_due(at=T0 + timedelta(seconds=7)) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(bot_api.called("sendMessage")) == 2


def test_a_blocked_bot_fails_at_once_and_says_so(desk, bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    reply = a_reply(desk, bot)
    bot_api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")

    deliver_due(at=T0)

    delivery = reply.delivery
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert "blocked the bot" in delivery.last_error
    event = reply.ticket.events.get(kind=EventKind.DELIVERY_FAILED)
    assert event.data["channel"] == "telegram"
    assert deliver_due(at=T0 + timedelta(hours=2)) == 0


def test_telegram_unreachable_is_retried_with_backoff(desk, bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    reply = a_reply(desk, bot)
    bot_api.down = True

    deliver_due(at=T0)

    delivery = reply.delivery
    delivery.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at) == (
        DeliveryStatus.QUEUED,
        T0 + timedelta(seconds=30),
    )


def test_an_inactive_bot_or_unreadable_token_fails_for_good(desk, bot, bot_api, settings) -> None:  # type: ignore[no-untyped-def]
    reply = a_reply(desk, bot)
    settings.UNIDESK_ENCRYPTION_KEY = "a different key"

    deliver_due(at=T0)

    reply.delivery.refresh_from_db()
    assert reply.delivery.status == DeliveryStatus.FAILED
    assert "encryption key changed" in reply.delivery.last_error
    assert bot_api.called("sendMessage") == []


def test_pacing_spaces_messages_to_one_chat(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    slept: list[float] = []
    clock = [100.0]
    monkeypatch.setattr(transport.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(transport.time, "sleep", slept.append)
    pace = transport._Pace()

    pace.wait((("chat", 1), 1.0), (("bot", 1), 0.1))
    pace.wait((("chat", 1), 1.0), (("bot", 1), 0.1))
    pace.wait((("chat", 2), 1.0), (("bot", 1), 0.1))

    assert slept == pytest.approx([1.0, 1.1])


def test_the_token_is_stored_encrypted(desk) -> None:  # type: ignore[no-untyped-def]
    bot = TelegramBot(name="b", mode="webhook")
    bot.set_token(TOKEN)
    bot.save()

    stored = TelegramBot.objects.values_list("token_encrypted", flat=True).get()
    assert TOKEN not in stored
    assert TelegramBot.objects.get().get_token() == TOKEN


def test_the_token_can_come_from_the_environment(desk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bot = TelegramBot.objects.create(name="b", mode="polling", token_env="SUPPORT_BOT_TOKEN")
    with pytest.raises(DomainError, match="SUPPORT_BOT_TOKEN"):
        bot.get_token()
    monkeypatch.setenv("SUPPORT_BOT_TOKEN", TOKEN)
    assert bot.get_token() == TOKEN


def test_a_lead_connects_a_bot_in_the_admin(desk, bot_api) -> None:  # type: ignore[no-untyped-def]
    from unidesk.accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.test", "pw")
    browser = Client()
    browser.force_login(admin)
    refused = browser.post(
        "/admin/telegram/telegrambot/add/",
        {"name": "Support", "token": "", "token_env": "", "mode": "webhook", "is_active": "on"},
    )
    assert refused.status_code == 200  # the form again, with the error
    assert TelegramBot.objects.count() == 0

    response = browser.post(
        "/admin/telegram/telegrambot/add/",
        {"name": "Support", "token": TOKEN, "token_env": "", "mode": "webhook",
         "default_queue": desk.general.pk, "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    bot = TelegramBot.objects.get()
    assert bot.get_token() == TOKEN and TOKEN not in bot.token_encrypted
    page = browser.get(f"/admin/telegram/telegrambot/{bot.pk}/change/").content.decode()
    assert TOKEN not in page
    assert f"/channels/telegram/{bot.pk}/webhook/" in page

    checked = browser.post(
        "/admin/telegram/telegrambot/",
        {"action": "check_connection", "_selected_action": [bot.pk]},
        follow=True,
    )
    assert "@desk_bot" in checked.content.decode()
    bot.refresh_from_db()
    assert bot.username == "desk_bot"
