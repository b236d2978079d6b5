"""The widget's HTTP side: settings, the polling fallback, uploads, CORS, the demo page."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from unidesk.channels.chat import services
from unidesk.channels.chat.models import ChatSession
from unidesk.tickets.models import Attachment, Message, Ticket
from unidesk.tickets.services import reply_to_ticket

pytestmark = pytest.mark.django_db
SHOP = "https://shop.example.com"


def api(widget, path: str) -> str:  # type: ignore[no-untyped-def]
    return f"/chat/api/{widget.key}/{path}"


def hello(client: Client, widget, token: str | None = None) -> dict:  # type: ignore[no-untyped-def,type-arg]
    response = client.post(
        api(widget, "hello"),
        {"token": token, "page": {"url": f"{SHOP}/cart", "title": "Cart"}},
        content_type="application/json",
        HTTP_ORIGIN=SHOP,
    )
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ORIGIN": SHOP}


def test_the_config_is_served_to_allowed_sites_with_cors_headers(widget) -> None:  # type: ignore[no-untyped-def]
    response = Client().get(api(widget, "config"), HTTP_ORIGIN=SHOP)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP
    body = response.json()
    assert (body["colour"], body["language"], body["online"]) == ("#2563eb", "auto", False)
    assert body["fields"] == {"name": "optional", "email": "optional"}


def test_other_sites_are_refused(widget) -> None:  # type: ignore[no-untyped-def]
    response = Client().post(
        api(widget, "hello"), {}, content_type="application/json", HTTP_ORIGIN="https://evil.test"
    )

    assert response.status_code == 403
    assert response.json()["error"] == "origin"
    assert "Access-Control-Allow-Origin" not in response
    assert ChatSession.objects.count() == 0


def test_an_unknown_or_inactive_widget_is_a_404(widget) -> None:  # type: ignore[no-untyped-def]
    assert Client().get("/chat/api/nope/config").status_code == 404
    widget.is_active = False
    widget.save()
    assert Client().get(api(widget, "config"), HTTP_ORIGIN=SHOP).status_code == 404


def test_a_preflight_is_answered(widget) -> None:  # type: ignore[no-untyped-def]
    response = Client().options(api(widget, "frame"), HTTP_ORIGIN=SHOP)

    assert response.status_code == 204
    assert "Authorization" in response["Access-Control-Allow-Headers"]


def test_the_polling_fallback_carries_a_whole_conversation(desk, widget) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    welcome = hello(client, widget)
    token = welcome["token"]
    assert welcome["messages"] == []

    client_id = str(uuid.uuid4())
    sent = client.post(
        api(widget, "frame"),
        {"type": "message", "id": client_id, "text": "Привет! Где мой заказ?"},
        content_type="application/json",
        **bearer(token),
    )
    assert sent.status_code == 200, sent.content
    assert sent.json()["message"]["client_id"] == client_id
    ticket = Ticket.objects.get()
    assert ticket.channel == "chat"
    reply_to_ticket(ticket, by=desk.alice, text="Здравствуйте! Заказ уже в пути.")

    polled = client.get(
        api(widget, "poll"), {"since": sent.json()["message"]["id"]}, **bearer(token)
    )

    assert polled.status_code == 200
    assert [m["text"] for m in polled.json()["messages"]] == ["Здравствуйте! Заказ уже в пути."]
    # A reload: the same token brings the whole history back.
    again = hello(Client(), widget, token)
    assert [m["text"] for m in again["messages"]] == [
        "Привет! Где мой заказ?",
        "Здравствуйте! Заказ уже в пути.",
    ]
    session = ChatSession.objects.get()
    assert (session.page_url, session.page_title) == (f"{SHOP}/cart", "Cart")


def test_frames_need_a_valid_token(widget) -> None:  # type: ignore[no-untyped-def]
    response = Client().post(
        api(widget, "frame"),
        {"type": "message", "id": str(uuid.uuid4()), "text": "hi"},
        content_type="application/json",
        **bearer("forged"),
    )

    assert response.status_code == 401
    assert response.json()["error"] == "token"
    assert Message.objects.count() == 0


def test_a_bad_frame_is_a_readable_400(widget) -> None:  # type: ignore[no-untyped-def]
    token = hello(Client(), widget)["token"]
    for body in ({"type": "dance"}, {"type": "message", "id": "", "text": "hi"}):
        response = Client().post(
            api(widget, "frame"), body, content_type="application/json", **bearer(token)
        )
        assert response.status_code == 400
        assert response.json()["detail"]
    junk = Client().post(
        api(widget, "frame"), "[1,", content_type="application/json", **bearer(token)
    )
    assert junk.status_code == 400
    assert Message.objects.count() == 0


def test_an_upload_is_stored_as_an_attachment(widget) -> None:  # type: ignore[no-untyped-def]
    token = hello(Client(), widget)["token"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

    response = Client().post(
        api(widget, "upload"),
        {
            "file": SimpleUploadedFile("screen.png", png, content_type="image/png"),
            "id": str(uuid.uuid4()),
        },
        **bearer(token),
    )

    assert response.status_code == 201, response.content
    assert response.json()["message"]["files"] == [{"name": "screen.png", "size": len(png)}]
    attachment = Attachment.objects.get()
    assert (attachment.content_type, attachment.size) == ("image/png", len(png))
    assert attachment.message.ticket.channel == "chat"


@pytest.mark.parametrize(
    "name, content_type, content, status, error",
    [
        ("tool.exe", "application/x-msdownload", b"MZ\x90", 415, "file_type"),
        ("fake.png", "image/png", b"<?php evil(); ?>", 415, "file_type"),
        ("big.pdf", "application/pdf", b"%PDF-" + b"0" * 5000, 413, "too_large"),
    ],
)
def test_refused_uploads_change_nothing(widget, name, content_type, content, status, error) -> None:  # type: ignore[no-untyped-def]
    widget.max_upload_bytes = 4096
    widget.save()
    token = hello(Client(), widget)["token"]

    response = Client().post(
        api(widget, "upload"),
        {
            "file": SimpleUploadedFile(name, content, content_type=content_type),
            "id": str(uuid.uuid4()),
        },
        **bearer(token),
    )

    assert response.status_code == status
    assert response.json()["error"] == error
    assert Message.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_the_offline_form_turns_the_chat_into_an_email_ticket(widget) -> None:  # type: ignore[no-untyped-def]
    welcome = hello(Client(), widget)
    assert welcome["online"] is False

    response = Client().post(
        api(widget, "frame"),
        {
            "type": "leave_email",
            "email": "zoe@example.com",
            "text": "Call me back",
            "id": str(uuid.uuid4()),
        },
        content_type="application/json",
        **bearer(welcome["token"]),
    )

    assert response.status_code == 200, response.content
    assert response.json()["email"] == "zoe@example.com"
    assert Ticket.objects.get().channel == "email"
    assert hello(Client(), widget, welcome["token"])["left_email"] is True


def test_the_widget_script_and_the_demo_page_are_served(widget) -> None:  # type: ignore[no-untyped-def]
    script = Client().get("/chat/widget.js")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("text/javascript")
    assert b"attachShadow" in script.content
    assert b"innerHTML" not in script.content  # visitor and agent text only as textContent

    demo = Client().get("/chat/demo/?lang=ru")
    assert demo.status_code == 200
    page = demo.content.decode()
    assert f'data-widget="{widget.key}"' in page
    assert 'data-lang="ru"' in page


def test_the_demo_page_says_when_no_widget_exists(desk) -> None:  # type: ignore[no-untyped-def]
    assert Client().get("/chat/demo/").status_code == 404


def test_agent_online_status_reaches_the_widget(desk, widget) -> None:  # type: ignore[no-untyped-def]
    from unidesk.core import presence

    presence.mark_online(desk.alice.pk, "sock")
    services.forget_online_cache()

    assert Client().get(api(widget, "config"), HTTP_ORIGIN=SHOP).json()["online"] is True
