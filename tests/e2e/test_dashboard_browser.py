"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright (SPEC §15).

The pages are served by the real bot (with the emulator behind it) and read the way a person
reads them: the text on the screen, the direction of the page, what happens on a phone-sized
screen. Telegram opens a Mini App with its signed `initData` in the URL fragment; these tests
do the same, so the page's own script signs the reader in as it does inside Telegram.

Every request the browser makes is recorded: none may leave 127.0.0.1. The one exception the
pages may ask for, Telegram's `telegram-web-app.js`, is refused here, which also shows the page
works without it. Screenshots at a phone-sized viewport are kept in `build/screenshots` (or
`$SCREENSHOT_DIR`) as test artifacts.

Chromium is `/usr/bin/chromium` (`apt-get install -y chromium`) or `$CHROMIUM`; Playwright's own
browser download is never used. A missing browser fails these tests: it is never a skip.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from playwright.async_api import Browser, Page, async_playwright

from bot.config import PROJECT_ROOT
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM
from tests.e2e.web_world import ACTION_TEXT, IN_KIND, NEED_TITLE, PLEDGE_NOTE, Web, web_fixture  # noqa: F401  (the fixture)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", PROJECT_ROOT / "build" / "screenshots"))
THEME = {  # Telegram's dark theme, as its Android client sends it
    "bg_color": "#17212b",
    "secondary_bg_color": "#232e3c",
    "text_color": "#f5f5f5",
    "hint_color": "#708499",
    "link_color": "#6ab3f3",
    "button_color": "#5288c1",
}
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"


