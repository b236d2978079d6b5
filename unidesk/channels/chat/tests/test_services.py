from __future__ import annotations

import uuid

import pytest
from django.core import signing

from conftest import make_user
from unidesk.channels.chat import services
from unidesk.channels.chat.models import ChatSession
from unidesk.channels.chat.tests.conftest import new_visitor
from unidesk.core import presence
from unidesk.core.errors import DomainError
from unidesk.customers.models import Customer, Identity
from unidesk.intake.inbound import InboundMessage
from unidesk.intake.receive import receive
from unidesk.tickets.models import Message, MessageKind, Status, Ticket
from unidesk.tickets.services import reply_to_ticket

pytestmark = pytest.mark.django_db


def cid() -> str:
    return str(uuid.uuid4())


def test_a_visitor_message_opens_a_chat_ticket_in_the_widgets_queue(desk, widget) -> None:  # type: ignore[no-untyped-def]
    session, _ = new_visitor(widget)

    message = services.post_message(session, client_id=cid(), text="How do I change my plan?")

    ticket = message.ticket
    assert (ticket.channel, ticket.queue, ticket.channel_weight) == ("chat", desk.general, 3)
    assert ticket.first_response_due_at is not None  # SLA-stamped at the door
    session.refresh_from_db()
    assert (session.ticket, session.customer) == (ticket, ticket.customer)
    assert Identity.objects.get(customer=ticket.customer).value == f"chat:{session.visitor_id}"


def test_routing_rules_still_win_over_the_widgets_queue(desk, widget) -> None:  # type: ignore[no-untyped-def]
    session, _ = new_visitor(widget)

    message = services.post_message(session, client_id=cid(), text="Where is my refund?")

    assert message.ticket.queue == desk.payments


def test_a_resend_with_the_same_id_is_stored_once(widget) -> None:  # type: ignore[no-untyped-def]
    session, _ = new_visitor(widget)
    client_id = cid()

    first = services.post_message(session, client_id=client_id, text="hello")
    again = services.post_message(session, client_id=client_id, text="hello")

    assert first.pk == again.pk
    assert Message.objects.count() == 1


def test_later_messages_continue_the_sessions_ticket(widget) -> None:  # type: ignore[no-untyped-def]
    session, _ = new_visitor(widget)
    first = services.post_message(session, client_id=cid(), text="hello")
    second = services.post_message(session, client_id=cid(), text="are you there?")

    assert second.ticket_id == first.ticket_id
    assert Ticket.objects.count() == 1


def test_card_numbers_are_redacted_before_storage(widget) -> None:  # type: ignore[no-untyped-def]
    session, _ = new_visitor(widget)

    message = services.post_message(session, client_id=cid(), text="card 4111 1111 1111 1111")

    assert "4111 1111 1111 1111" not in message.text
    assert message.pii[0]["type"] == "card"


def test_bad_messages_are_refused_and_nothing_is_stored(widget) -> None:  # type: ignore[no-untyped-def]
    session, _ = new_visitor(widget)
    for client_id, text in (("", "hi"), ("x" * 65, "hi"), ("bad id!", "hi"), (cid(), "   ")):
        with pytest.raises(DomainError):
            services.post_message(session, client_id=client_id, text=text)
    with pytest.raises(DomainError):
        services.post_message(session, client_id=cid(), text="x" * (services.MAX_TEXT + 1))
    assert Message.objects.count() == 0
    assert Ticket.objects.count() == 0


def test_the_history_shows_messages_and_replies_but_never_notes(desk, widget) -> None:  # type: ignore[no-untyped-def]
    session, _ = new_visitor(widget)
    message = services.post_message(session, client_id=(client_id := cid()), text="hello")
    reply_to_ticket(message.ticket, by=desk.alice, text="Hi! How can I help?")
    reply_to_ticket(message.ticket, by=desk.alice, text="secret note", internal=True)

    items = services.history(session)

    assert [(m["from"], m["text"]) for m in items] == [
        ("visitor", "hello"),
        ("agent", "Hi! How can I help?"),
    ]
    assert items[0]["client_id"] == client_id
    assert items[1]["author"] == "alice"
    assert services.history(session, since=items[0]["id"]) == items[1:]


