"""E-mail where agents and integrations see it: the ticket page and the API."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import T0
from unidesk.channels.email.services import receive_email
from unidesk.channels.email.tests.conftest import sample

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_ticket_page_shows_the_sender_the_flags_the_quote_and_the_files(desk, mailbox) -> None:  # type: ignore[no-untyped-def]
    outlook = receive_email(sample("outlook_html.eml"), via="smtp", at=T0)
    ticket = outlook.ticket
    assert ticket is not None and outlook.message is not None
    auto = receive_email(
        sample("outlook_html.eml")
        .replace(b"Message-ID: <DB9", b"Message-ID: <auto-DB9")
        .replace(b"MIME-Version", b"Auto-Submitted: auto-replied\r\nMIME-Version"),
        via="smtp",
        at=T0,
    )
    assert auto.ticket == ticket

    page = logged_in(desk.alice).get(f"/tickets/{ticket.pk}/").content.decode()

    assert "Peter Jones" in page and "peter.jones@acme.example" in page
    assert "auto-reply" in page
    assert "Show quoted text" in page and "We have updated your billing details." in page
    image = outlook.message.attachments.get()
    assert f"/tickets/{ticket.pk}/attachments/{image.pk}/" in page
    assert f"/tickets/{ticket.pk}/messages/{outlook.message.pk}/original.eml" in page
    assert "alert(" not in page


def test_the_formatted_message_shows_inline_images_and_holds_back_remote_ones(
    desk, mailbox
) -> None:  # type: ignore[no-untyped-def]
    raw = sample("outlook_html.eml").replace(
        b'<o:p></o:p></p>=0D=0A<p class=3D"MsoNormal"><o:p>&nbsp;</o:p></p>=0D=0A<div',
        b"<o:p></o:p></p>",
    )
    received = receive_email(raw, via="smtp", at=T0)
    message, ticket = received.message, received.ticket
    assert message is not None and ticket is not None
    message.html += '<p><img src="https://tracker.example/pixel.gif" alt="pixel"></p>'
    message.save(update_fields=["html"])
    client = logged_in(desk.alice)
    url = f"/tickets/{ticket.pk}/messages/{message.pk}/html/"

    held = client.get(url).content.decode()
    image = message.attachments.get()
    assert f'src="/tickets/{ticket.pk}/attachments/{image.pk}/?inline=1"' in held
    assert "tracker.example" not in held and "[pixel]" in held
    assert "Load remote images" in held

    loaded = client.get(url, {"remote": "1"}).content.decode()
    assert 'src="https://tracker.example/pixel.gif"' in loaded


def test_attachments_and_originals_are_served_to_agents_who_may_see_the_ticket(
    desk, mailbox
) -> None:  # type: ignore[no-untyped-def]
    received = receive_email(sample("nameless_attachment.eml"), via="smtp", at=T0)
    message, ticket = received.message, received.ticket
    assert message is not None and ticket is not None
    png, pdf = message.attachments.order_by("pk")
    alice = logged_in(desk.alice)

    shown = alice.get(f"/tickets/{ticket.pk}/attachments/{png.pk}/", {"inline": "1"})
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown["X-Content-Type-Options"] == "nosniff"
    pdf_response = alice.get(f"/tickets/{ticket.pk}/attachments/{pdf.pk}/", {"inline": "1"})
    assert pdf_response["Content-Type"] == "application/octet-stream"  # never inline
    assert "attachment" in pdf_response["Content-Disposition"]
    original = alice.get(f"/tickets/{ticket.pk}/messages/{message.pk}/original.eml")
    assert b"".join(original.streaming_content) == sample("nameless_attachment.eml")

    ticket.queue = desk.payments
    ticket.save(update_fields=["queue"])
    bob = logged_in(desk.bob)  # not skilled for payments
    assert bob.get(f"/tickets/{ticket.pk}/attachments/{png.pk}/").status_code == 403
    assert bob.get(f"/tickets/{ticket.pk}/messages/{message.pk}/original.eml").status_code == 403
    assert alice.get(f"/tickets/{ticket.pk}/attachments/999999/").status_code == 404


def test_the_api_lists_email_messages_with_their_details(desk, mailbox, api_as) -> None:  # type: ignore[no-untyped-def]
    ticket = receive_email(sample("gmail_reply.eml"), via="imap", at=T0).ticket
    assert ticket is not None
    receive_email(sample("vacation_autoreply_ru.eml"), via="imap", at=T0)
    api = api_as(desk.lead)

    (gmail,) = api.get(f"/api/v1/tickets/{ticket.pk}/messages").json()

    assert gmail["sender_address"] == "ann.lee@gmail.example"
    assert gmail["sender_name"] == "Ann Lee"
    assert gmail["subject"] == "Re: Charged twice [#5]"
    assert gmail["text"] == "Thanks, the refund arrived this morning.\n\nBest,\nAnn"
    assert gmail["html"].startswith("<div>Thanks, the refund arrived")
    assert gmail["external_id"] == "<CAJx1y2Z+abcDEF123_ghiJKL456@mail.gmail.com>"
    assert (gmail["is_auto_reply"], gmail["is_bounce"], gmail["is_unparseable"]) == (
        False,
        False,
        False,
    )
    email = gmail["email"]
    assert email["quoted_text"].startswith("On Mon, 2 Mar 2026 at 10:05")
    assert email["in_reply_to"] == "<unidesk.5.9.0f0e0d0c0b@demo.unidesk.local>"
    assert email["to"] == ["support@demo.unidesk.local"]
    original = api.get(email["original_url"])
    assert b"".join(original.streaming_content) == sample("gmail_reply.eml")

    found = api.get("/api/v1/messages", external_id="vacation-0013@example.ru").json()
    assert [m["is_auto_reply"] for m in found] == [True]


def test_the_ticket_page_query_count_does_not_grow_with_email_messages(  # type: ignore[no-untyped-def]
    desk, mailbox, django_assert_num_queries
) -> None:
    ticket = receive_email(sample("outlook_html.eml"), via="smtp", at=T0).ticket
    assert ticket is not None
    client = logged_in(desk.lead)
    client.get(f"/tickets/{ticket.pk}/")
    # session, user, ticket, tags, messages, attachments, events, identities, other
    # tickets: the same 9 as for any ticket
    with django_assert_num_queries(9):
        client.get(f"/tickets/{ticket.pk}/")
    for i in range(5):
        raw = sample("nameless_attachment.eml").replace(b"nameless-0011", f"n{i}".encode())
        receive_email(raw.replace(b"raj@example.in", b"peter.jones@acme.example"), via="smtp")
    with django_assert_num_queries(9):
        client.get(f"/tickets/{ticket.pk}/")
