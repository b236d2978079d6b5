"""Replies to Telegram customers: the outbox calls `send()` from the worker.

The reply goes to the chat of the ticket's latest Telegram message, through the bot that
received it. Telegram's limits are kept in-process (about one message a second per chat,
30 a second per bot), and a 429 answer's `retry_after` goes back to the outbox, which
waits that long. A 403 (the customer blocked the bot) or 400 fails the delivery at once.
"""

from __future__ import annotations

import threading
import time
import warnings
from datetime import timedelta

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from unidesk.channels.telegram import client
from unidesk.channels.telegram.models import TelegramBot
from unidesk.channels.telegram.parse import CHANNEL
from unidesk.core.errors import DomainError
from unidesk.outbox.transports import ChannelError
from unidesk.tickets.models import Message, MessageKind

#: Seconds between two messages to one chat, and between two messages of one bot.
PER_CHAT_INTERVAL = 1.0
PER_BOT_INTERVAL = 1 / 30


class _Pace:
    """Waits so that no chat and no bot goes faster than Telegram allows."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last: dict[object, float] = {}

    def wait(self, *keys_and_intervals: tuple[object, float]) -> None:
        with self.lock:
            clock = time.monotonic()
            start = max(
                [clock]
                + [self.last.get(key, 0.0) + interval for key, interval in keys_and_intervals]
            )
            for key, _interval in keys_and_intervals:
                self.last[key] = start
        if start > clock:
            time.sleep(start - clock)


def _retry_after(exc: RetryAfter) -> float:
    """Seconds to wait; python-telegram-bot 22 gives an int or a timedelta (and warns)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramTransport:
    channel = CHANNEL

    def __init__(self) -> None:
        self.pace = _Pace()

    def send(self, message: Message) -> str | None:
        source = (
            Message.objects.filter(
                ticket_id=message.ticket_id, kind=MessageKind.CUSTOMER, channel=CHANNEL
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        chat_id = source.flags.get("telegram_chat") if source is not None else None
        if source is None or not isinstance(chat_id, int):
            raise ChannelError("The ticket has no Telegram chat to answer.", permanent=True)
        bot = TelegramBot.objects.filter(pk=source.flags.get("telegram_bot")).first()
        if bot is None or not bot.is_active:
            raise ChannelError(
                "The bot this customer wrote to is gone or inactive.", permanent=True
            )
        try:
            token = bot.get_token()
        except DomainError as exc:
            raise ChannelError(exc.message, permanent=True) from exc
        self.pace.wait(
            (("chat", bot.pk, chat_id), PER_CHAT_INTERVAL), (("bot", bot.pk), PER_BOT_INTERVAL)
        )
        try:
            ids = client.send_text(token, chat_id, message.text)
        except RetryAfter as exc:
            wait = _retry_after(exc)
            raise ChannelError(
                f"Telegram rate limit: retry after {wait:g} s.", retry_after=wait
            ) from exc
        except Forbidden as exc:
            raise ChannelError(
                f"The customer blocked the bot (403: {exc.message}).", permanent=True
            ) from exc
        except InvalidToken as exc:
            raise ChannelError(
                f"Telegram rejected the bot's token: {exc.message}", permanent=True
            ) from exc
        except BadRequest as exc:
            raise ChannelError(
                f"Telegram refused the message (400: {exc.message}).", permanent=True
            ) from exc
        except NetworkError as exc:
            raise ChannelError(f"Telegram could not be reached: {exc.message}") from exc
        return ",".join(f"{chat_id}:{i}" for i in ids)
