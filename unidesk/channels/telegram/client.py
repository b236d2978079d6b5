"""The Bot API through python-telegram-bot, pointed at `UNIDESK_TELEGRAM_API_URL`.

Synchronous wrappers: each call runs the library's coroutine on a fresh event loop in the
calling thread (the worker, a management command, a webhook request's thread) and closes
its HTTP client. Errors are the library's (`telegram.error.*`); callers map them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from django.conf import settings
from telegram import Bot

T = TypeVar("T")
#: The Bot API refuses longer texts; a longer reply goes out in several messages.
MAX_TEXT = 4096
#: getFile serves files up to 20 MB; larger ones cannot be fetched by a bot.
MAX_DOWNLOAD = 20 * 1024 * 1024


def make_bot(token: str) -> Bot:
    api = settings.UNIDESK_TELEGRAM_API_URL
    return Bot(token, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot")


def _run(token: str, call: Callable[[Bot], Awaitable[T]]) -> T:
    async def go() -> T:
        bot = make_bot(token)
        try:
            return await call(bot)
        finally:
            await bot.shutdown()

    return asyncio.run(go())


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a line break or space where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text or not pieces:
        pieces.append(text)
    return pieces


def send_text(token: str, chat_id: int, text: str) -> list[int]:
    """Send `text` (split if long); the Telegram ids of the messages sent."""

    async def call(bot: Bot) -> list[int]:
        ids = []
        for piece in split_text(text):
            sent = await bot.send_message(chat_id=chat_id, text=piece)
            ids.append(sent.message_id)
        return ids

    return _run(token, call)


def download(token: str, file_id: str) -> bytes:
    async def call(bot: Bot) -> bytes:
        file = await bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())

    return _run(token, call)


def get_updates(token: str, *, offset: int | None, timeout: int) -> list[dict[str, Any]]:
    async def call(bot: Bot) -> list[dict[str, Any]]:
        updates = await bot.get_updates(
            offset=offset,
            timeout=timeout,
            read_timeout=timeout + 10,
            allowed_updates=["message", "edited_message"],
        )
        return [u.to_dict() for u in updates]

    return _run(token, call)


def get_me(token: str) -> str:
    async def call(bot: Bot) -> str:
        return str((await bot.get_me()).username or "")

    return _run(token, call)


def set_webhook(token: str, *, url: str, secret: str) -> bool:
    async def call(bot: Bot) -> bool:
        return bool(
            await bot.set_webhook(
                url=url, secret_token=secret, allowed_updates=["message", "edited_message"]
            )
        )

    return _run(token, call)


def delete_webhook(token: str) -> bool:
    async def call(bot: Bot) -> bool:
        return bool(await bot.delete_webhook())

    return _run(token, call)
