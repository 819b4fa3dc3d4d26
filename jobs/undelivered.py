"""Composer of the managers' notice of messages Telegram refused for good (SPEC §11).

Sent privately to every manager the bot may write to; it names the failures it claims
(`services.undelivered.claim`), so a resumed notice names the same ones and a later notice
only new ones. Nothing to name: nothing is sent.
"""

from __future__ import annotations

from bot.services import undelivered
from bot.services.kinds import Kind
from bot.views import undelivered as views
from jobs.compose import Compose, Composer, Message


async def notice(c: Compose) -> list[Message]:
    coalition = c.coalition
    failures = await undelivered.claim(c.session, coalition, c.reminder)
    if not failures:
        return []
    return c.private(await c.managers(), lambda t: views.notice(t, coalition, failures))


COMPOSERS: dict[Kind, Composer] = {Kind.UNDELIVERED: notice}
