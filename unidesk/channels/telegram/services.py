"""Every write of the Telegram channel: an update into a ticket, polling, bot set-up.

An update is stored through `intake.receive` (idempotent on `<chat id>:<message id>`), with
its files fetched first through getFile. A file Telegram will not serve (too large) is
noted on the message; a network failure raises `Unavailable` before anything is stored, so
Telegram (webhook) or the poller sends the update again.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from django.conf import settings
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from unidesk.channels.telegram import client
from unidesk.channels.telegram.models import TelegramBot
from unidesk.channels.telegram.parse import CHANNEL, FileRef, parse_update
from unidesk.core.errors import DomainError
from unidesk.intake.inbound import InboundAttachment
from unidesk.intake.receive import Receipt, receive
from unidesk.tickets.models import Message

log = logging.getLogger(__name__)


class Unavailable(Exception):
    """Telegram could not be reached; try the same update again later."""


class BadUpdate(DomainError):
    """Not a Bot API update the desk understands."""


def _fetch(token: str, ref: FileRef) -> tuple[InboundAttachment | None, dict[str, Any] | None]:
    limit = min(settings.UNIDESK_MAX_ATTACHMENT_BYTES, client.MAX_DOWNLOAD)
    if ref.size is not None and ref.size > limit:
        return None, {"filename": ref.filename, "size": ref.size, "reason": "too large"}
    try:
        content = client.download(token, ref.file_id)
    except BadRequest as exc:  # Telegram refuses this file for good (e.g. too big)
        return None, {"filename": ref.filename, "reason": str(exc)[:200]}
    except TelegramError as exc:  # unreachable, rate-limited, or a token problem: later
        raise Unavailable(f"downloading {ref.filename}: {exc}") from exc
    return InboundAttachment(ref.filename, ref.content_type, content), None


def handle_update(bot: TelegramBot, update: Any) -> Receipt | None:
    """Store the customer message in `update`; None when it is not one (or a repeat)."""
    if not isinstance(update, dict):
        raise BadUpdate("An update is a JSON object.")
    try:
        parsed = parse_update(update, bot_id=bot.pk, default_queue_id=bot.default_queue_id)
    except (KeyError, TypeError, ValueError) as exc:
        raise BadUpdate(f"Not a Bot API update: {exc!r}") from None
    if parsed is None:
        return None
    if Message.objects.filter(channel=CHANNEL, external_id=parsed.inbound.external_id).exists():
        return None  # a repeat: don't fetch its files again
    attachments: list[InboundAttachment] = []
    problems: list[dict[str, Any]] = []
    if parsed.files:
        try:
            token = bot.get_token()
        except DomainError as exc:
            raise Unavailable(exc.message) from exc
        for ref in parsed.files:
            item, problem = _fetch(token, ref)
            if item is not None:
                attachments.append(item)
            if problem is not None:
                problems.append(problem)
    inbound = parsed.with_attachments(
        tuple(attachments), {"attachments_unavailable": problems} if problems else {}
    )
    if not (inbound.text.strip() or inbound.attachments):
        names = ", ".join(p["filename"] for p in problems)
        inbound = replace(inbound, text=f"[file not available: {names}]")
    return receive(inbound)


def poll_once(bot: TelegramBot, *, timeout: int = 25) -> int:
    """One getUpdates round for a bot in polling mode; the offset is saved after each update.

    Returns how many updates were handled. Raises `Unavailable` when Telegram cannot be
    reached; an update that failed is fetched again next time.
    """
    token = bot.get_token()
    try:
        updates = client.get_updates(token, offset=bot.update_offset or None, timeout=timeout)
    except (NetworkError, RetryAfter) as exc:
        raise Unavailable(str(exc)) from exc
    handled = 0
    for update in updates:
        try:
            handle_update(bot, update)
        except BadUpdate as exc:
            log.warning(
                "telegram bot %s: skipped update %s: %s", bot.pk, update.get("update_id"), exc
            )
        bot.update_offset = int(update["update_id"]) + 1
        TelegramBot.objects.filter(pk=bot.pk).update(update_offset=bot.update_offset)
        handled += 1
    return handled


def check_bot(bot: TelegramBot) -> str:
    """Ask Telegram who the bot is (getMe); stores and returns its username."""
    try:
        username = client.get_me(bot.get_token())
    except TelegramError as exc:
        raise DomainError(f"Telegram refused the token: {exc}") from exc
    TelegramBot.objects.filter(pk=bot.pk).update(username=username)
    bot.username = username
    return username


def webhook_url(bot: TelegramBot, *, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/channels/telegram/{bot.pk}/webhook/"


def register_webhook(bot: TelegramBot, *, base_url: str) -> str:
    """Tell Telegram to call the desk (setWebhook with the bot's secret); returns the URL."""
    url = webhook_url(bot, base_url=base_url)
    if not url.startswith("https://"):
        raise DomainError("Telegram calls webhooks over HTTPS only; use long polling instead.")
    try:
        client.set_webhook(bot.get_token(), url=url, secret=bot.webhook_secret)
    except TelegramError as exc:
        raise DomainError(f"Telegram refused the webhook: {exc}") from exc
    return url


def remove_webhook(bot: TelegramBot) -> None:
    try:
        client.delete_webhook(bot.get_token())
    except TelegramError as exc:
        raise DomainError(f"Telegram refused: {exc}") from exc
