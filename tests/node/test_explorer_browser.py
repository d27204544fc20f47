"""The web explorer in a real headless browser (Chromium driven by Playwright).

A real node on 127.0.0.1 port 0 holds the Lithuanian sample records; the browser types a
search, submits the form, follows a result and sees the mark the server computed, switches the
record to English and back, and goes on to the network page. The browser runs with the node's
Content-Security-Policy in force, so a style sheet it blocked would show up as a console
error; none is allowed, nor any failed request. The pages use no JavaScript: the browser's is
turned off for them.

The browser is Debian's ``chromium`` (``/usr/bin/chromium`` or ``$FEDERATION_CHROMIUM``);
``.ci/run`` installs it when it is missing, so CI never skips this test.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Response,
    async_playwright,
    expect,
)

from federation.cli.samples import sample_records
from tests.sync.conftest import Net, net  # noqa: F401 (the harness fixture)

LT = "lt.esfa.ncc"
CHROMIUM = Path(os.environ.get("FEDERATION_CHROMIUM", "/usr/bin/chromium"))
HAVE_CHROMIUM = CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not HAVE_CHROMIUM:
        pytest.skip(
            f"no Chromium at {CHROMIUM} (install Debian's `chromium` package or set "
            "FEDERATION_CHROMIUM to a Chromium binary)"
        )
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            await b.close()


async def test_search_open_a_record_see_it_verified_and_switch_language(
    net: Net,  # noqa: F811 (the harness fixture)
    browser: Browser,
) -> None:
    lt = await net.start(LT)
    records = sample_records(LT)
    await net.publish(lt, records)
    case = records[2]  # Socialinių inovacijų duomenų bazė „Social Innovation Match“
    context = await browser.new_context(java_script_enabled=False, locale="en-GB")
    page = await context.new_page()
    problems: list[str] = []

    def console(msg: ConsoleMessage) -> None:
        if msg.type in ("error", "warning"):
            problems.append(msg.text)

    def response(resp: Response) -> None:
        if resp.status >= 400:
            problems.append(f"{resp.status} {resp.url}")

    page.on("console", console)
    page.on("response", response)
    try:
        await page.goto(f"{lt.url}/")
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await page.get_by_label("Search titles and summaries").fill("socialiniu duomenu baze")
        await page.get_by_label("Kind").select_option("case")
        await page.get_by_role("button", name="Search").click()
        await expect(page).to_have_url(re.compile(r"q=socialiniu\+duomenu\+baze&kind=case"))
        results = page.locator("ol.results a")
        await expect(results).to_have_count(1)
        await expect(results).to_have_text(case["title"]["lt"])
        await results.click()

        await expect(page).to_have_url(f"{lt.url}/records/{LT}/case/{case['id']}")
        await expect(page.locator("#verification")).to_have_text("verified ✓")
        await expect(page.locator("html")).to_have_attribute("lang", "lt")
        await expect(page.locator("h1")).to_have_text(case["title"]["lt"])
        await expect(page.get_by_text(case["summary"]["lt"])).to_be_visible()

        await page.get_by_role("link", name="English (en)").click()
        await expect(page).to_have_url(re.compile(r"\?hl=en$"))
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.locator("h1")).to_have_text(case["title"]["en"])
        await expect(page.get_by_text(case["summary"]["en"])).to_be_visible()
        await expect(page.locator("#verification")).to_have_text("verified ✓")
        await page.get_by_role("link", name="lietuvių (lt)").click()
        await expect(page.locator("h1")).to_have_text(case["title"]["lt"])

        await page.get_by_role("link", name="Network").click()
        await expect(page.locator("h1")).to_have_text("Network")
        await expect(page.get_by_role("cell", name=LT, exact=True)).to_be_visible()
        # the inline style sheet was applied (its hash is in the CSP), not blocked
        color = await page.locator("header").evaluate("e => getComputedStyle(e).backgroundColor")
        assert color == "rgb(0, 51, 153)"
    finally:
        await context.close()
    assert problems == []
