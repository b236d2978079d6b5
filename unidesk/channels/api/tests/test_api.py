from __future__ import annotations

import pytest

from unidesk.tickets.models import Event, Message, Status, Ticket

pytestmark = pytest.mark.django_db

INBOUND = "/api/v1/messages/inbound"


def post_inbound(client, external_id: str = "ext-1", text: str = "I need a refund", **extra):  # type: ignore[no-untyped-def]
    body = {
        "external_id": external_id,
        "customer": {"email": "ann@example.com", "name": "Ann"},
        "subject": "Refund",
        "text": text,
        **extra,
    }
    return client.post(INBOUND, body)


def test_a_newcomer_walks_a_message_from_intake_to_solved(desk, api_as) -> None:  # type: ignore[no-untyped-def]
    integration = api_as(desk.lead)
    alice = api_as(desk.alice)

    created = post_inbound(integration)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["created"] is True

    ticket = integration.get(f"/api/v1/tickets/{body['ticket_id']}").json()
    assert ticket["queue"]["slug"] == "payments"
    assert ticket["priority"] == "high"
    assert ticket["status"] == "new"
    assert ticket["first_response_due_at"] is not None
    assert ticket["resolution_due_at"] is not None

    taken = alice.post("/api/v1/next-ticket")
    assert taken.status_code == 200
    assert taken.json()["id"] == body["ticket_id"]
    assert taken.json()["assignee"]["username"] == "alice"

    reply = alice.post(f"/api/v1/tickets/{body['ticket_id']}/replies", {"text": "Refunded!"})
    assert reply.status_code == 201
    assert reply.json()["kind"] == "reply"

    solved = alice.patch(f"/api/v1/tickets/{body['ticket_id']}", {"status": "solved"})
    assert solved.status_code == 200
    assert solved.json()["status"] == "solved"

    repeat = post_inbound(integration)
    assert repeat.status_code == 200
    assert repeat.json() == {**body, "created": False}
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(kind="customer").count() == 1
    assert alice.post("/api/v1/next-ticket").status_code == 204


def test_the_api_needs_a_valid_token(desk) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    anonymous = Client()
    assert anonymous.get("/api/v1/tickets").status_code == 401
    wrong = Client(HTTP_AUTHORIZATION="Bearer udk_nope")
    assert wrong.get("/api/v1/tickets").status_code == 401


def test_a_revoked_token_or_a_deactivated_agent_is_refused_at_once(desk, api_as) -> None:  # type: ignore[no-untyped-def]
    from unidesk.accounts.models import ApiToken
    from unidesk.core.time import now

    lead = api_as(desk.lead)
    assert lead.get("/api/v1/queues").status_code == 200  # the token is now kept in memory
    token = ApiToken.objects.get(user=desk.lead)
    token.revoked_at = now()
    token.save()
    assert lead.get("/api/v1/queues").status_code == 401

    alice = api_as(desk.alice)
    assert alice.get("/api/v1/queues").status_code == 200
    desk.alice.is_active = False
    desk.alice.save()
    assert alice.get("/api/v1/queues").status_code == 401


def test_each_api_call_gets_its_own_copy_of_the_agent(desk, api_as) -> None:  # type: ignore[no-untyped-def]
    from django.test import RequestFactory

    from unidesk.channels.api.auth import BearerAuth

    lead = api_as(desk.lead)
    first, second = RequestFactory().get("/"), RequestFactory().get("/")
    one = BearerAuth().authenticate(first, lead.token)
    two = BearerAuth().authenticate(second, lead.token)
    assert one is not None and two is not None
    assert one.pk == two.pk == desk.lead.pk
    assert one is not two  # a view that changes request.user changes nobody else's


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"customer": {"name": "Nobody"}, "text": "hi"}, "customer needs one of"),
        ({"customer": {"email": "a@b.c"}, "text": "   "}, "text must not be empty"),
        ({"customer": {"email": "a@b.c"}}, "text"),
        ({"customer": {"email": "not-an-address"}, "text": "hi"}, "is not an e-mail address"),
        ({"customer": {"telegram_id": "abc"}, "text": "hi"}, "is not a Telegram user id"),
    ],
)
def test_bad_inbound_input_gets_a_readable_4xx_and_changes_nothing(
    desk, api_as, body, fragment
) -> None:  # type: ignore[no-untyped-def]
    response = api_as(desk.lead).post(INBOUND, body)

    assert 400 <= response.status_code < 500
    assert fragment in response.json()["detail"]
    assert Ticket.objects.count() == Message.objects.count() == 0


BATCH = "/api/v1/messages/inbound/batch"


def batch_item(n: int, email: str = "ann@example.com", **extra):  # type: ignore[no-untyped-def]
    return {
        "external_id": f"batch-{n}",
        "customer": {"email": email},
        "text": f"Message {n}: where is my parcel?",
        **extra,
    }


