"""Bot API update payloads in the shapes Telegram documents (core.telegram.org/bots/api#update)."""

from __future__ import annotations

from typing import Any

IVAN = {
    "id": 5123456789,
    "is_bot": False,
    "first_name": "Иван",
    "last_name": "Петров",
    "username": "ivan_p",
    "language_code": "ru",
}
CHAT = {
    "id": 5123456789,
    "first_name": "Иван",
    "last_name": "Петров",
    "username": "ivan_p",
    "type": "private",
}
DATE = 1772445600  # 2026-03-02 10:00 UTC

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
OGG = b"OggS\x00\x02" + b"\x00" * 200


def message(update_id: int, message_id: int, **content: Any) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {"message_id": message_id, "from": IVAN, "chat": CHAT, "date": DATE, **content},
    }


def text(update_id: int = 700000001, message_id: int = 17) -> dict[str, Any]:
    return message(
        update_id,
        message_id,
        text="Здравствуйте! С карты дважды списали деньги за подписку, верните, пожалуйста.",
    )


def photo(update_id: int = 700000002, message_id: int = 18) -> dict[str, Any]:
    return message(
        update_id,
        message_id,
        photo=[
            {"file_id": "AgACAgIAAxkBAAMSsmall", "file_unique_id": "AQADs", "file_size": 1104,
             "width": 90, "height": 68},
            {"file_id": "AgACAgIAAxkBAAMSmedium", "file_unique_id": "AQADm", "file_size": 14210,
             "width": 320, "height": 240},
            {"file_id": "AgACAgIAAxkBAAMSlarge", "file_unique_id": "AQADl", "file_size": len(JPEG),
             "width": 1280, "height": 960},
        ],
        caption="Вот скриншот ошибки при оплате",
    )  # fmt: skip


def document(update_id: int = 700000003, message_id: int = 19) -> dict[str, Any]:
    return message(
        update_id,
        message_id,
        document={
            "file_name": "выписка.pdf",
            "mime_type": "application/pdf",
            "file_id": "BQACAgIAAxkBAAMTdoc",
            "file_unique_id": "AgADdoc",
            "file_size": len(PDF),
        },
        caption="Выписка из банка",
    )


def voice(update_id: int = 700000004, message_id: int = 20) -> dict[str, Any]:
    return message(
        update_id,
        message_id,
        voice={
            "duration": 4,
            "mime_type": "audio/ogg",
            "file_id": "AwACAgIAAxkBAAMUvoice",
            "file_unique_id": "AgADvoice",
            "file_size": len(OGG),
        },
    )


def edited(update_id: int = 700000005, message_id: int = 17) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "edited_message": {
            "message_id": message_id,
            "from": IVAN,
            "chat": CHAT,
            "date": DATE,
            "edit_date": DATE + 60,
            "text": "Здравствуйте! С карты трижды списали деньги за подписку, верните, пожалуйста.",
        },
    }


def group(update_id: int = 700000006) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 5,
            "from": IVAN,
            "chat": {"id": -1001234567890, "title": "Клиенты", "type": "supergroup"},
            "date": DATE,
            "text": "всем привет",
        },
    }


FILES = {
    "AgACAgIAAxkBAAMSlarge": ("photos/file_7.jpg", JPEG),
    "AgACAgIAAxkBAAMSmedium": ("photos/file_6.jpg", JPEG[:500]),
    "AgACAgIAAxkBAAMSsmall": ("photos/file_5.jpg", JPEG[:100]),
    "BQACAgIAAxkBAAMTdoc": ("documents/file_8.pdf", PDF),
    "AwACAgIAAxkBAAMUvoice": ("voice/file_9.oga", OGG),
}
