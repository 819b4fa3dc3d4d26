"""Composer of the erasure that `/closecoalition` scheduled 30 days ahead (SPEC §3).

It runs even while the coalition is paused (the bot out of its group). The messages saying
that the data is gone are written before the data goes, and leave as notices after the
commit: the erasure removes this very reminder with the rest, so no `Delivery` row could
record them. A cancelled closing, or one replaced by a later `/closecoalition`, erases nothing.
"""

from __future__ import annotations

from bot.services import closing, leaving
from bot.services.kinds import Kind
from bot.views import leaving as views
from jobs.compose import Compose, Composer, Message


async def erase(c: Compose) -> list[Message]:
    coalition = c.coalition
    if coalition is None or not closing.is_due(coalition, c.reminder, c.runtime.clock.now()):
        return []
    render = lambda t: views.erased(t, coalition)  # noqa: E731
    c.notices += c.to_people(await leaving.managers_to_tell(c.session, coalition), render)
    if coalition.paused_at is None:
        c.notices.append(c.group(render))
    await closing.erase(c.session, coalition)
    return []


COMPOSERS: dict[Kind, Composer] = {Kind.ERASE: erase}