class Watched:
    """A page with every request it made and every console error it logged."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))

    def outside(self) -> list[str]:
        """Requests to anywhere but 127.0.0.1 (the refused Telegram script aside)."""
        return [
            url
            for url in self.requests
            if urlsplit(url).hostname != "127.0.0.1" and url != TELEGRAM_SCRIPT and not url.startswith("data:")
        ]

    async def text(self) -> str:
        return await self.page.inner_text("body")

    async def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()


async def _page(browser: Browser, *, phone: bool = False, accept_language: str | None = None) -> Watched:
    context = await browser.new_context(
        viewport=PHONE if phone else {"width": 1280, "height": 900},
        is_mobile=phone,
        has_touch=phone,
        locale=accept_language or "en-US",
    )

    async def refuse(route) -> None:
        await route.abort()

    await context.route(lambda url: urlsplit(url).hostname != "127.0.0.1", refuse)
    return Watched(await context.new_page())


def _mini_app(web: Web, raw: str, path: str = "/app") -> str:
    """The address Telegram opens a Mini App at: its URL with the launch data in the fragment."""
    fragment = (
        f"tgWebAppData={quote(raw, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=android"
        f"&tgWebAppThemeParams={quote(json.dumps(THEME), safe='')}"
    )
    return f"{web.base}{path}#{fragment}"


async def _open(watched: Watched, address: str) -> str:
    await watched.page.goto(address)
    await watched.page.wait_for_load_state("networkidle")
    return await watched.text()


async def test_a_member_opens_the_mini_app_and_sees_the_meeting_and_action_points(web, browser):
    watched = await _page(browser, phone=True)
    text = await _open(watched, _mini_app(web, web.signed(JOHN)))
    assert "Country Coalition of Lebanon" in text
    assert "Spring coalition meeting" in text and "LMAC" in text
    assert "Attending" in text and "Not attending" in text
    assert ACTION_TEXT in text and "overdue by 5 days" in text and "Nadia" in text
    assert "clearance (Article 4)" in text and "On track" in text
    assert await watched.page.locator("svg.chart polyline.released").count() == 1
    # Telegram's theme, copied from the launch data, colours the page
    assert await watched.page.evaluate("document.documentElement.classList.contains('tg')")
    background = await watched.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)"
    card = await watched.page.evaluate("getComputedStyle(document.querySelector('section')).backgroundColor")
    words = await watched.page.evaluate("getComputedStyle(document.querySelector('section')).color")
    assert (card, words) == ("rgb(35, 46, 60)", "rgb(245, 245, 245)")  # light text on the dark card
    # readable on a phone: nothing wider than the screen
    assert await watched.page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    await watched.shot("mini-app-en-phone")
    assert watched.outside() == [] and not [e for e in watched.errors if "Content Security Policy" in e]


@pytest.mark.parametrize("case", ["forged", "three days old", "non-member", "no initData"])
async def test_refused_readers_see_nothing_of_the_coalition(web, browser, case):
    raw = {
        "forged": web.signed(JOHN).replace("%22john%22", "%22admin%22"),
        "three days old": web.signed(JOHN, age=3 * 86400),
        "non-member": web.signed(SALIM),
        "no initData": None,
    }[case]
    watched = await _page(browser)
    address = _mini_app(web, raw) if raw is not None else f"{web.base}/app"
    text = await _open(watched, address)
    assert "Spring coalition meeting" not in text and ACTION_TEXT not in text and "Nadia" not in text
    expected = "not a member" if case == "non-member" else ("could not be verified" if raw else "Open this page from")
    assert expected in text
    assert watched.outside() == []


async def test_an_arabic_reader_gets_a_right_to_left_arabic_page(web, browser):
    watched = await _page(browser, phone=True)
    text = await _open(watched, _mini_app(web, web.signed(ADMIN, start_param=f"c{web.coalition_id}")))
    assert await watched.page.evaluate("document.documentElement.dir") == "rtl"
    assert await watched.page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert await watched.page.evaluate("document.documentElement.lang") == "ar"
    assert "الائتلاف القُطري في لبنان" in text and "بنود العمل المفتوحة" in text and "الاجتماع القادم" in text
    # the headings start at the right-hand edge on an RTL page
    box = await watched.page.locator("h1").bounding_box()
    width = await watched.page.evaluate("window.innerWidth")
    assert box["x"] + box["width"] > width * 0.9
    await watched.shot("mini-app-ar-phone")
    assert watched.outside() == []


async def test_a_french_reader_gets_french(web, browser):
    watched = await _page(browser, phone=True)
    text = await _open(watched, _mini_app(web, web.signed(NADIA)))
    assert "Points d'action ouverts" in text and "Prochaine réunion" in text and ACTION_TEXT in text
    assert await watched.page.evaluate("document.documentElement.dir") == "ltr"
    await watched.shot("mini-app-fr-phone")


async def test_telegram_login_outside_telegram_then_the_cookie_keeps_the_reader_in(web, browser):
    watched = await _page(browser)
    text = await _open(watched, web.login(JOHN, str(web.coalition_id)))
    assert watched.page.url == f"{web.base}/app?c={web.coalition_id}"
    assert ACTION_TEXT in text
    # outside Telegram: the clean light theme, no Telegram script asked for
    assert await watched.page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert TELEGRAM_SCRIPT not in watched.requests
    again = await _open(watched, f"{web.base}/app")  # a bookmark, later
    assert ACTION_TEXT in again
    assert watched.outside() == []


async def test_the_public_page_in_three_languages_without_personal_data(web, browser):
    bot = web.bot
    await bot.say(GROUP, ADMIN, "/settings public on")
    watched = await _page(browser, phone=True, accept_language="fr-FR")
    text = await _open(watched, f"{web.base}/c/lebanon")
    assert "Page publique de transparence" in text and "Contamination restante" in text
    assert "767\u202f000\u00a0m²" in text or "767 000 m²" in text.replace("\u202f", " ").replace("\u00a0", " ")
    html = await watched.page.content()
    private = ("Rania", "Haddad", "Nadia", "John", "rania", "nadia", "john", "NPA", "Norway", ACTION_TEXT)
    for personal in (*private, PLEDGE_NOTE, IN_KIND):
        assert personal not in html, personal
    for number in (str(ADMIN), str(NADIA), str(JOHN), str(GROUP)):
        assert number not in html
    await watched.shot("public-fr-phone")
    await watched.page.click("a[hreflang=ar]")
    await watched.page.wait_for_load_state("networkidle")
    assert await watched.page.evaluate("document.documentElement.dir") == "rtl"
    assert "صفحة الشفافية العامة" in await watched.text()
    await watched.shot("public-ar-phone")
    await watched.page.click("a[hreflang=en]")
    await watched.page.wait_for_load_state("networkidle")
    assert "Public transparency page" in await watched.text()
    assert await watched.page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    assert watched.outside() == [] and TELEGRAM_SCRIPT not in watched.requests
    await bot.say(GROUP, ADMIN, "/settings public off")
    response = await watched.page.goto(f"{web.base}/c/lebanon")
    assert response.status == 404 and "Remaining contamination" not in await watched.text()


def _seen(text: str) -> str:
    """Text as a person reads it: without the invisible direction marks, no-break spaces as spaces."""
    return re.sub("[\u200e\u200f\u061c\u2066-\u2069]", "", text).replace("\u00a0", " ").replace("\u202f", " ")


async def _boxes(watched: Watched, selector: str) -> list[dict]:
    return [await item.bounding_box() for item in await watched.page.locator(selector).all()]


async def _drawn_order(watched: Watched, selector: str, first: str, second: str) -> str:
    """The two characters of the element's text in the order they are drawn, left to right."""
    return await watched.page.evaluate(
        """([selector, chars]) => {
            const node = document.querySelector(selector);
            const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
            const found = [];
            for (let text = walker.nextNode(); text; text = walker.nextNode()) {
                for (const char of chars) {
                    const at = text.data.indexOf(char);
                    if (at < 0) continue;
                    const range = document.createRange();
                    range.setStart(text, at);
                    range.setEnd(text, at + 1);
                    found.push([range.getBoundingClientRect().x, char]);
                }
            }
            return found.sort((a, b) => a[0] - b[0]).map(([, char]) => char).join("");
        }""",
        [selector, [first, second]],
    )


