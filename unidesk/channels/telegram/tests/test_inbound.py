"""Updates into tickets, by webhook and by long polling, against the local Bot API stand-in."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from unidesk.channels.telegram import services
from unidesk.channels.telegram.models import Mode, TelegramBot
from unidesk.channels.telegram.tests import updates
from unidesk.customers.models import Identity
from unidesk.tickets.models import Attachment, Message, Ticket

pytestmark = pytest.mark.django_db
HEADER = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"


def post(bot: TelegramBot, update: object, *, secret: str | None = None):  # type: ignore[no-untyped-def]
    return Client().post(
        f"/channels/telegram/{bot.pk}/webhook/",
        update,
        content_type="application/json",
        **{HEADER: bot.webhook_secret if secret is None else secret},
    )


@pytest.fixture
def files(bot_api):  # type: ignore[no-untyped-def]
    bot_api.files.update(updates.FILES)
    return bot_api


def test_a_russian_text_message_opens_a_routed_sla_stamped_ticket(desk, bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    response = post(bot, updates.text())

    assert response.status_code == 200, response.content
    message = Message.objects.get()
    ticket = message.ticket
    assert (message.channel, message.external_id) == ("telegram", "5123456789:17")
    assert ticket.queue == desk.payments  # "списали" matches the money rule before the bot's queue
    assert ticket.channel_weight == 1  # no weight configured for telegram on the test desk
    assert ticket.first_response_due_at is not None
    assert (message.language, ticket.language) == ("ru", "ru")
    assert message.sender_name == "Иван Петров (@ivan_p)"
    assert message.flags == {
        "telegram_bot": bot.pk,
        "telegram_chat": 5123456789,
        "telegram_username": "ivan_p",
    }
    identity = Identity.objects.get(customer=ticket.customer)
    assert (identity.kind, identity.value) == ("telegram", "5123456789")
    assert bot_api.calls == []  # a text message needs nothing from Telegram


def test_without_a_matching_rule_the_ticket_goes_to_the_bots_queue(desk, bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    other = desk.payments
    bot.default_queue = other
    bot.save()
    update = updates.message(700000010, 30, text="Добрый день, подскажите часы работы")

    assert post(bot, update).status_code == 200

    assert Ticket.objects.get().queue == other


def test_a_redelivered_update_is_stored_once(bot, files) -> None:  # type: ignore[no-untyped-def]
    assert post(bot, updates.photo()).status_code == 200
    assert post(bot, updates.photo()).status_code == 200

    assert Message.objects.count() == 1
    assert len(files.called("getFile")) == 1


def test_a_photo_keeps_its_largest_size(bot, files) -> None:  # type: ignore[no-untyped-def]
    assert post(bot, updates.photo()).status_code == 200

    message = Message.objects.get()
    assert message.text == "Вот скриншот ошибки при оплате"
    attachment = Attachment.objects.get()
    assert files.called("getFile") == [{"file_id": "AgACAgIAAxkBAAMSlarge"}]
    assert (attachment.filename, attachment.content_type) == ("photo_18.jpg", "image/jpeg")
    assert attachment.file.read() == updates.JPEG


def test_a_document_and_a_voice_note_become_attachments_of_one_ticket(bot, files) -> None:  # type: ignore[no-untyped-def]
    assert post(bot, updates.text()).status_code == 200
    assert post(bot, updates.document()).status_code == 200
    assert post(bot, updates.voice()).status_code == 200

    assert Ticket.objects.count() == 1
    stored = {a.filename: (a.content_type, a.file.read()) for a in Attachment.objects.all()}
    assert stored == {
        "выписка.pdf": ("application/pdf", updates.PDF),
        "voice_20.ogg": ("audio/ogg", updates.OGG),
    }
    voice = Message.objects.get(external_id="5123456789:20")
    assert (voice.text, voice.attachments.count()) == ("", 1)


def test_an_edit_is_a_new_message_flagged_edited_and_the_original_stays(bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    post(bot, updates.text())

    assert post(bot, updates.edited()).status_code == 200
    assert post(bot, updates.edited()).status_code == 200  # redelivered: still one

    original, edit = Message.objects.order_by("pk")
    assert original.ticket_id == edit.ticket_id
    assert "дважды" in original.text and "трижды" in edit.text
    assert edit.external_id == "5123456789:17:edit:1772445660"
    assert edit.flags["edited"] is True
    assert edit.flags["edit_of"] == "5123456789:17"


def test_a_file_too_large_for_bots_is_noted_and_the_message_kept(bot, files) -> None:  # type: ignore[no-untyped-def]
    update = updates.document()
    update["message"]["document"]["file_size"] = 30 * 1024 * 1024

    assert post(bot, update).status_code == 200

    message = Message.objects.get()
    assert message.text == "Выписка из банка"
    assert message.flags["attachments_unavailable"] == [
        {"filename": "выписка.pdf", "size": 30 * 1024 * 1024, "reason": "too large"}
    ]
    assert files.called("getFile") == []


def test_a_file_telegram_refuses_is_noted(bot, files) -> None:  # type: ignore[no-untyped-def]
    files.fail("getFile", 400, "Bad Request: file is too big")

    assert post(bot, updates.voice()).status_code == 200

    message = Message.objects.get()
    assert message.text == "[file not available: voice_20.ogg]"
    assert message.flags["attachments_unavailable"][0]["reason"] == "File is too big"


def test_when_telegram_is_down_nothing_is_stored_and_the_retry_works(bot, files) -> None:  # type: ignore[no-untyped-def]
    files.down = True
    response = post(bot, updates.photo())
    assert response.status_code == 503
    assert Message.objects.count() == 0

    files.down = False
    assert post(bot, updates.photo()).status_code == 200
    assert Attachment.objects.count() == 1


def test_the_webhook_refuses_a_wrong_secret_and_stores_nothing(bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    assert post(bot, updates.text(), secret="guess").status_code == 403
    response = Client().post(
        f"/channels/telegram/{bot.pk}/webhook/", updates.text(), content_type="application/json"
    )
    assert response.status_code == 403
    assert "X-Telegram-Bot-Api-Secret-Token" in response.json()["detail"]
    assert Client().get(f"/channels/telegram/{bot.pk}/webhook/").status_code == 405
    assert post(bot, updates.text(), secret="").status_code == 403
    assert Message.objects.count() == 0


def test_bad_bodies_are_a_400_and_unknown_bots_a_404(bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    junk = Client().post(
        f"/channels/telegram/{bot.pk}/webhook/",
        "{not json",
        content_type="application/json",
        **{HEADER: bot.webhook_secret},
    )
    assert junk.status_code == 400
    assert post(bot, [1, 2]).status_code == 400
    broken = {"update_id": 1, "message": {"chat": {"type": "private", "id": 1}, "from": {"id": 1}}}
    assert post(bot, broken).status_code == 400
    assert Client().post("/channels/telegram/999/webhook/", {}).status_code == 404
    assert Message.objects.count() == 0


def test_group_chats_and_other_updates_are_ignored(bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    assert post(bot, updates.group()).status_code == 200
    assert post(bot, {"update_id": 9, "callback_query": {"id": "1"}}).status_code == 200

    assert Message.objects.count() == 0


def test_a_sticker_is_described_rather_than_dropped(bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    update = updates.message(
        700000020,
        40,
        sticker={"file_id": "CAAC", "file_unique_id": "x", "type": "regular", "width": 512,
                 "height": 512, "is_animated": False, "is_video": False, "emoji": "😡"},
    )  # fmt: skip

    assert post(bot, update).status_code == 200

    assert Message.objects.get().text == "[sticker 😡]"


def test_a_customer_sharing_their_own_number_adds_a_phone_identity(bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    update = updates.message(
        700000021,
        41,
        contact={"phone_number": "+79123456789", "first_name": "Иван", "user_id": 5123456789},
    )

    assert post(bot, update).status_code == 200

    customer = Message.objects.get().ticket.customer
    assert set(customer.identities.values_list("kind", "value")) == {
        ("telegram", "5123456789"),
        ("phone", "+79123456789"),
    }


def test_a_telegram_user_who_wrote_by_email_before_is_one_customer(bot, bot_api) -> None:  # type: ignore[no-untyped-def]
    from unidesk.intake.inbound import InboundMessage
    from unidesk.intake.receive import receive

    ivan = receive(
        InboundMessage(
            channel="api",
            identities=(("email", "ivan@example.ru"), ("telegram", "5123456789")),
            text="hello",
        )
    ).ticket.customer

    post(bot, updates.text())

    assert Message.objects.get(channel="telegram").ticket.customer == ivan


def test_long_polling_stores_updates_and_saves_the_offset(bot, files) -> None:  # type: ignore[no-untyped-def]
    bot.mode = Mode.POLLING
    bot.save()
    files.updates = [updates.text(), updates.photo(), updates.group()]

    assert services.poll_once(bot, timeout=0) == 3

    bot.refresh_from_db()
    assert bot.update_offset == 700000006 + 1
    assert Message.objects.count() == 2
    files.updates.append(updates.voice(update_id=700000007, message_id=21))
    call_command("telegram-poll", "--once")
    assert files.called("getUpdates")[-1]["offset"] == 700000007
    bot.refresh_from_db()
    assert bot.update_offset == 700000008
    assert Message.objects.count() == 3


def test_long_polling_keeps_the_offset_when_telegram_is_down(bot, files) -> None:  # type: ignore[no-untyped-def]
    bot.mode = Mode.POLLING
    bot.update_offset = 700000001
    bot.save()
    files.updates = [updates.photo()]
    files.fail("getFile", 502, "Bad Gateway")

    with pytest.raises(services.Unavailable):
        services.poll_once(bot, timeout=0)

    bot.refresh_from_db()
    assert bot.update_offset == 700000001
    assert Message.objects.count() == 0
    assert services.poll_once(bot, timeout=0) == 1
    assert Attachment.objects.count() == 1
