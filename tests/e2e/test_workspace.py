"""The agent workspace in a real browser: queues, next ticket, live updates, safety."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Playwright, expect

from unidesk.accounts.models import ApiToken
from unidesk.intake.inbound import InboundMessage
from unidesk.intake.receive import receive
from unidesk.tickets.models import Message, Ticket

pytestmark = [
    pytest.mark.e2e,
    # uvicorn's `ws="websockets"` implementation uses the legacy websockets API.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:websockets.*"),
    pytest.mark.filterwarnings("ignore:The `websockets` implementation is deprecated"),
    # WhiteNoise hands the ASGI handler a synchronous file iterator for static files.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]

PAYLOAD = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


def customer_writes(server, text: str, *, who: str = "ann@example.com") -> Ticket:
    """A customer message through the intake door, handled inside the server."""
    inbound = InboundMessage(channel="api", identities=(("email", who),), text=text)
    return server.call(receive, inbound).ticket


def wait_until_live(page: Page) -> None:
    expect(page.locator("#live-status")).to_have_text("live")


def mark_page(page: Page) -> None:
    """Tag the window; the tag survives only if the page is never reloaded."""
    page.evaluate("window.e2eMark = 'still here'")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.e2eMark") == "still here"


def test_an_agent_takes_the_next_ticket_and_replies(server, desk, page, login) -> None:
    ticket = customer_writes(server, "I was charged twice, please refund the payment")

    login(page, "alice")

    payments = page.locator("table.queues tr[data-queue=payments]")
    expect(payments).to_contain_text("Payments")
    expect(payments.locator("td.waiting")).to_have_text("1")
    page.get_by_role("button", name="Next ticket").click()
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    expect(page.locator("#timeline li.msg.customer")).to_contain_text("charged twice")
    page.fill("#reply-text", "Sorry about that: the second charge is refunded.")
    page.click(".reply button[type=submit]")
    expect(page.locator("#timeline li.msg.reply")).to_contain_text("second charge is refunded")


def test_a_customer_message_appears_on_the_open_ticket_without_a_reload(
    server, desk, page, login, playwright_instance: Playwright
) -> None:
    ticket = customer_writes(server, "My payment failed")
    login(page, "alice")
    page.goto(f"/tickets/{ticket.pk}/")
    wait_until_live(page)
    mark_page(page)

    _, token = ApiToken.issue(desk.lead)
    api = playwright_instance.request.new_context(
        base_url=server.url, extra_http_headers={"Authorization": f"Bearer {token}"}
    )
    response = api.post(
        "/api/v1/messages/inbound",
        data={
            "external_id": "crm-1",
            "customer": {"email": "ann@example.com"},
            "text": "Update: the bank says the money left my account",
            "ticket_id": ticket.pk,
        },
    )
    assert response.status == 201, response.text()
    assert response.json()["ticket_id"] == ticket.pk
    api.dispose()
    expect(page.locator("#timeline li.msg.customer")).to_have_count(2)
    expect(page.locator("#timeline")).to_contain_text("the money left my account")
    assert_not_reloaded(page)


def test_the_queues_overview_counts_a_new_message_without_a_reload(
    server, desk, page, login
) -> None:
    customer_writes(server, "refund please", who="ann@example.com")
    login(page, "alice")
    waiting = page.locator("table.queues tr[data-queue=payments] td.waiting")
    expect(waiting).to_have_text("1")
    wait_until_live(page)
    mark_page(page)

    customer_writes(server, "where is my refund?", who="ben@example.com")

    expect(waiting).to_have_text("2")
    assert_not_reloaded(page)


def test_an_agent_cannot_open_a_ticket_outside_their_queues(server, desk, page, login) -> None:
    ticket = customer_writes(server, "refund my payment")
    assert ticket.queue == desk.payments

    login(page, "bob")
    response = page.goto(f"/tickets/{ticket.pk}/")

    assert response is not None
    assert response.status == 403
    expect(page.locator("body")).not_to_contain_text("refund my payment")


def test_markup_in_a_customer_message_is_shown_as_inert_text(server, desk, page, login) -> None:
    ticket = customer_writes(server, f"Hello {PAYLOAD}")
    login(page, "alice")
    page.goto(f"/tickets/{ticket.pk}/")

    first = page.locator("#timeline li.msg.customer").first
    expect(first).to_contain_text("<script>window.pwned=1</script>")
    expect(first).to_contain_text('<img src=x onerror="window.pwned=2">')
    expect(page.locator("#timeline script, #timeline img")).to_have_count(0)
    assert page.evaluate("window.pwned") is None

    # The live refresh swaps the timeline in through htmx, which runs <script> tags it
    # inserts: a payload arriving that way must stay inert too.
    wait_until_live(page)
    customer_writes(server, f"Again {PAYLOAD}")
    expect(page.locator("#timeline li.msg.customer")).to_have_count(2)
    expect(page.locator("#timeline li.msg.customer").nth(1)).to_contain_text("<script>")
    expect(page.locator("#timeline script, #timeline img")).to_have_count(0)
    assert page.evaluate("window.pwned") is None


def test_two_agents_on_the_same_ticket_see_each_other(server, desk, new_page, login) -> None:
    ticket = customer_writes(server, "refund please")
    alice, lena = new_page(), new_page()
    login(alice, "alice")
    login(lena, "lena")

    alice.goto(f"/tickets/{ticket.pk}/")
    wait_until_live(alice)
    lena.goto(f"/tickets/{ticket.pk}/")
    wait_until_live(lena)

    expect(alice.locator("#presence")).to_be_visible()
    expect(alice.locator("#presence")).to_contain_text("lena")
    expect(lena.locator("#presence")).to_contain_text("alice")
    expect(lena.locator("#presence")).not_to_contain_text("lena")

    lena.close()
    expect(alice.locator("#presence")).to_be_hidden()


def test_screenshots_of_the_workspace_with_demo_data(
    server, page, login, screenshots: Path
) -> None:
    from unidesk.ops import demo

    demo.seed_config()
    server.call(demo.seed_traffic)
    olga = Message.objects.select_related("ticket").get(external_id="demo-0").ticket
    login(page, "boris", demo.DEMO_PASSWORD)

    shots = {
        "queues.png": "/",
        "inbox-payments.png": "/inbox/?view=queue&queue=payments",
        "ticket.png": f"/tickets/{olga.pk}/",
        "customer.png": f"/customers/{olga.customer_id}/",
    }
    for name, path in shots.items():
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        wait_until_live(page)
        page.screenshot(path=str(screenshots / name))
        assert (screenshots / name).stat().st_size > 10_000
