"""The dashboard over HTTP (SPEC §15): sign-in refusals, what each reader sees, the public
page, the network view, the headers; and `/dashboard`, `/network`, `/settings public|network`."""

from __future__ import annotations

import aiohttp
import pytest

from bot.models import Coalition
from bot.services import members as member_service
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, free_port, started_bot
from tests.e2e.web_world import ACTION_TEXT, IN_KIND, NEED_TITLE, PLEDGE_NOTE, Web, web_fixture  # noqa: F401  (the fixture)


def _jar(web: Web) -> aiohttp.CookieJar:
    """A browser's cookie jar: like browsers, it treats the local address as a secure origin."""
    return aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[web.base])


NAMES = ("Rania", "Haddad", "Nadia", "John", "Salim", "rania", "nadia", "john", "salim")


async def _post(web: Web, raw: str | None, **form: str) -> tuple[int, str, aiohttp.ClientResponse]:
    data = {"init_data": raw, **form} if raw is not None else form
    async with aiohttp.ClientSession() as http, http.post(f"{web.base}/app", data=data) as response:
        return response.status, await response.text(), response


async def test_a_member_signed_in_by_telegram_sees_meeting_actions_deadlines_and_chart(web):
    status, page, response = await _post(web, web.signed(JOHN))
    assert status == 200
    assert "Country Coalition of Lebanon" in page and "Spring coalition meeting" in page and "LMAC" in page
    assert ACTION_TEXT in page and "overdue by 5 days" in page and "Nadia" in page
    assert "clearance (Article 4)" in page and "On track" in page
    assert "<svg" in page and 'class="released"' in page
    assert 'dir="ltr"' in page and 'lang="en"' in page
    assert "Members the bot cannot reach" not in page
    cookie = response.headers["Set-Cookie"]
    for attribute in ("HttpOnly", "Secure", "SameSite=Lax", "Max-Age=2592000", "Path=/"):
        assert attribute in cookie


@pytest.mark.parametrize("case", ["forged", "stale", "missing", "empty", "other bot"])
async def test_forged_stale_or_missing_init_data_gets_401_and_nothing(web, case):
    raw = {
        "forged": web.signed(JOHN).replace("%22john%22", "%22j0hn%22"),
        "stale": web.signed(JOHN, age=3 * 86400),
        "missing": None,
        "empty": "",
        "other bot": web.signed(JOHN).replace("hash=", "hash=0"),
    }[case]
    status, page, response = await _post(web, raw)
    assert status == 401
    assert "Spring coalition meeting" not in page and ACTION_TEXT not in page and "Set-Cookie" not in response.headers
    async with aiohttp.ClientSession() as http, http.get(f"{web.base}/app") as plain:
        assert plain.status == 401  # no cookie either


async def test_a_non_member_gets_403(web):
    status, page, _ = await _post(web, web.signed(SALIM))
    assert status == 403 and "not a member" in page and ACTION_TEXT not in page
    status, page, _ = await _post(web, web.signed(SALIM, start_param=f"c{web.coalition_id}"))
    assert status == 403 and ACTION_TEXT not in page


async def test_a_telegram_admin_who_never_joined_sees_the_managers_view_in_arabic(web):
    async with web.bot.app.bot_data["runtime"].db.transaction() as session:
        await member_service.mark_unreachable(session, NADIA)
    status, page, _ = await _post(web, web.signed(ADMIN, start_param=f"c{web.coalition_id}"))
    assert status == 200
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert "الأعضاء الذين يتعذّر" in page and "Nadia" in page
    status, page, _ = await _post(web, web.signed(JOHN))  # a donor does not see who is unreachable
    assert status == 200 and "cannot reach" not in page


async def test_the_session_cookie_keeps_a_reader_in_until_the_membership_ends(web):
    async with aiohttp.ClientSession(cookie_jar=_jar(web)) as http:
        async with http.post(f"{web.base}/app", data={"init_data": web.signed(NADIA)}) as first:
            assert first.status == 200
        async with http.get(f"{web.base}/app") as again:
            page = await again.text()
            assert again.status == 200 and ACTION_TEXT in page and 'lang="fr"' in page
        question = await web.bot.say(NADIA, NADIA, "/forgetme")
        await web.bot.press(question, NADIA, question.buttons()[0]["callback_data"])
        async with http.get(f"{web.base}/app") as after:
            assert after.status == 403 and ACTION_TEXT not in await after.text()


