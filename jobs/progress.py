"""Composer of the treaty deadline alerts (SPEC §6): 24, 12, 6 and 3 months before a
deadline set with `/deadline`, to the group and privately to the national authority."""

from __future__ import annotations

from bot.i18n import Lang
from bot.models import TreatyDeadline
from bot.services.kinds import Kind
from bot.services.roles import AUTHORITY
from bot.views import progress as views
from jobs.compose import Compose, Composer, Message


async def deadline_alert(c: Compose) -> list[Message]:
    """The countdown is written as of sending, so a late alert still tells the truth."""
    deadline = await c.session.get(TreatyDeadline, c.reminder.subject_id)
    if deadline is None:
        return []
    coalition, now = c.coalition, c.runtime.clock.now()

    def render(t: Lang) -> str:
        return views.deadline_alert(t, coalition, deadline, now)

    return [c.group(render), *c.private(await c.with_roles(AUTHORITY), render)]


COMPOSERS: dict[Kind, Composer] = {Kind.DEADLINE: deadline_alert}
