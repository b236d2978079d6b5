"""Screenshots for the Telegram guide: connecting a bot in the admin, a Telegram ticket."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from unidesk.accounts.models import Role, User
from unidesk.channels.telegram.models import Mode, TelegramBot
from unidesk.channels.telegram.services import handle_update

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:websockets.*"),
    pytest.mark.filterwarnings("ignore:The `websockets` implementation is deprecated"),
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]

UPDATE = {
    "update_id": 800000001,
    "message": {
        "message_id": 51,
        "from": {"id": 5987650001, "is_bot": False, "first_name": "Мария", "username": "masha_k",
                 "language_code": "ru"},
        "chat": {"id": 5987650001, "first_name": "Мария", "username": "masha_k", "type": "private"},
        "date": 1772445600,
        "text": "Добрый день! Не могу войти в личный кабинет, пишет неверный пароль.",
    },
}  # fmt: skip


def test_screenshots_of_the_telegram_set_up(
    server, desk, new_page, login, screenshots: Path
) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    User.objects.create_superuser("root", "root@example.test", "pw", role=Role.ADMIN)
    login(page, "root")
    page.goto("/admin/telegram/telegrambot/add/")
    page.fill("input[name=name]", "Support bot")
    page.fill("input[name=token]", "123456789:AAExampleTokenFromBotFather")
    page.select_option("select[name=mode]", Mode.POLLING)
    page.screenshot(path=str(screenshots / "telegram-admin.png"), full_page=True)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("Support bot")
    bot = TelegramBot.objects.get()
    assert bot.get_token() == "123456789:AAExampleTokenFromBotFather"

    ticket = server.call(handle_update, bot, UPDATE).ticket
    page = new_page()  # a fresh browser context: lena's own session
    login(page, "lena")
    page.goto(f"/tickets/{ticket.pk}/")
    expect(page.locator("#timeline li.msg.customer")).to_contain_text("Не могу войти")
    page.screenshot(path=str(screenshots / "telegram-ticket.png"))
    assert (screenshots / "telegram-ticket.png").stat().st_size > 10_000