async def test_leaving_the_group_ends_the_session_and_an_administrator_needs_no_coalition_id(web):
    async with aiohttp.ClientSession(cookie_jar=_jar(web)) as http:
        async with http.post(f"{web.base}/app", data={"init_data": web.signed(JOHN)}) as first:
            assert first.status == 200
        await web.bot.emu.leave_group(GROUP, JOHN)
        await web.bot.idle()
        async with http.get(f"{web.base}/app") as after:
            assert after.status == 403 and ACTION_TEXT not in await after.text()
    status, page, _ = await _post(web, web.signed(ADMIN))  # set the group up, never joined: no ?c= needed
    assert status == 200 and ACTION_TEXT in page


async def test_telegram_login_sets_the_session(web):
    async with aiohttp.ClientSession(cookie_jar=_jar(web)) as http:
        async with http.get(web.login(JOHN, str(web.coalition_id)), allow_redirects=False) as landing:
            assert landing.status == 303 and landing.headers["Location"] == f"/app?c={web.coalition_id}"
            assert "HttpOnly" in landing.headers["Set-Cookie"]
        async with http.get(f"{web.base}/app?c={web.coalition_id}") as page:
            assert page.status == 200 and ACTION_TEXT in await page.text()
        async with http.get(web.login(JOHN).replace("hash=", "hash=1")) as forged:
            assert forged.status == 401


async def test_every_response_has_a_restrictive_content_security_policy(web):
    async with aiohttp.ClientSession() as http:
        for path in ("/app", "/c/nothing", "/static/app.css", "/static/app.js", "/network"):
            async with http.get(web.base + path) as response:
                csp = response.headers["Content-Security-Policy"]
                assert (
                    "default-src 'none'" in csp
                    and "script-src 'self' https://telegram.org/js/telegram-web-app.js" in csp
                )
                assert "style-src 'self'" in csp and "'unsafe-inline'" not in csp and "form-action 'self'" in csp
                assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_public_page_opt_in_slug_languages_and_no_personal_data(web):
    bot = web.bot
    refused = await bot.say(GROUP, NADIA, "/settings public on")
    assert "managers" in refused.text
    await bot.say(GROUP, ADMIN, "/role @john national_authority")
    await bot.say(JOHN, JOHN, "/start")
    published = await bot.say(GROUP, ADMIN, "/settings public on")
    assert f"{web.base}/c/lebanon" in published.text
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{web.base}/c/lebanon") as response:
            page = await response.text()
        assert response.status == 200 and "Public transparency page" in page
        assert "233,000 m²" in page and "767,000 m²" in page and "2026" in page
        # needs funded versus gap by title: the sums only, never the pledges behind them
        needs = page[page.index('<section id="needs">') :]
        assert f"<th>{NEED_TITLE}</th><td>$450,000</td><td>$200,000</td><td>$250,000</td>" in needs
        assert "Total funding gap: €20,000 · $250,000" in needs
        private = (*NAMES, ACTION_TEXT, "NPA", "Norway", PLEDGE_NOTE, IN_KIND, "PL1", "€150,000")
        for personal in (*private, str(JOHN), str(NADIA), str(GROUP)):
            assert personal not in page, personal
        async with http.get(f"{web.base}/c/lebanon?lang=fr") as french:
            assert "Page publique de transparence" in await french.text()
        async with http.get(f"{web.base}/c/lebanon", headers={"Accept-Language": "ar-LB,ar;q=0.9"}) as arabic:
            assert 'dir="rtl"' in await arabic.text()
    seen = bot.snapshot()
    await bot.say(GROUP, ADMIN, "/settings public off")
    told = await bot.next(JOHN, seen)
    assert "unpublished" in told.text and "Lebanon" in told.text
    async with aiohttp.ClientSession() as http, http.get(f"{web.base}/c/lebanon") as gone:
        assert gone.status == 404
    await bot.say(GROUP, ADMIN, "/settings public on")
    rows = await bot.rows(Coalition)
    assert rows[0].public_slug == "lebanon"  # kept across off and on