def test_a_token_names_its_session_and_nothing_else(widget, desk) -> None:  # type: ignore[no-untyped-def]
    session, token = new_visitor(widget)

    assert services.read_token(token, widget=widget) == session
    assert services.read_token(token + "x", widget=widget) is None
    other = type(widget).objects.create(name="Other", key="other-key")
    assert services.read_token(token, widget=other) is None
    forged = signing.dumps({"w": widget.key, "v": str(uuid.uuid4())}, salt="another.salt")
    assert services.read_token(forged, widget=widget) is None
    resumed, same_token, new = services.open_session(widget, token=token)
    assert (resumed, same_token, new) == (session, token, False)
    fresh, fresh_token, new = services.open_session(widget, token="junk")
    assert new and fresh != session and fresh_token != token


def test_a_visitor_who_gives_a_known_email_joins_that_customer(widget) -> None:  # type: ignore[no-untyped-def]
    ann = receive(
        InboundMessage(channel="email", identities=(("email", "ann@example.com"),), text="hi")
    ).ticket.customer
    session, _ = new_visitor(widget)
    services.post_message(session, client_id=cid(), text="anonymous question")
    anonymous = Customer.objects.get(pk=session.customer_id)

    services.identify(session, name="Ann", email="Ann@Example.com")

    anonymous.refresh_from_db()
    session.refresh_from_db()
    assert anonymous.merged_into == ann
    assert session.customer == ann
    assert Ticket.objects.filter(customer=ann).count() == 2
    assert set(ann.identities.values_list("kind", flat=True)) == {"email", "external"}
    # The next message goes on the same chat ticket, now Ann's.
    later = services.post_message(session, client_id=cid(), text="me again")
    assert later.ticket_id == session.ticket_id
    assert later.ticket.customer == ann


def test_a_new_visitor_with_a_known_email_is_that_customer_from_the_first_message(widget) -> None:  # type: ignore[no-untyped-def]
    ann = receive(
        InboundMessage(channel="email", identities=(("email", "ann@example.com"),), text="hi")
    ).ticket
    session, _ = new_visitor(widget, email="ann@example.com")

    message = services.post_message(session, client_id=cid(), text="about my e-mail")

    assert message.ticket.customer == ann.customer
    assert message.ticket != ann  # a new conversation, never someone's open ticket
    assert message.sender_address == "ann@example.com"


def test_a_profile_with_other_identities_is_never_merged_automatically(widget) -> None:  # type: ignore[no-untyped-def]
    receive(InboundMessage(channel="email", identities=(("email", "ann@example.com"),), text="x"))
    session, _ = new_visitor(widget, email="bob@example.com")
    services.post_message(session, client_id=cid(), text="hi")
    bob = Customer.objects.get(pk=session.customer_id)

    services.identify(session, email="ann@example.com")

    bob.refresh_from_db()
    assert bob.merged_into is None
    assert Identity.objects.get(value="ann@example.com").customer != bob


def test_an_unknown_email_is_added_to_the_visitors_profile(widget) -> None:  # type: ignore[no-untyped-def]
    session, _ = new_visitor(widget)
    services.post_message(session, client_id=cid(), text="hi")

    services.identify(session, name="Zoe", email="zoe@example.com")

    customer = Customer.objects.get(pk=session.customer_id)
    assert customer.name == "Zoe"
    assert customer.identities.filter(kind="email", value="zoe@example.com").exists()
    with pytest.raises(DomainError):
        services.identify(session, email="not an address")
    session.refresh_from_db()
    assert session.email == "zoe@example.com"


def test_online_means_a_skilled_agent_with_the_workspace_open(desk, widget) -> None:  # type: ignore[no-untyped-def]
    assert services.agents_online(widget) is False

    presence.mark_online(desk.alice.pk, "socket-1")
    services.forget_online_cache()
    assert services.agents_online(widget) is True

    presence.mark_offline(desk.alice.pk, "socket-1")
    presence.mark_online(make_user("pat").pk, "socket-2")  # skilled for nothing
    services.forget_online_cache()
    assert services.agents_online(widget) is False

    presence.mark_online(desk.lead.pk, "socket-3")  # leads without skills work every queue
    services.forget_online_cache()
    assert services.agents_online(widget) is True


