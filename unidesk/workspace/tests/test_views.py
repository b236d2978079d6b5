from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from unidesk.intake.inbound import InboundMessage
from unidesk.intake.receive import receive
from unidesk.tickets.models import Message, Status, Ticket

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def customer_writes(text: str, *, who: str = "ann@example.com", channel: str = "email") -> Ticket:
    inbound = InboundMessage(channel=channel, identities=(("email", who),), text=text)
    return receive(inbound).ticket


def test_pages_need_a_login(desk) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_login_page_signs_an_agent_in(desk) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    response = client.post("/login/", {"username": "alice", "password": "pw"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_the_overview_lists_the_agents_queues_urgent_first(desk) -> None:  # type: ignore[no-untyped-def]
    customer_writes("refund please")
    page = logged_in(desk.alice).get("/").content.decode()

    assert page.index("Payments") < page.index("General")
    assert 'data-queue="payments"' in page
    bob_page = logged_in(desk.bob).get("/").content.decode()
    assert 'data-queue="payments"' not in bob_page


def test_next_ticket_claims_and_opens_the_ticket(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = customer_writes("refund please")
    client = logged_in(desk.alice)

    response = client.post(reverse("workspace:next"))

    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    ticket.refresh_from_db()
    assert ticket.assignee == desk.alice
    empty = client.post(reverse("workspace:next"), follow=True)
    assert "Nothing is waiting" in empty.content.decode()


def test_an_agent_cannot_open_a_ticket_outside_their_queues(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = customer_writes("refund please")  # payments
    bob = logged_in(desk.bob)

    assert bob.get(f"/tickets/{ticket.pk}/").status_code == 403
    assert bob.post(f"/tickets/{ticket.pk}/reply/", {"text": "hi"}).status_code == 403
    assert bob.get("/tickets/999999/").status_code == 404
    assert ticket.messages.count() == 1


def test_a_change_of_skills_takes_effect_at_once(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = customer_writes("refund please")  # payments
    bob, alice = logged_in(desk.bob), logged_in(desk.alice)
    assert bob.get(f"/tickets/{ticket.pk}/").status_code == 403  # his queues are now cached
    assert alice.get(f"/tickets/{ticket.pk}/").status_code == 200

    desk.bob.skills.add(desk.payments)
    desk.alice.skills.remove(desk.payments)

    assert bob.get(f"/tickets/{ticket.pk}/").status_code == 200
    assert alice.get(f"/tickets/{ticket.pk}/").status_code == 403


def test_the_assignee_list_follows_skills_and_deactivation(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = customer_writes("refund please")  # payments: alice, and the lead
    lead = logged_in(desk.lead)
    option = f'<option value="{desk.bob.pk}">bob</option>'
    assert option not in lead.get(f"/tickets/{ticket.pk}/").content.decode()

    desk.bob.skills.add(desk.payments)
    assert option in lead.get(f"/tickets/{ticket.pk}/").content.decode()

    desk.bob.is_active = False
    desk.bob.save()
    assert option not in lead.get(f"/tickets/{ticket.pk}/").content.decode()


def test_customer_text_is_escaped_and_links_open_safely(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = customer_writes(
        '<script>alert(1)</script> see https://example.com/x?a=1&b=2 <img src=x onerror="alert(2)">'
    )
    page = logged_in(desk.alice).get(f"/tickets/{ticket.pk}/").content.decode()

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page.split('id="timeline"')[1]
    assert 'href="https://example.com/x?a=1&amp;b=2"' in page
    assert 'rel="noopener noreferrer nofollow"' in page
    assert 'target="_blank"' in page


def test_html_email_is_sanitised_by_an_allow_list(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = customer_writes("plain")
    Message.objects.filter(ticket=ticket).update(
        html='<p onclick="x()">Hi <b>there</b></p><script>bad()</script>'
        '<a href="javascript:alert(1)">click</a><style>body{}</style>'
    )
    page = logged_in(desk.alice).get(f"/tickets/{ticket.pk}/").content.decode()
    timeline = page.split('id="timeline"')[1]

    assert "<p>Hi <b>there</b></p>" in timeline
    assert "bad()" not in timeline
    assert "javascript:" not in timeline
    assert "onclick" not in timeline


def test_a_reply_from_the_ticket_page_lands_in_the_timeline(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = customer_writes("refund please")
    client = logged_in(desk.alice)

    response = client.post(f"/tickets/{ticket.pk}/reply/", {"text": "Refunded today."}, follow=True)

    assert "Refunded today." in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == (Status.PENDING, desk.alice)
    note = client.post(f"/tickets/{ticket.pk}/reply/", {"text": "check bank", "internal": "on"})
    assert note.status_code == 302
    assert ticket.messages.filter(kind="note").count() == 1


def test_a_refused_ticket_change_changes_nothing(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = customer_writes("refund please")
    client = logged_in(desk.lead)

    response = client.post(
        f"/tickets/{ticket.pk}/update/",
        {
            "status": "open",
            "priority": 40,
            "queue": desk.payments.pk,
            "assignee": desk.bob.pk,
            "tags": "vip",
        },
        follow=True,
    )

    assert "not skilled" in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.assignee, ticket.tags.count()) == (30, None, 0)


def test_bulk_actions_apply_to_all_or_none(desk) -> None:  # type: ignore[no-untyped-def]
    a = customer_writes("refund please", who="a@x.io")
    b = customer_writes("refund please", who="b@x.io")
    lead = logged_in(desk.lead)

    lead.post("/inbox/bulk/", {"ids": f"{a.pk},{b.pk}", "action": "tag", "tag": "Wave"})
    assert sorted(Ticket.objects.filter(tags__name="wave").values_list("pk", flat=True)) == [
        a.pk,
        b.pk,
    ]

    refused = lead.post(
        "/inbox/bulk/",
        {"ids": f"{a.pk},{b.pk}", "action": "assign", "assignee": desk.bob.pk},
        follow=True,
    )
    assert "Nothing changed" in refused.content.decode()
    assert Ticket.objects.filter(assignee__isnull=False).count() == 0
    missing = lead.post("/inbox/bulk/", {"ids": f"{a.pk}", "action": "status"}, follow=True)
    assert "Nothing changed" in missing.content.decode()


def test_the_inbox_shows_a_queue_in_its_own_order_and_filters(desk) -> None:  # type: ignore[no-untyped-def]
    old = customer_writes("where is my parcel", who="old@x.io")
    new = customer_writes("where is my order", who="new@x.io")
    client = logged_in(desk.bob)

    page = client.get("/inbox/", {"view": "queue", "queue": "general"}).content.decode()
    assert page.index(f"/tickets/{new.pk}/") < page.index(f"/tickets/{old.pk}/")  # LIFO

    found = client.get(
        "/inbox/", {"view": "queue", "queue": "general", "q": "parcel"}
    ).content.decode()
    assert f"/tickets/{old.pk}/" in found and f"/tickets/{new.pk}/" not in found
    assert client.get("/inbox/", {"view": "queue", "queue": "payments"}).status_code == 403
    assert client.get("/inbox/", {"view": "all"}).status_code == 403


def test_list_pages_cost_a_fixed_number_of_queries(desk, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(desk.lead)
    customer_writes("where is my parcel", who="c0@x.io")
    client.get("/inbox/", {"view": "all"})  # warm the session
    # session, user, tickets page, tags: 4 for 1 ticket or 25 (the queues and agents of
    # the select lists are kept with the desk's configuration)
    with django_assert_num_queries(4):
        client.get("/inbox/", {"view": "all"})
    for i in range(1, 25):
        customer_writes("where is my parcel", who=f"c{i}@x.io")
    with django_assert_num_queries(4):
        client.get("/inbox/", {"view": "all"})


@pytest.mark.parametrize(
    ("params", "queries"),
    [
        # session, user, its rows, their tags (the queue of the filter, the visible
        # queues and the agents come from the configuration caches)
        ({"view": "queue", "queue": "general"}, 4),
        ({"view": "mine"}, 4),
    ],
)
def test_the_other_inbox_views_cost_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
    desk, django_assert_num_queries, params, queries
) -> None:
    client = logged_in(desk.alice)
    take = reverse("workspace:next")
    customer_writes("how do I change my name", who="c0@x.io")
    customer_writes("how do I change my name", who="c00@x.io")
    client.post(take)  # one ticket is hers, one waits in the queue
    client.get("/inbox/", params)  # warm the session
    with django_assert_num_queries(queries):
        client.get("/inbox/", params)
    for i in range(1, 25):
        customer_writes("how do I change my name", who=f"c{i}@x.io")
        if i % 2:
            client.post(take)
    with django_assert_num_queries(queries):
        client.get("/inbox/", params)


def test_the_ticket_page_costs_a_fixed_number_of_queries(desk, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(desk.alice)
    ticket = customer_writes("refund please")
    client.post(reverse("workspace:next"))  # assigned to alice from here on
    client.get(f"/tickets/{ticket.pk}/")
    # session, user, ticket, tags, messages, attachments, events, identities, other
    # tickets: the same 9 for one message or twenty (the queues and the agents for the
    # side form are kept with the desk's configuration)
    with django_assert_num_queries(9):
        client.get(f"/tickets/{ticket.pk}/")
    for i in range(10):
        customer_writes(f"and another thing {i}")
        client.post(f"/tickets/{ticket.pk}/reply/", {"text": f"answer {i}"})
    with django_assert_num_queries(9):
        client.get(f"/tickets/{ticket.pk}/")


def test_customers_can_be_merged_from_the_profile(desk) -> None:  # type: ignore[no-untyped-def]
    chat = customer_writes("hi", who="ann@chat.io", channel="chat")
    mail = customer_writes("hi", who="ann@mail.io")
    client = logged_in(desk.lead)

    response = client.post(
        f"/customers/{chat.customer_id}/merge/", {"into": mail.customer_id}, follow=True
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "ann@chat.io" in page and "ann@mail.io" in page
    assert Ticket.objects.filter(customer_id=mail.customer_id).count() == 2


def test_preferences_switch_the_interface_to_russian(desk) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(desk.alice)
    client.post("/preferences/", {"ui_language": "ru", "time_zone": "Europe/Moscow"})

    page = client.get("/").content.decode()

    assert "Очеред" in page  # "Queues" in Russian
    refused = client.post("/preferences/", {"ui_language": "ru", "time_zone": "Mars/Olympus"})
    assert refused.status_code == 200
    desk.alice.refresh_from_db()
    assert desk.alice.time_zone == "Europe/Moscow"


def test_insults_are_masked_and_the_original_is_one_logged_click_away(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = customer_writes("You are an idiot, fix my refund now")
    message = ticket.messages.get()
    assert message.is_abusive is True
    client = logged_in(desk.alice)

    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    timeline = page.split('id="timeline"')[1]
    assert "idiot" not in timeline
    assert "***" in timeline

    original = client.get(f"/tickets/{ticket.pk}/messages/{message.pk}/original/")
    assert "idiot" in original.content.decode()
    shown = ticket.events.get(kind="original_shown")
    assert (shown.actor, shown.data["message_id"]) == (desk.alice, message.pk)
    original_url = f"/tickets/{ticket.pk}/messages/{message.pk}/original/"
    assert logged_in(desk.bob).get(original_url).status_code == 403


def test_leads_see_which_customers_abuse_agents(desk) -> None:  # type: ignore[no-untyped-def]
    rude = customer_writes("You are an idiot", who="rude@x.io").customer
    customer_writes("you idiots, useless", who="rude@x.io")
    kind = customer_writes("Thank you, all good", who="kind@x.io").customer

    page = logged_in(desk.lead).get("/abuse/").content.decode()

    rows = page.split("<tbody>")[1]
    assert rows.count("<tr>") == 1
    assert f"/customers/{rude.pk}/" in rows and f"/customers/{kind.pk}/" not in rows
    assert '<td class="num">2</td>' in rows
    assert logged_in(desk.alice).get("/abuse/").status_code == 403


def test_a_chat_ticket_shows_the_visitors_page_and_typing_slot(desk) -> None:  # type: ignore[no-untyped-def]
    import uuid

    from unidesk.channels.chat import services as chat
    from unidesk.channels.chat.models import ChatWidget

    widget = ChatWidget.objects.create(name="Shop", key="shop")
    session, _, _ = chat.open_session(widget, token=None)
    chat.set_page(session, url="https://shop.example.com/cart?x=<b>", title="Cart <script>")
    ticket = chat.post_message(session, client_id=str(uuid.uuid4()), text="help").ticket

    page = logged_in(desk.alice).get(f"/tickets/{ticket.pk}/").content.decode()

    assert 'id="visitor-typing"' in page
    assert "https://shop.example.com/cart?x=&lt;b&gt;" in page
    assert "Cart &lt;script&gt;" in page
    part = logged_in(desk.alice).get(f"/tickets/{ticket.pk}/?part=visitor", HTTP_HX_REQUEST="true")
    assert "left the site" in part.content.decode()
    email_page = (
        logged_in(desk.alice)
        .get(f"/tickets/{customer_writes('refund please').pk}/")
        .content.decode()
    )
    assert 'id="visitor-typing"' not in email_page


def test_attachments_download_only_for_agents_who_may_see_the_ticket(desk) -> None:  # type: ignore[no-untyped-def]
    from unidesk.intake.inbound import InboundAttachment

    inbound = InboundMessage(
        channel="email",
        identities=(("email", "ann@example.com"),),
        text="refund please, receipt attached",
        attachments=(InboundAttachment("receipt.html", "text/html", b"<script>x()</script>"),),
    )
    ticket = receive(inbound).ticket
    attachment = ticket.messages.get().attachments.get()
    url = f"/tickets/{ticket.pk}/attachments/{attachment.pk}/"

    response = logged_in(desk.alice).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<script>x()</script>"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert logged_in(desk.bob).get(url).status_code == 403
    assert logged_in(desk.alice).get(f"/tickets/{ticket.pk}/attachments/999/").status_code == 404
    assert f'href="{url}"' in logged_in(desk.alice).get(f"/tickets/{ticket.pk}/").content.decode()


def test_next_ticket_says_when_the_agent_holds_as_many_chats_as_allowed(desk) -> None:  # type: ignore[no-untyped-def]
    for i in range(4):
        customer_writes(f"refund please {i}", who=f"c{i}@example.com", channel="chat")
    client = logged_in(desk.alice)
    for _ in range(3):
        assert client.post(reverse("workspace:next")).status_code == 302

    response = client.post(reverse("workspace:next"), follow=True)

    assert "You hold 3 chats" in response.content.decode()
    assert Ticket.objects.filter(assignee=desk.alice).count() == 3


def test_every_kind_of_timeline_item_shows_with_untrusted_values_escaped(desk) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from unidesk.channels.email.models import Email
    from unidesk.outbox.models import Delivery
    from unidesk.tickets.models import Attachment, Event, EventKind

    ticket = customer_writes("hi")
    at = timezone.now()
    evil = '<b x="1">&\''

    def message(kind: str, **fields):  # type: ignore[no-untyped-def]
        return Message.objects.create(
            ticket=ticket, kind=kind, channel="email", created_at=at, **fields
        )

    chat = message(
        "customer",
        sender_address="chat:abc",
        text="from chat",
        sentiment="negative",
        signals={"laughter": 1},
        flags={
            "auto_reply": True,
            "auto_reply_reason": evil,
            "bounce": True,
            "unparseable": True,
            "unparseable_reason": evil,
            "rate_limited": True,
            "edited": True,
            "attachments_too_large": [{"filename": evil, "size": 2048}],
        },
    )
    Attachment.objects.create(
        message=chat, filename=evil, content_type="image/png", size=10, sha256="x"
    )
    Attachment.objects.create(
        message=chat, filename="a.pdf", content_type="application/pdf", size=10, sha256="y"
    )
    message(
        "customer",
        sender_name=evil,
        sender_address=evil,
        text=evil,
        is_abusive=True,
        masked_text="you ***",
    )
    message("note", author=desk.alice, text="a note")
    mailed = message(
        "customer",
        sender_address="ann@example.com",
        text="mail body",
        html="<p>formatted</p>",
        flags={"unparseable": True},
    )
    Email.objects.create(
        direction="in",
        status="ok",
        message=mailed,
        mail_id="<m1@x>",
        via="smtp",
        to=evil,
        cc=evil,
        quoted_text=evil,
        signature=evil,
        raw="email/a.eml",
        created_at=at,
    )
    message("customer", sender_address="bob@example.com", html="<p>html <script>x()</script></p>")
    message("system", sender_name="", sender_address=evil, text="auto", flags={"bounce": True})
    for status, attempts in (("sent", 1), ("failed", 3), ("queued", 2), ("queued", 0)):
        reply = message("reply", author=desk.alice, text=f"reply {status} {attempts}")
        Delivery.objects.create(
            message=reply,
            channel="email",
            status=status,
            attempts=attempts,
            last_error=evil,
            created_at=at,
        )
    for kind in (
        EventKind.QUEUE,
        EventKind.ASSIGNED,
        EventKind.STATUS,
        EventKind.SLA_PAUSED,
        EventKind.DELIVERY_FAILED,
    ):
        Event.objects.create(
            ticket=ticket,
            kind=kind,
            actor=desk.alice,
            created_at=at,
            data={"queue": evil, "assignee": evil, "status": evil, "clock": evil, "error": evil},
        )

    page = logged_in(desk.lead).get(f"/tickets/{ticket.pk}/").content.decode()

    assert '<b x="1">' not in page and "<script>" not in page
    assert "&lt;b x=&quot;1&quot;&gt;&amp;&#x27;" in page
    for shown in (
        "web chat",
        "auto-reply",
        "bounce",
        "unparseable",
        "rate limit",
        "Edited by the customer",
        "Attachments over the size limit",
        "2.0\xa0KB",
        'class="thumb"',
        "Insults are masked.",
        "internal note",
        "This e-mail could not be read",
        "Show quoted text",
        "Show the formatted message",
        "Original (.eml)",
        "Delivered to the channel",
        "Not delivered",
        "csrfmiddlewaretoken",
        "Sending failed 2 times, retrying",
        "Sending…",
        "😂",
        "<p>html </p>",
        "ev-queue",
        "ev-sla_paused",
    ):
        assert shown in page, shown


def test_the_queues_overview_costs_a_fixed_number_of_queries(
    desk, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(desk.alice)
    customer_writes("refund please")
    client.get("/")
    # session, user, the agent's queues with their figures
    with django_assert_num_queries(3):
        client.get("/")
    for i in range(5):
        customer_writes("where is my parcel", who=f"c{i}@x.io")
    with django_assert_num_queries(3):
        assert client.get("/").status_code == 200


def test_the_assignee_list_keeps_an_assignee_no_longer_skilled_for_the_queue(desk) -> None:  # type: ignore[no-untyped-def]
    ticket = customer_writes("refund please")
    Ticket.objects.filter(pk=ticket.pk).update(assignee=desk.alice)
    desk.alice.skills.remove(ticket.queue)

    page = logged_in(desk.lead).get(f"/tickets/{ticket.pk}/").content.decode()

    # Saving the side form (to change the priority, say) must not unassign her.
    assert f'<option value="{desk.alice.pk}" selected>alice</option>' in page