async def test_needs_pledges_and_the_gap_read_in_english_and_in_arabic(web, browser):
    watched = await _page(browser, phone=True)
    await _open(watched, _mini_app(web, web.signed(JOHN)))
    english = _seen(await watched.page.locator("#needs").inner_text())
    assert "Needs, pledges and the gap" in english and f"N1 {NEED_TITLE}" in english
    assert "priority high · by June 2027" in english
    assert "Amount\n$450,000\nPledged\n$200,000\nCommitted\n$200,000\nDisbursed\n$50,000\nGap\n$250,000" in english
    assert "Also pledged (not subtracted): €150,000" in english
    assert f"PL3 Embassy of Norway: in kind: {IN_KIND}" in english and "Donors: Embassy of Norway" in english
    assert english.index(NEED_TITLE) < english.index("Risk education leaflets") < english.index("No pledge yet.")
    assert english.endswith("Total funding gap: €20,000 · $250,000")
    amount, pledged = (await _boxes(watched, "#needs article:first-of-type .sums > div"))[:2]
    assert amount["x"] < pledged["x"]  # left to right
    assert await watched.page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    await watched.shot("needs-en-phone")

    watched = await _page(browser, phone=True)
    await _open(watched, _mini_app(web, web.signed(ADMIN, start_param=f"c{web.coalition_id}")))
    arabic = _seen(await watched.page.locator("#needs").inner_text())
    assert "الاحتياجات والتعهّدات وفجوة التمويل" in arabic and f"N1 {NEED_TITLE}" in arabic
    assert "الأولوية عالية · بحلول يونيو 2027" in arabic
    assert "المبلغ\n450,000 US$\nالمتعهَّد به\n200,000 US$\nالملتزم به\n200,000 US$" in arabic
    assert "المصروف\n50,000 US$\nالفجوة\n250,000 US$" in arabic
    assert "تعهّدات أخرى (غير مخصومة): 150,000 €" in arabic and "الجهات المانحة: Embassy of Norway" in arabic
    assert arabic.endswith("إجمالي فجوة التمويل: 20,000 € · 250,000 US$")
    # right to left: the amount comes first at the right-hand edge, the sums follow leftwards
    amount, pledged = (await _boxes(watched, "#needs article:first-of-type .sums > div"))[:2]
    assert amount["x"] > pledged["x"]
    assert await _drawn_order(watched, "#needs article:first-of-type .sums dd", "U", "$") == "U$"  # not "$US"
    heading = await watched.page.locator("#needs h2").bounding_box()
    width = await watched.page.evaluate("window.innerWidth")
    assert heading["x"] + heading["width"] > width * 0.85
    assert await watched.page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    await watched.shot("needs-ar-phone")
    assert watched.outside() == []