def test_a_silent_heartbeat_stops_counting(desk, widget) -> None:  # type: ignore[no-untyped-def]
    presence.mark_online(desk.alice.pk, "socket-1", at=1000.0)

    assert presence.online_user_ids([desk.alice.pk], at=1000.0 + presence.TTL - 1) == {
        desk.alice.pk
    }
    assert presence.online_user_ids([desk.alice.pk], at=1000.0 + presence.TTL + 1) == set()


def test_leaving_an_email_turns_the_chat_into_an_email_ticket(desk, widget) -> None:  # type: ignore[no-untyped-def]
    session, _ = new_visitor(widget)
    services.post_message(session, client_id=cid(), text="is anyone there?")
    ticket_id = session.ticket_id

    message = services.leave_email(
        session, email="zoe@example.com", name="Zoe", text="Please write back", client_id=cid()
    )

    ticket = Ticket.objects.get(pk=ticket_id)
    assert message is not None and message.ticket_id == ticket_id  # the ticket is kept
    assert (ticket.channel, ticket.channel_weight) == ("email", 1)
    assert message.sender_address == "zoe@example.com"
    assert ticket.customer.identities.filter(kind="email", value="zoe@example.com").exists()
    note = ticket.messages.get(kind=MessageKind.NOTE)
    assert "zoe@example.com" in note.text
    assert ChatSession.objects.get(pk=session.pk).left_email is True


def test_leaving_an_email_needs_an_address_and_a_question(widget) -> None:  # type: ignore[no-untyped-def]
    session, _ = new_visitor(widget)
    with pytest.raises(DomainError):
        services.leave_email(session, email="", text="hi", client_id=cid())
    with pytest.raises(DomainError):
        services.leave_email(session, email="zoe@example.com", text="")
    assert Ticket.objects.count() == 0


def test_the_page_is_kept_only_for_web_addresses(widget) -> None:  # type: ignore[no-untyped-def]
    session, _ = new_visitor(widget)
    services.set_page(session, url="https://shop.example.com/cart", title="Cart")
    session.refresh_from_db()
    assert (session.page_url, session.page_title) == ("https://shop.example.com/cart", "Cart")

    services.set_page(session, url="javascript:alert(1)", title="x")
    session.refresh_from_db()
    assert session.page_url == ""


@pytest.mark.parametrize(
    "name, content_type, content, error",
    [
        ("a.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 10, None),
        ("a.pdf", "application/pdf", b"%PDF-1.7 ...", None),
        ("notes.txt", "text/plain", "привет".encode(), None),
        ("a.png", "image/png", b"MZ\x90\x00 not a png", services.UnsupportedType),
        ("a.exe", "application/x-msdownload", b"MZ", services.UnsupportedType),
        ("a.png", "application/pdf", b"%PDF-1.7", services.UnsupportedType),
        ("empty.txt", "text/plain", b"", DomainError),
        ("big.txt", "text/plain", b"x" * 2049, services.TooLarge),
    ],
)
def test_uploads_are_checked_for_size_and_type(  # type: ignore[no-untyped-def]
    widget, name, content_type, content, error
) -> None:
    widget.max_upload_bytes = 2048
    if error is None:
        item = services.check_upload(
            widget, filename=name, content_type=content_type, content=content
        )
        assert (item.filename, item.content_type, item.content) == (name, content_type, content)
    else:
        with pytest.raises(error):
            services.check_upload(widget, filename=name, content_type=content_type, content=content)


def test_a_closed_ticket_is_not_continued(desk, widget) -> None:  # type: ignore[no-untyped-def]
    session, _ = new_visitor(widget)
    first = services.post_message(session, client_id=cid(), text="hello")
    Ticket.objects.filter(pk=first.ticket_id).update(status=Status.CLOSED)

    second = services.post_message(session, client_id=cid(), text="hello again")

    assert second.ticket_id != first.ticket_id
    session.refresh_from_db()
    assert session.ticket_id == second.ticket_id
    assert [m["text"] for m in services.history(session)] == ["hello again"]


def test_many_visitors_never_push_an_agent_out_of_presence(desk, widget) -> None:  # type: ignore[no-untyped-def]
    presence.mark_online(desk.alice.pk, "socket-1")
    session, _ = new_visitor(widget)
    for n in range(1, 1001):
        session.pk = n  # a thousand visitors' heartbeats, as a busy site makes them
        services.mark_visitor_here(session, here=True)

    services.forget_online_cache()
    assert services.agents_online(widget) is True
