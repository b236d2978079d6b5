"""The staffing page in a real browser: the what-if form recomputes in place; screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:websockets.*"),
    pytest.mark.filterwarnings("ignore:The `websockets` implementation is deprecated"),
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]


#: The plan of a week is computed on every request (a fraction of a second); on a loaded
#: shared machine give the heavier pages more than the suite's 5 s default.
SLOW = 30_000


def nine_oclock(page):  # type: ignore[no-untyped-def]
    return page.locator("table.plan-table tr", has=page.locator("td", has_text="09:00")).first


def test_a_lead_tries_a_what_if_and_the_plan_changes_in_place(
    server, page, login, screenshots: Path
) -> None:  # type: ignore[no-untyped-def]
    from unidesk.ops import demo
    from unidesk.wfm.models import ChannelStaffing

    demo.seed_config()
    demo.seed_staffing(weeks=4, scale=0.5)
    login(page, "lena", demo.DEMO_PASSWORD)

    page.goto("/staffing/?channel=phone&day=0", timeout=SLOW)
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.locator(".backtest")).to_contain_text("WAPE")
    page.screenshot(path=str(screenshots / "staffing.png"), full_page=False)
    before = nine_oclock(page).locator("td").nth(2).inner_text()
    page.evaluate("window.e2eMark = 'still here'")

    page.fill("#whatif input[name=aht_s]", "600")
    expect(page.locator(".whatif-banner")).to_be_visible(timeout=SLOW)

    after = nine_oclock(page).locator("td").nth(2).inner_text()
    assert after != before
    assert page.evaluate("window.e2eMark") == "still here"  # swapped in place, no reload
    assert ChannelStaffing.objects.get(channel="phone").aht_seconds == 240

    page.goto("/staffing/?channel=all", timeout=SLOW)
    expect(page.locator("svg.chart")).to_be_visible()
    page.screenshot(path=str(screenshots / "staffing-all.png"), full_page=False)


def test_an_agent_is_refused_the_staffing_page(server, desk, page, login) -> None:  # type: ignore[no-untyped-def]
    login(page, "alice")

    response = page.goto("/staffing/")

    assert response is not None and response.status == 403