def test_a_batch_is_received_in_order_and_a_retried_batch_stores_nothing_twice(
    desk, api_as
) -> None:  # type: ignore[no-untyped-def]
    lead = api_as(desk.lead)
    items = [batch_item(1), batch_item(2), batch_item(3, email="bo@example.com")]

    first = lead.post(BATCH, {"messages": items})

    assert first.status_code == 200, first.content
    body = first.json()
    assert body["created"] == 3
    results = body["results"]
    assert [r["created"] for r in results] == [True, True, True]
    # Ann's second message continues her ticket, as through the single-message door.
    assert results[0]["ticket_id"] == results[1]["ticket_id"] != results[2]["ticket_id"]
    stored = {m.pk: m.external_id for m in Message.objects.all()}
    assert [stored[r["message_id"]] for r in results] == ["batch-1", "batch-2", "batch-3"]

    # The same batch again, cut short and resent with one more message: only that is new.
    again = lead.post(BATCH, {"messages": [*items, batch_item(4)]}).json()
    assert again["created"] == 1
    assert again["results"][:3] == [{**r, "created": False} for r in results]
    assert Message.objects.count() == 4


@pytest.mark.parametrize(
    "messages, fragment",
    [
        ([], "messages"),
        ([batch_item(n) for n in range(101)], "messages"),
        ([batch_item(1), {**batch_item(2), "external_id": None}], "needs an external_id"),
        ([batch_item(1), {**batch_item(2), "text": " "}], "messages.1.text"),
        ([batch_item(1), batch_item(2, email="not-an-address")], "messages.1: 'not-an-address'"),
    ],
)
def test_one_bad_message_refuses_the_whole_batch_and_stores_nothing(
    desk, api_as, messages, fragment
) -> None:  # type: ignore[no-untyped-def]
    response = api_as(desk.lead).post(BATCH, {"messages": messages})

    assert 400 <= response.status_code < 500
    assert fragment in response.json()["detail"]
    assert Ticket.objects.count() == Message.objects.count() == 0


def test_an_agent_cannot_see_or_work_a_ticket_outside_their_queues(desk, api_as) -> None:  # type: ignore[no-untyped-def]
    ticket_id = post_inbound(api_as(desk.lead)).json()["ticket_id"]  # lands in payments
    bob = api_as(desk.bob)  # general only

    assert bob.get(f"/api/v1/tickets/{ticket_id}").status_code == 403
    assert bob.patch(f"/api/v1/tickets/{ticket_id}", {"status": "solved"}).status_code == 403
    assert bob.post(f"/api/v1/tickets/{ticket_id}/replies", {"text": "hi"}).status_code == 403
    assert bob.get("/api/v1/tickets").json()["items"] == []
    assert bob.get("/api/v1/tickets/999999").status_code == 404
    assert Ticket.objects.get().status == Status.NEW


def test_a_refused_patch_changes_nothing(desk, api_as) -> None:  # type: ignore[no-untyped-def]
    lead = api_as(desk.lead)
    ticket_id = post_inbound(lead).json()["ticket_id"]
    events_before = Event.objects.count()

    # Priority and tags are fine but bob is not skilled for payments: all or nothing.
    response = lead.patch(
        f"/api/v1/tickets/{ticket_id}", {"priority": "urgent", "tags": ["vip"], "assignee": "bob"}
    )

    assert response.status_code == 400
    assert "not skilled" in response.json()["detail"]
    ticket = Ticket.objects.get()
    assert (ticket.priority, ticket.assignee, list(ticket.tags.all())) == (30, None, [])
    assert Event.objects.count() == events_before
    assert lead.patch(f"/api/v1/tickets/{ticket_id}", {"status": "bogus"}).status_code == 422
    assert lead.patch(f"/api/v1/tickets/{ticket_id}", {"queue": "nope"}).status_code == 400


def test_a_patch_moves_tags_assigns_and_unassigns(desk, api_as) -> None:  # type: ignore[no-untyped-def]
    lead = api_as(desk.lead)
    ticket_id = post_inbound(lead).json()["ticket_id"]

    moved = lead.patch(
        f"/api/v1/tickets/{ticket_id}",
        {"queue": "general", "assignee": "bob", "tags": ["Refund", "vip"], "priority": "low"},
    ).json()
    assert (moved["queue"]["slug"], moved["assignee"]["username"]) == ("general", "bob")
    assert (moved["tags"], moved["priority"], moved["status"]) == (["refund", "vip"], "low", "open")

    cleared = lead.patch(f"/api/v1/tickets/{ticket_id}", {"assignee": None}).json()
    assert cleared["assignee"] is None


def test_internal_notes_do_not_answer_the_customer(desk, api_as) -> None:  # type: ignore[no-untyped-def]
    alice = api_as(desk.alice)
    ticket_id = post_inbound(alice).json()["ticket_id"]

    note = alice.post(
        f"/api/v1/tickets/{ticket_id}/replies", {"text": "check logs", "internal": True}
    )

    assert note.json()["kind"] == "note"
    ticket = alice.get(f"/api/v1/tickets/{ticket_id}").json()
    assert (ticket["status"], ticket["first_response_at"]) == ("new", None)


