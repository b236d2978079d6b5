"""Bot API updates (JSON, as Telegram documents them) into the desk's inbound shape.

Pure: no network, no database. Files are named here (`FileRef`) and fetched by the caller.
Decisions (docs/telegram.md):
- Only private chats with a person are support conversations; groups, channels and bots'
  own messages are ignored.
- The external id is `<chat id>:<message id>`. An edit is stored as a new message flagged
  `edited` with the id `<chat id>:<message id>:edit:<edit date>`: the customer's words
  before the edit stay on the timeline (an agent may already have answered them).
- A photo comes in several sizes: the largest is kept.
- A message with nothing the desk can show (a sticker, a location) becomes a short
  bracketed description, so the customer is never silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from unidesk.intake.inbound import InboundAttachment, InboundMessage

CHANNEL = "telegram"
_PHONE = re.compile(r"^\+?\d{5,15}$")


@dataclass(frozen=True)
class FileRef:
    file_id: str
    filename: str
    content_type: str
    size: int | None


@dataclass(frozen=True)
class ParsedUpdate:
    update_id: int
    chat_id: int
    inbound: InboundMessage
    files: tuple[FileRef, ...]

    def with_attachments(
        self, attachments: tuple[InboundAttachment, ...], flags: dict[str, Any]
    ) -> InboundMessage:
        merged = {**self.inbound.flags, **flags}
        return replace(self.inbound, attachments=attachments, flags=merged)


def _name(user: dict[str, Any]) -> str:
    name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p).strip()
    if user.get("username"):
        name = f"{name} (@{user['username']})" if name else f"@{user['username']}"
    return name[:200]


def _files(message: dict[str, Any]) -> list[FileRef]:
    mid = message.get("message_id")
    files: list[FileRef] = []
    photos = message.get("photo") or []
    if photos:
        largest = max(
            photos, key=lambda p: (p.get("width", 0) * p.get("height", 0), p.get("file_size") or 0)
        )
        files.append(
            FileRef(largest["file_id"], f"photo_{mid}.jpg", "image/jpeg", largest.get("file_size"))
        )
    for kind, default_name, default_type in (
        ("document", "document_{mid}", "application/octet-stream"),
        ("voice", "voice_{mid}.ogg", "audio/ogg"),
        ("audio", "audio_{mid}.mp3", "audio/mpeg"),
        ("video", "video_{mid}.mp4", "video/mp4"),
        ("video_note", "video_note_{mid}.mp4", "video/mp4"),
        ("animation", "animation_{mid}.mp4", "video/mp4"),
    ):
        item = message.get(kind)
        if isinstance(item, dict) and item.get("file_id"):
            files.append(
                FileRef(
                    item["file_id"],
                    str(item.get("file_name") or default_name.format(mid=mid))[:200],
                    str(item.get("mime_type") or default_type),
                    item.get("file_size"),
                )
            )
    return files


def _placeholder(message: dict[str, Any]) -> str:
    if "sticker" in message:
        return f"[sticker {message['sticker'].get('emoji', '')}]".replace(" ]", "]")
    if "location" in message:
        loc = message["location"]
        return f"[location {loc.get('latitude')}, {loc.get('longitude')}]"
    if "contact" in message:
        contact = message["contact"]
        return f"[contact {contact.get('first_name', '')} {contact.get('phone_number', '')}]"
    if "poll" in message:
        return f"[poll: {message['poll'].get('question', '')}]"
    return "[a message the desk cannot show]"


def parse_update(
    update: dict[str, Any], *, bot_id: int, default_queue_id: int | None = None
) -> ParsedUpdate | None:
    """The customer message in `update`, or None for updates that are not one."""
    edited = "edited_message" in update
    message = update.get("edited_message") if edited else update.get("message")
    if not isinstance(message, dict):
        return None
    chat = message.get("chat") or {}
    user = message.get("from") or {}
    if chat.get("type") != "private" or not user.get("id") or user.get("is_bot"):
        return None
    chat_id = int(chat["id"])
    external_id = f"{chat_id}:{message['message_id']}"
    flags: dict[str, Any] = {"telegram_bot": bot_id, "telegram_chat": chat_id}
    if user.get("username"):
        flags["telegram_username"] = user["username"]
    if edited:
        flags.update(edited=True, edit_of=external_id)
        external_id = f"{external_id}:edit:{message.get('edit_date', 0)}"
    files = _files(message)
    text = message.get("text") or message.get("caption") or ""
    if not text and not files:
        text = _placeholder(message)
    identities: list[tuple[str, str]] = [("telegram", str(user["id"]))]
    contact = message.get("contact")
    if isinstance(contact, dict) and contact.get("user_id") == user["id"]:
        phone = str(contact.get("phone_number", "")).strip()
        if _PHONE.match(phone):
            identities.append(("phone", phone))  # the customer shared their own number
    reply = message.get("reply_to_message")
    language = str(user.get("language_code") or "")[:2]
    inbound = InboundMessage(
        channel=CHANNEL,
        identities=tuple(identities),
        external_id=external_id,
        sender_name=_name(user),
        text=text,
        reply_to=f"{chat_id}:{reply['message_id']}" if isinstance(reply, dict) else None,
        sent_at=datetime.fromtimestamp(message.get("edit_date") or message["date"], tz=UTC),
        language=language if language in ("en", "ru") else "",
        default_queue_id=default_queue_id,
        flags=flags,
    )
    return ParsedUpdate(
        update_id=int(update.get("update_id", 0)),
        chat_id=chat_id,
        inbound=inbound,
        files=tuple(files),
    )