async def test_network_view_for_network_viewers_only(web):
    bot = web.bot
    await bot.say(GROUP, ADMIN, "/settings network on")
    overview = await bot.say(GROUP, ADMIN, "/settings")
    assert "network: on (1 viewer)" in overview.text
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{web.base}/network", data={"init_data": web.signed(SALIM)}) as response:
            page = await response.text()
            assert response.status == 200 and "Lebanon" in page and "The meeting cadence holds" in page
            assert "Total funding gap: €20,000 · $250,000" in page
            assert "Norway" not in page and PLEDGE_NOTE not in page
        async with http.post(f"{web.base}/network", data={"init_data": web.signed(JOHN)}) as response:
            assert response.status == 403
    async with aiohttp.ClientSession(cookie_jar=_jar(web)) as http:
        async with http.get(web.login(SALIM, "network"), allow_redirects=False) as landing:
            assert landing.status == 303 and landing.headers["Location"] == "/network"
        async with http.get(f"{web.base}/network") as response:
            assert response.status == 200 and "Lebanon" in await response.text()
    answer = await bot.say(SALIM, SALIM, "/network")
    assert f"{web.base}/network" in answer.text
    answer = await bot.say(JOHN, JOHN, "/network")
    assert "only to the Convention's network viewers" in answer.text


async def test_dashboard_command_with_a_local_address_writes_it_out(web):
    private = await web.bot.say(JOHN, JOHN, "/dashboard")
    assert f"{web.base}/app" in private.text and not private.buttons()
    group = await web.bot.say(GROUP, JOHN, "/dashboard")
    assert f"{web.base}/app?c={web.coalition_id}" in group.text


async def test_dashboard_command_without_public_url_says_so(coalition):
    answer = await coalition.say(JOHN, JOHN, "/dashboard")
    assert answer.text == "The web view is not configured on this bot (PUBLIC_URL is not set)."


async def test_dashboard_buttons_with_a_public_https_address(emu, db_url, clock):
    """The Mini App button only in private (Telegram refuses `web_app` elsewhere), the login
    button to the domain linked with /setdomain, a link in the group."""
    emu.login_domain = "coalition.example.org"
    async with started_bot(
        emu, db_url, clock, public_url="https://coalition.example.org", web_host="127.0.0.1",
        web_port=free_port(), webapp_short_name="board",
    ) as bot:  # fmt: skip
        seen = bot.snapshot()
        await emu.add_bot_to_group(GROUP, ADMIN)
        await bot.next(GROUP, seen)
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        await bot.say(GROUP, JOHN, "/join donor Embassy of Norway")
        private = await bot.say(JOHN, JOHN, "/dashboard")
        buttons = private.buttons()
        assert buttons[0]["web_app"] == {"url": "https://coalition.example.org/app"}
        assert buttons[1]["login_url"]["url"] == "https://coalition.example.org/login/0"
        group = await bot.say(GROUP, JOHN, "/dashboard")
        coalition_id = (await bot.rows(Coalition))[0].id
        assert group.buttons()[0]["url"] == f"https://t.me/{bot.app.bot.username}/board?startapp=c{coalition_id}"
        assert [b for m in bot.sent_to(GROUP) for b in m.buttons() if "web_app" in b or "login_url" in b] == []
    assert [(r.method, r.error) for r in emu.rejected] == []


async def test_a_member_sees_needs_pledges_and_the_gap_in_the_needs_currency(web):
    status, page, _ = await _post(web, web.signed(JOHN))
    assert status == 200
    section = page[page.index('<section id="needs">') : page.index("</section>", page.index('<section id="needs">'))]
    assert "Needs, pledges and the gap" in section and NEED_TITLE in section and "priority high" in section
    assert "by June 2027" in section
    # N1 (high) before N2 (low); the sums in the need's currency
    assert section.index(NEED_TITLE) < section.index("Risk education leaflets")
    for label, amount in (("Amount", "$450,000"), ("Pledged", "$200,000"), ("Committed", "$200,000"),
                          ("Disbursed", "$50,000"), ("Gap", "$250,000")):  # fmt: skip
        assert f"<dt>{label}</dt><dd>{amount}</dd>" in section, label
    assert "<dt>Gap</dt><dd>€20,000</dd>" in section  # N2: nothing pledged
    assert "Also pledged (not subtracted): €150,000" in section
    assert f"PL3 Embassy of Norway: in kind: {IN_KIND}" in section
    assert "Donors: Embassy of Norway" in section and "No pledge yet." in section
    assert "Total funding gap: €20,000 · $250,000" in section