def test_ticket_list_pages_with_a_cursor_and_filters(desk, api_as) -> None:  # type: ignore[no-untyped-def]
    lead = api_as(desk.lead)
    ids = [
        post_inbound(lead, external_id=f"e{i}", customer={"email": f"c{i}@x.io"}).json()[
            "ticket_id"
        ]
        for i in range(5)
    ]

    first = lead.get("/api/v1/tickets", limit=2).json()
    second = lead.get("/api/v1/tickets", limit=2, cursor=first["next_cursor"]).json()
    third = lead.get("/api/v1/tickets", limit=2, cursor=second["next_cursor"]).json()

    seen = [t["id"] for page in (first, second, third) for t in page["items"]]
    assert seen == sorted(ids, reverse=True)
    assert third["next_cursor"] is None
    assert lead.get("/api/v1/tickets", queue="general").json()["items"] == []
    assert len(lead.get("/api/v1/tickets", queue="payments", status="new").json()["items"]) == 5
    assert lead.get("/api/v1/tickets", status="open").json()["items"] == []
    assert lead.get("/api/v1/tickets", cursor="garbage!").status_code == 400


def test_the_ticket_list_costs_a_fixed_number_of_queries(
    desk, api_as, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    lead = api_as(desk.lead)
    for i in range(30):
        post_inbound(lead, external_id=f"q{i}", customer={"email": f"q{i}@x.io"})
    Ticket.objects.filter(pk__in=Ticket.objects.values("pk")[:10]).update(assignee=desk.alice)

    # tickets page, tags: the same two queries for 1 or 30 tickets (the token is known)
    with django_assert_num_queries(2):
        assert len(lead.get("/api/v1/tickets", limit=1).json()["items"]) == 1
    with django_assert_num_queries(2):
        assert len(lead.get("/api/v1/tickets").json()["items"]) == 30


def test_queues_show_their_backlog(desk, api_as) -> None:  # type: ignore[no-untyped-def]
    lead = api_as(desk.lead)
    post_inbound(lead, external_id="1")
    post_inbound(
        lead,
        external_id="2",
        customer={"email": "z@x.io"},
        subject="Parcel",
        text="where is my parcel",
    )

    queues = {q["slug"]: q for q in lead.get("/api/v1/queues").json()}

    assert [q for q in queues] == ["payments", "general"]  # urgent first
    assert queues["payments"]["waiting"] == 1
    assert queues["payments"]["urgency"] == "urgent"
    assert queues["payments"]["strategy"] == "fifo"
    assert queues["general"]["oldest_wait_seconds"] >= 0
    assert [q["slug"] for q in api_as(desk.bob).get("/api/v1/queues").json()] == ["general"]


def test_a_customer_shows_identities_and_tickets(desk, api_as) -> None:  # type: ignore[no-untyped-def]
    lead = api_as(desk.lead)
    body = post_inbound(
        lead, customer={"email": "ann@example.com", "phone": "+44 20 7946 0958"}
    ).json()
    customer_id = Ticket.objects.get(pk=body["ticket_id"]).customer_id

    customer = lead.get(f"/api/v1/customers/{customer_id}").json()

    assert {(i["kind"], i["value"]) for i in customer["identities"]} == {
        ("email", "ann@example.com"),
        ("phone", "+442079460958"),
    }
    assert [t["id"] for t in customer["tickets"]] == [body["ticket_id"]]
    assert api_as(desk.bob).get(f"/api/v1/customers/{customer_id}").status_code == 403
    assert lead.get("/api/v1/customers/424242").status_code == 404


def test_messages_are_listed_and_found_by_external_id(desk, api_as) -> None:  # type: ignore[no-untyped-def]
    lead = api_as(desk.lead)
    body = post_inbound(lead, external_id="<m-1@mail>", text="card 4111 1111 1111 1111 refund")

    listed = lead.get(f"/api/v1/tickets/{body.json()['ticket_id']}/messages").json()
    found = lead.get("/api/v1/messages", external_id="<m-1@mail>").json()

    assert [m["id"] for m in listed] == [m["id"] for m in found] == [body.json()["message_id"]]
    assert "4111 1111 1111 1111" not in listed[0]["text"]
    assert listed[0]["sender_address"] == "ann@example.com"


def test_finding_a_message_by_external_id_seeks_the_unique_index(desk, api_as) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL plans a sequential scan on a table this small")
    lead = api_as(desk.lead)
    with CaptureQueriesContext(connection) as queries:
        lead.get("/api/v1/messages", external_id="<m-2@mail>")
    (search,) = [q["sql"] for q in queries if '"external_id" IN' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {search}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "message_unique_external_id" in plan, plan


def test_the_openapi_schema_is_served(desk, client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/api/openapi.json").json()

    assert "/api/v1/messages/inbound" in schema["paths"]
    assert client.get("/api/docs").status_code == 200
