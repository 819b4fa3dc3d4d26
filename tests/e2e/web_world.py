"""A coalition with something to show, served by the real bot with its dashboard on.

Shared by the HTTP tests and the browser tests of the dashboard (SPEC §15). The clock is the
e2e test clock (10 January 2027); `PUBLIC_URL` is a local address, as in a trial.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.emulator.webapps import init_data, login_query
from bot.models import Coalition
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, TOKEN, Harness, confirm, free_port, started_bot

USERS = {
    ADMIN: {"id": ADMIN, "first_name": "Rania", "last_name": "Haddad", "username": "rania", "language_code": "ar"},
    NADIA: {"id": NADIA, "first_name": "Nadia", "username": "nadia", "language_code": "fr"},
    JOHN: {"id": JOHN, "first_name": "John", "username": "john", "language_code": "en"},
    SALIM: {"id": SALIM, "first_name": "Salim", "username": "salim", "language_code": "de"},
}
ACTION_TEXT = "Submit technical survey plan for sector 4"
NEED_TITLE = "Technical survey of sector 4"
PLEDGE_NOTE = "subject to parliamentary approval"
IN_KIND = "two mechanical demining machines"


@dataclass
class Web:
    bot: Harness
    base: str
    coalition_id: int

    def signed(self, user_id: int, *, age: int = 0, **extra: str) -> str:
        """`initData` as Telegram would give the Mini App `age` seconds ago."""
        return init_data(TOKEN, USERS[user_id], int(self.bot.clock.now().timestamp()) - age, **extra)

    def login(self, user_id: int, target: str = "0") -> str:
        return f"{self.base}/login/{target}?{login_query(TOKEN, USERS[user_id], int(self.bot.clock.now().timestamp()))}"


@pytest.fixture(name="web")
async def web_fixture(emu, db_url, clock) -> AsyncIterator[Web]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with started_bot(
        emu, db_url, clock, public_url=base, web_host="127.0.0.1", web_port=port, network_viewers=str(SALIM)
    ) as bot:
        seen = bot.snapshot()
        await emu.add_bot_to_group(GROUP, ADMIN)
        await bot.next(GROUP, seen)
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        await bot.say(GROUP, NADIA, "/join operator NPA")
        await bot.say(GROUP, JOHN, "/join donor Embassy of Norway")
        await confirm(bot, GROUP, "nadia", "john")  # the administrator confirms their organisations
        await bot.say(GROUP, ADMIN, "/meeting 2027-02-15 09:30 Spring coalition meeting @ LMAC")
        await bot.say(GROUP, ADMIN, f"/action @nadia 2027-01-05 {ACTION_TEXT}")
        await bot.say(GROUP, ADMIN, "/action donor Confirm funding for 2027")
        await bot.say(GROUP, ADMIN, "/settings baseline 1,000,000")
        await bot.say(GROUP, ADMIN, "/deadline article4 2028-08-01")
        await bot.say(GROUP, NADIA, "/report period=2026-11 cleared=30000")
        await bot.say(GROUP, NADIA, "/report period=2026-12 cancelled=120000 reduced=45000 cleared=38000")
        # needs (SPEC §13): N1 half pledged by Norway, with a note, a tranche, euros and a gift in kind
        await bot.say(GROUP, ADMIN, f"/need {NEED_TITLE} 450000 USD by 2027-06 priority high")
        await bot.say(GROUP, ADMIN, "/need Risk education leaflets 20000 EUR priority low")
        await bot.say(GROUP, JOHN, f"/pledge N1 200000 USD by 2027-03-31 {PLEDGE_NOTE}")
        await bot.say(GROUP, JOHN, "/pledge PL1 committed")
        await bot.say(GROUP, JOHN, "/pledge PL1 disbursed 50000 USD")
        await bot.say(GROUP, JOHN, "/pledge N1 150 000 EUR")
        await bot.say(GROUP, JOHN, f"/pledge N1 in-kind {IN_KIND}")
        rows = await bot.rows(Coalition)
        yield Web(bot, base, rows[0].id)
    assert [(r.method, r.error) for r in emu.rejected] == []
